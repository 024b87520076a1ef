/**
 * The budget is computed from the settings the resources hold, not from the targets: an
 * archive_timeout override of 1800 s in prod must show up as an RPO miss naming archive_timeout
 * for every class whose recovery path relies on the WAL archive, and the policy pack's
 * archive_timeout check must fire. Wall time about 10-20 s (two mock runs).
 */
import { planStack } from "./harness/offline";

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
