import * as fs from "node:fs";

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
