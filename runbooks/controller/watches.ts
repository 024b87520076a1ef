import { buildRunbook } from "../definitions";
import type { DrExecutor } from "../executors/types";
import type { RunbookTargets } from "../../contract/runbooks";
import type { ComponentWatch } from "./controller";

export interface WatchOptions {
  /** Region promotion mode (REGION_PROMOTION): manual waits for approval. */
  regionPromotion: "automatic" | "manual";
}

/**
 * What the controller watches for a stack. Inside a region Patroni and Sentinel fail over on
 * their own; the controller adds region promotion (which nothing automates) and a Sentinel
 * fallback (a failover Sentinel has not done, e.g. after losing its own quorum).
 */
export function watchesFor(t: RunbookTargets, ex: DrExecutor, opts: WatchOptions): ComponentWatch[] {
  const watches: ComponentWatch[] = [];
  // In the cloud the controller sees the primary region only through the failover endpoint's
  // health checks; without one it would read "no access" as "region down", so it does not watch.
  const regionVisible = ex.kind === "local" || t.failoverEndpoint !== undefined;
  if (t.postgres?.standbyCluster && t.regions.dr && regionVisible) {
    const cluster = t.postgres.cluster;
    const standby = t.postgres.standbyCluster;
    watches.push({
      component: "postgres-region",
      requiresApproval: opts.regionPromotion === "manual",
      runbook: () => buildRunbook("promote-dr-region", t),
      // In the cloud the failover endpoint's health checks see the region from outside (the
      // controller runs in the DR region and can not reach the primary cluster's API); locally
      // the primary cluster itself is asked. Once the DR cluster is promoted nothing is left to do.
      check: async (signal) => {
        let primary: { healthy: boolean; detail: string };
        if (t.failoverEndpoint && ex.kind === "kubernetes") {
          const s = await ex.endpointState(signal);
          primary = { healthy: s.primaryHealthy, detail: `endpoint serving ${s.serving}; primary healthy: ${s.primaryHealthy}` };
        } else {
          const s = await ex.postgresStatus({ region: "primary", cluster }, signal).catch(() => ({ reachable: false, leader: undefined }));
          primary = { healthy: s.reachable && !!s.leader, detail: s.reachable ? `primary leader ${s.leader ?? "none"}` : "primary cluster unreachable" };
        }
        if (primary.healthy) return primary;
        const dr = await ex.postgresStatus({ region: "dr", cluster: standby }, signal).catch(() => undefined);
        if (dr?.reachable && !dr.standby && dr.leader) return { healthy: true, detail: `${primary.detail}; DR cluster already promoted (leader ${dr.leader})` };
        return primary;
      },
    });
  }
  if (t.redis) {
    const ref = { region: "primary" as const, master: t.redis.master };
    watches.push({
      component: "redis",
      runbook: () => buildRunbook("redis-failover", t, { planned: false }),
      check: async (signal) => {
        const s = await ex.redisStatus(ref, signal);
        return { healthy: s.sentinelsAgree && s.primaryRole === "master", detail: `primary ${s.primary || "?"}: ${s.primaryRole}` };
      },
    });
  }
  return watches;
}
