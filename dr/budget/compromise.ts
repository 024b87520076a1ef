import { POSTGRES, S3_REPLICATION } from "../engine-facts";
import { cronMaxGapSeconds } from "../settings/cron";
import { holdsAgainstAdmin, KMS_DELETION_WINDOW_DAYS, type CopyProtection, type RecoveryPointProtection } from "../settings/protection";
import type { DrSettings, PostgresSettings } from "../settings/types";
import { formatDuration } from "../targets";
import { archiveRpo, restoreSeconds } from "./archive";
import { inSequence } from "./chain";
import { fmtBytes } from "./format";
import { outageAnswered } from "./region";
import type { Bound } from "./types";

/**
 * credential-compromise for a PostgreSQL class: the newest recovery point that survives (a) stolen
 * credentials of a workload and (b) an administrator of the workload account, and the restore from
 * it. A destroyed recovery point is assumed found by the next restore drill from the bucket plus the
 * on-call response (the detection window); a point survives when what protects it lasts longer.
 */

const DAY = 86400;

type Principal = "workload" | "admin";
const PRINCIPAL_NAMES: Record<Principal, string> = { workload: "stolen workload credentials", admin: "an administrator of the workload account" };

interface Kind {
  name: string;
  /** Age of the oldest object a restore to the newest point needs (the base backup, the dump). */
  neededAgeSeconds: number;
  rpo: Bound;
  rto: Bound;
}

interface Copy {
  name: string;
  protection: CopyProtection;
  /** Extra loss of this copy (replication lag for the DR copy). */
  lagSeconds: number;
}

interface Survival {
  ok: boolean;
  /** Why, in one clause with the numbers. */
  why: string;
}

function days(seconds: number): string {
  return Number.isFinite(seconds) ? formatDuration(seconds) : "unbounded";
}

/** Seconds a version survives after the principal deletes or overwrites it, and seconds its lock holds from its creation. */
/** A copy in another account than the workload account: its administrator reaches it only through the workload roles' grants there. */
function foreign(p: CopyProtection, account: string | undefined): boolean {
  return p.ownerAccount !== undefined && account !== undefined && p.ownerAccount !== account;
}

function dataLife(p: CopyProtection, who: Principal, account: string | undefined): { afterAct: number; locked: number; how: string } {
  const noncurrent = p.noncurrentDays * DAY;
  if (who === "admin" && foreign(p, account)) {
    return { afterAct: noncurrent, locked: (p.lock?.days ?? 0) * DAY, how: `in account ${p.ownerAccount}: only what the workload roles are granted there (no version deletion, no bucket setting); versions kept ${days(noncurrent)} after an overwrite${p.lock ? `, ${p.lock.mode} lock ${p.lock.days} d` : ""}` };
  }
  if (who === "workload") {
    // Workload roles hold no version delete, no bypass and no bucket setting (the IAM matrix proves it per plan).
    return { afterAct: noncurrent, locked: (p.lock?.days ?? 0) * DAY, how: `versions kept ${days(noncurrent)} after an overwrite${p.lock ? `, ${p.lock.mode} lock ${p.lock.days} d` : ""}` };
  }
  const rewritesPolicy = !holdsAgainstAdmin(p.reconfigurationExempt, account);
  const deletesVersions = rewritesPolicy || !holdsAgainstAdmin(p.destructionExempt, account);
  const afterAct = deletesVersions ? 0 : rewritesPolicy ? DAY : noncurrent;
  const lockHolds = p.lock !== undefined && (p.lock.mode === "COMPLIANCE" || !deletesVersions);
  const how = [
    deletesVersions
      ? rewritesPolicy
        ? "may rewrite the bucket policy (a principal exempt from its deny is in the account, or there is no deny), then delete versions"
        : "may delete versions (the bucket policy does not refuse it, or exempts a principal of the account)"
      : "may not delete versions (the bucket policy refuses it; no principal of the account is exempt)",
    p.lock ? (lockHolds ? `${p.lock.mode} lock ${p.lock.days} d holds` : `${p.lock.mode} lock ${p.lock.days} d is bypassed (s3:BypassGovernanceRetention within reach)`) : "no object lock",
  ].join("; ");
  return { afterAct, locked: lockHolds ? p.lock!.days * DAY : 0, how };
}

/** Seconds until the principal can make the copy's key unusable for good (Infinity when it can not). */
function keyLife(p: CopyProtection, who: Principal, account: string | undefined): { seconds: number; how: string } {
  if (who === "workload") return { seconds: Infinity, how: "no key administration" };
  if (foreign(p, account)) return { seconds: Infinity, how: `the key is administered in account ${p.ownerAccount}` };
  if (!p.keyPolicy) return { seconds: KMS_DELETION_WINDOW_DAYS.min * DAY, how: `the key has KMS's default policy: IAM administers it, deletion after ${KMS_DELETION_WINDOW_DAYS.min} d` };
  const administers = !holdsAgainstAdmin(p.keyDestructionExempt, account);
  const replacesPolicy = p.keyPolicyChangeExempt ? !holdsAgainstAdmin(p.keyPolicyChangeExempt, account) : administers;
  if (!administers && !replacesPolicy) return { seconds: Infinity, how: "key administration is outside the account" };
  const window = p.keyLongestWindow && !replacesPolicy ? KMS_DELETION_WINDOW_DAYS.max : KMS_DELETION_WINDOW_DAYS.min;
  return { seconds: window * DAY, how: `key deletion waits ${window} d${replacesPolicy ? " (the key policy can be replaced from within the account)" : ""}` };
}

function survives(copy: Copy, kind: Kind, who: Principal, account: string | undefined, detect: number): Survival {
  const d = dataLife(copy.protection, who, account);
  const dataOk = d.afterAct >= detect || d.locked >= kind.neededAgeSeconds + detect;
  const k = keyLife(copy.protection, who, account);
  const keyOk = k.seconds >= detect;
  return { ok: dataOk && keyOk, why: `${copy.name}: ${d.how}; ${k.how}` };
}

export function credentialCompromise(pg: PostgresSettings, s: DrSettings): { rpo: Bound; rto: Bound } {
  const protection = s.backup.protection;
  if (!protection) {
    const none: Bound = { seconds: Infinity, mechanism: "no backup bucket protections are known", fix: "deploy the backup buckets (components/backup) with object lock and their policies" };
    return { rpo: none, rto: none };
  }
  const drill = s.backup.restoreDrillSchedule ? cronMaxGapSeconds(s.backup.restoreDrillSchedule) : Infinity;
  const detect = drill + s.failover.manualResponseSeconds;
  const kinds: Kind[] = [];
  if (pg.archiveMode) {
    const a = archiveRpo(pg);
    kinds.push({ name: "point-in-time restore", neededAgeSeconds: cronMaxGapSeconds(pg.baseBackupSchedule), rpo: a, rto: restoreSeconds(pg) });
  }
  if (s.backup.logicalBackupSchedule && s.backup.verifiedByRestore) {
    const gap = cronMaxGapSeconds(s.backup.logicalBackupSchedule);
    kinds.push({
      name: "the last verified dump",
      neededAgeSeconds: gap,
      rpo: { seconds: gap, mechanism: `logical backup every ${days(gap)}` },
      rto: { seconds: POSTGRES.cloneBootstrapSeconds + pg.dataSizeBytes / POSTGRES.restoreBytesPerSecond, mechanism: `pg_restore of ${fmtBytes(pg.dataSizeBytes)}` },
    });
  }
  const copies: Copy[] = [{ name: `primary bucket (${protection.primary.region})`, protection: protection.primary, lagSeconds: 0 }];
  if (protection.dr && s.backup.crossRegionReplication) {
    const lag = s.backup.replicationTimeControl ? S3_REPLICATION.rtcSeconds : S3_REPLICATION.withoutRtcSeconds;
    copies.push({ name: `DR bucket (${protection.dr.region})`, protection: protection.dr, lagSeconds: lag });
  }

  const perPrincipal = (["workload", "admin"] as Principal[]).map((who) => {
    let best: { rpo: number; rto: Bound; text: string } | undefined;
    const reasons: string[] = [];
    for (const copy of copies) {
      for (const kind of kinds) {
        const sv = survives(copy, kind, who, protection.account, detect);
        reasons.push(sv.why);
        if (!sv.ok) continue;
        const rpo = kind.rpo.seconds + copy.lagSeconds;
        if (!best || rpo < best.rpo) best = { rpo, rto: kind.rto, text: `${kind.name} from the ${sv.why}` };
      }
    }
    return { who, best, reasons: [...new Set(reasons)] };
  });

  const worst = perPrincipal.reduce((a, b) => ((b.best?.rpo ?? Infinity) > (a.best?.rpo ?? Infinity) ? b : a));
  const needs = kinds.map((k) => `${k.name} needs objects up to ${days(k.neededAgeSeconds)} old`).join(", ");
  const detection = `detection: next restore drill (every ${days(drill)}; it restores the dumps and lists the archive's base backups) + on-call ${days(s.failover.manualResponseSeconds)}`;
  if (!worst.best) {
    return {
      rpo: { seconds: Infinity, mechanism: `${PRINCIPAL_NAMES[worst.who]} can destroy every recovery point before it is missed (${detection}; ${needs}): ${worst.reasons.join(" | ")}`, fix: fixFor(worst.who, protection, detect, kinds) },
      rto: { seconds: Infinity, mechanism: "nothing left to restore from" },
    };
  }
  const others = perPrincipal.filter((p) => p !== worst).map((p) => `${PRINCIPAL_NAMES[p.who]}: ${p.best ? days(p.best.rpo) : "unbounded"}`);
  const rtoWorst = perPrincipal.map((p) => p.best?.rto).reduce((a, b) => (!a || (b && b.seconds > a.seconds) ? b : a));
  return {
    rpo: { seconds: worst.best.rpo, mechanism: `${PRINCIPAL_NAMES[worst.who]}: ${worst.best.text}; ${detection}${others.length ? `; ${others.join("; ")}` : ""}`, fix: "lower the archive or replication lag of the surviving copy" },
    rto: inSequence(outageAnswered(s, "starts the restore"), { ...(rtoWorst ?? worst.best.rto), mechanism: `restore from the surviving copy: ${(rtoWorst ?? worst.best.rto).mechanism}` }),
  };
}

function fixFor(who: Principal, p: RecoveryPointProtection, detect: number, kinds: Kind[]): string {
  const age = Math.min(...kinds.map((k) => k.neededAgeSeconds), Infinity);
  const lockDays = Math.ceil((age + detect) / DAY);
  if (!Number.isFinite(detect)) return "schedule the restore drill (backup.overrides.restoreDrillSchedule): without it a destroyed recovery point is never found";
  // A lock may not outlast the retention (the config refuses it), so the lock alternative raises both.
  if (who === "workload") return `keep versions at least ${Math.ceil(detect / DAY)} d after an overwrite (agent-dr:backup.retentionDays) or lock them at least ${lockDays} d (agent-dr:backup.objectLock.days, with retentionDays >= ${lockDays})`;
  const fixes: string[] = [];
  const copies = [p.primary, ...(p.dr ? [p.dr] : [])];
  if (copies.some((c) => !c.lock || c.lock.mode !== "COMPLIANCE" || c.lock.days < lockDays)) fixes.push(`set agent-dr:backup.objectLock to { enabled: true, mode: COMPLIANCE, days: ${lockDays} } (and retentionDays >= ${lockDays})`);
  if (copies.some((c) => keyLife(c, "admin", p.account).seconds < detect)) fixes.push("name agent-dr:backup.administrators and agent-dr:backup.breakGlassPrincipals (break-glass in another account: only it may then replace the key policy, so deletion waits 30 d)");
  // The account boundary is the other way out: the DR copy's bucket and key out of this administrator's reach.
  if (fixes.length > 0 && p.dr && !p.dr.ownerAccount) return `${fixes.join("; and ")}; or else keep the DR copy in a separate backup account (agent-dr:backup.drAccount.roleArn)`;
  return fixes.join("; and ") || "restore drills more often (backup.overrides.restoreDrillSchedule)";
}
