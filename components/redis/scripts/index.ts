import * as fs from "fs";
import * as path from "path";

/** The start scripts as shipped in the ConfigMap (and run as-is by the loopback tests and drills). */
export function roleDiscoveryScript(): string {
  return fs.readFileSync(path.join(__dirname, "role-discovery.sh"), "utf8");
}

export function sentinelStartScript(): string {
  return fs.readFileSync(path.join(__dirname, "sentinel-start.sh"), "utf8");
}

export function preStopScript(): string {
  return fs.readFileSync(path.join(__dirname, "pre-stop.sh"), "utf8");
}

/** The functions the scripts share (log, die, read_secret), mounted beside them as lib.sh. */
export function scriptLibrary(): string {
  return fs.readFileSync(path.join(__dirname, "lib.sh"), "utf8");
}
