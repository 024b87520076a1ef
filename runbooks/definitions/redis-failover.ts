import type { Runbook, StepSpec } from "../engine";
import type { RunbookTargets } from "../../contract/runbooks";
import type { RunbookArgs } from "./args";
import { PATIENT, SHORT } from "./backoff";
import { awaitWritableThroughSentinel } from "./redis-steps";

/** Sentinel failover on demand: the weekly staging test (planned) or the controller's fallback when Sentinel has not acted. */
export function redisFailover(t: RunbookTargets, args: RunbookArgs = {}): Runbook {
  if (!t.redis) throw new Error(`redis-failover: stack ${t.stack} has no Redis tier; expected agent-dr:redis.enabled true`);
  const ref = { region: "primary", master: t.redis.master };
  const planned = args.planned ?? true;
  const steps: StepSpec[] = [
    {
      name: "check-quorum",
      description: "SENTINEL CKQUORUM: enough Sentinels see each other to authorise a failover.",
      action: "redis.assertQuorum",
      params: ref,
      timeoutSeconds: 10,
      retries: 3,
      backoff: SHORT,
    },
    {
      name: "failover",
      description: planned
        ? "SENTINEL FAILOVER, then wait until every reachable Sentinel reports the same new primary and it answers ROLE as master."
        : "Only when the reported primary does not answer as a primary: SENTINEL FAILOVER and wait for the new primary.",
      action: "redis.failover",
      params: { ...ref, onlyIfUnhealthy: !planned },
      timeoutSeconds: 90,
      retries: 1,
      backoff: PATIENT,
    },
    awaitWritableThroughSentinel(ref),
  ];
  if (planned && t.redis.servers > 1) {
    steps.push({
      name: "await-replicas",
      description: "Every other server, the old primary included, is a connected replica of the new primary, so redundancy is back before the run counts as done.",
      action: "redis.awaitReplicas",
      params: { ...ref, minReplicas: t.redis.servers - 1 },
      timeoutSeconds: 60,
      retries: 0,
      backoff: SHORT,
    });
  }
  return {
    name: "redis-failover",
    title: "Fail over Redis through Sentinel",
    summary:
      "Planned: the weekly Sentinel failover test in staging, proving Sentinel can still elect a primary and clients follow. " +
      "Automatic (controller): runs only the checks unless the primary Sentinel reports is not answering as a primary.",
    component: "redis",
    steps,
  };
}
