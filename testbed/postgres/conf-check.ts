import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin/postgres";

export interface ConfCheck {
  ok: boolean;
  /** One line per problem PostgreSQL reported, naming the parameter. */
  problems: string[];
  /** The server's own output, for the record. */
  output: string;
  /** What `-C wal_level` printed: the value the server would run with. */
  walLevel: string;
}

/** postgresql.conf text for parameters (values quoted, quotes escaped). */
export function renderConf(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k} = '${v.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`)
    .join("\n") + "\n";
}

/**
 * Let a real PostgreSQL parse the parameters: `postgres -C <param> -D <dir>` reads the whole
 * postgresql.conf and refuses unknown names and invalid values (units, enums, ranges) without a
 * data directory, and even as root (eco.md section 4). Cross-parameter rules need a real start.
 * `describe(name)` says where a parameter came from, e.g. the stack config key of an override.
 */
export function checkWithPostgres(params: Record<string, string>, describe: (name: string) => string = (n) => n, bin = POSTGRES_BIN): ConfCheck {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-pgconf-"));
  try {
    fs.writeFileSync(path.join(dir, "postgresql.conf"), renderConf(params));
    const r = spawnSync(bin, ["-C", "wal_level", "-D", dir], { encoding: "utf8", timeout: 30_000 });
    if (r.error) throw new Error(`could not run ${bin}: ${r.error.message}`);
    const output = `${r.stdout}${r.stderr}`;
    const problems: string[] = [];
    for (const line of r.stderr.split("\n")) {
      const unknown = /unrecognized configuration parameter "([^"]+)"/.exec(line);
      const invalid = /invalid value for parameter "([^"]+)": "([^"]*)"/.exec(line);
      const range = /(-?\d+(?:\.\d+)?) (?:\w+ )?is outside the valid range for parameter "([^"]+)" \(([^)]*)\)/.exec(line);
      if (unknown) problems.push(`${describe(unknown[1])}: PostgreSQL does not know the parameter "${unknown[1]}"`);
      else if (invalid) problems.push(`${describe(invalid[1])}: PostgreSQL refuses the value "${invalid[2]}"${hint(r.stderr, line)}`);
      else if (range) problems.push(`${describe(range[2])}: ${range[1]} is outside the valid range (${range[3]})`);
    }
    const ok = r.status === 0;
    if (!ok && problems.length === 0) problems.push(`postgres -C failed (${r.status}): ${r.stderr.trim()}`);
    return { ok, problems, output, walLevel: r.stdout.trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The HINT line that follows an error line, if any ("Available values: ..."). */
function hint(stderr: string, line: string): string {
  const lines = stderr.split("\n");
  const next = lines[lines.indexOf(line) + 1] ?? "";
  const m = /HINT:\s+(.*)$/.exec(next);
  return m ? ` (${m[1]})` : "";
}
