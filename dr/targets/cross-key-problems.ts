/**
 * Rules between keys, each of which passed the schema alone: the config problems only the whole
 * stack shows (a DR cluster that is the primary's, an OIDC provider of another region, a lock that
 * outlives its retention, a promotion nobody would perform, settings that would be ignored).
 */
import { DEGRADED_LABEL, GATEWAY_LABEL, UNKNOWN_LABEL } from "../../contract/llm-gateway";
import { accountOfArn, awsRegion, issuerHostPath, parseOidcProviderArn, partitionOfArn } from "./aws";
import type { ConfigProblem } from "./errors";
import { quantityBytes } from "./quantity";
import type { RawStackConfig } from "./schema";

/** Prefixes a key path with the config namespace (agent-dr:). */
export type KeyOf = (path: string) => string;

/**
 * Keys that are each valid alone but together describe a stack that can not work: a DR region
 * that is the primary's cluster, a failover record whose secondary is its primary (or itself), a
 * writer name that stays in the lost region, a volume smaller than its data, a clone of a cluster
 * whose archive is not in this stack's bucket, or of a time that has not happened yet.
 */
export function consistencyProblems(cfg: RawStackConfig, ctx: { hasDr: boolean; standbyEnabled: boolean; clusterName: string; dataSizeGiB: number }, problems: ConfigProblem[], key: KeyOf): void {
  const p = cfg.clusters?.primary;
  const d = cfg.clusters?.dr;
  if (ctx.hasDr && p && d && ((p.context !== undefined && p.context === d.context) || (p.kubeconfig !== undefined && p.kubeconfig === d.kubeconfig))) {
    problems.push({
      key: key(p.context !== undefined && p.context === d.context ? "clusters.dr.context" : "clusters.dr.kubeconfig"),
      value: p.context !== undefined && p.context === d.context ? d.context : "(the primary's kubeconfig)",
      expected: `expected the DR region's (${cfg.regions.dr}) own cluster, not the primary region's: a standby in the primary's cluster is lost with it`,
    });
  }
  for (const [name, e] of [["api", cfg.endpoints?.api], ["databaseWriter", cfg.endpoints?.databaseWriter]] as const) {
    if (!e) continue;
    const lower = (v?: string) => v?.replace(/\.$/, "").toLowerCase();
    if (lower(e.primaryTarget) === lower(e.name)) {
      problems.push({ key: key(`endpoints.${name}.primaryTarget`), value: e.primaryTarget, expected: `expected the address that serves ${e.name}, not the record's own name (a CNAME to itself never resolves)` });
    }
    if (e.drTarget !== undefined && lower(e.drTarget) === lower(e.name)) {
      problems.push({ key: key(`endpoints.${name}.drTarget`), value: e.drTarget, expected: `expected the DR region's address, not the record's own name (a CNAME to itself never resolves)` });
    } else if (e.drTarget !== undefined && lower(e.drTarget) === lower(e.primaryTarget)) {
      problems.push({ key: key(`endpoints.${name}.drTarget`), value: e.drTarget, expected: `expected the DR region's (${cfg.regions.dr ?? "DR"}) address, not the primary target: failing over to it sends clients back to the lost region` });
    }
  }
  const writer = cfg.endpoints?.databaseWriter;
  if (writer && ctx.hasDr && ctx.standbyEnabled && writer.drTarget === undefined) {
    problems.push({
      key: key("endpoints.databaseWriter.drTarget"),
      value: undefined,
      expected: `expected the DR standby's writer address (its pooler in ${cfg.regions.dr}): without it ${writer.name} keeps pointing at the lost region after the standby is promoted`,
    });
  }
  const data = ctx.dataSizeGiB;
  const volume = cfg.postgres?.volumeSize;
  if (volume !== undefined) {
    const gib = quantityBytes(volume)! / 1024 ** 3;
    // The data plus max_wal_size's 1 GiB of WAL (PostgreSQL's default) must fit, or the volume fills before the data is all there.
    if (gib < data + 1) {
      problems.push({ key: key("postgres.volumeSize"), value: volume, expected: `expected at least ${Math.ceil(data + 1)}Gi: the data (agent-dr:postgres.dataSizeGiB ${data}) plus 1 GiB of WAL (max_wal_size) must fit` });
    }
  }
  const clone = cfg.postgres?.clone;
  if (clone) {
    const own = ctx.clusterName;
    if (clone.sourceCluster !== own) {
      problems.push({
        key: key("postgres.clone.sourceCluster"),
        value: clone.sourceCluster,
        expected: `expected "${own}", the cluster this stack archives: a clone reads its source's base backups and WAL from this stack's backup bucket, and no other cluster archives there`,
      });
    }
    const at = Date.parse(clone.targetTime);
    if (Number.isFinite(at) && at > Date.now()) {
      problems.push({ key: key("postgres.clone.targetTime"), value: clone.targetTime, expected: "expected a time in the past: a point-in-time clone replays archived WAL up to it, and WAL of the future does not exist yet" });
    }
  }
}

/**
 * The OIDC providers must be the ones IRSA will meet: IAM names a provider after its issuer (host
 * and path), and an ARN only works in its own partition. A mismatch makes every role's trust
 * policy name a provider that never signs the pods' tokens.
 */
export function oidcProblems(cfg: RawStackConfig, ctx: { hasDr: boolean; drInPartition: boolean; postgresEnabled: boolean; standbyEnabled: boolean }, problems: ConfigProblem[], key: KeyOf): void {
  const { hasDr, drInPartition } = ctx;
  const oidc = cfg.oidc!;
  const pairs: Array<[string, string, string | undefined, string | undefined, string | undefined]> = [
    ["providerArn", "issuerUrl", oidc.providerArn, oidc.issuerUrl, cfg.regions.primary],
    ["drProviderArn", "drIssuerUrl", oidc.drProviderArn, oidc.drIssuerUrl, drInPartition ? cfg.regions.dr : undefined],
  ];
  for (const [arnKey, issuerKey, arn, issuer, region] of pairs) {
    if ((arn === undefined) !== (issuer === undefined)) {
      const [missing, present] = arn === undefined ? [arnKey, issuerKey] : [issuerKey, arnKey];
      problems.push({ key: key(`oidc.${missing}`), value: undefined, expected: `expected it together with agent-dr:oidc.${present}: the provider ARN and its issuer describe one provider` });
      continue;
    }
    if (arn === undefined || issuer === undefined) continue;
    const parsed = parseOidcProviderArn(arn);
    if (typeof parsed === "string") continue; // the schema reported it
    if (parsed.issuer !== issuerHostPath(issuer)) {
      problems.push({
        key: key(`oidc.${issuerKey}`),
        value: issuer,
        expected: `expected the issuer agent-dr:oidc.${arnKey} is named after (${parsed.issuer}): IAM names an OIDC provider by its issuer's host and path`,
      });
    }
    const partition = region ? awsRegion(region)?.partition : undefined;
    if (partition && parsed.partition !== partition) {
      problems.push({ key: key(`oidc.${arnKey}`), value: arn, expected: `expected an ARN in ${partition}, the partition of ${region} (this one is in ${parsed.partition})` });
    }
    // An EKS issuer names its cluster's region (oidc.eks.<region>.amazonaws.com): the wrong one is another region's cluster.
    const eksRegion = /^oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(parsed.issuer)?.[1];
    if (region && eksRegion && eksRegion !== region) {
      problems.push({ key: key(`oidc.${issuerKey}`), value: issuer, expected: `expected the issuer of the EKS cluster in ${region} (this one is a cluster's in ${eksRegion}): IRSA roles trust the provider of the cluster their pods run in` });
    }
  }
  const primaryArn = parseOidcProviderArn(oidc.providerArn);
  const drArn = oidc.drProviderArn !== undefined ? parseOidcProviderArn(oidc.drProviderArn) : undefined;
  if (typeof primaryArn !== "string" && drArn !== undefined && typeof drArn !== "string" && drArn.accountId !== primaryArn.accountId) {
    problems.push({
      key: key("oidc.drProviderArn"),
      value: oidc.drProviderArn,
      expected: `expected a provider in the workload account ${primaryArn.accountId} (agent-dr:oidc.providerArn's): the stack creates every IRSA role there, and a role trusts only providers of its own account`,
    });
  }
  if (hasDr && cfg.clusters?.dr && ctx.postgresEnabled && ctx.standbyEnabled && oidc.drProviderArn === undefined && oidc.drIssuerUrl === undefined) {
    problems.push({
      key: key("oidc.drProviderArn"),
      value: undefined,
      expected: `expected the DR cluster's OIDC provider ARN and issuer (agent-dr:oidc.drIssuerUrl), because the standby cluster in ${cfg.regions.dr} reads the DR bucket through IRSA`,
    });
  }
}

/** Replication settings that need a DR region, refused here rather than when the buckets are declared. */
export function backupProblems(cfg: RawStackConfig, hasDr: boolean, defaultRetentionDays: number, problems: ConfigProblem[], key: KeyOf): void {
  const o = cfg.backup?.overrides ?? {};
  const lock = cfg.backup?.objectLock;
  const retention = cfg.backup?.retentionDays ?? defaultRetentionDays;
  if (lock?.days !== undefined && lock.enabled && lock.days > retention) {
    problems.push({
      key: key("backup.objectLock.days"),
      value: lock.days,
      expected: `expected at most agent-dr:backup.retentionDays (${retention}): the lifecycle expires versions after ${retention} days but the lock would keep them ${lock.days}, so the stated retention would not be what S3 keeps (raise retentionDays, or lower the lock days)`,
    });
  }
  const drAccount = cfg.backup?.drAccount;
  if (drAccount) {
    const workload = cfg.oidc ? accountOfArn(cfg.oidc.providerArn) : undefined;
    const own = accountOfArn(drAccount.roleArn);
    if (!hasDr) {
      problems.push({ key: key("backup.drAccount"), value: drAccount.roleArn, expected: "expected no backup account without agent-dr:regions.dr (the DR copy is what lives there)" });
    } else if (!cfg.oidc) {
      problems.push({ key: key("backup.drAccount"), value: drAccount.roleArn, expected: "expected agent-dr:oidc too: the workload account is read from its provider ARN, and the backup account's policies name that account's roles" });
    } else if (own === workload) {
      problems.push({ key: key("backup.drAccount.roleArn"), value: drAccount.roleArn, expected: `expected a role in another account than the workload account ${workload} (a copy in the same account falls with it)` });
    } else if (partitionOfArn(drAccount.roleArn) !== partitionOfArn(cfg.oidc.providerArn)) {
      problems.push({ key: key("backup.drAccount.roleArn"), value: drAccount.roleArn, expected: `expected a role in the workload account's partition (${partitionOfArn(cfg.oidc.providerArn)}): S3 replicates only within one partition` });
    }
    if (o.crossRegionReplication === false) {
      problems.push({ key: key("backup.overrides.crossRegionReplication"), value: false, expected: "expected true or unset with agent-dr:backup.drAccount (replication is what fills the backup account's copy)" });
    }
  }
  if (o.crossRegionReplication === true && !hasDr) {
    problems.push({ key: key("backup.overrides.crossRegionReplication"), value: true, expected: "expected false or unset without agent-dr:regions.dr (there is no DR bucket to replicate to)" });
  }
  if (o.replicationTimeControl === true && !(o.crossRegionReplication ?? hasDr)) {
    problems.push({ key: key("backup.overrides.replicationTimeControl"), value: true, expected: "expected false or unset while cross-region replication is off (RTC is a property of replication)" });
  }
}

/**
 * Options that would be silently ignored: an automatic region promotion needs the failover
 * controller to do it (and a DR region to promote), or the stack runs manual while its owner
 * believes otherwise.
 */
export function failoverProblems(cfg: RawStackConfig, hasDr: boolean, problems: ConfigProblem[], key: KeyOf): void {
  if (cfg.failover?.regionPromotion !== "automatic") return;
  if (cfg.failover.controller?.enabled !== true) {
    problems.push({ key: key("failover.regionPromotion"), value: "automatic", expected: 'expected "manual" unless agent-dr:failover.controller.enabled is true (no controller would promote the DR region; the promotion would silently stay manual)' });
  } else if (!hasDr) {
    problems.push({ key: key("failover.regionPromotion"), value: "automatic", expected: 'expected "manual" or unset without agent-dr:regions.dr (there is no DR region to promote)' });
  }
}

/** Chart settings with the tests off would be ignored silently. */
export function chaosProblems(cfg: RawStackConfig, chaosEnabled: boolean, problems: ConfigProblem[], key: KeyOf): void {
  if (chaosEnabled) return;
  for (const k of ["installChart", "chartVersion", "namespace"] as const) {
    const v = cfg.chaos?.[k];
    if (v === undefined || v === false) continue;
    problems.push({ key: key(`chaos.${k}`), value: v, expected: `expected unset (or installChart false) while agent-dr:chaos.enabled is false${cfg.chaos?.enabled === undefined ? " (the default in this environment)" : ""}: no fault Schedule would use Chaos Mesh, the setting would be ignored` });
  }
}

/** A chain that names one provider twice would try it twice and call it a fallback. */
export function llmProblems(cfg: RawStackConfig, problems: ConfigProblem[], key: KeyOf): void {
  const providers = cfg.llm!.providers;
  providers.forEach((p, i) => {
    const first = providers.findIndex((q) => q.name === p.name);
    if (first !== i) problems.push({ key: key(`llm.providers[${i}].name`), value: p.name, expected: `expected a name no other provider has (providers[${first}] is already "${p.name}")` });
    // The gateway meter labels its series by these names beside its own two (docs/LLM-GATEWAY.md, Signals).
    if ([DEGRADED_LABEL, GATEWAY_LABEL, UNKNOWN_LABEL].includes(p.name)) problems.push({ key: key(`llm.providers[${i}].name`), value: p.name, expected: `expected another name: "${DEGRADED_LABEL}", "${GATEWAY_LABEL}" and "${UNKNOWN_LABEL}" are the gateway meter's own labels` });
    const same = providers.findIndex((q) => q.baseUrl === p.baseUrl && q.model === p.model);
    if (same !== i) problems.push({ key: key(`llm.providers[${i}].baseUrl`), value: p.baseUrl, expected: `expected another endpoint or model than providers[${same}] (the same endpoint and model fail together, so it is no fallback)` });
  });
}
