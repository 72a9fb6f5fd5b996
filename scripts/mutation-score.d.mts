/** A StrykerJS JSON report, as far as the score needs it. */
export interface MutationReport {
  files: Record<string, { mutants: Array<{ status: string }> }>;
}

/** One area's score against its goal. */
export interface AreaScore {
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

/** Each goal's area scored from `report`. */
export declare function scores(report: MutationReport): AreaScore[];

/** One line per area, as printed. */
export declare function format(score: AreaScore): string;
