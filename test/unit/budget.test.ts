import fc from "fast-check";
import { computeBudget, BudgetRow } from "../../dr/budget";
import { deriveSettings, DrSettings } from "../../dr/settings";
import { parseStackConfig, Scenario, StackConfig } from "../../dr/targets";
import { PATRONI, POSTGRES, S3_REPLICATION } from "../../dr/engine-facts";
import { PROD_RAW } from "../harness/prod-config";

const prodRaw = PROD_RAW;
const pgWith = (extra: Record<string, unknown>) => ({ ...prodRaw.postgres, ...extra });

function budgetFor(raw: Record<string, unknown>, stack = "prod") {
  const config = parseStackConfig(raw, stack);
  const settings = deriveSettings(config);
  return { config, settings, rows: computeBudget(config.dataClasses, settings).rows };
}

function row(rows: BudgetRow[], dataClass: string, scenario: Scenario): BudgetRow {
  const r = rows.find((x) => x.dataClass === dataClass && x.scenario === scenario);
  if (!r) throw new Error(`no row ${dataClass} ${scenario}`);
  return r;
}

describe("budget with derived prod settings", () => {
  const { rows } = budgetFor(prodRaw);

  it("meets every target", () => {
    expect(rows.filter((r) => !r.ok).map((r) => `${r.dataClass}/${r.scenario}: ${r.limitedBy}`)).toEqual([]);
  });

  it("gives RPO 0 to agent_configurations on instance loss through synchronous replication", () => {
    const r = row(rows, "agent_configurations", "instance-loss");
    expect(r.predicted.rpoSeconds).toBe(0);
    expect(r.rpo.mechanism).toMatch(/synchronous replication/);
  });

  it("predicts Patroni node loss as ttl + loop_wait + promotion and reconnect", () => {
    const r = row(rows, "conversation_history", "instance-loss");
    // The crash path (loop_wait + primary_start_timeout 75 s + loop_wait) is the longer one with these targets.
    expect(r.predicted.rtoSeconds).toBeCloseTo(5 + 75 + 5 + PATRONI.promotionSeconds + 2, 5);
  });

  it("bounds session_state loss by min-replicas-max-lag and its RTO by down-after + one split vote (2 x failover-timeout) + 3 s", () => {
    const r = row(rows, "session_state", "instance-loss");
    expect(r.predicted.rtoSeconds).toBe(5 + 2 * 30 + 3);
    expect(r.rto.mechanism).toMatch(/one failed election retried after 2 x failover-timeout \(60 s\)/);
    expect(r.predicted.rpoSeconds).toBe(10);
    expect(r.rpo.mechanism).toMatch(/min-replicas-max-lag 10 s/);
  });
});

describe("known traps", () => {
  it("Replication Time Control cannot give a 1-minute region-loss RPO without a streaming standby", () => {
    const { rows } = budgetFor({ ...prodRaw, postgres: pgWith({ standby: { enabled: false } }) });
    const r = row(rows, "conversation_history", "region-loss");
    expect(r.ok).toBe(false);
    expect(r.predicted.rpoSeconds).toBeGreaterThanOrEqual(S3_REPLICATION.rtcSeconds);
    expect(r.limitedBy).toMatch(/S3 replication with RTC \(15 min\)/);
    expect(r.limitedBy).toMatch(/streaming standby/);
  });

  it("Spilo's archive_timeout default of 1800 s breaks every RPO the archive serves", () => {
    const { rows } = budgetFor({ ...prodRaw, postgres: pgWith({ overrides: { archiveTimeoutSeconds: POSTGRES.spiloArchiveTimeoutSeconds } }) });
    const missed = rows.filter((r) => !r.ok && /archive_timeout 1800 s/.test(r.limitedBy)).map((r) => `${r.dataClass}/${r.scenario}`);
    expect(missed.sort()).toEqual(["agent_configurations/logical-corruption", "conversation_history/logical-corruption", "usage_billing_data/logical-corruption"]);
    // analytics_logs (RPO 60 min) still holds with 30 min.
    expect(row(rows, "analytics_logs", "logical-corruption").ok).toBe(true);
  });

  it("Patroni floors: ttl 20 (the lowest Patroni runs; lower overrides are refused) costs 20 s of detection", () => {
    const { settings } = budgetFor({ ...prodRaw, postgres: pgWith({ overrides: { ttlSeconds: 20, loopWaitSeconds: 1 } }) });
    expect(settings.postgres!.patroni.ttlSeconds).toBe(20);
  });

  it("without synchronous mode agent_configurations loses its RPO 0", () => {
    const { rows } = budgetFor({ ...prodRaw, postgres: pgWith({ overrides: { synchronousMode: false } }) });
    const r = row(rows, "agent_configurations", "instance-loss");
    expect(r.ok).toBe(false);
    expect(r.limitedBy).toMatch(/synchronous_mode off/);
  });

  it("appendonly off makes session_state miss its 15 s RPO (RDB alone loses up to 300 s)", () => {
    const { rows } = budgetFor({ ...prodRaw, redis: { overrides: { appendonly: false } } });
    const r = row(rows, "session_state", "instance-loss");
    expect(r.ok).toBe(false);
    expect(r.limitedBy).toMatch(/appendonly off/);
  });

  it("a one-hour DNS TTL breaks every region-loss RTO of 15 minutes", () => {
    const { rows } = budgetFor({ ...prodRaw, dns: { overrides: { ttlSeconds: 3600 } } });
    const r = row(rows, "conversation_history", "region-loss");
    expect(r.ok).toBe(false);
    expect(r.limitedBy).toMatch(/record TTL 3600 s/);
  });

  it("without cross-region replication the standby has no archive fallback", () => {
    const { rows } = budgetFor({ ...prodRaw, backup: { overrides: { crossRegionReplication: false } } });
    const r = row(rows, "conversation_history", "region-loss");
    expect(r.ok).toBe(false);
    expect(r.limitedBy).toMatch(/crossRegionReplication/);
  });

  it("a single region cannot survive region loss, and says so", () => {
    const { rows } = budgetFor({ regions: { primary: "us-east-1" } }, "staging");
    const r = row(rows, "usage_billing_data", "region-loss");
    expect(r.ok).toBe(false);
    expect(r.limitedBy).toMatch(/single region/);
  });

  it("a store with no tier is unprotected", () => {
    const config = parseStackConfig(prodRaw, "prod");
    const settings = { ...deriveSettings(config), postgres: undefined } as DrSettings;
    const r = row(computeBudget(config.dataClasses, settings).rows, "conversation_history", "zone-loss");
    expect(r.ok).toBe(false);
    expect(r.limitedBy).toMatch(/unprotected/);
  });
});

describe("budget laws", () => {
  const base = parseStackConfig(prodRaw, "prod");
  const predict = (config: StackConfig, patch: (s: DrSettings) => void) => {
    const s = deriveSettings(config);
    patch(s);
    return computeBudget(config.dataClasses, s).rows;
  };

  /** Law: for every drawn value, the settings `better` writes predict no worse `metric` in any row than those `worse` writes. */
  const neverWorse = <T>(metric: "rpoSeconds" | "rtoSeconds", values: fc.Arbitrary<T>, better: (s: DrSettings, v: T) => void, worse: (s: DrSettings, v: T) => void) =>
    fc.assert(
      fc.property(values, (v) => {
        const a = predict(base, (s) => better(s, v));
        const b = predict(base, (s) => worse(s, v));
        return a.every((r, i) => r.predicted[metric] <= b[i].predicted[metric]);
      }),
      { numRuns: 50 },
    );

  it("a shorter archive_timeout never worsens any predicted RPO", () => {
    neverWorse(
      "rpoSeconds",
      fc.tuple(fc.integer({ min: 1, max: 7200 }), fc.integer({ min: 0, max: 7200 })),
      (s, [shorter]) => (s.postgres!.archiveTimeoutSeconds = shorter),
      (s, [shorter, extra]) => (s.postgres!.archiveTimeoutSeconds = shorter + extra),
    );
  });

  it("a shorter ttl or loop_wait never worsens any predicted RTO", () => {
    neverWorse(
      "rtoSeconds",
      fc.tuple(fc.integer({ min: 20, max: 60 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 10 })),
      (s, [ttl, , loop]) => (s.postgres!.patroni = { ttlSeconds: ttl, loopWaitSeconds: loop, retryTimeoutSeconds: 3 }),
      (s, [ttl, extra, loop]) => (s.postgres!.patroni = { ttlSeconds: ttl + extra, loopWaitSeconds: loop + 1, retryTimeoutSeconds: 3 }),
    );
  });

  it("a lower down-after-milliseconds never worsens the Redis RTO", () => {
    neverWorse(
      "rtoSeconds",
      fc.tuple(fc.integer({ min: 100, max: 60000 }), fc.integer({ min: 0, max: 60000 })),
      (s, [down]) => (s.redis!.downAfterMilliseconds = down),
      (s, [down, extra]) => (s.redis!.downAfterMilliseconds = down + extra),
    );
  });

  it("a verdict is ok exactly when both predictions are within the targets", () => {
    for (const r of computeBudget(base.dataClasses, deriveSettings(base)).rows) {
      expect(r.ok).toBe(r.predicted.rpoSeconds <= r.target.rpoSeconds && r.predicted.rtoSeconds <= r.target.rtoSeconds);
    }
  });
});

test("Redis without AOF and without save points loses everything on restart", () => {
  const config = parseStackConfig(prodRaw, "prod");
  const settings = deriveSettings(config);
  settings.redis = { ...settings.redis!, appendonly: false, save: [] };
  const r = row(computeBudget(config.dataClasses, settings).rows, "session_state", "instance-loss");
  expect(r.predicted.rpoSeconds).toBe(Infinity);
  expect(r.limitedBy).toMatch(/no RDB save points/);
});

test("an asynchronous class's RPO says what a split brain would lose and which setting prevents it", () => {
  const { rows } = budgetFor(prodRaw);
  expect(row(rows, "conversation_history", "instance-loss").rpo.mechanism).toMatch(/split brain.*synchronous_commit on for this class's role \(or a Patroni watchdog\) prevents it/);
  expect(row(rows, "agent_configurations", "instance-loss").rpo.mechanism).not.toMatch(/split brain/);
});

test("a yearly base-backup schedule is judged by its real gap (a leap year: 8784 h), and no message prints a raw Infinity", () => {
  const { rows } = budgetFor({ ...prodRaw, postgres: pgWith({ overrides: { baseBackupSchedule: "0 0 1 1 *" } }) });
  const r = row(rows, "conversation_history", "logical-corruption");
  expect(r.rto.mechanism).toMatch(/replay of up to 8784 h of WAL/);
  expect(r.ok).toBe(false);
  for (const x of rows) expect(`${x.rto.mechanism} ${x.rpo.mechanism} ${x.limitedBy}`).not.toMatch(/Infinity|NaN/);
});

test("a Sentinel failover-timeout of an hour misses the session RTO: a split vote is retried only after 2 hours (found by review)", () => {
  const { rows } = budgetFor({ ...prodRaw, redis: { overrides: { failoverTimeoutMilliseconds: 3_600_000 } } });
  const r = row(rows, "session_state", "instance-loss");
  expect([r.ok, r.predicted.rtoSeconds]).toEqual([false, 5 + 7200 + 3]);
  expect(r.limitedBy).toMatch(/Fix: lower redis.overrides.failoverTimeoutMilliseconds/);
});
