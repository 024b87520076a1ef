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
}

export interface DrillRun {
  stack: string;
  scenarios: ScenarioResult[];
  wallSeconds: number;
  /** What the S3 policy front judged over the whole run (every scenario archives WAL), when PostgreSQL ran. */
  s3Front?: FrontSummary;
}

/** Which drills to run for the requested ids (throws naming an unknown id and the known ones). */
export function selectDrills(ids: string[] | undefined): DrillDefinition[] {
  if (!ids || ids.length === 0) return DRILLS;
  for (const id of ids) {
    if (!SCENARIO_IDS.includes(id)) throw new Error(`--scenario: unknown scenario "${id}"; expected one of ${SCENARIO_IDS.join(", ")}`);
  }
  return DRILLS.filter((d) => d.ids.some((id) => ids.includes(id)));
}

/**
 * Run drills against real local servers. Every server is stopped (by PID) before this returns or
 * throws; a scenario that fails to set up throws, it is never skipped.
 */
export async function runDrills(stack: DrillStack, opts: RunOptions = {}): Promise<DrillRun> {
  const t0 = Date.now();
  const drills = selectDrills(opts.scenarios);
  const sup = new Supervisor();
  let cluster: PatroniCluster | undefined;
  let current = "setup";
  const progress = (phase: string) => opts.onProgress?.(current, phase);
  const ctx: DrillContext = {
    stack,
    sup,
    progress,
    postgres: async () => {
      if (cluster) return cluster;
      if (!stack.settings.postgres) throw new Error(`stack ${stack.name} has no PostgreSQL tier to drill`);
      const c = new PatroniCluster(sup, stack.settings.postgres, s3SpecOf(stack));
      cluster = c;
      await c.start(progress);
      return c;
    },
  };
  const results: ScenarioResult[] = [];
  let s3Front: FrontSummary | undefined;
  try {
    for (const d of drills) {
      for (let i = 0; i < (opts.repeat ?? 1); i++) {
        current = d.ids.join(" + ") + ((opts.repeat ?? 1) > 1 ? ` #${i + 1}` : "");
        progress("start");
        const rs = await d.run(ctx);
        const wanted = opts.scenarios && opts.scenarios.length > 0 ? rs.filter((r) => opts.scenarios?.includes(r.id)) : rs;
        results.push(...wanted);
        for (const r of wanted) opts.onProgress?.(r.id, r.ok ? "ok" : `FAILED: ${r.notes.join("; ")}`);
      }
    }
  } finally {
    current = "teardown";
    progress("stopping servers");
    if (cluster) {
      try {
        s3Front = cluster.s3.frontSummary();
        progress(`S3 policy front: ${s3Front.judged} requests judged, ${s3Front.refused} refused`);
      } catch (e) {
        // An unreadable log must not keep the servers running.
        progress(`S3 policy front log unreadable: ${(e as Error).message}`);
      }
    }
    if (cluster) await cluster.stop().catch(() => undefined);
    await sup.stopAll();
    if (!opts.keepDir) sup.removeDir();
  }
  return { stack: stack.name, scenarios: results, wallSeconds: (Date.now() - t0) / 1000, ...(s3Front ? { s3Front } : {}) };
}
