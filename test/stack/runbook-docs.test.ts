import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RUNBOOK_NAMES } from "../../runbooks/definitions";
import { renderAllRunbookDocs } from "../../runbooks/docs";

const ROOT = path.resolve(__dirname, "..", "..");
const DOCS = path.join(ROOT, "docs/runbooks");

test("docs/runbooks has exactly one page per runbook, equal to what the definitions generate", () => {
  const pages = renderAllRunbookDocs();
  expect(fs.readdirSync(DOCS).sort()).toEqual(RUNBOOK_NAMES.map((n) => `${n}.md`).sort());
  for (const [file, text] of Object.entries(pages)) {
    // On failure: npm run runbook -- docs --write
    expect(fs.readFileSync(path.join(DOCS, file), "utf8")).toBe(text);
  }
});

test("every page lists every step of its runbook", () => {
  const pages = renderAllRunbookDocs();
  expect(pages["promote-dr-region.md"]).toMatch(/\| 2 \| `promote-standby` \|/);
  expect(pages["redis-failover.md"]).toMatch(/`redis\.failover`/);
  expect(pages["restore-point-in-time.md"]).toMatch(/spec\.clone\.timestamp/);
});

// The CLI itself (node + swc register, about 2 s per call).
import { scratchDir } from "../harness/offline";
const cli = (args: string[]) => spawnSync(path.join(ROOT, "node_modules/.bin/node"), ["-r", "@swc-node/register", "cli/runbook.ts", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, HOME: scratchDir("runbook-cli-home-") } });

test("CLI: docs --check passes, dry-run prints the steps and exits 0, bad input exits 2 naming the flag", () => {
  expect(cli(["docs", "--check"]).status).toBe(0);
  const dry = cli(["promote-dr-region", "--stack", "prod", "--dry-run"]);
  expect(dry.status).toBe(0);
  expect(dry.stdout.split("\n").filter((l) => /^\d\. /.test(l)).map((l) => l.split(":")[0])).toEqual([
    "1. confirm-primary-lost",
    "2. promote-standby",
    "3. await-writable",
    "4. switch-endpoint",
    "5. reconnect-pooler",
  ]);
  const bad = cli(["restore-point-in-time", "--stack", "prod", "--target-time", "yesterday", "--dry-run"]);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/--target-time: "yesterday": expected an ISO-8601 time with a timezone/);
  const unknown = cli(["promote-everything"]);
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toMatch(/expected one of promote-dr-region, redis-failover/);
});

test("CLI: the scheduled Redis primary kill reads its fault window from the stack's targets; where the stack schedules no such fault it exits 2 saying so", () => {
  const staging = cli(["redis-primary-kill", "--stack", "staging", "--in-fault-window", "--dry-run"]);
  expect(staging.status).toBe(0);
  expect(staging.stdout.split("\n").filter((l) => /^\d\. /.test(l)).map((l) => l.split(":")[0])).toEqual(["1. check-quorum", "2. check-fault-window", "3. kill-primary", "4. await-writable", "5. await-rejoined"]);
  expect(staging.stdout).toMatch(/of fault redis-primary-kill \(cron "0 2 \* \* 5" UTC\)/);
  const prod = cli(["redis-primary-kill", "--stack", "prod", "--in-fault-window", "--dry-run"]);
  expect(prod.status).toBe(2);
  expect(prod.stderr).toMatch(/--in-fault-window: the targets of stack prod list no scheduled redis-primary-kill fault/);
});
