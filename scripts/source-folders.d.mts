/** Why each source folder exists, by folder ('.' for the library's root). */
export declare const REASONS: Record<string, string>;
/** Lines and files per top-level folder of the library's source. */
export declare function countLines(dir?: string): Array<{ folder: string; lines: number; files: number }>;
/** The table as markdown, and the folders that have no reason. */
export declare function table(
  counts?: Array<{ folder: string; lines: number; files: number }>,
  reasons?: Record<string, string>,
): { text: string; missing: string[] };
/** `doc` with the table between its markers replaced, formatted with the repository's prettier settings. */
export declare function renewed(doc: string, text: string): Promise<string>;
