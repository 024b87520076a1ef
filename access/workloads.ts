import { SERVICE_ACCOUNTS as POSTGRES_SERVICE_ACCOUNTS } from "../contract/postgres";
import { PROBE_NAME, PROBE_REPORT_PREFIX, type ProbeConfig, type ProbeMeasurement } from "../contract/probe";
import { reportPut } from "../probe/s3-report";
import type { CapturedResource } from "../contract/captured-resource";
import { recoveryPointAttackers } from "./attackers";
import { AccessCase, ContractFinding, WorkloadCases, WorkloadRequests } from "./cases";
import { ClientConfigError, dumpUploadHeaders, envValue, walgUploadHeaders, type Env } from "./clients";
import type { S3Call, SseHeaders } from "./s3-operations";
import { LIFECYCLE_LAG_DAYS } from "../components/postgres/render/env";
import { byType, keyPolicyOf, lifecycleExpiryDays, serviceAccountRole, type StackModel } from "./stack-model";

/**
 * Every workload of a plan that holds AWS credentials, and the requests its client sends, derived
 * from what the plan renders for it (env, ServiceAccount, key layout); plus what it must never be
 * able to do. Each workload is one function: add one when a new credential holder appears.
 */

// Sample names in each client's own key layout (WAL-G: wal_005/ and basebackups_005/, zstd).
const WAL_SEGMENT = "wal_005/000000010000000A000000FF.zst";
const BASE_BACKUP = "basebackups_005/base_000000010000000A000000FE";

function s3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: m[1], prefix: m[2].replace(/\/+$/, "") };
}

const envOf = (list: unknown): Env => (Array.isArray(list) ? list : []).filter((e) => typeof e?.name === "string").map((e) => ({ name: e.name, value: e.value }));
const get = envValue;

/** The same bucket name in the other environment (bucket names follow agent-dr-<env>-backups-...). */
function otherEnvironmentBucket(bucket: string, stack: string): string {
  const other = stack === "prod" ? "staging" : "prod";
  return bucket.replace(`agent-dr-${stack}-backups-`, `agent-dr-${other}-backups-`);
}

function headersOr(w: WorkloadCases, request: string, read: () => SseHeaders): SseHeaders | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof ClientConfigError) {
      w.contract(request, e.message);
      return undefined;
    }
    throw e;
  }
}

/** Spilo pods of one postgresql resource: WAL-G's archive, base backups, restore, retention, and a standby's or clone's source. */
function spiloPods(model: StackModel, pg: CapturedResource): WorkloadRequests {
  const cluster: string = pg.inputs.metadata?.name;
  const namespace: string = pg.inputs.metadata?.namespace;
  const version: string = String(pg.inputs.spec?.postgresql?.version);
  const env = envOf(pg.inputs.spec?.env);
  const region = get(env, "AWS_REGION") ?? "";
  const role = serviceAccountRole(model, pg.provider, namespace, POSTGRES_SERVICE_ACCOUNTS.walg);
  const w = new WorkloadCases(model, `postgres pods of ${cluster} (${region})`, role);
  const bucket = get(env, "WAL_S3_BUCKET");
  if (!role) w.contract("IRSA", `no ServiceAccount ${namespace}/${POSTGRES_SERVICE_ACCOUNTS.walg} with a role the plan creates, in this cluster's Kubernetes provider`);
  if (!bucket) {
    w.contract("WAL-G", "no WAL_S3_BUCKET in the pod env");
    return w.out;
  }
  // Spilo's archive path with empty scope prefix and suffix, unless WALG_S3_PREFIX moves it.
  const archive = s3Url(get(env, "WALG_S3_PREFIX") ?? `s3://${bucket}/spilo/${cluster}/wal/${version}`);
  const headers = headersOr(w, "WAL-G uploads", () => walgUploadHeaders(env));
  const obj = (key: string, extra: Partial<S3Call> = {}): S3Call => ({ api: "GetObject", bucket: archive.bucket, key: `${archive.prefix}/${key}`, tls: true, ...extra });
  const base = `${BASE_BACKUP}/tar_partitions/part_1.tar.zst`;
  if (headers) {
    w.needs("wal-push", obj(WAL_SEGMENT, { api: "PutObject", headers }));
    w.needs("backup-push", obj(base, { api: "CreateMultipartUpload", headers }));
    w.needs("backup-push", obj(base, { api: "UploadPart" }));
    w.needs("backup-push", obj(base, { api: "CompleteMultipartUpload" }));
    w.needs("backup-push (failed upload)", obj(base, { api: "AbortMultipartUpload" }));
    w.needs("backup-push", obj(`${BASE_BACKUP}_backup_stop_sentinel.json`, { api: "PutObject", headers }));
  }
  w.needs("wal-fetch", obj(WAL_SEGMENT));
  w.needs("wal-fetch", { api: "ListObjectsV2", bucket: archive.bucket, prefix: `${archive.prefix}/wal_005/`, tls: true });
  w.needs("backup-list", { api: "ListObjectsV2", bucket: archive.bucket, prefix: `${archive.prefix}/basebackups_005/`, tls: true });
  w.needs("backup-fetch", obj(`${BASE_BACKUP}_backup_stop_sentinel.json`));
  w.needs("backup-fetch", obj(base));
  // Spilo's backup cron lists the backups after each one and runs `wal-g delete before FIND_FULL`
  // once a backup is older than BACKUP_NUM_TO_RETAIN days (Spilo reads it as days and as a count).
  // The pods may not delete: that stays true only while the lifecycle removes every backup first.
  w.needs("backup retention (list)", { api: "ListObjectsV2", bucket: archive.bucket, prefix: `${archive.prefix}/`, tls: true });
  const deletes = { api: "DeleteObjects" as const, bucket: archive.bucket, keys: [`${archive.prefix}/wal_005/000000010000000100000001.zst`, `${archive.prefix}/basebackups_005/base_000000010000000100000001/tar_partitions/part_1.tar.zst`], tls: true };
  const retainDays = Number(get(env, "BACKUP_NUM_TO_RETAIN") ?? "5");
  const expiry = lifecycleExpiryDays(model, archive.bucket, `${archive.prefix}/`);
  if (expiry === undefined || retainDays < expiry + LIFECYCLE_LAG_DAYS) {
    w.needs(`wal-g delete (BACKUP_NUM_TO_RETAIN ${retainDays} days, lifecycle ${expiry ?? "none"})`, deletes);
  } else {
    w.never("recovery points: wal-g delete of its own archive", deletes);
  }
  // A standby replays, and a clone restores, the source's archive with the STANDBY_/CLONE_ role.
  for (const [kind, url, roleArn] of [
    ["standby replay", pg.inputs.spec?.standby?.s3_wal_path, get(env, "STANDBY_AWS_ROLE_ARN")],
    ["clone restore", pg.inputs.spec?.clone?.s3_wal_path, get(env, "CLONE_AWS_ROLE_ARN")],
  ] as const) {
    if (!url) continue;
    const source = s3Url(url);
    const reader = roleArn ? model.roles.get(roleArn) : role;
    const r = new WorkloadCases(model, w.workload, reader);
    if (roleArn && !reader) r.contract(kind, `${roleArn} is not a role the plan creates`);
    r.needs(`${kind} (wal-fetch)`, { api: "GetObject", bucket: source.bucket, key: `${source.prefix}/${WAL_SEGMENT}`, tls: true });
    r.needs(`${kind} (list)`, { api: "ListObjectsV2", bucket: source.bucket, prefix: `${source.prefix}/wal_005/`, tls: true });
    r.needs(`${kind} (backup-fetch)`, { api: "GetObject", bucket: source.bucket, key: `${source.prefix}/${base}`, tls: true });
    if (kind === "standby replay") {
      // The DR region's copy of the primary's archive must outlive the DR pods' credentials.
      r.never("the replicated primary archive it replays (delete)", { api: "DeleteObject", bucket: source.bucket, key: `${source.prefix}/${WAL_SEGMENT}`, tls: true });
      r.never("the replicated primary archive it replays (overwrite)", { api: "PutObject", bucket: source.bucket, key: `${source.prefix}/${WAL_SEGMENT}`, headers: headers ?? {}, tls: true });
    }
    w.out.cases.push(...r.out.cases);
    w.out.contract.push(...r.out.contract);
  }

  const ownKey = obj(WAL_SEGMENT);
  const kms = headers ?? {};
  w.never("recovery points: a WAL segment's versions", { ...ownKey, api: "DeleteObjectVersion" });
  w.never("object lock: retention of a WAL segment", { ...ownKey, api: "PutObjectRetention" });
  for (const api of ["PutBucketPolicy", "PutBucketLifecycleConfiguration", "PutObjectLockConfiguration", "PutBucketVersioning"] as const) {
    w.never(`bucket configuration (${api})`, { api, bucket: archive.bucket, tls: true });
  }
  w.never("TLS only: an archive upload over plain HTTP", { ...ownKey, api: "PutObject", headers: kms, tls: false });
  w.never("encryption: an upload asking for AES256", { ...ownKey, api: "PutObject", headers: { sse: "AES256" } });
  w.never("encryption: an upload naming another KMS key", { ...ownKey, api: "PutObject", headers: { sse: "aws:kms", kmsKeyId: `arn:aws:kms:${region}:${model.account}:key/not-this-buckets-key` } });
  w.never("another workload's prefix: the logical dumps", { api: "PutObject", bucket: archive.bucket, key: `logical-backups/${cluster}/agent_configurations/x.dump`, headers: kms, tls: true });
  w.never("another workload's prefix: reading the logical dumps", { api: "GetObject", bucket: archive.bucket, key: `logical-backups/${cluster}/agent_configurations/x.dump`, tls: true });
  w.never("another cluster's archive", { api: "DeleteObject", bucket: archive.bucket, key: `spilo/another-cluster/wal/${version}/${WAL_SEGMENT}`, tls: true });
  w.never("another environment's archive", { api: "GetObject", bucket: otherEnvironmentBucket(archive.bucket, model.stack), key: `spilo/${cluster}/wal/${version}/${WAL_SEGMENT}`, tls: true });
  // Each region's pods hold only their own region's bucket: the other region's copy survives them.
  for (const other of model.buckets.values()) {
    if (other.bucket === archive.bucket || (pg.inputs.spec?.standby?.s3_wal_path ?? "").includes(`//${other.bucket}/`)) continue;
    w.never("the other region's archive (write)", { api: "PutObject", bucket: other.bucket, key: `${archive.prefix}/${WAL_SEGMENT}`, headers: { sse: "aws:kms", kmsKeyId: other.keyArn }, tls: true });
    w.never("the other region's archive (delete)", { api: "DeleteObject", bucket: other.bucket, key: `${archive.prefix}/${WAL_SEGMENT}`, tls: true });
  }
  return w.out;
}

/** The containers (and init containers) of a CronJob whose env names the backup bucket. */
function jobContainers(job: CapturedResource): Array<{ name: string; env: Env }> {
  const pod = job.inputs.spec?.jobTemplate?.spec?.template?.spec ?? {};
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])].map((c: any) => ({ name: c.name, env: envOf(c.env) })).filter((c) => get(c.env, "BACKUP_BUCKET"));
}

function cronJobRole(model: StackModel, job: CapturedResource) {
  const sa = job.inputs.spec?.jobTemplate?.spec?.template?.spec?.serviceAccountName;
  return sa ? serviceAccountRole(model, job.provider, job.inputs.metadata?.namespace, sa) : undefined;
}

/** The daily dump upload (`aws s3 cp` in logical-backup.sh): adds dumps, reads and deletes nothing. */
function logicalBackup(model: StackModel, job: CapturedResource, container: { name: string; env: Env }): WorkloadRequests {
  const w = new WorkloadCases(model, `logical backup ${job.inputs.metadata?.name} (${container.name})`, cronJobRole(model, job));
  const bucket = get(container.env, "BACKUP_BUCKET")!;
  const prefix = (get(container.env, "BACKUP_PREFIX") ?? "").replace(/\/+$/, "");
  const db = (get(container.env, "DATABASES") ?? "db").split(/\s+/)[0];
  const headers = headersOr(w, "dump upload", () => dumpUploadHeaders(container.env));
  const dump = `${prefix}/${db}/20261206T000000Z.dump`;
  if (headers) {
    w.needs("upload dump", { api: "PutObject", bucket, key: dump, headers, tls: true });
    w.needs("upload checksum", { api: "PutObject", bucket, key: `${dump}.sha256`, headers, tls: true });
    w.needs("upload large dump", { api: "CreateMultipartUpload", bucket, key: dump, headers, tls: true });
    w.needs("upload large dump", { api: "UploadPart", bucket, key: dump, tls: true });
    w.needs("upload large dump", { api: "CompleteMultipartUpload", bucket, key: dump, tls: true });
    w.needs("upload large dump (failed)", { api: "AbortMultipartUpload", bucket, key: dump, tls: true });
  }
  w.never("earlier dumps: read", { api: "GetObject", bucket, key: dump, tls: true });
  w.never("earlier dumps: delete", { api: "DeleteObject", bucket, key: dump, tls: true });
  w.never("earlier dumps: delete a version", { api: "DeleteObjectVersion", bucket, key: dump, tls: true });
  w.never("earlier dumps: list", { api: "ListObjectsV2", bucket, prefix: `${prefix}/`, tls: true });
  w.never("the WAL archive", { api: "PutObject", bucket, key: `spilo/${prefix.split("/").pop()}/wal/15/${WAL_SEGMENT}`, headers: headers ?? {}, tls: true });
  w.never("bucket configuration (PutBucketPolicy)", { api: "PutBucketPolicy", bucket, tls: true });
  w.never("TLS only: a dump upload over plain HTTP", { api: "PutObject", bucket, key: dump, headers: headers ?? {}, tls: false });
  w.never("another environment's dumps", { api: "PutObject", bucket: otherEnvironmentBucket(bucket, model.stack), key: dump, headers: headers ?? {}, tls: true });
  return w.out;
}

/** The scheduled restore drill's download (restore-verify.sh): lists and reads dumps, nothing else. */
function restoreDrill(model: StackModel, job: CapturedResource, container: { name: string; env: Env }): WorkloadRequests {
  const w = new WorkloadCases(model, `restore drill ${job.inputs.metadata?.name} (${container.name})`, cronJobRole(model, job));
  const bucket = get(container.env, "BACKUP_BUCKET")!;
  const prefix = (get(container.env, "BACKUP_PREFIX") ?? "").replace(/\/+$/, "");
  const db = (get(container.env, "DATABASES") ?? "db").split(/\s+/)[0];
  const dump = `${prefix}/${db}/20261206T000000Z.dump`;
  w.needs("find newest dumps (list-objects-v2)", { api: "ListObjectsV2", bucket, prefix: `${prefix}/`, tls: true });
  w.needs("download dump", { api: "GetObject", bucket, key: dump, tls: true });
  w.needs("download checksum", { api: "GetObject", bucket, key: `${dump}.sha256`, tls: true });
  const archive = get(container.env, "ARCHIVE_PREFIX");
  if (archive) w.needs("find the archive's newest base backup (list-objects-v2)", { api: "ListObjectsV2", bucket, prefix: `${archive.replace(/\/+$/, "")}/basebackups_005/`, tls: true });
  w.never("dumps: overwrite", { api: "PutObject", bucket, key: dump, tls: true });
  w.never("dumps: delete", { api: "DeleteObject", bucket, key: dump, tls: true });
  w.never("the WAL archive: read", { api: "GetObject", bucket, key: `spilo/${prefix.split("/").pop()}/wal/15/${WAL_SEGMENT}`, tls: true });
  w.never("TLS only: a download over plain HTTP", { api: "GetObject", bucket, key: dump, tls: false });
  return w.out;
}

/** S3 replication, signing as the replication role: reads source versions, writes replicas, one key each side. */
function replication(model: StackModel, cfg: CapturedResource): WorkloadRequests {
  const role = model.roles.get(cfg.inputs.role);
  const src = model.buckets.get(cfg.inputs.bucket);
  const w = new WorkloadCases(model, `S3 replication of ${cfg.inputs.bucket}`, role);
  if (!src) {
    w.contract("replication", `source bucket ${cfg.inputs.bucket} is not one the plan creates`);
    return w.out;
  }
  const tls = { "aws:SecureTransport": "true" };
  const sample = `spilo/sample/wal/15/${WAL_SEGMENT}`;
  w.raw("Allowed", "read the replication configuration", { action: "s3:GetReplicationConfiguration", resource: src.arn, context: tls }, src.policy);
  w.raw("Allowed", "list the source", { action: "s3:ListBucket", resource: src.arn, context: tls }, src.policy);
  const reads = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging", ...(src.objectLock ? ["s3:GetObjectRetention", "s3:GetObjectLegalHold"] : [])];
  for (const action of reads) w.raw("Allowed", `read a source version (${action})`, { action, resource: `${src.arn}/${sample}`, context: tls }, src.policy);
  w.raw("Allowed", "decrypt the source object", { action: "kms:Decrypt", resource: src.keyArn, context: { "kms:ViaService": `s3.${src.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": src.bucketKey ? src.arn : `${src.arn}/${sample}` } }, keyPolicyOf(model, src.keyArn));
  for (const rule of cfg.inputs.rules ?? []) {
    const dstName = String(rule.destination?.bucket ?? "").replace(/^arn:aws[a-z-]*:s3:::/, "");
    const dst = model.buckets.get(dstName);
    if (!dst) {
      w.contract(`rule ${rule.id}`, `destination ${rule.destination?.bucket} is not a bucket the plan creates`);
      continue;
    }
    const replicaKey = rule.destination?.encryptionConfiguration?.replicaKmsKeyId ?? dst.keyArn;
    if (replicaKey !== dst.keyArn) w.contract(`rule ${rule.id}`, `replicas are encrypted with ${replicaKey}, not the destination bucket's key ${dst.keyArn}`);
    // Into another account, the replicas must become that account's, or the source account keeps them.
    const ownerOverride = rule.destination?.accessControlTranslation?.owner === "Destination";
    if (dst.account !== src.account && (rule.destination?.account !== dst.account || !ownerOverride)) {
      w.contract(`rule ${rule.id}`, `destination ${dst.bucket} belongs to account ${dst.account}: the rule must name it (destination.account, got ${rule.destination?.account ?? "none"}) and hand it the replicas (accessControlTranslation owner Destination)`);
    }
    const writes = ["s3:ReplicateObject", "s3:ReplicateTags", ...(rule.deleteMarkerReplication?.status === "Enabled" ? ["s3:ReplicateDelete"] : []), ...(ownerOverride ? ["s3:ObjectOwnerOverrideToBucketOwner"] : [])];
    for (const action of writes) {
      w.raw("Allowed", `write the replica (${action})`, { action, resource: `${dst.arn}/${sample}`, context: tls }, dst.policy);
    }
    w.raw("Allowed", "encrypt the replica", { action: "kms:Encrypt", resource: replicaKey, context: { "kms:ViaService": `s3.${dst.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": dst.bucketKey ? dst.arn : `${dst.arn}/${sample}` } }, keyPolicyOf(model, replicaKey));
    w.raw("Denied", "delete a replica's version", { action: "s3:DeleteObjectVersion", resource: `${dst.arn}/${sample}`, context: tls }, dst.policy, "recovery points in the DR region");
    w.raw("Denied", "read a replica", { action: "s3:GetObject", resource: `${dst.arn}/${sample}`, context: tls }, dst.policy, "the DR copy is written, never read, by replication");
    w.raw("Denied", "change the destination's policy", { action: "s3:PutBucketPolicy", resource: dst.arn, context: tls }, dst.policy, "bucket configuration");
  }
  w.raw("Denied", "overwrite a source object", { action: "s3:PutObject", resource: `${src.arn}/${sample}`, context: tls }, src.policy, "the primary archive");
  w.raw("Denied", "delete a source object", { action: "s3:DeleteObject", resource: `${src.arn}/${sample}`, context: tls }, src.policy, "the primary archive");
  return w.out;
}

/** The failover controller: Route53 reads and the inversion of health checks; no record changes, nothing in S3. */
function failoverController(model: StackModel): WorkloadRequests[] {
  const out: WorkloadRequests[] = [];
  const records = byType(model.resources, "aws:route53/record:Record").filter((r) => r.inputs.failoverRoutingPolicies?.length);
  for (const role of model.roles.values()) {
    if (!role.policies.some((p) => JSON.stringify(p.policy).includes("route53:"))) continue;
    const w = new WorkloadCases(model, `failover controller (${role.name})`, role);
    for (const zone of new Set(records.map((r) => r.inputs.zoneId as string))) {
      w.raw("Allowed", `read failover records (ListResourceRecordSets ${zone})`, { action: "route53:ListResourceRecordSets", resource: `arn:aws:route53:::hostedzone/${zone}`, context: {} });
      w.raw("Denied", `change records (ChangeResourceRecordSets ${zone})`, { action: "route53:ChangeResourceRecordSets", resource: `arn:aws:route53:::hostedzone/${zone}`, context: {} }, undefined, "DNS is moved by health checks only");
      w.raw("Denied", `delete the zone (${zone})`, { action: "route53:DeleteHostedZone", resource: `arn:aws:route53:::hostedzone/${zone}`, context: {} }, undefined, "the zone");
    }
    for (const id of new Set(records.map((r) => r.inputs.healthCheckId as string).filter(Boolean))) {
      const resource = `arn:aws:route53:::healthcheck/${id}`;
      for (const action of ["route53:GetHealthCheck", "route53:GetHealthCheckStatus", "route53:UpdateHealthCheck"]) w.raw("Allowed", `${action.split(":")[1]} ${id}`, { action, resource, context: {} });
      w.raw("Denied", `DeleteHealthCheck ${id}`, { action: "route53:DeleteHealthCheck", resource, context: {} }, undefined, "the health checks failover depends on");
    }
    for (const b of model.buckets.values()) {
      w.raw("Denied", `read backups in ${b.bucket}`, { action: "s3:GetObject", resource: `${b.arn}/spilo/x`, context: { "aws:SecureTransport": "true" } }, b.policy, "backups are not the controller's");
    }
    out.push(w.out);
  }
  return out;
}

/** CloudWatch alarms publishing to the encrypted alarm topic (service principal, with the alarm as source). */
function alarmNotifications(model: StackModel): WorkloadRequests[] {
  const out: WorkloadRequests[] = [];
  const topics = byType(model.resources, "aws:sns/topic:Topic");
  const topicPolicies = byType(model.resources, "aws:sns/topicPolicy:TopicPolicy");
  for (const alarm of byType(model.resources, "aws:cloudwatch/metricAlarm:MetricAlarm")) {
    const region = alarm.inputs.region ?? "us-east-1";
    const alarmArn = `arn:aws:cloudwatch:${region}:${model.account}:alarm:${alarm.inputs.name ?? alarm.name}`;
    const w = new WorkloadCases(model, `alarm ${alarm.inputs.name ?? alarm.name}`, undefined);
    for (const topicArn of alarm.inputs.alarmActions ?? []) {
      const policy = topicPolicies.find((p) => p.inputs.arn === topicArn);
      const topicPolicy = policy ? { name: `topic policy of ${topicArn}`, policy: JSON.parse(policy.inputs.policy) } : undefined;
      const service = (expect: "Allowed" | "Denied", request: string, check: AccessCase["check"], resourcePolicy: AccessCase["path"]["resourcePolicy"], protects?: string) =>
        w.out.cases.push({ workload: w.workload, request, expect, ...(protects ? { protects } : {}), check, path: { principal: "cloudwatch.amazonaws.com", identityPolicies: [], ...(resourcePolicy ? { resourcePolicy } : {}), resourceAccount: model.account } });
      const source = { "aws:SourceArn": alarmArn, "aws:SourceAccount": model.account };
      service("Allowed", `sns:Publish to ${topicArn}`, { action: "sns:Publish", resource: topicArn, context: { ...source, "aws:SecureTransport": "true" } }, topicPolicy);
      const topic = topics.find((t) => `arn:aws:sns:${t.inputs.region ?? "us-east-1"}:${model.account}:${t.inputs.name ?? t.name}` === topicArn);
      const keyArn: string | undefined = topic?.inputs.kmsMasterKeyId;
      if (keyArn?.startsWith("arn:")) {
        for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) service("Allowed", `${action} on the topic's key (SNS encrypts the message)`, { action, resource: keyArn, context: source }, keyPolicyOf(model, keyArn));
      }
      const stranger = "999988887777";
      service("Denied", `sns:Publish to ${topicArn} from another account's alarm`, { action: "sns:Publish", resource: topicArn, context: { "aws:SourceArn": `arn:aws:cloudwatch:${region}:${stranger}:alarm:x`, "aws:SourceAccount": stranger, "aws:SecureTransport": "true" } }, topicPolicy, "pages come from this account's alarms only");
      service("Denied", `sns:Publish to ${topicArn} over plain HTTP`, { action: "sns:Publish", resource: topicArn, context: { ...source, "aws:SecureTransport": "false" } }, topicPolicy, "TLS only");
    }
    out.push(w.out);
  }
  return out;
}

/**
 * The recovery probe: one PutObject per measured outage under its prefix, with the headers its
 * client (probe/s3-report.ts reportPut) puts on the wire, read from the ConfigMap the plan renders.
 * Nothing else: not its own reports back, not other prefixes, not the archive.
 */
function recoveryProbe(model: StackModel): WorkloadRequests[] {
  const out: WorkloadRequests[] = [];
  for (const cm of byType(model.resources, "kubernetes:core/v1:ConfigMap").filter((c) => c.inputs.metadata?.name === `${PROBE_NAME}-config`)) {
    const namespace: string = cm.inputs.metadata?.namespace;
    const role = serviceAccountRole(model, cm.provider, namespace, PROBE_NAME);
    const w = new WorkloadCases(model, `recovery probe (${namespace})`, role);
    let probe: ProbeConfig;
    try {
      probe = JSON.parse(cm.inputs.data?.["probe.json"] ?? "");
    } catch {
      w.contract("config", "the probe's ConfigMap holds no probe.json it can read");
      out.push(w.out);
      continue;
    }
    if (!probe.reportBucket || !probe.reportKmsKeyArn) continue; // no reports, no credentials
    if (!role) w.contract("IRSA", `no ServiceAccount ${namespace}/${PROBE_NAME} with a role the plan creates, in this cluster's Kubernetes provider`);
    const sample: ProbeMeasurement = {
      class: probe.classes[0]?.class ?? "session_state",
      store: probe.classes[0]?.store ?? "redis",
      scenario: "instance-loss",
      outageStartedAt: "2026-12-07T03:00:01.000Z",
      recoveredAt: "2026-12-07T03:00:07.250Z",
      measuredRtoSeconds: 6.25,
      measuredRpoSeconds: 0,
      lostAcknowledgedWrites: 0,
      acknowledgedWrites: 600,
      targetRtoSeconds: null,
      targetRpoSeconds: null,
      predictedRtoSeconds: null,
      predictedRpoSeconds: null,
    };
    const put = reportPut(probe.reportBucket, probe.reportKmsKeyArn, probe.environment, sample).input;
    const bucket = probe.reportBucket;
    const key = put.Key as string;
    const headers: SseHeaders = { ...(put.ServerSideEncryption ? { sse: put.ServerSideEncryption } : {}), ...(put.SSEKMSKeyId ? { kmsKeyId: put.SSEKMSKeyId } : {}) };
    w.needs("write a measurement report", { api: "PutObject", bucket, key, headers, tls: true });
    w.never("its reports: read back", { api: "GetObject", bucket, key, tls: true });
    w.never("its reports: delete", { api: "DeleteObject", bucket, key, tls: true });
    w.never("its reports: list", { api: "ListObjectsV2", bucket, prefix: `${PROBE_REPORT_PREFIX}${probe.environment}/`, tls: true });
    const other = probe.environment === "prod" ? "staging" : "prod";
    w.never("the other environment's probe prefix", { api: "PutObject", bucket, key: `${PROBE_REPORT_PREFIX}${other}/x.json`, headers, tls: true });
    w.never("the WAL archive: write", { api: "PutObject", bucket, key: `spilo/agent-pg-${probe.environment}/wal/15/${WAL_SEGMENT}`, headers, tls: true });
    w.never("the WAL archive: read", { api: "GetObject", bucket, key: `spilo/agent-pg-${probe.environment}/wal/15/${WAL_SEGMENT}`, tls: true });
    w.never("the logical dumps: write", { api: "PutObject", bucket, key: `logical-backups/agent-pg-${probe.environment}/agent_config/x.dump`, headers, tls: true });
    w.never("encryption: a report asking for AES256", { api: "PutObject", bucket, key, headers: { sse: "AES256" }, tls: true });
    w.never("TLS only: a report over plain HTTP", { api: "PutObject", bucket, key, headers, tls: false });
    w.never("bucket configuration (PutBucketPolicy)", { api: "PutBucketPolicy", bucket, tls: true });
    for (const b of model.buckets.values()) {
      if (b.bucket === bucket) continue;
      w.never("another region's bucket", { api: "PutObject", bucket: b.bucket, key, headers: { sse: "aws:kms", kmsKeyId: b.keyArn }, tls: true });
    }
    out.push(w.out);
  }
  return out;
}

/** Every credential holder of the plan and its requests. */
export function workloadRequests(model: StackModel): WorkloadRequests {
  const all: WorkloadRequests[] = [];
  for (const pg of byType(model.resources, "kubernetes:acid.zalan.do/v1:postgresql")) all.push(spiloPods(model, pg));
  for (const job of byType(model.resources, "kubernetes:batch/v1:CronJob")) {
    for (const c of jobContainers(job)) {
      // The uploader names an encryption (S3_SSE) or at least is the one with write duty; the reader lists.
      all.push(get(c.env, "S3_SSE") !== undefined || c.name === "upload" ? logicalBackup(model, job, c) : restoreDrill(model, job, c));
    }
  }
  for (const cfg of byType(model.resources, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")) all.push(replication(model, cfg));
  all.push(...failoverController(model), ...alarmNotifications(model), ...recoveryProbe(model), ...recoveryPointAttackers(model));
  return { cases: all.flatMap((w) => w.cases), contract: all.flatMap((w) => w.contract) as ContractFinding[] };
}
