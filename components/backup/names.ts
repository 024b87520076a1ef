import type { StackConfig } from "../../dr/targets";
import { awsRegion, parseOidcProviderArn } from "../../dr/targets/aws";

/**
 * The AWS account the stack deploys to, read from the OIDC provider ARN in config. Bucket names are
 * global across all AWS accounts, so the account id keeps the predictable name unique.
 */
export function accountFromConfig(config: StackConfig): string | undefined {
  return accountAndPartition(config)?.id;
}

/** The workload account and its partition, from the OIDC provider ARN (undefined without agent-dr:oidc). */
export function accountAndPartition(config: StackConfig): { id: string; partition: string } | undefined {
  const parsed = config.oidc ? parseOidcProviderArn(config.oidc.providerArn) : undefined;
  return parsed && typeof parsed !== "string" ? { id: parsed.accountId, partition: parsed.partition } : undefined;
}

/** Predictable bucket name: agent-dr-<env>-backups-[<account>-]<region>; the owning account when it is not the workload account. */
export function bucketName(config: StackConfig, region: string, ownerAccount?: string): string {
  const account = ownerAccount ?? accountFromConfig(config);
  const name = `agent-dr-${config.environment}-backups-${account ? `${account}-` : ""}${region}`;
  if (name.length > 63) throw new Error(`bucket name ${name} is ${name.length} characters; S3 allows at most 63`);
  return name;
}

export function kmsAliasName(config: StackConfig, region: string): string {
  return `alias/agent-dr-${config.environment}-backups-${region}`;
}

/** IAM role names (global service): one per job, the DR cluster's role carries a -dr suffix. */
export function roleName(config: StackConfig, purpose: string): string {
  const name = `agent-dr-${config.environment}-${purpose}`;
  if (name.length > 64) throw new Error(`IAM role name ${name} is ${name.length} characters; IAM allows at most 64`);
  return name;
}

/** The AWS partition a region belongs to (ARNs differ in GovCloud and China). */
export function partitionOf(region: string): string {
  // The SDK's partition data (regions were validated against it at config time).
  return awsRegion(region)?.partition ?? "aws";
}

/**
 * A bucket's ARN, known before the bucket exists. Side-cars, replication and policies use the
 * predictable name and ARN rather than the bucket's computed outputs, so a preview of a new stack
 * (and the policy pack reading it) sees real values instead of unknowns; ordering comes from dependsOn.
 */
export function bucketArn(name: string, region: string): string {
  return `arn:${partitionOf(region)}:s3:::${name}`;
}
