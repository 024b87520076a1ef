import type { RegionRole } from "../../contract/runbooks";

/** A Postgres cluster in one region, by its postgresql resource name (Patroni scope). */
export interface PgRef {
  region: RegionRole;
  cluster: string;
}

export interface PgMember {
  name: string;
  /** Patroni's role: leader, replica, sync_standby, standby_leader (older Patroni: master). */
  role: string;
  state: string;
  lagBytes?: number;
}

export interface PostgresStatus {
  /** Whether any member (or the API that knows them) answered. */
  reachable: boolean;
  /** The cluster follows another one (standby_cluster in Patroni's config / spec.standby). */
  standby: boolean;
  leader?: string;
  members: PgMember[];
}

export interface EndpointState {
  /** Which region's target the failover record answers with. */
  serving: RegionRole | "none";
  primaryHealthy: boolean;
  drHealthy: boolean;
  /** The runbook forced the switch (primary health check inverted / local record pinned). */
  forced: boolean;
}

export interface RedisRef {
  region: RegionRole;
  master: string;
}

export interface RedisStatus {
  /** host:port every reachable Sentinel reports as primary (empty when they disagree or none answer). */
  primary: string;
  sentinelsReachable: number;
  sentinelsAgree: boolean;
  quorum: { ok: boolean; message: string };
  /** ROLE of the reported primary ("master" when it really is one), or the error reaching it. */
  primaryRole: string;
  connectedReplicas: number;
  /** The primary's online replicas (INFO replication), host:port as they announce themselves. */
  replicas: string[];
}

export interface CloneSpec {
  region: RegionRole;
  /** Source cluster whose backups and WAL are restored. */
  source: string;
  /** New cluster name. */
  name: string;
  /** ISO-8601 with a timezone (Spilo refuses one without, spilo.md 3.2). */
  targetTime: string;
}

/**
 * The operations runbooks need, implemented once against Kubernetes/AWS and once against the local
 * drill topology. Each is one call; waiting and retrying is the runbook engine's job.
 */
export interface DrExecutor {
  readonly kind: "kubernetes" | "local";
  postgresStatus(ref: PgRef, signal: AbortSignal): Promise<PostgresStatus>;
  /** Remove the standby section so the standby leader promotes (operator: spec.standby; Patroni: standby_cluster). */
  promoteStandby(ref: PgRef, signal: AbortSignal): Promise<string>;
  /** Succeeds only when the cluster's leader runs as a primary that takes writes. */
  writeProbe(ref: PgRef, signal: AbortSignal): Promise<string>;
  /** Planned leader change to a healthy replica (Patroni switchover). */
  switchover(ref: PgRef, candidate: string | undefined, signal: AbortSignal): Promise<string>;
  /** Make the pooler drop its server connections and reconnect to the current leader. */
  restartPooler(ref: PgRef, signal: AbortSignal): Promise<string>;
  poolerReady(ref: PgRef, signal: AbortSignal): Promise<{ ready: boolean; detail: string }>;
  endpointState(signal: AbortSignal): Promise<EndpointState>;
  /** Point the failover endpoint at a region (to "dr": force when the primary still looks healthy; to "primary": undo that). */
  forceEndpoint(to: RegionRole, signal: AbortSignal): Promise<string>;
  redisStatus(ref: RedisRef, signal: AbortSignal): Promise<RedisStatus>;
  /** Ask Sentinel for a failover and wait until the Sentinels report a new primary. */
  redisFailover(ref: RedisRef, signal: AbortSignal): Promise<string>;
  redisWriteProbe(ref: RedisRef, signal: AbortSignal): Promise<string>;
  /**
   * The unplanned primary loss: kill the server the Sentinels agree is the primary, with no
   * hand-over (Kubernetes: delete its pod with grace period 0; local: kill -9 its redis-server),
   * then wait for the Sentinels' own failover (sentinel.ts killPrimaryAndAwaitFailover).
   */
  redisKillPrimary(ref: RedisRef, signal: AbortSignal): Promise<string>;
  cloneExists(spec: CloneSpec, signal: AbortSignal): Promise<boolean>;
  applyClone(spec: CloneSpec, signal: AbortSignal): Promise<string>;
  deleteClone(spec: CloneSpec, signal: AbortSignal): Promise<string>;
  /** Run the restore verification (restore the latest logical backup into a fresh database and check it). */
  verifyRestore(ref: PgRef, signal: AbortSignal): Promise<string>;
  close(): Promise<void>;
}

/** Raised by an executor for an operation its environment can not perform; names what would. */
export class UnsupportedOperationError extends Error {
  constructor(executor: string, operation: string, instead: string) {
    super(`${operation} is not available on the ${executor} executor: ${instead}`);
    this.name = "UnsupportedOperationError";
  }
}
