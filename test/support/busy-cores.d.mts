/** Keeps every core busy with a spinning process each until the returned function is called (resolved once they have exited); spinners exit with their parent. */
export declare function loadEveryCore(): () => Promise<void>;
