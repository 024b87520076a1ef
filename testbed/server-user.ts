import * as fs from "node:fs";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";

/**
 * The unprivileged account every testbed server runs as when the caller is root (as in CI):
 * PostgreSQL refuses to run as root. scripts/setup.sh creates it.
 */
export const SERVER_USER = "agentdr";

export function serverUserIds(user = SERVER_USER): { uid: number; gid: number } {
  const line = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`user ${user} does not exist; run scripts/setup.sh (it creates it)`);
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Run a command as SERVER_USER when the caller is root (PostgreSQL's tools refuse root), else as the caller. */
export function spawnAsServerUser(cmd: string, args: string[]): SpawnSyncReturns<string> {
  const [file, argv] = process.getuid?.() === 0 ? ["runuser", ["-u", SERVER_USER, "--", cmd, ...args]] : [cmd, args];
  return spawnSync(file, argv, { encoding: "utf8" });
}

/** A finished command's stdout; throws naming the step, its exit status and output when it failed. */
export function stdoutOrThrow(r: SpawnSyncReturns<string>, what: string): string {
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}
