/**
 * `npm run bench` on real servers (Redis + Sentinel, the cheapest drill), as the drill user when
 * run as root like every drill: a failure forced into one repetition is recorded as failed and the
 * other repetition's numbers are still in the output; Ctrl-C stops the servers and prints what
 * completed. Ports 24700-24769 (--port-base 24700; AGENT_DR_DRILL_PORT_BASE moves them), used by no other test. Wall time about 100 s.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { allDrillPorts, drillPorts } from "../../testbed/ports";
import { readRecords, type RepetitionRecord } from "../../drills/bench/record";
import { portOpen } from "../../testbed/runtime/procfs";
import { testPortBase } from "../../testbed/ports";

const ROOT = path.resolve(__dirname, "..", "..");
const PORT_BASE = testPortBase(24700);
const PORTS = allDrillPorts(drillPorts(PORT_BASE));

let dir: string;

beforeEach(() => {
  // The bench's TMPDIR: every repetition's directory is made (and must be removed) in here. 0755
  // so the drill user reaches its directories inside.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-bench-test-"));
  fs.chmodSync(dir, 0o755);
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Processes whose command line mentions the test's directory: a server the bench left running. */
function processesUnder(d: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes(d) && !cmd.includes("jest")) out.push(`${e}: ${cmd}`);
    } catch {
      // gone
    }
  }
  return out;
}

async function assertClean(): Promise<void> {
  const open: number[] = [];
  for (const p of PORTS) if (await portOpen(p)) open.push(p);
  expect(open).toEqual([]);
  expect(processesUnder(dir)).toEqual([]);
  // Every repetition's own temp directory is gone; only the JSON lines are left.
  expect(fs.readdirSync(dir).filter((f) => f.startsWith("agent-dr-bench-"))).toEqual([]);
}

it("a failure forced into repetition 1 is counted; repetition 2's numbers are in the output; servers stopped, ports free", async () => {
  const out = path.join(dir, "results.jsonl");
  const r = spawnSync("npm", ["run", "-s", "bench", "--", "--runs", "2", "--scenario", "redis-primary-loss", "--configs", "derived", "--json", "--port-base", String(PORT_BASE), "--out", out], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 240000,
    env: { ...process.env, TMPDIR: dir, AGENT_DR_BENCH_INJECT_FAILURE: "redis-primary-loss#1" },
  });
  if (r.error) throw r.error;
  const json = JSON.parse(r.stdout);
  expect(json.scenarios).toHaveLength(1);
  const s = json.scenarios[0];
  expect(s).toMatchObject({ id: "redis-primary-loss", config: "derived", runs: 2, failed: 1 });
  expect(s.rtoSeconds.min).toBeGreaterThan(0);
  expect(s.rtoSeconds.max).toBe(s.rtoSeconds.min);
  expect(s.rtoSeconds.p95).toBe(s.rtoSeconds.min);
  expect(typeof s.lostAcknowledgedWrites.max).toBe("number");
  expect(s.errors).toEqual([{ repetition: 1, error: expect.stringMatching(/injected failure/), logs: `${out}.logs/derived-redis-primary-loss-1` }]);
  // The failed repetition's server logs are kept (its temp directory is gone).
  expect(fs.readdirSync(s.errors[0].logs)).toEqual(expect.arrayContaining(["redis-0.log", "sentinel-0.log"]));
  expect(json.out).toBe(out);
  // Exit 1: a repetition failed; the numbers are printed all the same.
  expect(r.status).toBe(1);

  const reps = readRecords(out).filter((x): x is RepetitionRecord => x.type === "repetition");
  expect(reps.map((x) => [x.repetition, x.failed])).toEqual([
    [1, true],
    [2, false],
  ]);
  expect(reps[1].measured?.rtoSeconds).toBe(s.rtoSeconds.min);
  expect(readRecords(out).map((x) => x.type)).toEqual(["meta", "repetition", "repetition", "end"]);
  expect(r.stderr).toContain(`results appended to ${out}`);
  await assertClean();
}, 300000);

it("Ctrl-C during repetition 2 stops its servers, prints the summary with repetition 1's numbers and exits 130", async () => {
  const out = path.join(dir, "results.jsonl");
  // Its own process group, signalled as a terminal's Ctrl-C signals the foreground group.
  const child = spawn(path.join(ROOT, "node_modules", ".bin", "node"), ["-r", "@swc-node/register", "cli/bench.ts", "--runs", "2", "--scenario", "redis-primary-loss", "--configs", "derived", "--port-base", String(PORT_BASE), "--out", out], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: dir },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => (stdout += String(d)));
  const killed = new Promise<void>((resolve) => {
    child.stderr?.on("data", (d) => {
      stderr += String(d);
      // Repetition 2's servers are up and its fault is being injected: interrupt now.
      if ((stderr.match(/kill -9 redis-/g) ?? []).length >= 2 && !stderr.includes("INTERRUPT-SENT")) {
        stderr += "INTERRUPT-SENT";
        process.kill(-(child.pid as number), "SIGINT");
        resolve();
      }
    });
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  await killed;
  expect(code).toBe(130);
  expect(stdout).toMatch(/INTERRUPTED/);
  expect(stderr).toMatch(/interrupted; stopping/);
  const recs = readRecords(out);
  expect(recs.map((x) => x.type)).toEqual(["meta", "repetition", "interrupted", "end"]);
  const first = recs[1] as RepetitionRecord;
  expect(first).toMatchObject({ repetition: 1, failed: false });
  expect(recs[3]).toMatchObject({ type: "end", interrupted: true });
  // The summary so far: repetition 1 counted (n 1, none failed), with its RTO.
  expect(stdout).toContain(`| \`redis-primary-loss\` | derived | 1 | 0 |`);
  expect(stdout).toContain(String(Number((first.measured?.rtoSeconds as number).toFixed(2))));
  await assertClean();
}, 180000);
