import { accountOfArn } from "../targets/aws";

/**
 * How well one backup bucket's recovery points are protected against a principal that means harm,
 * as its resources state it: the object lock, the lifecycle, the bucket and key policies. Read from
 * the config (derive) or from the deployed resources (the pack's observers) into the same shape, so
 * the credential-compromise budget judges what runs.
 */

/** Statement ids the stack's bucket and key policies use; the observers look for these. */
export const GUARD_SIDS = {
  denyDestruction: "DenyRecoveryPointDestruction",
  denyReconfiguration: "DenyProtectionChanges",
  denyKeyDestruction: "DenyKeyDestructionByOthers",
  denyKeyPolicyChange: "DenyKeyPolicyChangesButBreakGlass",
  keyDeletionWindow: "DeletionWaitsTheLongestWindow",
} as const;

/**
 * The principals a policy's Deny statement `sid` exempts (its ArnNotLike aws:PrincipalArn list), or
 * undefined when the policy (a document or its JSON) has no such statement.
 */
export function exemptionsOf(policy: unknown, sid: string): string[] | undefined {
  let doc: any = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return undefined;
    }
  }
  const s = [doc?.Statement ?? []].flat().find((x: any) => x?.Sid === sid && x?.Effect === "Deny");
  return s ? [s.Condition?.ArnNotLike?.["aws:PrincipalArn"] ?? []].flat() : undefined;
}

/** KMS's shortest and longest pending windows for a key deletion (KMS API reference, ScheduleKeyDeletion). */
export const KMS_DELETION_WINDOW_DAYS = { min: 7, max: 30 } as const;

export interface CopyProtection {
  region: string;
  /**
   * The account that owns the bucket and its key, when it is known and not the workload account (a
   * separate backup account): the workload account's administrator holds there only what the
   * workload roles are granted, and administers nothing.
   */
  ownerAccount?: string;
  /** The bucket's default object lock, absent without one. */
  lock?: { mode: "COMPLIANCE" | "GOVERNANCE"; days: number };
  /** Days the lifecycle keeps a version after it was overwritten or deleted; Infinity without such a rule. */
  noncurrentDays: number;
  /**
   * Principals exempt from each deny, or undefined when the deny is absent. An exempt principal of
   * the workload account is within reach of its administrator (who can rewrite that principal's
   * trust policy), so only exemptions in other accounts hold against one.
   */
  destructionExempt?: string[];
  reconfigurationExempt?: string[];
  keyDestructionExempt?: string[];
  keyPolicyChangeExempt?: string[];
  /** The key policy refuses deletion windows shorter than KMS's longest. */
  keyLongestWindow: boolean;
  /** The key has its own policy (false: KMS's default, the account administers it through IAM). */
  keyPolicy: boolean;
}

export interface RecoveryPointProtection {
  /** The workload account (where the stack's roles live); undefined when unknown. */
  account?: string;
  primary: CopyProtection;
  dr?: CopyProtection;
}

/** A deny holds against the account's administrator when it exists and exempts no principal of that account. */
export function holdsAgainstAdmin(exempt: string[] | undefined, account: string | undefined): boolean {
  if (exempt === undefined) return false;
  if (account === undefined) return exempt.length === 0;
  return exempt.every((arn) => accountOfArn(arn) !== account);
}

/** The protections the stack renders for a config (components/backup), as the budget reads them. */
export function protectionFromConfig(config: {
  regions: { primary: string; dr?: string };
  oidc?: { providerArn: string };
  backup: {
    retentionDays: number;
    objectLock: { enabled: boolean; days: number; mode: "COMPLIANCE" | "GOVERNANCE" };
    administrators: string[];
    breakGlassPrincipals: string[];
    drAccount?: { roleArn: string; accountId: string };
  };
}): RecoveryPointProtection {
  const account = config.oidc ? accountOfArn(config.oidc.providerArn) : undefined;
  const b = config.backup;
  const copy = (region: string, guard: RecoveryPointGuard, ownerAccount?: string): CopyProtection => ({
    region,
    ...(ownerAccount ? { ownerAccount } : {}),
    ...(b.objectLock.enabled ? { lock: { mode: b.objectLock.mode, days: b.objectLock.days } } : {}),
    noncurrentDays: b.retentionDays,
    destructionExempt: guard.breakGlass,
    ...(guard.administrators.length > 0 ? { reconfigurationExempt: [...guard.administrators, ...guard.breakGlass] } : {}),
    // Without the account the key keeps KMS's default policy (components/backup/regional-bucket.ts).
    keyPolicy: account !== undefined,
    ...(account !== undefined && guard.administrators.length > 0 ? { keyDestructionExempt: guard.administrators } : {}),
    ...(account !== undefined && guard.breakGlass.length > 0 ? { keyPolicyChangeExempt: guard.breakGlass } : {}),
    keyLongestWindow: account !== undefined,
  });
  const dr = config.regions.dr
    ? b.drAccount
      ? copy(config.regions.dr, drCopyGuard(b), b.drAccount.accountId)
      : copy(config.regions.dr, { administrators: b.administrators, breakGlass: b.breakGlassPrincipals })
    : undefined;
  return { ...(account ? { account } : {}), primary: copy(config.regions.primary, { administrators: b.administrators, breakGlass: b.breakGlassPrincipals }), ...(dr ? { dr } : {}) };
}

/** Who may reconfigure a bucket and administer its key, and who alone may destroy its recovery points. */
export interface RecoveryPointGuard {
  administrators: string[];
  breakGlass: string[];
}

/**
 * The DR copy's guard in a separate backup account: that account's deployer role (the one Pulumi
 * assumes) administers it; break-glass is the stack's. Administrators of the workload account have
 * no standing there.
 */
export function drCopyGuard(b: { breakGlassPrincipals: string[]; drAccount?: { roleArn: string } }): RecoveryPointGuard {
  return { administrators: b.drAccount ? [b.drAccount.roleArn] : [], breakGlass: b.breakGlassPrincipals };
}
