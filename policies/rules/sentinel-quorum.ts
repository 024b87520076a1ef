import { redisDirectives } from "../lib/conf-files";
import { namespaceOf, num, objectName, TYPES } from "../lib/resources";
import { StackResource } from "../lib/policy-resources";
import { stackPolicy } from "../lib/define";

/**
 * How many Sentinel processes run beside a config: replicas x containers running redis-sentinel in
 * workloads of the same namespace on the same cluster (provider), since every region's cluster may
 * use the same namespace name.
 */
export function sentinelCount(resources: StackResource[], conf: StackResource): number {
  let count = 0;
  for (const r of resources) {
    if (r.type !== TYPES.statefulSet && r.type !== TYPES.deployment) continue;
    if (namespaceOf(r) !== namespaceOf(conf) || r.providerUrn !== conf.providerUrn) continue;
    const containers: any[] = r.inputs.spec?.template?.spec?.containers ?? [];
    const sentinels = containers.filter((c) => {
      const words = [...(c.command ?? []), ...(c.args ?? []), c.name ?? ""].join(" ");
      return /redis-sentinel|--sentinel|\bsentinel\b/.test(words);
    }).length;
    const replicas = r.inputs.spec?.replicas === undefined ? 1 : num(r.inputs.spec.replicas);
    count += sentinels * (Number.isFinite(replicas) ? replicas : 0);
  }
  return count;
}

/**
 * Sentinel needs `quorum` Sentinels to agree the primary is down and a majority of all Sentinels
 * to elect the one that fails over. A quorum below a majority lets a minority partition declare
 * the primary dead; a quorum above the number of Sentinels never fails over.
 */
export function checkSentinelQuorum(resources: StackResource[], report: (m: string, urn?: string) => void): void {
  for (const r of resources) {
    const conf: string | undefined = r.type === TYPES.configMap ? r.inputs.data?.["sentinel.conf"] : undefined;
    if (conf === undefined) continue;
    const n = sentinelCount(resources, r);
    for (const args of redisDirectives(conf).get("sentinel") ?? []) {
      if (args[0]?.toLowerCase() !== "monitor") continue;
      const [, master, , , q] = args;
      const quorum = Number(q);
      if (!Number.isInteger(quorum) || quorum < 1) {
        report(`Sentinel quorum for ${master} in ${objectName(r)}: ${JSON.stringify(q)} is not a positive integer.`, r.urn);
        continue;
      }
      if (n === 0) {
        if (quorum < 2) report(`Sentinel quorum ${quorum} for ${master} in ${objectName(r)}: one Sentinel alone may declare the primary down. Fix: run 3 Sentinels with quorum 2.`, r.urn);
        continue;
      }
      const majority = Math.floor(n / 2) + 1;
      if (quorum < majority || quorum > n) {
        report(
          `Sentinel quorum ${quorum} for ${master} in ${objectName(r)} with ${n} Sentinels: ${quorum < majority ? `below a majority (${majority}), so a minority partition can declare the primary down` : "more than there are Sentinels, so no failover ever starts"}. Fix: quorum ${majority} (redis.overrides.quorum), with an odd number of Sentinels across zones.`,
          r.urn,
        );
      }
    }
  }
}

export const sentinelQuorum = stackPolicy({
  name: "sentinel-quorum",
  description: "Every Sentinel-monitored Redis primary has a quorum that is a majority of its Sentinels.",
  severity: "high",
  skip: (rs) => (!rs.some((r) => r.type === TYPES.configMap && r.inputs.data?.["sentinel.conf"] !== undefined) ? "no sentinel.conf in the stack" : undefined),
  check: checkSentinelQuorum,
});
