/** One write a writer tried: ids are unique per writer; `ok` means the store acknowledged it. */
export interface WriteAttempt {
  id: number;
  /** ms since the writer's epoch. */
  startMs: number;
  endMs: number;
  ok: boolean;
  /** Member/server the write went to. */
  target: string;
  error?: string;
}

/** What the probe needs of a writer: its record of attempts, and start/stop. */
export interface Writer {
  readonly attempts: WriteAttempt[];
  /** Wall-clock time of ms 0 of the attempts. */
  readonly epoch: number;
  start(): void;
  stop(): Promise<void>;
}

export function firstLine(s: string): string {
  return s.split("\n")[0].slice(0, 200);
}
