import type { Store } from "../dr/targets";
import type { DrillContext } from "./context";
import { PatroniCluster } from "../testbed/postgres/patroni-cluster";
import { s3SpecOf } from "../testbed/postgres/s3";
import type { FrontSummary } from "../testbed/s3/policy-front";
import { Supervisor } from "../testbed/runtime/supervisor";
import { postgresArchive } from "./scenarios/postgres-archive";
import { postgresDcsOutage } from "./scenarios/postgres-dcs-outage";
import { postgresLogicalBackup } from "./scenarios/postgres-logical-backup";
import { postgresPitr } from "./scenarios/postgres-pitr";
import { postgresPrimaryLoss } from "./scenarios/postgres-primary-loss";
import { postgresSplitBrain } from "./scenarios/postgres-split-brain";
import { postgresSwitchover } from "./scenarios/postgres-switchover";
import { redisPrimaryLoss } from "./scenarios/redis-primary-loss";
import { llmProviderOutage } from "./scenarios/llm-provider-outage";
import { regionLoss } from "./scenarios/region-loss";
import type { DrillStack } from "../testbed/stack";
import type { ScenarioResult } from "./types";

/** A drill: the scenario ids it reports (one physical fault can report several classes). */
export interface DrillDefinition {
  ids: readonly string[];
  store: Store;
  run: (ctx: DrillContext) => Promise<ScenarioResult[]>;
}

export const DRILLS: DrillDefinition[] = [
  // First: it brings up its own two regions on the drills' ports, before the shared cluster takes them.
  { ids: ["region-loss"], store: "postgres", run: regionLoss },
  { ids: ["postgres-primary-loss-sync", "postgres-primary-loss-async"], store: "postgres", run: postgresPrimaryLoss },
  { ids: ["postgres-switchover"], store: "postgres", run: postgresSwitchover },
  { ids: ["postgres-split-brain-async", "postgres-split-brain-sync"], store: "postgres", run: postgresSplitBrain },
  { ids: ["postgres-dcs-outage-failsafe", "postgres-dcs-outage-no-failsafe"], store: "postgres", run: postgresDcsOutage },
  { ids: ["postgres-archive-s3-outage"], store: "postgres", run: postgresArchive },
  { ids: ["postgres-pitr"], store: "postgres", run: postgresPitr },
  { ids: ["postgres-logical-backup"], store: "postgres", run: postgresLogicalBackup },
  { ids: ["redis-primary-loss"], store: "redis", run: redisPrimaryLoss },
  { ids: ["llm-provider-outage"], store: "llm-gateway", run: llmProviderOutage },
];

export const SCENARIO_IDS: string[] = DRILLS.flatMap((d) => [...d.ids]);

export interface RunOptions {
  scenarios?: string[];
  /** Live progress: scenario id and phase. */
  onProgress?: (scenario: string, phase: string) => void;
  keepDir?: boolean;
  /** Run each selected drill this many times in the same servers (the benchmark). */
  repeat?: number;
  /** The drills to choose from (default: every scenario of the stack, DRILLS). */
  drills?: DrillDefinition[];
}

export interface DrillRun {
  stack: string;
  scenarios: ScenarioResult[];
  wallSeconds: number;
  /** What the S3 policy front judged over the whole run (every scenario archives WAL), when PostgreSQL ran. */
  s3Front?: FrontSummary;
}

/** Which drills to run for the requested ids (throws naming an unknown id and the known ones). */
export function selectDrills(ids: string[] | undefined, from: DrillDefinition[] = DRILLS): DrillDefinition[] {
  if (!ids || ids.length === 0) return from;
  const known = from.flatMap((d) => [...d.ids]);
  for (const id of ids) {
    if (!known.includes(id)) throw new Error(`--scenario: unknown scenario "${id}"; expected one of ${known.join(", ")}`);
  }
  return from.filter((d) => d.ids.some((id) => ids.includes(id)));
}

/** The result of a drill that threw: every scenario it covers failed, with the error as its note. */
export function unfinishedResults(d: DrillDefinition, error: Error, wallSeconds: number): ScenarioResult[] {
  return d.ids.map((id) => ({
    id,
    store: d.store,
    description: "did not complete",
    target: { source: "not reached" },
    predicted: { mechanism: "not reached", source: "not reached" },
    measured: {},
    targetMet: false,
    agreesWithPrediction: false,
    expectedUnsafe: false,
    ok: false,
    notes: [`did not complete: ${error.message}`],
    error: error.message,
    wallSeconds,
  }));
}

/**
 * Run drills against real local servers. Every server is stopped (by PID) before this returns.
 * A drill that throws fails its own scenarios (never skipped) and takes its servers with it: the
 * next drill starts on fresh ones, so one failure can not mask or skew the scenarios after it.
 */
export async function runDrills(stack: DrillStack, opts: RunOptions = {}): Promise<DrillRun> {
  const t0 = Date.now();
  const drills = selectDrills(opts.scenarios, opts.drills);
  const retired: Supervisor[] = [];
  let cluster: PatroniCluster | undefined;
  let current = "setup";
  const progress = (phase: string) => opts.onProgress?.(current, phase);
  const ctx: DrillContext = {
    stack,
    sup: new Supervisor(),
    progress,
    postgres: async () => {
      if (cluster) return cluster;
      if (!stack.settings.postgres) throw new Error(`stack ${stack.name} has no PostgreSQL tier to drill`);
      const c = new PatroniCluster(ctx.sup, stack.settings.postgres, s3SpecOf(stack));
      cluster = c;
      await c.start(progress);
      return c;
    },
  };
  const results: ScenarioResult[] = [];
  let s3Front: FrontSummary | undefined;
  const readFront = () => {
    if (!cluster) return;
    try {
      const f = cluster.s3.frontSummary();
      s3Front = s3Front ? { judged: s3Front.judged + f.judged, allowed: s3Front.allowed + f.allowed, refused: s3Front.refused + f.refused, refusals: [...s3Front.refusals, ...f.refusals] } : f;
    } catch (e) {
      // An unreadable log must not keep the servers running.
      progress(`S3 policy front log unreadable: ${(e as Error).message}`);
    }
  };
  const stopServers = async () => {
    readFront();
    if (cluster) await cluster.stop().catch(() => undefined);
    cluster = undefined;
    await ctx.sup.stopAll();
  };
  try {
    for (const d of drills) {
      for (let i = 0; i < (opts.repeat ?? 1); i++) {
        current = d.ids.join(" + ") + ((opts.repeat ?? 1) > 1 ? ` #${i + 1}` : "");
        progress("start");
        const started = Date.now();
        let rs: ScenarioResult[];
        try {
          rs = await d.run(ctx);
        } catch (e) {
          rs = unfinishedResults(d, e as Error, (Date.now() - started) / 1000);
          progress(`threw (${(e as Error).message}): stopping its servers, the next drill starts on fresh ones`);
          await stopServers();
          retired.push(ctx.sup);
          ctx.sup = new Supervisor();
        }
        const wanted = opts.scenarios && opts.scenarios.length > 0 ? rs.filter((r) => opts.scenarios?.includes(r.id)) : rs;
        results.push(...wanted);
        for (const r of wanted) opts.onProgress?.(r.id, r.ok ? "ok" : `FAILED: ${r.notes.join("; ")}`);
      }
    }
  } finally {
    current = "teardown";
    progress("stopping servers");
    await stopServers();
    if (s3Front) progress(`S3 policy front: ${s3Front.judged} requests judged, ${s3Front.refused} refused`);
    // A failed drill's directory is kept: its server logs are what explains the failure.
    if (!opts.keepDir) ctx.sup.removeDir();
    for (const r of retired) progress(`logs of the servers a failed drill ran: ${r.dir}`);
  }
  return { stack: stack.name, scenarios: results, wallSeconds: (Date.now() - t0) / 1000, ...(s3Front ? { s3Front } : {}) };
}
