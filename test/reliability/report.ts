import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where each reliability spec leaves its results; scripts/reliability-report.mjs turns them into docs/reliability.md. */
export const RESULTS_DIR = fileURLToPath(new URL('../../test-results/reliability/', import.meta.url));

export type Row = Record<string, string | number | boolean>;

/** Collects the rows of one report section and writes them as JSON when the spec ends. */
export class ReliabilityReport {
  private readonly sections = new Map<string, { intro: string; rows: Row[] }>();

  constructor(private readonly file: string) {}

  section(title: string, intro: string): (row: Row) => void {
    const section = { intro, rows: [] as Row[] };
    this.sections.set(title, section);
    return (row) => void section.rows.push(row);
  }

  write(): void {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const sections = [...this.sections].map(([title, { intro, rows }]) => ({ title, intro, rows }));
    writeFileSync(`${RESULTS_DIR}${this.file}.json`, JSON.stringify(sections, null, 2));
  }
}

/** A report file with one section, written when the spec ends: the usual case. */
export function reportSection(file: string, title: string, intro: string): (row: Row) => void {
  const report = new ReliabilityReport(file);
  afterAll(() => report.write());
  return report.section(title, intro);
}
