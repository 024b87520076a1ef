/**
 * The budget is computed from the settings the resources hold, not from the targets: an
 * archive_timeout override of 1800 s in prod must show up as an RPO miss naming archive_timeout
 * for every class whose recovery path relies on the WAL archive, and the policy pack's
 * archive_timeout check must fire. Wall time about 10-20 s (two mock runs).
 */
import { planStack } from "../harness/offline";

type Plan = Awaited<ReturnType<typeof planStack>>;
let shipped: Plan;
let overridden: Plan;

beforeAll(async () => {
  shipped = await planStack("prod");
  overridden = await planStack("prod", { "agent-dr:postgres": { overrides: { archiveTimeoutSeconds: 1800 } } });
}, 120_000);

const pgRows = (p: Plan) => p.budget.filter((r) => ["conversation_history", "agent_configurations", "usage_billing_data", "analytics_logs"].includes(r.dataClass));

test("the shipped prod stack meets every PostgreSQL target", () => {
  expect(pgRows(shipped).filter((r) => !r.ok)).toEqual([]);
  expect(shipped.violations.filter((v) => /archive/i.test(v.message))).toEqual([]);
});

test("archive_timeout 1800 s: every class whose recovery relies on the archive misses its RPO, naming archive_timeout", () => {
  const reliesOnArchive = pgRows(overridden).filter((r) => /archive_timeout/.test(r.rpoMechanism));
  // Point-in-time recovery reads the archive for every class; the streaming standby covers region loss.
  expect(reliesOnArchive.map((r) => `${r.dataClass}/${r.scenario}`).sort()).toEqual([
    "agent_configurations/logical-corruption",
    "analytics_logs/logical-corruption",
    "conversation_history/logical-corruption",
    "usage_billing_data/logical-corruption",
  ]);
  for (const r of reliesOnArchive) {
    expect(r.predicted.rpoSeconds).toBe(1805);
    const misses = r.target.rpoSeconds !== null && r.target.rpoSeconds < 1805;
    expect(r.ok).toBe(!misses);
    if (misses) expect(r.limitedBy).toMatch(/^RPO 30\.1m > .*archive_timeout 1800 s/);
  }
  // analytics_logs (RPO 60 min) still fits; the three tighter classes do not.
  expect(reliesOnArchive.filter((r) => !r.ok).map((r) => r.dataClass).sort()).toEqual(["agent_configurations", "conversation_history", "usage_billing_data"]);
});

test("the budget violations and the pack's archive_timeout policy fire", () => {
  const budget = overridden.violations.filter((v) => v.level === "mandatory" && /logical-corruption/.test(v.message) && /archive_timeout 1800 s/.test(v.message));
  expect(budget.map((v) => v.message.split(" ")[0]).sort()).toEqual(["agent_configurations", "conversation_history", "usage_billing_data"]);
  const archivePolicy = overridden.violations.filter((v) => v.policy === "postgres-wal-archiving");
  expect(archivePolicy.length).toBeGreaterThan(0);
  expect(archivePolicy[0].message).toMatch(/archive_timeout 30m/);
});

test("archive_timeout 0 (never forces a switch): the budget predicts an unbounded archive RPO, as the pack says, for every class", async () => {
  const zero = await planStack("prod", { "agent-dr:postgres": { overrides: { archiveTimeoutSeconds: 0 } } });
  const rows = pgRows(zero).filter((r) => r.scenario === "logical-corruption");
  expect(rows).toHaveLength(4);
  for (const r of rows) {
    expect([r.dataClass, r.predicted.rpoSeconds, r.ok]).toEqual([r.dataClass, null, false]);
    expect(r.rpoMechanism).toMatch(/archive_timeout 0 never forces a segment switch/);
  }
  // One per cluster, each named: the primary and the DR standby (which archives after promotion).
  expect(zero.violations.filter((v) => v.policy === "postgres-wal-archiving").map((v) => v.message)).toEqual([
    expect.stringMatching(/^postgresql agent-pg-prod: .*archive_timeout 0 never forces a segment switch/),
    expect.stringMatching(/^postgresql agent-pg-prod-dr: .*archive_timeout 0 never forces a segment switch/),
  ]);
}, 60_000);

test("law: a shorter archive_timeout never worsens the archive's predicted loss, and budget and pack use the same bound", async () => {
  const fc = (await import("fast-check")).default;
  const { archiveLossSeconds } = await import("../../dr/budget");
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 86400 }), fc.integer({ min: 0, max: 86400 }), fc.integer({ min: 0, max: 60 }), (a, b, upload) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      // 0 is the one value that is not "shorter": it switches the timer off.
      if (lo > 0) expect(archiveLossSeconds(lo, upload)).toBeLessThanOrEqual(archiveLossSeconds(hi, upload));
      expect(archiveLossSeconds(0, upload)).toBe(Infinity);
    }),
  );
});

test("a manual region promotion starts at the fault: Route53 detection and the alarm's evaluation precede the on-call's minutes, read from the alarm resource", async () => {
  const slowPage = await planStack("prod", { "agent-dr:signals": { overrides: { Route53HealthCheckFailing: 300 } } });
  const row = (p: Plan) => p.budget.find((r) => r.dataClass === "conversation_history" && r.scenario === "region-loss")!;
  expect(row(shipped).rtoMechanism).toMatch(/^Route53 marks the primary unhealthy \(10 s x 3\), the alarm pages \(60 s, PagerDuty service agent-platform[^)]*\), on-call approves the region promotion \(10 min\)/);
  expect(row(slowPage).rtoMechanism).toMatch(/the alarm pages \(300 s, /);
  // Same everything else: the difference is exactly the four extra alarm periods.
  expect(row(slowPage).predicted.rtoSeconds! - row(shipped).predicted.rtoSeconds!).toBe(240);
}, 60_000);

test("an alarm that pages nobody credits no paging: with no subscriber every path that waits for on-call is unbounded, in the budget and in the pack; the stack's own webhook subscription counts", async () => {
  const nobody = await planStack("prod", { "agent-dr:signals": { onCallSubscriber: null } });
  const PG = ["conversation_history", "agent_configurations", "usage_billing_data", "analytics_logs"];
  const rowsOf = (p: Plan) => p.budget.filter((r) => r.scenario === "region-loss" && PG.includes(r.dataClass));
  expect(rowsOf(nobody)).toHaveLength(4);
  for (const r of rowsOf(nobody)) {
    expect([r.dataClass, r.predicted.rtoSeconds, r.ok]).toEqual([r.dataClass, null, false]);
    expect(r.rtoMechanism).toMatch(/the health-check alarm pages nobody: its SNS topic has no subscriber/);
  }
  // The pack judges from the resources: no TopicSubscription and no declared subscriber.
  const packed = nobody.violations.filter((v) => v.policy === "recovery-targets" && /region-loss/.test(v.message));
  expect(packed.length).toBe(4);
  expect(packed[0].message).toMatch(/Fix: set agent-dr:signals.onCallWebhook/);

  const webhook = await planStack("prod", { "agent-dr:signals": { onCallSubscriber: null, onCallWebhook: "https://events.example.com/oncall" } });
  expect(rowsOf(webhook)).toHaveLength(4);
  for (const r of rowsOf(webhook)) expect([r.dataClass, r.ok, r.rtoMechanism]).toEqual([r.dataClass, true, expect.stringMatching(/the alarm pages \(60 s, the on-call webhook subscribed to the alarm topic\)/)]);
  expect(webhook.violations.filter((v) => v.policy === "recovery-targets")).toEqual([]);
}, 120_000);

test("a logical corruption is reported, then on-call starts the clone: both precede the restore, and without a declared reporting time the RTO has no bound", async () => {
  const row = (p: Plan, c: string) => p.budget.find((r) => r.dataClass === c && r.scenario === "logical-corruption")!;
  expect(row(shipped, "conversation_history").rtoMechanism).toMatch(/^corruption reported to on-call within 15 min \(declared: agent-dr:failover.corruptionNoticedMinutes\), on-call starts a point-in-time clone \(10 min\) \+ clone from base backup/);
  expect(row(shipped, "session_state").rtoMechanism).toMatch(/^corruption reported to on-call within 15 min .*on-call deletes the corrupt keys \(10 min\)/);
  const later = await planStack("prod", { "agent-dr:failover": { corruptionNoticedMinutes: 20 } });
  // Five more minutes before the clone; the derived base-backup schedule may tighten, never loosen, to keep the target.
  expect(row(later, "session_state").predicted.rtoSeconds! - row(shipped, "session_state").predicted.rtoSeconds!).toBe(300);
  const unknown = await planStack("prod", { "agent-dr:failover": { corruptionNoticedMinutes: null } });
  for (const c of ["conversation_history", "agent_configurations", "usage_billing_data", "analytics_logs", "session_state"]) {
    expect([c, row(unknown, c).predicted.rtoSeconds, row(unknown, c).ok]).toEqual([c, null, false]);
  }
  expect(unknown.violations.filter((v) => v.policy === "recovery-targets" && /logical-corruption/.test(v.message)).map((v) => v.message)[0]).toMatch(
    /nothing bounds how long a logical corruption goes unnoticed.*Fix: declare how soon your application's checks or users report a corruption to on-call \(agent-dr:failover.corruptionNoticedMinutes\)/,
  );
}, 120_000);
