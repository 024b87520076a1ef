/** Every script of the PostgreSQL tier passes shellcheck (errors and warnings), and the check can fail. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const DIR = path.resolve(__dirname, "../../components/postgres/scripts");
const scripts = fs.readdirSync(DIR).filter((f) => f.endsWith(".sh"));

function shellcheck(file: string, input?: string) {
  const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-S", "style", input === undefined ? file : "-"], { encoding: "utf8", input });
  // A missing shellcheck must fail the test, not skip it.
  if (r.error) throw new Error(`shellcheck could not run (${r.error.message}); install it (scripts/setup.sh)`);
  return r;
}

test("the tier ships its three scripts", () => {
  expect(scripts.sort()).toEqual(["configure-cluster.sh", "logical-backup.sh", "restore-verify.sh"]);
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
