import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ConfCheckResult {
  ok: boolean;
  /** The server's complaint, as `line N: 'directive': reason`, when the file was refused. */
  error?: string;
  /** Everything the server printed. */
  output: string;
}

/**
 * Let the real redis-server (or redis-sentinel) parse a rendered config. Redis has no config-test
 * flag; started with `--port 0` it parses the whole file, logs "Configuration loaded" and exits
 * because it may not listen anywhere, so nothing has to be stopped. Redis chdirs at the `dir`
 * line while parsing, so `dir` is pointed at a scratch directory (the pod's /data does not exist
 * here). Sentinel rewrites its file on a real start; with `--port 0` it exits before that.
 * Throws when the binary is missing: a check that cannot run must not pass.
 */
export function checkConfWithServer(text: string, kind: "redis" | "sentinel", binary = kind === "redis" ? "redis-server" : "redis-sentinel"): ConfCheckResult {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-redis-check-"));
  try {
    const file = path.join(scratch, `${kind}.conf`);
    fs.writeFileSync(file, text.replace(/^dir .*$/gm, `dir ${scratch}`));
    const run = spawnSync(binary, [file, "--port", "0", "--daemonize", "no", "--logfile", ""], { encoding: "utf8", timeout: 10_000 });
    if (run.error) throw new Error(`cannot run ${binary} to check the ${kind} config: ${run.error.message}`);
    const output = `${run.stdout}${run.stderr}`;
    const fatal = /\*\*\* FATAL CONFIG FILE ERROR[^\n]*\n(?:Reading the configuration file, at line (\d+)\n)?>>> ('[^\n]*')\n([^\n]*)/.exec(output);
    if (fatal) return { ok: false, error: `line ${fatal[1] ?? "?"}: ${fatal[2]}: ${fatal[3]}`, output };
    if (!output.includes("Configuration loaded")) return { ok: false, error: `${binary} did not load the config: ${output.trim().split("\n").slice(-3).join(" | ")}`, output };
    return { ok: true, output };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
