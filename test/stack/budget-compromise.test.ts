/**
 * The credential-compromise scenario: which recovery point survives stolen workload credentials and
 * an administrator of the workload account, from the protections the config renders (derive) and
 * the ones the resources hold (the pack's observers), and that every Fix it gives works.
 */
import fc from "fast-check";
import { computeBudget, type BudgetRow } from "../../dr/budget";
import { deriveSettings } from "../../dr/settings";
import { protectionFromConfig } from "../../dr/settings/protection";
import { parseStackConfig } from "../../dr/targets";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile } from "../../offline/stack-files";
import { observeSettings } from "../../policies/observe";
import { observeProtection } from "../../policies/observe/backup";
import { deepMerge, planStack, runStack, stackFileWith } from "../harness/offline";
import { PROD_RAW } from "../harness/prod-config";

const base = PROD_RAW;

const rowsFor = (patch: Record<string, unknown> = {}): BudgetRow[] => {
  const config = parseStackConfig(deepMerge(base, patch), "prod");
  return computeBudget(config.dataClasses, deriveSettings(config)).rows.filter((r) => r.scenario === "credential-compromise" && r.store === "postgres");
};

describe("credential-compromise from the config's protections", () => {
  test("prod defaults (COMPLIANCE 10 d, break-glass in another account): every PostgreSQL class keeps its archive, RPO = the archive's lag", () => {
    const rows = rowsFor();
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.ok).toBe(true);
      expect(r.predicted.rpoSeconds).toBe(60);
      expect(r.rpo.mechanism).toMatch(/COMPLIANCE lock 10 d/);
    }
  });

  test.each([
    ["GOVERNANCE lock with every exempt principal in the account", { backup: { objectLock: { enabled: true, mode: "GOVERNANCE", days: 10 }, breakGlassPrincipals: ["arn:aws:iam::444455556666:role/break-glass"] } }, /GOVERNANCE lock 10 d is bypassed/, /mode: COMPLIANCE/],
    ["no object lock", { backup: { objectLock: { enabled: false } } }, /no object lock/, /mode: COMPLIANCE/],
    ["a lock shorter than a backup's age plus the detection window", { backup: { objectLock: { enabled: true, mode: "COMPLIANCE", days: 3 } } }, /COMPLIANCE lock 3 d holds/, /days: 8/],
    ["keys with KMS's default policy (no account known)", { oidc: undefined, postgres: { standby: { enabled: false } } }, /KMS's default policy/, /breakGlassPrincipals/],
    ["break-glass in the workload account (it may replace the key policy)", { backup: { breakGlassPrincipals: ["arn:aws:iam::444455556666:role/break-glass"] } }, /key policy can be replaced from within the account/, /breakGlassPrincipals/],
  ])("%s: unbounded, naming the mechanism and a Fix", (_name, patch, mechanism, fix) => {
    const raw = deepMerge(base, patch);
    if ((patch as any).oidc === undefined && "oidc" in patch) delete raw.oidc;
    const config = parseStackConfig(raw, "prod");
    const rows = computeBudget(config.dataClasses, deriveSettings(config)).rows.filter((r) => r.scenario === "credential-compromise" && r.store === "postgres");
    for (const r of rows) {
      expect(r.ok).toBe(false);
      expect(r.predicted.rpoSeconds).toBe(Infinity);
      expect(r.rpo.mechanism).toMatch(/an administrator of the workload account can destroy every recovery point/);
      expect(r.rpo.mechanism).toMatch(mechanism);
      expect(r.rpo.fix).toMatch(fix);
    }
  });

  test("the Fix works: applying the lock days it names makes the rows pass", () => {
    const rows = rowsFor({ backup: { objectLock: { enabled: true, mode: "COMPLIANCE", days: 3 } } });
    const days = Number(/days: (\d+)/.exec(rows[0].rpo.fix ?? "")![1]);
    expect(rowsFor({ backup: { retentionDays: Math.max(14, days), objectLock: { enabled: true, mode: "COMPLIANCE", days } } }).every((r) => r.ok)).toBe(true);
    expect(rowsFor({ backup: { objectLock: { enabled: true, mode: "COMPLIANCE", days: days - 1 } } }).every((r) => !r.ok)).toBe(true);
  });

  const DR_ACCOUNT = { drAccount: { roleArn: "arn:aws:iam::555566667777:role/agent-dr-backup-deployer" } };
  test.each([
    ["GOVERNANCE lock with every exempt principal in the account", { objectLock: { enabled: true, mode: "GOVERNANCE", days: 10 }, breakGlassPrincipals: ["arn:aws:iam::444455556666:role/break-glass"] }],
    ["no object lock", { objectLock: { enabled: false } }],
    ["break-glass in the workload account", { breakGlassPrincipals: ["arn:aws:iam::444455556666:role/break-glass"] }],
  ])("%s, with the DR copy in a backup account: the administrator's reach ends at the account boundary, RPO = archive + replication (RTC 15 min)", (_name, backup) => {
    const without = rowsFor({ backup });
    expect(without.every((r) => !r.ok && r.predicted.rpoSeconds === Infinity)).toBe(true);
    // The Fix the miss gives names the account boundary as the other way out.
    expect(without[0].rpo.fix).toMatch(/or else keep the DR copy in a separate backup account \(agent-dr:backup.drAccount.roleArn\)/);
    const rows = rowsFor({ backup: { ...backup, ...DR_ACCOUNT } });
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.ok).toBe(true);
      // 60 s archive_timeout + 900 s Replication Time Control.
      expect(r.predicted.rpoSeconds).toBe(960);
      expect(r.rpo.mechanism).toMatch(/an administrator of the workload account: point-in-time restore from the DR bucket \(us-west-2\): in account 555566667777: only what the workload roles are granted there/);
      expect(r.rpo.mechanism).toMatch(/the key is administered in account 555566667777/);
    }
  });

  test("a backup account does not shelter the copy from stolen workload credentials beyond its lifecycle: versions kept less than the detection window still fail", () => {
    // Versions kept 1 day after an overwrite, no lock, found by a daily drill + 10 min on-call: the
    // replication role's grants there (ReplicateObject, ReplicateDelete) outlast the versions.
    const rows = rowsFor({ backup: { retentionDays: 1, objectLock: { enabled: false }, ...DR_ACCOUNT } });
    for (const r of rows) {
      expect(r.ok).toBe(false);
      expect(r.rpo.mechanism).toMatch(/can destroy every recovery point/);
    }
  });

  test("laws: longer locks and COMPLIANCE instead of GOVERNANCE never worsen the predicted RPO", () => {
    const config = parseStackConfig(base, "prod");
    const settings = deriveSettings(config);
    const predicted = (lock: { mode: "COMPLIANCE" | "GOVERNANCE"; days: number }, exemptInAccount: boolean) => {
      const b = { ...config.backup, objectLock: { enabled: true, ...lock }, retentionDays: Math.max(lock.days, 14), breakGlassPrincipals: [exemptInAccount ? "arn:aws:iam::444455556666:role/bg" : "arn:aws:iam::777788889999:role/bg"] };
      const s = { ...settings, backup: { ...settings.backup, protection: protectionFromConfig({ ...config, backup: b }) } };
      return computeBudget(config.dataClasses, s).rows.find((r) => r.scenario === "credential-compromise" && r.dataClass === "conversation_history")!.predicted.rpoSeconds;
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 30 }), fc.constantFrom("COMPLIANCE" as const, "GOVERNANCE" as const), fc.boolean(), (days, more, mode, exempt) => {
        expect(predicted({ mode, days: days + more }, exempt)).toBeLessThanOrEqual(predicted({ mode, days }, exempt));
        expect(predicted({ mode: "COMPLIANCE", days }, exempt)).toBeLessThanOrEqual(predicted({ mode: "GOVERNANCE", days }, exempt));
      }),
      { numRuns: 60 },
    );
  });
});

describe("credential-compromise from the plan's resources", () => {
  test("the observers read the same protections from the prod plan that the config renders", async () => {
    const run = await runStack("prod");
    const config = parseStackConfig(rawConfigOf(readStackFile(stackFileWith("prod"))), "prod");
    expect(observeProtection(run.resources as any, config)).toEqual(protectionFromConfig(config));
  });

  test("with a backup account, the observers find the DR copy's owner in the replication rule (owner override) and agree with the config", async () => {
    const patch = { "agent-dr:backup": { drAccount: { roleArn: "arn:aws:iam::555566667777:role/agent-dr-backup-deployer" } } };
    const run = await runStack("prod", patch);
    const config = parseStackConfig(rawConfigOf(readStackFile(stackFileWith("prod", patch))), "prod");
    const observed = observeProtection(run.resources as any, config);
    expect(observed?.dr?.ownerAccount).toBe("555566667777");
    expect(observed).toEqual(protectionFromConfig(config));
    // Without owner override the replicas would stay the workload account's: the copy is not counted as foreign.
    const noOverride = run.resources.map((r) =>
      r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
        ? { ...r, inputs: { ...r.inputs, rules: r.inputs.rules.map((rule: any) => ({ ...rule, destination: { ...rule.destination, accessControlTranslation: undefined } })) } }
        : r,
    );
    expect(observeProtection(noOverride as any, config)?.dr?.ownerAccount).toBeUndefined();
  });

  test("a key that loses its policy, or a bucket policy without its denies and a GOVERNANCE lock, fails the budget naming the mechanism", async () => {
    const run = await runStack("prod");
    const config = parseStackConfig(rawConfigOf(readStackFile(stackFileWith("prod"))), "prod");
    const cc = (resources: any[]) => {
      const s = observeSettings(resources, config);
      return computeBudget(config.dataClasses, s).rows.filter((r) => r.scenario === "credential-compromise" && r.store === "postgres");
    };
    expect(cc(run.resources as any).every((r) => r.ok)).toBe(true);
    const noKeyPolicy = run.resources.map((r) => (r.type === "aws:kms/key:Key" ? { ...r, inputs: { ...r.inputs, policy: undefined } } : r));
    for (const r of cc(noKeyPolicy)) expect(r.rpo.mechanism).toMatch(/KMS's default policy: IAM administers it/);
    const governanceNoDeny = run.resources.map((r) => {
      if (r.type === "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration") return { ...r, inputs: { ...r.inputs, rule: { defaultRetention: { mode: "GOVERNANCE", days: 10 } } } };
      if (r.type === "aws:s3/bucketPolicy:BucketPolicy") {
        const doc = JSON.parse(r.inputs.policy as string);
        doc.Statement = doc.Statement.filter((s: any) => s.Effect !== "Deny" || s.Sid === "DenyInsecureTransport");
        return { ...r, inputs: { ...r.inputs, policy: JSON.stringify(doc) } };
      }
      return r;
    });
    for (const r of cc(governanceNoDeny)) {
      expect(r.ok).toBe(false);
      expect(r.rpo.mechanism).toMatch(/GOVERNANCE lock 10 d is bypassed/);
    }
  });

  test("npm run plan: prod shows credential-compromise rows for every class, ok; GOVERNANCE with in-account break-glass fails naming the lock", async () => {
    const ok = await planStack("prod");
    const rows = ok.budget.filter((b) => b.scenario === "credential-compromise");
    expect(rows.map((r) => r.dataClass).sort()).toEqual(["agent_configurations", "analytics_logs", "conversation_history", "session_state", "usage_billing_data"]);
    expect(rows.every((r) => r.ok)).toBe(true);
    expect(ok.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    const weak = await planStack("prod", { "agent-dr:backup": { objectLock: { enabled: true, mode: "GOVERNANCE", days: 10 }, breakGlassPrincipals: ["arn:aws:iam::444455556666:role/backup-break-glass"] } });
    const misses = weak.violations.filter((v) => v.policy === "recovery-targets" && v.message.includes("credential-compromise"));
    expect(misses).toHaveLength(4);
    for (const v of misses) expect(v.message).toMatch(/GOVERNANCE lock 10 d is bypassed.*Fix: set agent-dr:backup.objectLock to \{ enabled: true, mode: COMPLIANCE/);
  });
});
