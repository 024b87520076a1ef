import { parseArn, partition } from "@aws-sdk/core/client";

/**
 * AWS names judged by the AWS SDK's own partition data (the `partitions.json` that
 * @aws-sdk/core ships for endpoint resolution: every partition and the regions it lists), not by
 * a shape: "us-westt-9" looks like a region and is none.
 */

export interface AwsRegion {
  name: string;
  /** aws, aws-cn, aws-us-gov, ... : ARNs, IAM, KMS and S3 replication never cross it. */
  partition: string;
  description: string;
}

export const REGION_EXAMPLES = "us-east-1, eu-central-2, us-gov-west-1";

/**
 * The region if the SDK's partition data lists it, else undefined. partition() answers every
 * string (it falls back to the aws partition), but only a listed region carries the region's own
 * data (its description). "aws-global" and its kin are listed too: they name a partition's global
 * endpoint, not a place where buckets or clusters can live.
 */
export function awsRegion(name: string): AwsRegion | undefined {
  if (/-global$/.test(name)) return undefined;
  const p = partition(name) as ReturnType<typeof partition> & { description?: string };
  return p.description === undefined ? undefined : { name, partition: p.name, description: p.description };
}

/** What is wrong with a region name, or undefined; `role` says which region of the stack it is. */
export function regionProblem(name: string, role: string): string | undefined {
  if (awsRegion(name)) return undefined;
  const lower = name.trim().toLowerCase();
  const hint = lower !== name && awsRegion(lower) ? ` (did you mean "${lower}"?)` : "";
  return `expected the ${role} to be an AWS region listed in the AWS SDK's partition data, such as ${REGION_EXAMPLES}${hint}`;
}

export interface OidcProviderArn {
  partition: string;
  accountId: string;
  /** The issuer host and path the provider is named after, e.g. oidc.eks.us-east-1.amazonaws.com/id/ABC. */
  issuer: string;
}

/**
 * An IAM OIDC provider ARN, arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>,
 * parsed with the SDK's ARN parser; a string for what is wrong otherwise.
 */
export function parseOidcProviderArn(arn: string): OidcProviderArn | string {
  const parsed = parseArn(arn);
  const expected = "expected an IAM OIDC provider ARN, arn:<partition>:iam::<12-digit account>:oidc-provider/<issuer host/path>";
  if (!parsed) return `${expected} (this is not an ARN)`;
  if (parsed.service !== "iam") return `${expected} (the service is "${parsed.service}", not iam)`;
  if (parsed.region !== "") return `${expected} (IAM ARNs carry no region; this one names "${parsed.region}")`;
  if (!/^\d{12}$/.test(parsed.accountId)) return `${expected} (the account "${parsed.accountId}" is not 12 digits)`;
  const resource = arn.split(":").slice(5).join(":");
  if (!resource.startsWith("oidc-provider/") || resource.length === "oidc-provider/".length) return `${expected} (the resource is "${resource}")`;
  return { partition: parsed.partition, accountId: parsed.accountId, issuer: resource.slice("oidc-provider/".length) };
}

/**
 * An IAM principal a bucket or key policy can name: a role, a user or an account root
 * (arn:<partition>:iam::<account>:role/<name>, :user/<name>, :root); a string for what is wrong.
 */
export function principalArnProblem(arn: string): string | undefined {
  const expected = "expected an IAM principal ARN, arn:<partition>:iam::<12-digit account>:role/<name> (or :user/<name>, or :root)";
  const parsed = parseArn(arn);
  if (!parsed) return `${expected} (this is not an ARN)`;
  if (parsed.service !== "iam") return `${expected} (the service is "${parsed.service}", not iam)`;
  if (parsed.region !== "") return `${expected} (IAM ARNs carry no region; this one names "${parsed.region}")`;
  if (!/^\d{12}$/.test(parsed.accountId)) return `${expected} (the account "${parsed.accountId}" is not 12 digits)`;
  const resource = arn.split(":").slice(5).join(":");
  if (resource !== "root" && !/^(role|user)\/[\w+=,.@/-]{1,512}$/.test(resource)) return `${expected} (the resource is "${resource}")`;
  if (resource.includes("*")) return `${expected} (no wildcards: the policy names exactly these principals)`;
  return undefined;
}

/** An IAM role ARN (what a provider assumes): a principal ARN whose resource is role/<name>. */
export function roleArnProblem(arn: string): string | undefined {
  const problem = principalArnProblem(arn);
  if (problem) return problem.replace("expected an IAM principal ARN, arn:<partition>:iam::<12-digit account>:role/<name> (or :user/<name>, or :root)", "expected an IAM role ARN, arn:<partition>:iam::<12-digit account>:role/<name>");
  if (!/^role\//.test(arn.split(":").slice(5).join(":"))) return `expected an IAM role ARN, arn:<partition>:iam::<12-digit account>:role/<name> (a user or the root can not be assumed)`;
  return undefined;
}

/** The partition of an ARN ("aws", "aws-cn", ...), or undefined when it is not one. */
export function partitionOfArn(arn: string): string | undefined {
  return parseArn(arn)?.partition;
}

/** The 12-digit account of an IAM ARN, or undefined. */
export function accountOfArn(arn: string): string | undefined {
  return parseArn(arn)?.accountId || undefined;
}

/** The issuer as IAM names the provider: no scheme, no trailing slash (what components/backup puts in trust policies). */
export function issuerHostPath(issuerUrl: string): string {
  return issuerUrl.replace(/^https:\/\//, "").replace(/\/+$/, "");
}

/** The account of the first role an AWS provider assumes (provider inputs may arrive JSON-encoded). */
export function assumedAccount(providerInputs: Record<string, any>): string | undefined {
  let roles = providerInputs.assumeRoles;
  if (typeof roles === "string") {
    try {
      roles = JSON.parse(roles);
    } catch {
      return undefined;
    }
  }
  const roleArn = Array.isArray(roles) ? roles[0]?.roleArn : undefined;
  return typeof roleArn === "string" ? accountOfArn(roleArn) : undefined;
}
