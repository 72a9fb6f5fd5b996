import { ConsoleLogger, Logger } from '@nestjs/common';

/** One line a Nest `Logger` wrote: its level, message and context. */
export type LoggedLine = [level: string, message: string, context: unknown];

/**
 * What Nest's loggers write while `run` runs, with each line's context, through Nest's own hook
 * for a custom logger (`Logger.overrideLogger`); Nest's console logger is back afterwards.
 * Spies on `Logger.prototype` intercept lines before they get here: restore them first.
 */
export async function logged(run: () => unknown): Promise<LoggedLine[]> {
  const lines: LoggedLine[] = [];
  const record =
    (level: string) =>
    (message: unknown, ...rest: unknown[]): void =>
      void lines.push([level, String(message), rest.at(-1)]);
  Logger.overrideLogger({
    log: record('log'),
    warn: record('warn'),
    error: record('error'),
    debug: record('debug'),
    verbose: record('verbose'),
  });
  try {
    await run();
  } finally {
    Logger.overrideLogger(new ConsoleLogger());
  }
  return lines;
}
