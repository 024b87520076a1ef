import * as fs from "node:fs";

/** A process as /proc shows it: parent and start time (clock ticks since boot; tells a reused PID apart). */
export interface ProcInfo {
  ppid: number;
  start: number;
}

/** One pass over /proc: every process's parent and start time. */
export function processTable(): Map<number, ProcInfo> {
  const out = new Map<number, ProcInfo>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the parenthesised command name (which may contain spaces): state ppid ... starttime is field 22.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (rest[0] === "Z" || rest[0] === "X") continue;
      out.set(Number(entry), { ppid: Number(rest[1]), start: Number(rest[19]) });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Every descendant of a PID in a process table. */
export function descendantsIn(table: Map<number, ProcInfo>, root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const [pid, p] of table) {
    const k = kids.get(p.ppid);
    if (k) k.push(pid);
    else kids.set(p.ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const c of kids.get(queue.shift() as number) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * Remembers every process that ever ran under a root PID (polled), so that what is left after the
 * root is gone - reparented, no longer findable by ancestry - can still be killed by PID.
 */
export class ProcessTreeWatch {
  private readonly seen = new Map<number, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly root: number) {}

  poll(): void {
    const table = processTable();
    for (const pid of descendantsIn(table, this.root)) {
      const p = table.get(pid);
      if (p) this.seen.set(pid, p.start);
    }
  }

  start(intervalMs = 1000): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The remembered processes still alive as the same process (same start time). */
  survivors(): number[] {
    const table = processTable();
    return [...this.seen].filter(([pid, start]) => table.get(pid)?.start === start).map(([pid]) => pid);
  }

  /** SIGSTOP then SIGKILL every survivor (frozen first so none reacts to another's death); returns their PIDs. */
  killSurvivors(): number[] {
    const pids = this.survivors();
    for (const sig of ["SIGSTOP", "SIGKILL"] as const) {
      for (const pid of pids) {
        try {
          process.kill(pid, sig);
        } catch {
          // gone
        }
      }
    }
    return pids;
  }
}
