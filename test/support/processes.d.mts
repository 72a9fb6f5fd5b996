import type { ChildProcess, SpawnOptions } from 'node:child_process';

/** Watches the processes of one process (a jest worker, a script) and stops those a test file left. */
export interface ProcessOwner {
  own(child: ChildProcess, command: string): void;
  beginFile(): void;
  /** Stops what the current file left running, and describes each. */
  endFile(): Promise<string[]>;
}

/** The owner of this process's children (jest's environment hands its own to each test file). */
export declare const processOwner: ProcessOwner;

/** `spawn` of node:child_process, in a process group of its own stopped when the caller ends (SIGKILL included) or its test file ends. */
export declare function spawn(command: string, args?: readonly string[], options?: SpawnOptions): ChildProcess;

/** Adopts a child started elsewhere (Chromium, by playwright), stopped as those from `spawn` are. */
export declare function adopt<T extends ChildProcess>(child: T, command: string): T;

/** Stops `child` and its process group: `signal`, then SIGKILL after `graceMs`; resolves once it exited. */
export declare function stopProcess(child: ChildProcess, graceMs?: number, signal?: NodeJS.Signals): Promise<void>;
