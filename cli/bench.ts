import { Command } from "commander";
import { computeBudget } from "../dr/budget";
import { PATRONI, SENTINEL } from "../dr/engine-facts";
import { plan } from "../offline/plan";
import { runDrills } from "../drills/run";
import { DrillStack, loadDrillStack } from "../drills/stack";
import type { ScenarioResult } from "../drills/types";
import { fmt, median } from "../drills/verdict";

const FAILOVER_SCENARIOS = ["postgres-primary-loss-sync", "postgres-primary-loss-async", "postgres-switchover", "redis-primary-loss"];
const THROUGHPUT_SCENARIOS = ["postgres-archive-s3-outage", "postgres-pitr"];

const program = new Command()
  .name("bench")
  .description("Repeat the failover drills N times per configuration (engine defaults vs derived from the stack) and print min/median/max. A benchmark: it prints numbers and never fails on speed.")
  .option("--stack <name>", "stack whose derived settings are benchmarked", "prod")
  .option("--runs <n>", "repetitions per scenario and configuration", "3")
  .option("--configs <list>", "comma-separated: derived,defaults", "derived,defaults")
  .parse();

const opts = program.opts<{ stack: string; runs: string; configs: string }>();

/** The same stack with Patroni's and Sentinel's own defaults instead of the derived timings. */
function withEngineDefaults(stack: DrillStack): DrillStack {
  const s = structuredClone(stack.settings);
  if (s.postgres) s.postgres.patroni = { ttlSeconds: PATRONI.defaultTtlSeconds, loopWaitSeconds: PATRONI.defaultLoopWaitSeconds, retryTimeoutSeconds: PATRONI.defaultRetryTimeoutSeconds };
  if (s.redis) {
    s.redis.downAfterMilliseconds = SENTINEL.defaultDownAfterMs;
    s.redis.failoverTimeoutMilliseconds = SENTINEL.defaultFailoverTimeoutMs;
  }
  return { ...stack, settings: s, budget: computeBudget(stack.config.dataClasses, s).rows };
}

function stats(xs: number[]): string {
  if (xs.length === 0) return "-";
  return `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))}`;
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

async function main(): Promise<number> {
  const runs = Number(opts.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`--runs: expected a whole number >= 1, got "${opts.runs}"\n`);
    return 2;
  }
  const derived = loadDrillStack(opts.stack);
  const configs = opts.configs.split(",").map((c) => c.trim());
  for (const c of configs) {
    if (c !== "derived" && c !== "defaults") {
      process.stderr.write(`--configs: unknown configuration "${c}"; expected derived or defaults\n`);
      return 2;
    }
  }
  const t0 = Date.now();
  const progress = (s: string, p: string) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${s}: ${p}\n`);
  const results: Record<string, ScenarioResult[]> = {};
  for (const c of configs) {
    const stack = c === "derived" ? derived : withEngineDefaults(derived);
    results[c] = (await runDrills(stack, { scenarios: FAILOVER_SCENARIOS, repeat: runs, onProgress: progress })).scenarios;
  }
  const throughput = (await runDrills(derived, { scenarios: THROUGHPUT_SCENARIOS, repeat: runs, onProgress: progress })).scenarios;
  const planTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const p0 = Date.now();
    await plan(opts.stack);
    planTimes.push((Date.now() - p0) / 1000);
  }

  const out: string[] = [`Benchmark, stack ${opts.stack}, ${runs} run(s) per scenario and configuration (min / median / max)`, ""];
  out.push(row(["configuration", "scenario", "RTO s", "lost acked writes", "rejoin s"]), row(["---", "---", "---", "---", "---"]));
  for (const c of configs) {
    for (const id of FAILOVER_SCENARIOS) {
      const rs = results[c].filter((r) => r.id === id);
      const num = (k: string) => rs.map((r) => r.measured[k]).filter((v): v is number => typeof v === "number");
      out.push(row([c, id, stats(num("rtoSeconds")), stats(num("lostAcknowledgedWrites")), stats(num("rejoinSeconds"))]));
    }
  }
  const num = (id: string, k: string) => throughput.filter((r) => r.id === id).map((r) => r.measured[k]).filter((v): v is number => typeof v === "number");
  out.push("", row(["measure", "min / median / max"]), row(["---", "---"]));
  out.push(row(["WAL archive lag s (archive_timeout " + (derived.settings.postgres?.archiveTimeoutSeconds ?? "-") + " s)", stats(num("postgres-archive-s3-outage", "archiveLagSeconds"))]));
  out.push(row(["archive catch-up after S3 outage, segments/s", stats(num("postgres-archive-s3-outage", "segmentsPerSecond"))]));
  out.push(row(["point-in-time restore, MiB/s", stats(num("postgres-pitr", "restoreMBps"))]));
  out.push(row(["offline plan (npm run plan) run time s", stats(planTimes)]));
  process.stdout.write(out.join("\n") + "\n");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(3);
  },
);
