import { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { SCENARIO_IDS } from "../drills/run";
import { configure, CONFIG_NAMES, isConfigName, timingsOf, type ConfigName } from "../drills/bench/configs";
import { renderBenchMarkdown, renderBenchText, benchJson } from "../drills/bench/markdown";
import { appendRecord, hostInfo, readRecords, type BenchRecord } from "../drills/bench/record";
import { Bench, DEFAULT_RUNS, DEFAULT_SCENARIOS, FAILOVER_SCENARIOS, INJECT_FAILURE_ENV, PLAN_ID, schedule } from "../drills/bench/runner";
import { loadDrillStack } from "../testbed/stack";

const KNOWN = [...SCENARIO_IDS, PLAN_ID];

const program = new Command()
  .name("bench")
  .description(
    "Repeat the drills N times per scenario and configuration, each repetition from a clean state (own process, temp directory and servers), " +
      "and print n, failures, min / median / p95 / max of RTO and the most acknowledged writes lost. Results are appended as JSON lines as they arrive. " +
      "A benchmark: it prints numbers and never fails on speed.",
  )
  .option("--stack <name>", "stack whose derived settings are benchmarked", "prod")
  .option("--runs <n>", `repetitions per scenario and configuration (default ${DEFAULT_RUNS.failover} for the failover scenarios, ${DEFAULT_RUNS.other} for the others)`)
  .option("--scenario <ids>", `comma-separated scenario ids (default: ${DEFAULT_SCENARIOS.join(", ")}); known: ${KNOWN.join(", ")}`)
  .option("--configs <list>", `comma-separated configurations: ${CONFIG_NAMES.join(", ")}`, CONFIG_NAMES.join(","))
  .option("--json", "print the statistics as JSON on stdout")
  .option("--out <file>", "JSON-lines file the results are appended to (default reports/tmp/bench-<time>.jsonl)")
  .option("--from <file>", "do not run: compute the statistics from a JSON-lines file of an earlier (possibly partial) run")
  .option("--markdown <file>", "also write the Markdown report (reports/bench.md) to this file")
  .option("--timeout <seconds>", "a repetition that runs longer is stopped and recorded as failed", "900")
  .option("--port-base <n>", "listen on the compact port range n..n+69 instead of 22000-22999 (to run beside the drill suite)")
  .parse();

const opts = program.opts<{ stack: string; runs?: string; scenario?: string; configs: string; json?: boolean; out?: string; from?: string; markdown?: string; timeout: string; portBase?: string }>();

function fail(msg: string): number {
  process.stderr.write(`${msg}\n`);
  return 2;
}

function output(records: BenchRecord[], interrupted: boolean, out?: string): void {
  if (opts.markdown) {
    fs.mkdirSync(path.dirname(path.resolve(opts.markdown)), { recursive: true });
    fs.writeFileSync(opts.markdown, renderBenchMarkdown(records, { source: out ?? opts.from }));
    process.stderr.write(`report written to ${opts.markdown}\n`);
  }
  if (opts.json) process.stdout.write(JSON.stringify({ ...benchJson(records), ...(out ? { out } : {}), interrupted }, null, 2) + "\n");
  else process.stdout.write(renderBenchText(records, interrupted) + "\n");
}

async function main(): Promise<number> {
  if (opts.from) {
    if (!fs.existsSync(opts.from)) return fail(`--from: no file ${opts.from}`);
    const records = readRecords(opts.from, (n) => process.stderr.write(`${opts.from}:${n}: not a record (a run killed mid-write?); skipped\n`));
    output(records, records.some((r) => r.type === "end" && r.interrupted));
    return 0;
  }
  const runsOpt = opts.runs === undefined ? undefined : Number(opts.runs);
  if (runsOpt !== undefined && (!Number.isInteger(runsOpt) || runsOpt < 1)) return fail(`--runs: expected a whole number >= 1, got "${opts.runs}"`);
  const timeout = Number(opts.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) return fail(`--timeout: expected seconds > 0, got "${opts.timeout}"`);
  const portBase = opts.portBase === undefined ? undefined : Number(opts.portBase);
  if (portBase !== undefined && (!Number.isInteger(portBase) || portBase < 1024 || portBase + 69 > 32767)) return fail(`--port-base: expected a whole number from 1024 to 32698, got "${opts.portBase}"`);
  const configs = opts.configs.split(",").map((c) => c.trim()).filter(Boolean);
  for (const c of configs) if (!isConfigName(c)) return fail(`--configs: unknown configuration "${c}"; expected ${CONFIG_NAMES.join(", ")}`);
  if (configs.length === 0) return fail("--configs: empty");
  const scenarios = opts.scenario ? opts.scenario.split(",").map((s) => s.trim()).filter(Boolean) : DEFAULT_SCENARIOS;
  for (const s of scenarios) if (!KNOWN.includes(s)) return fail(`--scenario: unknown scenario "${s}"; expected one of ${KNOWN.join(", ")}`);
  let injectFailure: { id: string; repetition: number } | undefined;
  const inj = process.env[INJECT_FAILURE_ENV];
  if (inj) {
    const m = /^([a-z0-9-]+)#(\d+)$/.exec(inj);
    if (!m || !KNOWN.includes(m[1])) return fail(`${INJECT_FAILURE_ENV}: expected <scenario id>#<repetition>, got "${inj}"`);
    injectFailure = { id: m[1], repetition: Number(m[2]) };
  }
  let stack;
  try {
    stack = loadDrillStack(opts.stack);
  } catch (e) {
    return fail((e as Error).message);
  }
  const runs = (id: string) => runsOpt ?? (FAILOVER_SCENARIOS.includes(id) ? DEFAULT_RUNS.failover : DEFAULT_RUNS.other);
  const t0 = Date.now();
  const runId = new Date(t0).toISOString().replace(/[:.]/g, "-");
  const out = opts.out ?? path.join("reports", "tmp", `bench-${runId}.jsonl`);
  const tasks = schedule(scenarios, configs as ConfigName[], runs);
  appendRecord(out, {
    type: "meta",
    runId,
    startedAt: new Date(t0).toISOString(),
    stack: opts.stack,
    host: hostInfo(),
    runs: Object.fromEntries(scenarios.map((s) => [s, runs(s)])),
    configs,
    scenarios,
    timeoutSeconds: timeout,
    ...(portBase !== undefined ? { portBase } : {}),
    configTimings: Object.fromEntries(configs.map((c) => [c, timingsOf(configure(stack, c as ConfigName))])),
  });
  process.stderr.write(`bench: ${tasks.length} repetitions; results appended to ${out}\n`);
  const bench = new Bench({
    stack: opts.stack,
    scenarios,
    configs: configs as ConfigName[],
    runs,
    out,
    timeoutMs: timeout * 1000,
    portBase,
    injectFailure,
    runId,
    log: (line) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}\n`),
  });
  const onSignal = () => {
    process.stderr.write("\nbench: interrupted; stopping the running repetition's servers (Ctrl-C again to kill at once)\n");
    bench.interrupt();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await bench.run(tasks);
  const interrupted = bench.wasInterrupted;
  appendRecord(out, { type: "end", runId, at: new Date().toISOString(), interrupted, wallSeconds: (Date.now() - t0) / 1000 });
  process.stderr.write(`bench: results in ${out}\n`);
  output(readRecords(out).filter((r) => r.runId === runId), interrupted, out);
  if (interrupted) return 130;
  return bench.records.some((r) => r.failed) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(3);
  },
);
