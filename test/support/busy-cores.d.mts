/** Keeps every core busy with a spinning process each until the returned function is called; spinners exit with their parent. */
export declare function loadEveryCore(): () => void;
