/** The repository's root folder. */
export declare const root: string;

/**
 * Runs `build` unless every output exists and the inputs (files or folders, from the repository's
 * root) are byte for byte those of the last build of that name.
 */
export declare function buildUnlessUnchanged(
  name: string,
  paths: { inputs: string[]; outputs: string[] },
  build: () => void,
): void;
