import type { SentinelAccess } from "../sentinel";
import type { RegionRole } from "../../../contract/runbooks";

/** A Patroni cluster of the local topology: the REST API of each member. */
export interface LocalPgCluster {
  restUrls: string[];
}

/** Where the local executor finds the drill topology's processes (all on loopback). */
export interface LocalTopology {
  postgres?: {
    /** By cluster name (Patroni scope); a DR standby cluster is just another entry. */
    clusters: Record<string, LocalPgCluster>;
    superuser: { user: string; password: string };
    /** Database the probes write into and the restore check dumps. */
    database: string;
    /** Directory with pg_dump, pg_restore. */
    binDir: string;
  };
  redis?: SentinelAccess;
  /**
   * The local stand-in for the Route53 failover record: each region is healthy when one of its
   * URLs answers 200 (Patroni /primary, like an HTTP health check), and a forced switch is kept
   * in a small JSON file.
   */
  endpoint?: { recordFile: string; healthUrls: Record<RegionRole, string[]> };
  /** Command that restarts the pooler of a cluster (by cluster name), when the topology has one. */
  poolerRestart?: Record<string, string[]>;
}
