import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Repetition } from "./stats";

/** Where and on what the benchmark ran: the first line a run appends. */
export interface MetaRecord {
  type: "meta";
  runId: string;
  startedAt: string;
  stack: string;
  host: { hostname: string; nproc: number; cpu: string; memoryGiB: number; kernel: string; node: string; loadAvg1: number };
  /** Repetitions per scenario id. */
  runs: Record<string, number>;
  configs: string[];
  scenarios: string[];
  timeoutSeconds: number;
  portBase?: number;
  /** The timings of each configuration, in words. */
  configTimings?: Record<string, string>;
}

export interface RepetitionRecord extends Repetition {
  type: "repetition";
  runId: string;
  at: string;
  targetMet?: boolean;
  notes?: string[];
  wallSeconds: number;
  /** Where a failed repetition's server logs were kept. */
  logs?: string;
  /** 1-minute load average when the repetition started: the machine is shared. */
  loadAvg1: number;
}

/** A repetition cut short by Ctrl-C: neither a measurement nor a failure of the system under test. */
export interface InterruptedRecord {
  type: "interrupted";
  runId: string;
  at: string;
  id: string;
  config: string;
  repetition: number;
}

export interface EndRecord {
  type: "end";
  runId: string;
  at: string;
  interrupted: boolean;
  wallSeconds: number;
}

export type BenchRecord = MetaRecord | RepetitionRecord | InterruptedRecord | EndRecord;

export function hostInfo(): MetaRecord["host"] {
  return {
    hostname: os.hostname(),
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `Linux ${os.release()}`,
    node: process.version,
    loadAvg1: os.loadavg()[0],
  };
}

/** Append one record as one line, synchronously: a crash right after loses nothing written before. */
export function appendRecord(file: string, rec: BenchRecord): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.appendFileSync(file, JSON.stringify(rec, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)) + "\n");
}

/** Every record of a JSON-lines file; a line that does not parse (a run killed mid-write) is reported, not fatal. */
export function readRecords(file: string, onBadLine: (lineNo: number, line: string) => void = () => undefined): BenchRecord[] {
  const out: BenchRecord[] = [];
  fs.readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        const rec = JSON.parse(line) as BenchRecord;
        if (rec && typeof rec === "object" && typeof rec.type === "string") out.push(rec);
        else onBadLine(i + 1, line);
      } catch {
        onBadLine(i + 1, line);
      }
    });
  return out;
}
