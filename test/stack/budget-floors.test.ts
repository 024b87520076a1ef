/**
 * Targets no setting can reach get "can not be met by this design" and what would change it,
 * never a Fix that can not work; and the floors behind that claim are sound: no settings the
 * config and the pack accept predict better than them (fast-check over the overrides).
 */
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { computeBudget } from "../../dr/budget";
import { designFloor, unreachable } from "../../dr/budget/floors";
import { deriveSettings } from "../../dr/settings";
import { parseStackConfig, rawConfigFrom } from "../../dr/targets";
import { readStackFile, stackFilePath } from "../../offline/stack-files";
import { deepMerge, planStack } from "../harness/offline";

const prodRaw = () => rawConfigFrom(readStackFile(stackFilePath("prod")).config) as Record<string, any>;

const rows: Array<[string, Record<string, unknown>, string, string, RegExp]> = [
  ["RPO 0 across regions", { "agent-dr:dataClasses": { conversation_history: { scenarios: { "region-loss": { rpo: "0s" } } } } }, "conversation_history", "region-loss", /RPO 10s > 0: .*Unreachable: the target can not be met by this design: the DR standby cluster replicates asynchronously.*What would change it: relax the region-loss RPO above 0; RPO 0 across regions needs synchronous replication/],
  ["an RTO below Patroni's ttl floor", { "agent-dr:dataClasses": { agent_configurations: { scenarios: { "instance-loss": { rto: "15s" } } } } }, "agent_configurations", "instance-loss", /RTO .* > 15s: .*Unreachable: .*ttl can not go below 20 s.*relax the RTO to at least 23\.5 s/],
  ["RPO 0 against logical corruption", { "agent-dr:dataClasses": { usage_billing_data: { scenarios: { "logical-corruption": { rpo: "0s" } } } } }, "usage_billing_data", "logical-corruption", /Unreachable: .*reaches only archived WAL.*relax the logical-corruption RPO to at least 6 s/],
  ["Redis RPO 0", { "agent-dr:dataClasses": { session_state: { rpo: "0s" } } }, "session_state", "instance-loss", /Unreachable: .*Redis replicates asynchronously.*PostgreSQL with synchronous replication/],
];

describe.each(rows)("prod with %s", (_what, patch, dataClass, scenario, message) => {
  test("the miss says the target is unreachable by this design and what would change it, with no Fix for it", async () => {
    const plan = await planStack("prod", patch);
    const row = plan.budget.find((b) => b.dataClass === dataClass && b.scenario === scenario)!;
    expect(row.ok).toBe(false);
    expect(row.limitedBy).toMatch(message);
    const miss = row.limitedBy.split(" | ").find((part) => /Unreachable/.test(part))!;
    expect(miss).not.toMatch(/Fix:/);
    expect(plan.violations.filter((v) => v.policy === "recovery-targets").map((v) => v.message)).toContainEqual(expect.stringMatching(/Unreachable: the target can not be met by this design/));
  }, 60_000);
});

test("a reachable miss keeps its Fix (archive_timeout 1800 s)", async () => {
  const plan = await planStack("prod", { "agent-dr:postgres": { overrides: { archiveTimeoutSeconds: 1800 } } });
  const row = plan.budget.find((b) => b.dataClass === "conversation_history" && b.scenario === "logical-corruption")!;
  expect(row.limitedBy).toMatch(/Fix: lower postgres.overrides.archiveTimeoutSeconds/);
  expect(row.limitedBy).not.toMatch(/Unreachable/);
}, 60_000);

test("law: no settings the config and the pack accept predict better than the design floors", () => {
  // Overrides within the schema and the pack's refusals (Route53 threshold >= 2, Sentinel down-after >= 2 s).
  const overrides = fc.record({
    postgres: fc.record({
      archiveTimeoutSeconds: fc.integer({ min: 1, max: 3600 }),
      ttlSeconds: fc.integer({ min: 1, max: 120 }),
      loopWaitSeconds: fc.integer({ min: 1, max: 30 }),
      retryTimeoutSeconds: fc.integer({ min: 1, max: 30 }),
      synchronousMode: fc.boolean(),
      maximumLagOnFailoverBytes: fc.integer({ min: 1, max: 1 << 30 }),
    }),
    redis: fc.record({
      appendfsync: fc.constantFrom("always", "everysec", "no"),
      downAfterMilliseconds: fc.integer({ min: 2000, max: 60000 }),
      minReplicasMaxLagSeconds: fc.integer({ min: 1, max: 60 }),
    }),
    dns: fc.record({ ttlSeconds: fc.integer({ min: 0, max: 3600 }), healthCheckIntervalSeconds: fc.constantFrom(10, 30), failureThreshold: fc.integer({ min: 2, max: 10 }) }),
    standbyLag: fc.double({ min: 0.001, max: 600, noNaN: true }),
    controller: fc.boolean(),
  });
  fc.assert(
    fc.property(overrides, (o) => {
      const raw = deepMerge(prodRaw(), {
        postgres: { overrides: o.postgres, standby: { maxLagSeconds: o.standbyLag } },
        redis: { overrides: { ...o.redis, failoverTimeoutMilliseconds: o.redis.downAfterMilliseconds * 3 } },
        dns: { overrides: o.dns },
        failover: o.controller ? { regionPromotion: "automatic", controller: { enabled: true, intervalSeconds: 1, failureThreshold: 1 } } : {},
      });
      let config;
      try {
        config = parseStackConfig(raw, "prod");
      } catch {
        return; // combinations the config refuses (e.g. the Patroni rule) are not settings anyone runs
      }
      const settings = deriveSettings(config);
      for (const row of computeBudget(config.dataClasses, settings).rows) {
        const floor = designFloor(config.dataClasses.find((c) => c.name === row.dataClass)!, row.scenario, settings);
        for (const [limit, predicted, what] of [[floor.rpo, row.predicted.rpoSeconds, "RPO"], [floor.rto, row.predicted.rtoSeconds, "RTO"]] as const) {
          if (!limit) continue;
          // The floor claims nothing predicts at or below it (exclusive) or below it: the prediction must not.
          expect([row.dataClass, row.scenario, what, unreachable(limit, predicted)]).toEqual([row.dataClass, row.scenario, what, false]);
        }
      }
    }),
    { numRuns: 150 },
  );
});

test("the shipped stacks meet every target they declare, so no floor is claimed on them", () => {
  for (const stack of ["staging", "prod"]) {
    const file = path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`);
    expect(fs.existsSync(file)).toBe(true);
    const config = parseStackConfig(rawConfigFrom(readStackFile(file).config), stack);
    const rows = computeBudget(config.dataClasses, deriveSettings(config)).rows;
    expect(rows.filter((r) => r.rpo.unreachable || r.rto.unreachable).map((r) => `${r.dataClass}/${r.scenario}`)).toEqual([]);
  }
});
