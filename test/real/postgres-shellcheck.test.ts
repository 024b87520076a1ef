/**
 * Every script of the PostgreSQL tier passes shellcheck (errors and warnings), with the library it
 * sources followed, and as the Jobs run it (the library inlined); the check can fail.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readScript } from "../../components/postgres/render/jobs";

const DIR = path.resolve(__dirname, "../../components/postgres/scripts");
const LIBRARY = "lib.sh";
const scripts = fs.readdirSync(DIR).filter((f) => f.endsWith(".sh") && f !== LIBRARY);

function shellcheck(file: string, input?: string) {
  // -x: follow the library a script sources (its `source-path=SCRIPTDIR` directive finds it).
  const r = spawnSync("shellcheck", ["-x", "-s", "bash", "-f", "gcc", "-S", "style", input === undefined ? file : "-"], { encoding: "utf8", input });
  // A missing shellcheck must fail the test, not skip it.
  if (r.error) throw new Error(`shellcheck could not run (${r.error.message}); install it (scripts/setup.sh)`);
  return r;
}

test("the tier ships its three scripts and their library", () => {
  expect(scripts.sort()).toEqual(["configure-cluster.sh", "logical-backup.sh", "restore-verify.sh"]);
  expect(fs.existsSync(path.join(DIR, LIBRARY))).toBe(true);
});

test("the library is shellcheck-clean on its own and sets no shell options for the scripts", () => {
  const file = path.join(DIR, LIBRARY);
  const r = shellcheck(file);
  expect(r.stdout).toBe("");
  expect(r.status).toBe(0);
  expect(fs.readFileSync(file, "utf8")).not.toMatch(/^\s*set /m);
  expect(spawnSync("bash", ["-n", file]).status).toBe(0);
});

test.each(scripts)("%s as the Job runs it (bash -c, the library inlined) is shellcheck-clean and has the library's functions", (name) => {
  const text = readScript(name);
  expect(text).not.toMatch(/BASH_SOURCE/);
  expect(text).toMatch(/^die\(\) \{/m);
  const r = shellcheck("-", text);
  expect(r.stdout).toBe("");
  expect(r.status).toBe(0);
});

test.each([
  ["logical-backup.sh", "logical-backup: ERROR: unknown phase 'nope'; expected dump, upload or all"],
  ["restore-verify.sh", "restore-verify: ERROR: unknown phase 'nope'; expected download, verify or all"],
])("%s run as the Job runs it refuses an unknown phase with its own log name", (name, message) => {
  const r = spawnSync("bash", ["-c", readScript(name), name, "nope"], { encoding: "utf8", cwd: "/" });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(message);
});

test.each(scripts)("%s is shellcheck-clean, strict, and executable by bash", (name) => {
  const file = path.join(DIR, name);
  const r = shellcheck(file);
  expect(r.stdout).toBe("");
  expect(r.status).toBe(0);
  const text = fs.readFileSync(file, "utf8");
  expect(text.startsWith("#!/usr/bin/env bash\n")).toBe(true);
  expect(text).toMatch(/^set -euo pipefail$/m);
  expect(spawnSync("bash", ["-n", file]).status).toBe(0);
});

test("shellcheck catches a broken variant of a script", () => {
  const broken = fs.readFileSync(path.join(DIR, "logical-backup.sh"), "utf8").replace('pg_restore --list "$file.partial"', "pg_restore --list $file.partial");
  const r = shellcheck("-", broken);
  expect(r.status).not.toBe(0);
  expect(r.stdout).toMatch(/SC2086/);
});
