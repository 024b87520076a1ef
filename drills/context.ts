import type { PatroniCluster } from "../testbed/postgres/patroni-cluster";
import type { Supervisor } from "../testbed/runtime/supervisor";
import { postgresClasses, type DrillStack } from "../testbed/stack";
import type { DataClass } from "../dr/targets";
import type { PostgresSettings } from "../dr/settings";

/** What a scenario gets: the stack, the supervisor, progress reporting and the shared PostgreSQL cluster. */
export interface DrillContext {
  stack: DrillStack;
  sup: Supervisor;
  progress: (phase: string) => void;
  /** The Patroni cluster, started on first use and shared by the PostgreSQL scenarios. */
  postgres: () => Promise<PatroniCluster>;
}

/** What a PostgreSQL scenario starts from: its start time, the stack's settings, the shared cluster healthy, its leader and the drilled classes. */
export interface PostgresScenarioStart {
  t0: number;
  pg: PostgresSettings;
  cluster: PatroniCluster;
  leader: string;
  /** The synchronous class first, then the asynchronous one (those the stack has). */
  classes: DataClass[];
}

export async function startPostgresScenario(ctx: DrillContext): Promise<PostgresScenarioStart> {
  const t0 = Date.now();
  const pg = ctx.stack.settings.postgres;
  if (!pg) throw new Error(`stack ${ctx.stack.name} has no PostgreSQL tier`);
  const cluster = await ctx.postgres();
  const leader = await cluster.waitHealthy(60000);
  const { sync, async } = postgresClasses(ctx.stack);
  return { t0, pg, cluster, leader, classes: [sync, async].filter((c): c is DataClass => Boolean(c)) };
}
