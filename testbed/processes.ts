import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";

import { SERVER_USER, serverUserIds as userIds } from "./server-user";

/** Make a directory the server user can write (when we are root). */
export function serverDir(dir: string, mode = 0o700): string {
  fs.mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) {
    const { uid, gid } = userIds(SERVER_USER);
    fs.chownSync(dir, uid, gid);
  }
  fs.chmodSync(dir, mode);
  return dir;
}

/** A file only the server user (and root) can read: configs with passwords. */
export function serverFile(file: string, text: string): string {
  fs.writeFileSync(file, text, { mode: 0o600 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = userIds(SERVER_USER);
    fs.chownSync(file, uid, gid);
  }
  return file;
}

/**
 * Start a server as the unprivileged user. Spawning with uid/gid execs the server itself (no
 * runuser parent), so the child's PID is the server's PID and kill-by-PID hits the right process.
 */
export function startServer(command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const out = fs.openSync(logFile, "a");
  const ids = process.getuid?.() === 0 ? userIds(SERVER_USER) : undefined;
  const child = spawn(command, args, {
    stdio: ["ignore", out, out],
    detached: true,
    env: { ...process.env, ...(ids ? { HOME: os.tmpdir(), USER: SERVER_USER, LOGNAME: SERVER_USER } : {}), ...env },
    ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
  });
  fs.closeSync(out);
  child.on("error", () => undefined);
  return child;
}

/** Signal a process we started, by its PID; ignore one that is already gone. */
export function killPid(pid: number | undefined, signal: NodeJS.Signals = "SIGTERM"): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already exited
  }
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait until the process exits (or the deadline passes; then SIGKILL it). */
export async function stopPid(pid: number | undefined, graceMs = 5000): Promise<void> {
  if (!pid || !alive(pid)) return;
  killPid(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) killPid(pid, "SIGKILL");
}
