import { mockKeyId, type CapturedResource } from "../contract/captured-resource";
import { accountOfArn, assumedAccount } from "../dr/targets/aws";
import type { NamedPolicy } from "./evaluator";
import type { BucketEncryption } from "./s3-operations";

/**
 * The parts of a plan that decide who may do what: roles with their policies, buckets with their
 * policy and default encryption, key policies, topic policies. Read from the captured resources
 * (what `pulumi up` would send), never from the functions that rendered them.
 */

export interface BucketModel extends BucketEncryption {
  arn: string;
  /** The account that owns the bucket: the workload account, or the one its provider assumes a role in. */
  account: string;
  /** The bucket policy, when the plan attaches one. */
  policy?: NamedPolicy;
  objectLock: boolean;
}

export interface RoleModel {
  arn: string;
  name: string;
  policies: NamedPolicy[];
  trust: { Statement: Array<Record<string, any>> };
}

export interface StackModel {
  stack: string;
  account: string;
  buckets: Map<string, BucketModel>;
  roles: Map<string, RoleModel>;
  resources: CapturedResource[];
}

export const byType = (rs: CapturedResource[], type: string) => rs.filter((r) => r.type === type);

const parse = (v: unknown): any => (typeof v === "string" ? JSON.parse(v) : v);

/** KMS's default key policy: the account administers the key through IAM (what a key with no policy input gets). */
export function defaultKeyPolicy(account: string): object {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "EnableIamUserPermissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }],
  };
}

export function readStackModel(stack: string, account: string, rs: CapturedResource[]): StackModel {
  const roles = new Map<string, RoleModel>();
  for (const role of byType(rs, "aws:iam/role:Role")) {
    const name: string = role.inputs.name ?? role.name;
    const arn = `arn:aws:iam::${account}:role/${name}`;
    const policies = byType(rs, "aws:iam/rolePolicy:RolePolicy")
      .filter((p) => p.inputs.role === name || p.inputs.role === arn)
      .map((p) => ({ name: p.inputs.name ?? p.name, policy: parse(p.inputs.policy) }));
    roles.set(arn, { arn, name, policies, trust: parse(role.inputs.assumeRolePolicy) });
  }
  const buckets = new Map<string, BucketModel>();
  for (const b of byType(rs, "aws:s3/bucket:Bucket")) {
    const name: string = b.inputs.bucket;
    const sidecar = (type: string) => byType(rs, type).find((r) => r.inputs.bucket === name);
    const sse = sidecar("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
    const rule = sse?.inputs.rules?.[0];
    const policy = sidecar("aws:s3/bucketPolicy:BucketPolicy");
    const lock = sidecar("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
    buckets.set(name, {
      bucket: name,
      arn: `arn:aws:s3:::${name}`,
      account: ownerAccount(rs, b, account),
      region: b.inputs.region,
      keyArn: rule?.applyServerSideEncryptionByDefault?.kmsMasterKeyId ?? "",
      bucketKey: rule?.bucketKeyEnabled === true,
      ...(policy ? { policy: { name: `bucket policy of ${name}`, policy: parse(policy.inputs.policy) } } : {}),
      objectLock: lock?.inputs.objectLockEnabled === "Enabled",
    });
  }
  return { stack, account, buckets, roles, resources: rs };
}

/** The account a resource is deployed to: the account its provider assumes a role in, else the stack's. */
export function ownerAccount(rs: CapturedResource[], r: CapturedResource, account: string): string {
  if (!r.provider) return account;
  const provider = rs.find((p) => p.type.startsWith("pulumi:providers:") && r.provider!.startsWith(`${p.urn}::`));
  return (provider && assumedAccount(provider.inputs)) ?? account;
}

/** The account that owns a resource ARN: a bucket's owner (S3 ARNs carry none), else the ARN's own account. */
export function accountOfResource(model: StackModel, arn: string): string {
  const bucket = /^arn:[^:]+:s3:::([^/]+)/.exec(arn)?.[1];
  if (bucket !== undefined) return model.buckets.get(bucket)?.account ?? model.account;
  return accountOfArn(arn) ?? model.account;
}

/** The key policy of a key ARN the plan creates (mock ARNs end in key/<resource name>-key-id), or KMS's default. */
export function keyPolicyOf(model: StackModel, keyArn: string): NamedPolicy {
  const id = keyArn.split("/").pop();
  const key = byType(model.resources, "aws:kms/key:Key").find((k) => mockKeyId(k.name) === id);
  return { name: `key policy of ${key?.name ?? keyArn}`, policy: key?.inputs.policy ? parse(key.inputs.policy) : defaultKeyPolicy(accountOfArn(keyArn) ?? model.account) };
}

/** The role a ServiceAccount assumes through IRSA, from its annotation. */
export function serviceAccountRole(model: StackModel, provider: string | undefined, namespace: string, name: string): RoleModel | undefined {
  const sa = byType(model.resources, "kubernetes:core/v1:ServiceAccount").find((s) => s.provider === provider && s.inputs.metadata?.namespace === namespace && s.inputs.metadata?.name === name);
  const arn = sa?.inputs.metadata?.annotations?.["eks.amazonaws.com/role-arn"];
  return arn ? model.roles.get(arn) : undefined;
}

/** Days after which the bucket's lifecycle expires the current versions under `prefix` (the rule whose prefix covers it), if any. */
export function lifecycleExpiryDays(model: StackModel, bucket: string, prefix: string): number | undefined {
  const lc = byType(model.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find((r) => r.inputs.bucket === bucket);
  const days = ((lc?.inputs.rules ?? []) as any[])
    .filter((r) => r.status === "Enabled" && prefix.startsWith(r.filter?.prefix ?? r.prefix ?? "") && Number.isFinite(Number(r.expiration?.days)))
    .map((r) => Number(r.expiration.days));
  return days.length ? Math.min(...days) : undefined;
}
