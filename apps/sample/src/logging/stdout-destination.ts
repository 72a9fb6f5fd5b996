// A CommonJS package whose class Node's ESM loader exposes only through the default export.
import sonicBoom from 'sonic-boom';

/** Where `JsonConsoleLogger` writes its lines. */
export interface LogDestination {
  write(line: string): unknown;
  /** Writes whatever is still buffered, before returning. */
  flushSync(): void;
}

/** Past this much unwritten log, lines are dropped rather than held: a stuck stdout must not eat the heap. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Standard output written asynchronously, as pino's `sonic-boom` does it for pino: lines produced
 * while a write is in flight are joined and written together, so a busy server makes one `write`
 * per batch instead of one blocking `write` per request (to a file or a pipe that is several
 * microseconds each, on the thread that serves requests). What is still buffered is written
 * synchronously when the process exits; only a hard kill (SIGKILL) can lose the last lines.
 *
 * @param fd where to write; standard output unless a test says otherwise.
 */
export function asyncStdout(fd: number = process.stdout.fd): LogDestination {
  const destination = new sonicBoom.SonicBoom({ fd, sync: false, maxLength: MAX_BUFFERED_BYTES });
  let warned = false;
  const warnOnce = (problem: string) => {
    if (warned) return;
    warned = true;
    process.stderr.write(`log output: ${problem}\n`);
  };
  // Without a listener, an 'error' (say EPIPE once the reader went away) would crash the server.
  destination.on('error', (error: NodeJS.ErrnoException) => warnOnce(`write failed (${error.code ?? 'error'})`));
  destination.on('drop', () => warnOnce(`stdout is not keeping up; lines past ${MAX_BUFFERED_BYTES} bytes dropped`));
  const flushSync = () => {
    try {
      destination.flushSync();
    } catch {
      // Nothing left to do with it: the reason was reported through 'error' if there was one.
    }
  };
  // Also on SIGTERM/SIGINT: the app enables Nest's shutdown hooks with `useProcessExit`.
  process.once('exit', flushSync);
  return { write: (line) => destination.write(line), flushSync };
}
