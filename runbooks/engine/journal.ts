import * as fs from "fs";
import * as path from "path";
import type { JournalEntry } from "./types";

/** Where journal lines go. */
export interface Journal {
  write(entry: JournalEntry): void;
}

/** Appends one JSON line per entry to a file, synchronously, so a crash mid-run leaves every finished line on disk. */
export class FileJournal implements Journal {
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  write(entry: JournalEntry): void {
    fs.appendFileSync(this.file, JSON.stringify(entry) + "\n");
  }
}

export class MemoryJournal implements Journal {
  readonly entries: JournalEntry[] = [];
  write(entry: JournalEntry): void {
    this.entries.push(entry);
  }
}

/** Writes to several journals (a file and stdout, say). */
export class TeeJournal implements Journal {
  constructor(private readonly targets: Journal[]) {}
  write(entry: JournalEntry): void {
    for (const t of this.targets) t.write(entry);
  }
}

/** Parse a JSON-lines journal; a malformed line is an error naming its line number. */
export function parseJournal(text: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as JournalEntry);
    } catch (e) {
      throw new Error(`journal line ${i + 1}: expected a JSON object, got ${JSON.stringify(line.slice(0, 80))} (${(e as Error).message})`);
    }
  });
  return out;
}

export function readJournal(file: string): JournalEntry[] {
  return parseJournal(fs.readFileSync(file, "utf8"));
}

/**
 * The recovery time of one run read off its journal: from the earliest start to the latest end
 * of its lines (rollbacks included, since the service is not back until they finish). Without a
 * runId, the last run in the journal.
 */
export function rtoFromJournal(entries: JournalEntry[], runId?: string): number {
  const id = runId ?? entries[entries.length - 1]?.runId;
  const mine = entries.filter((e) => e.runId === id);
  if (mine.length === 0) throw new Error(`journal: no entries for run ${JSON.stringify(id)}`);
  const start = Math.min(...mine.map((e) => Date.parse(e.start)));
  const end = Math.max(...mine.map((e) => Date.parse(e.end)));
  return (end - start) / 1000;
}
