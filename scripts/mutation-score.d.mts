/** A StrykerJS JSON report, as far as the score needs it. */
export interface MutationReport {
  files: Record<string, { mutants: Array<{ status: string }> }>;
}

/** One area's (or one file's) score against its goal. */
export interface AreaScore {
  /** The area's name, or the file's path. */
  area: string;
  goal: number;
  /** Detected over detected and undetected, in percent; 0 when the area has no judged mutant. */
  score: number;
  detected: number;
  undetected: number;
  met: boolean;
}

/** The goals: the whole library, and the code whose checks matter most. */
export declare const GOALS: Array<{ area: string; goal: number; match: (file: string) => boolean }>;

/** What every file with a judged mutant must reach on its own. */
export declare const FILE_GOAL: number;

/** Each goal's area scored from `report`, then every file with a judged mutant. */
export declare function scores(report: MutationReport): AreaScore[];

/** One line per area, as printed. */
export declare function format(score: AreaScore): string;
