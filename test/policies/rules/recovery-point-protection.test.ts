/**
 * The recovery-point-protection policy on the prod plan's own resources (compliant) and on each
 * protection taken away (violating), as the pack runs it.
 */
import type { CapturedResource } from "../../../offline/capture";
import { runStack } from "../../harness/offline";
import { runStackPolicy, type Res } from "../../harness/policy-run";

let prod: CapturedResource[];
beforeAll(async () => {
  prod = (await runStack("prod")).resources;
}, 120_000);

const as = (rs: CapturedResource[]): Res[] => rs.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));
const edit = (type: string, f: (inputs: any) => any) => prod.map((r) => (r.type === type ? { ...r, inputs: f(JSON.parse(JSON.stringify(r.inputs))) } : r));
const run = (rs: CapturedResource[]) => runStackPolicy("recovery-point-protection", as(rs)).then((r) => r.messages);

describe("recovery-point-protection", () => {
  test("the prod plan as shipped: COMPLIANCE locks, the denies and key policies: compliant", async () => {
    expect(await run(prod)).toEqual([]);
  });

  test("no object lock on either bucket", async () => {
    const messages = await run(prod.filter((r) => r.type !== "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"));
    expect(messages).toHaveLength(2);
    for (const m of messages) expect(m).toMatch(/no Object Lock default retention.*Fix: set agent-dr:backup.objectLock to \{ enabled: true, mode: COMPLIANCE \}/);
  });

  test("a GOVERNANCE lock whose bucket policy lost its denies: both the version delete and the bypass are named", async () => {
    const governance = edit("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", (i) => ({ ...i, rule: { defaultRetention: { mode: "GOVERNANCE", days: 10 } } }));
    const stripped = governance.map((r) =>
      r.type === "aws:s3/bucketPolicy:BucketPolicy" ? { ...r, inputs: { ...r.inputs, policy: JSON.stringify({ ...JSON.parse(r.inputs.policy), Statement: JSON.parse(r.inputs.policy).Statement.filter((s: any) => s.Sid !== "DenyRecoveryPointDestruction") }) } } : r,
    );
    expect(await run(governance)).toEqual([]);
    const messages = await run(stripped);
    expect(messages.filter((m) => /does not deny s3:DeleteObjectVersion/.test(m))).toHaveLength(2);
    expect(messages.filter((m) => /GOVERNANCE lock without a bucket-policy deny of s3:BypassGovernanceRetention/.test(m))).toHaveLength(2);
  });

  test("a lock longer than the lifecycle keeps versions", async () => {
    const long = edit("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", (i) => ({ ...i, rule: { defaultRetention: { mode: "COMPLIANCE", days: 30 } } }));
    expect(await run(long)).toEqual([expect.stringMatching(/lock holds versions 30 days but the lifecycle expires them after 14.*retentionDays to at least 30/), expect.stringMatching(/30 days/)]);
  });

  test("a key without its own policy, and a key policy without the denies", async () => {
    const noPolicy = edit("aws:kms/key:Key", (i) => ({ ...i, policy: undefined }));
    const m1 = await run(noPolicy);
    expect(m1).toHaveLength(2);
    for (const m of m1) expect(m).toMatch(/has KMS's default policy: any principal with kms:\* in the account may disable it/);
    const noDeny = edit("aws:kms/key:Key", (i) => ({ ...i, policy: JSON.stringify({ ...JSON.parse(i.policy), Statement: JSON.parse(i.policy).Statement.filter((s: any) => s.Effect !== "Deny") }) }));
    const m2 = await run(noDeny);
    expect(m2).toHaveLength(2);
    for (const m of m2) expect(m).toMatch(/does not deny kms:DisableKey and kms:ScheduleKeyDeletion/);
  });
});
