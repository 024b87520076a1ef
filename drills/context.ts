import type { PatroniCluster } from "../testbed/postgres/patroni-cluster";
import type { Supervisor } from "../testbed/runtime/supervisor";
import type { DrillStack } from "../testbed/stack";

/** What a scenario gets: the stack, the supervisor, progress reporting and the shared PostgreSQL cluster. */
export interface DrillContext {
  stack: DrillStack;
  sup: Supervisor;
  progress: (phase: string) => void;
  /** The Patroni cluster, started on first use and shared by the PostgreSQL scenarios. */
  postgres: () => Promise<PatroniCluster>;
}
