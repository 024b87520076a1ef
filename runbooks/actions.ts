import type { ActionContext, ActionImpl, ActionSet } from "./engine";
import type { CloneSpec, DrExecutor, PgRef, RedisRef } from "./executors/types";
import type { RegionRole } from "../contract/runbooks";
import { faultWindowAt } from "./fault-window";

/** Every action a runbook may name; the generated docs list the ones each runbook uses. */
export const ACTION_NAMES = [
  "postgres.assertPrimaryLost",
  "postgres.promoteStandby",
  "postgres.awaitWritable",
  "postgres.assertHealthy",
  "postgres.switchover",
  "postgres.applyClone",
  "postgres.deleteClone",
  "pooler.restart",
  "endpoint.switchTo",
  "endpoint.unforce",
  "redis.assertQuorum",
  "redis.failover",
  "redis.awaitWritable",
  "redis.awaitReplicas",
  "redis.killPrimary",
  "fault.assertInWindow",
  "backup.verifyRestore",
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

const POLL_MS = 500;

const pg = (p: Record<string, unknown>): PgRef => ({ region: p.region as RegionRole, cluster: String(p.cluster) });
const redis = (p: Record<string, unknown>): RedisRef => ({ region: p.region as RegionRole, master: String(p.master) });
const clone = (p: Record<string, unknown>): CloneSpec => ({ region: p.region as RegionRole, source: String(p.source), name: String(p.name), targetTime: String(p.targetTime) });
const where = (p: Record<string, unknown>) => `${p.cluster} (${p.region} region)`;

/** Poll `probe` until it returns a value or the attempt's signal aborts; the last error is kept for the message. */
async function until<T>(ctx: ActionContext, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  let last = "";
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    try {
      await ctx.sleep(POLL_MS);
    } catch (e) {
      throw new Error(`${(e as Error).message} waiting for ${what}${last ? ` (last error: ${last})` : ""}`);
    }
  }
}

/**
 * The runbook actions over one executor. `holds` probes make re-runs safe: a promoted cluster is
 * not promoted again, an endpoint already serving the DR region is left alone.
 */
export function actionsFor(ex: DrExecutor): ActionSet {
  const set: Record<ActionName, ActionImpl> = {
    "postgres.assertPrimaryLost": {
      describe: (p) => `check that ${where(p)} has no writable leader, so promoting the standby can not split the brain`,
      run: async (p, ctx) => {
        let s: Awaited<ReturnType<DrExecutor["postgresStatus"]>>;
        try {
          s = await ex.postgresStatus(pg(p), ctx.signal);
        } catch (e) {
          // No view of the primary cluster (the controller runs in the DR region): ask the
          // failover endpoint's health checks, which see the primary region from outside.
          const reason = (e as Error).message;
          let endpoint;
          try {
            endpoint = await ex.endpointState(ctx.signal);
          } catch {
            throw new Error(`no view of ${where(p)} (${reason}) and no failover endpoint to ask; make sure the primary region is fenced and run with --force`);
          }
          if (endpoint.primaryHealthy) throw new Error(`${where(p)} is out of reach (${reason}) but the primary health check still passes; fence the primary region and run with --force`);
          return `out of reach (${reason}); the primary health check fails too`;
        }
        if (s.reachable && s.leader && !s.standby) {
          try {
            await ex.writeProbe(pg(p), ctx.signal);
          } catch (e) {
            return `leader ${s.leader} is up but refuses writes (${(e as Error).message})`;
          }
          throw new Error(`${where(p)} still has a writable leader ${s.leader}; refusing to promote the standby (would split the brain)`);
        }
        return s.reachable ? `reachable, no leader (members: ${s.members.map((m) => `${m.name}=${m.state}`).join(", ") || "none"})` : "unreachable";
      },
    },
    "postgres.promoteStandby": {
      describe: (p) => `promote standby cluster ${where(p)}: remove its standby section so its standby leader becomes a primary`,
      holds: async (p, ctx) => {
        const s = await ex.postgresStatus(pg(p), ctx.signal);
        return s.reachable && !s.standby;
      },
      run: (p, ctx) => ex.promoteStandby(pg(p), ctx.signal),
    },
    "postgres.awaitWritable": {
      describe: (p) => `wait until the leader of ${where(p)} accepts writes`,
      holds: async (p, ctx) => {
        await ex.writeProbe(pg(p), ctx.signal);
        return true;
      },
      run: (p, ctx) => until(ctx, `a writable leader in ${where(p)}`, () => ex.writeProbe(pg(p), ctx.signal)),
    },
    "postgres.assertHealthy": {
      describe: (p) => `wait until ${where(p)} has a leader and at least ${p.minReplicas} running replica(s)`,
      run: (p, ctx) =>
        until(ctx, `a healthy ${where(p)}`, async () => {
          const s = await ex.postgresStatus(pg(p), ctx.signal);
          const replicas = s.members.filter((m) => m.name !== s.leader && /running|streaming/.test(m.state));
          if (!s.leader) throw new Error("no leader");
          if (replicas.length < Number(p.minReplicas)) throw new Error(`${replicas.length} running replica(s)`);
          return `leader ${s.leader}, replicas ${replicas.map((m) => m.name).join(", ")}`;
        }),
    },
    "postgres.switchover": {
      describe: (p) => `planned switchover of ${where(p)} from its current leader to ${p.candidate ? String(p.candidate) : "the healthiest replica"}, then wait for the new leader`,
      run: async (p, ctx) => {
        const before = await ex.postgresStatus(pg(p), ctx.signal);
        if (!before.leader) throw new Error(`${where(p)} has no leader to switch over from`);
        const out = await ex.switchover(pg(p), p.candidate ? String(p.candidate) : undefined, ctx.signal);
        const leader = await until(ctx, `a new leader in ${where(p)}`, async () => {
          const s = await ex.postgresStatus(pg(p), ctx.signal);
          return s.leader && s.leader !== before.leader ? s.leader : undefined;
        });
        return `${out}; leader ${before.leader} -> ${leader}`;
      },
    },
    "postgres.applyClone": {
      describe: (p) => `create cluster ${p.name} in the ${p.region} region as a clone of ${p.source} at ${p.targetTime} (postgresql spec.clone.timestamp)`,
      holds: (p, ctx) => ex.cloneExists(clone(p), ctx.signal),
      run: (p, ctx) => ex.applyClone(clone(p), ctx.signal),
    },
    "postgres.deleteClone": {
      describe: (p) => `delete the clone cluster ${p.name} in the ${p.region} region`,
      run: (p, ctx) => ex.deleteClone(clone(p), ctx.signal),
    },
    "pooler.restart": {
      describe: (p) => `restart the connection pooler of ${where(p)} so it reconnects to the current leader, and wait until it is ready`,
      run: async (p, ctx) => {
        const out = await ex.restartPooler(pg(p), ctx.signal);
        const ready = await until(ctx, `the pooler of ${where(p)}`, async () => {
          const r = await ex.poolerReady(pg(p), ctx.signal);
          if (!r.ready) throw new Error(r.detail);
          return r.detail;
        });
        return `${out}; ${ready}`;
      },
    },
    "endpoint.switchTo": {
      describe: (p) => `make the failover endpoint answer with the ${p.to} region (Route53 failover record; forced by inverting the primary health check only if it still reports healthy)`,
      holds: async (p, ctx) => (await ex.endpointState(ctx.signal)).serving === p.to,
      run: async (p, ctx) => {
        const out = await ex.forceEndpoint(p.to as RegionRole, ctx.signal);
        const state = await until(ctx, `the endpoint to serve ${p.to}`, async () => {
          const s = await ex.endpointState(ctx.signal);
          if (s.serving !== p.to) throw new Error(`serving ${s.serving} (primary healthy: ${s.primaryHealthy}, dr healthy: ${s.drHealthy})`);
          return s;
        });
        return `${out}; serving ${state.serving} (primary healthy: ${state.primaryHealthy}, dr healthy: ${state.drHealthy})`;
      },
    },
    "endpoint.unforce": {
      describe: () => "undo a forced endpoint switch: restore the primary health check so Route53 decides by health again",
      run: (_p, ctx) => ex.forceEndpoint("primary", ctx.signal),
    },
    "redis.assertQuorum": {
      describe: (p) => `check the Sentinels of ${p.master} (${p.region} region) can reach quorum and authorise a failover`,
      run: async (p, ctx) => {
        const s = await ex.redisStatus(redis(p), ctx.signal);
        if (!s.quorum.ok) throw new Error(`no Sentinel quorum: ${s.quorum.message}`);
        return `${s.sentinelsReachable} Sentinel(s) reachable; ${s.quorum.message}`;
      },
    },
    "redis.failover": {
      describe: (p) =>
        p.onlyIfUnhealthy
          ? `if the primary of ${p.master} (${p.region} region) does not answer as a primary, ask Sentinel for a failover and wait for the new primary`
          : `ask Sentinel for a failover of ${p.master} (${p.region} region) and wait until every Sentinel reports the new primary`,
      // Automatic runs skip the failover when Sentinel has already put a working primary in place.
      holds: async (p, ctx) => {
        if (!p.onlyIfUnhealthy) return false;
        const s = await ex.redisStatus(redis(p), ctx.signal);
        return s.sentinelsAgree && s.primaryRole === "master";
      },
      run: (p, ctx) => ex.redisFailover(redis(p), ctx.signal),
    },
    "redis.awaitWritable": {
      describe: (p) => `wait until a write through Sentinel discovery of ${p.master} (${p.region} region) succeeds`,
      run: (p, ctx) => until(ctx, `a writable primary of ${p.master}`, () => ex.redisWriteProbe(redis(p), ctx.signal)),
    },
    "redis.awaitReplicas": {
      describe: (p) => `wait until the primary of ${p.master} (${p.region} region) has at least ${p.minReplicas} online replica(s) (connected and done syncing)`,
      run: (p, ctx) =>
        until(ctx, `${p.minReplicas} online replica(s) on the new primary`, async () => {
          const s = await ex.redisStatus(redis(p), ctx.signal);
          // connected_slaves counts a replica still in its full sync too: redundancy is back once it is online.
          if (s.replicas.length < Number(p.minReplicas)) throw new Error(`${s.replicas.length} online of ${s.connectedReplicas} connected replica(s) on ${s.primary}`);
          return `${s.replicas.length} replica(s) online on ${s.primary}: ${s.replicas.join(", ")}`;
        }),
    },
    "redis.killPrimary": {
      describe: (p) =>
        `kill the primary of ${p.master} (${p.region} region) that the Sentinels agree on, with no hand-over, and wait for the Sentinels' own failover to another server (no SENTINEL FAILOVER)`,
      run: (p, ctx) => ex.redisKillPrimary(redis(p), ctx.signal),
    },
    "fault.assertInWindow": {
      describe: (p) => `check that now is within ${p.durationSeconds} s (less ${p.marginSeconds} s) of the latest start of fault ${p.fault} (cron "${p.schedule}" UTC), the window the recovery probe attributes to it`,
      run: async (p) => {
        const w = faultWindowAt({ schedule: String(p.schedule), durationSeconds: Number(p.durationSeconds) }, new Date(), Number(p.marginSeconds));
        const where = `${w.secondsIn.toFixed(0)} s after ${p.fault} started at ${w.firedAt.toISOString()} (window ${p.durationSeconds} s, ${p.marginSeconds} s kept in hand)`;
        if (!w.inside) throw new Error(`${where}: outside the fault's window; not injecting it (the recovery probe would report the outage as unplanned)`);
        return where;
      },
    },
    "backup.verifyRestore": {
      describe: (p) => `restore the latest logical backup of ${where(p)} into a fresh database and check it`,
      run: (p, ctx) => ex.verifyRestore(pg(p), ctx.signal),
    },
  };
  return set;
}
