import fc from "fast-check";
import { parseStackConfig } from "../../dr/targets";
import { clampPatroni, cronMaxGapSeconds, derivePatroniTimings, deriveSettings, patroniRuleHolds } from "../../dr/settings";
import { PATRONI } from "../../dr/engine-facts";

const prodRaw = {
  regions: { primary: "us-east-1", dr: "us-west-2" },
  clusters: { primary: { context: "a" }, dr: { context: "b" } },
  endpoints: { api: { name: "api.example.com", zoneId: "Z1", primaryTarget: "a.example.com", drTarget: "b.example.com" } },
  postgres: { standby: { peerCidrs: ["10.20.0.0/16"] } },
};

describe("derived settings", () => {
  const prod = deriveSettings(parseStackConfig(prodRaw, "prod"));

  it("turns on synchronous mode because agent_configurations has RPO 0, and makes only its role pay", () => {
    expect(prod.postgres!.synchronousMode).toBe(true);
    expect(prod.postgres!.synchronousCommit).toEqual({ agent_config: "on", conversations: "local", billing: "local", analytics: "local" });
  });

  it("derives archive_timeout from the tightest RPO served by the archive minus the upload allowance", () => {
    // logical-corruption RPO of conversation_history and agent_configurations is 60 s; upload allowance 5 s.
    expect(prod.postgres!.archiveTimeoutSeconds).toBe(55);
  });

  it("derives Patroni timings at the floor for a 5-minute RTO and keeps Patroni's rule", () => {
    expect(prod.postgres!.patroni).toEqual({ ttlSeconds: 20, loopWaitSeconds: 5, retryTimeoutSeconds: 7 });
    expect(patroniRuleHolds(prod.postgres!.patroni)).toBe(true);
  });

  it("derives Sentinel down-after from the session RTO (2 min -> 5000 ms) and AOF everysec", () => {
    expect(prod.redis).toMatchObject({ downAfterMilliseconds: 5000, failoverTimeoutMilliseconds: 30000, appendonly: true, appendfsync: "everysec", quorum: 2, minReplicasToWrite: 1 });
  });

  it("replicates backups across regions with RTC in prod, not in a single-region staging", () => {
    expect(prod.backup).toMatchObject({ crossRegionReplication: true, replicationTimeControl: true, logicalBackupSchedule: "0 2 * * *" });
    const staging = deriveSettings(parseStackConfig({ regions: { primary: "us-east-1" } }, "staging"));
    expect(staging.backup).toMatchObject({ crossRegionReplication: false, replicationTimeControl: false });
  });

  it("derives Route53 timings: 10 s interval x 3 and TTL 60 s within half of a 15-minute region-loss RTO", () => {
    expect(prod.dns).toEqual({ ttlSeconds: 60, healthCheckIntervalSeconds: 10, failureThreshold: 3, hasSecondary: true });
  });

  it("applies every override of the public contract", () => {
    const s = deriveSettings(
      parseStackConfig(
        {
          ...prodRaw,
          postgres: { ...prodRaw.postgres, overrides: { archiveTimeoutSeconds: 1800, synchronousMode: false, ttlSeconds: 40, loopWaitSeconds: 10 } },
          redis: { overrides: { appendonly: false, appendfsync: "no", downAfterMilliseconds: 30000 } },
          backup: { overrides: { crossRegionReplication: false, replicationTimeControl: false, logicalBackupSchedule: "0 3 * * 0" } },
          dns: { overrides: { ttlSeconds: 3600, healthCheckIntervalSeconds: 30, failureThreshold: 5 } },
        },
        "prod",
      ),
    );
    expect(s.postgres).toMatchObject({ archiveTimeoutSeconds: 1800, synchronousMode: false });
    expect(s.postgres!.patroni).toMatchObject({ ttlSeconds: 40, loopWaitSeconds: 10 });
    expect(s.redis).toMatchObject({ appendonly: false, appendfsync: "no", downAfterMilliseconds: 30000 });
    expect(s.backup).toMatchObject({ crossRegionReplication: false, replicationTimeControl: false, logicalBackupSchedule: "0 3 * * 0" });
    expect(s.dns).toMatchObject({ ttlSeconds: 3600, healthCheckIntervalSeconds: 30, failureThreshold: 5 });
  });

  it("refuses Patroni timings below the floors Patroni 3.2+ applies silently (they would not be what runs); the floors themselves pass", () => {
    expect(() => parseStackConfig({ ...prodRaw, postgres: { ...prodRaw.postgres, overrides: { ttlSeconds: 5, loopWaitSeconds: 1 } } }, "prod")).toThrow(
      /agent-dr:postgres\.overrides\.ttlSeconds: got 5; expected at least 20: Patroni 3\.2\+ silently raises a lower value to 20/,
    );
    expect(() => parseStackConfig({ ...prodRaw, postgres: { ...prodRaw.postgres, overrides: { retryTimeoutSeconds: 1 } } }, "prod")).toThrow(/retryTimeoutSeconds: got 1; expected at least 3/);
    const s = deriveSettings(parseStackConfig({ ...prodRaw, postgres: { ...prodRaw.postgres, overrides: { ttlSeconds: 20, loopWaitSeconds: 1, retryTimeoutSeconds: 3 } } }, "prod"));
    expect(s.postgres!.patroni).toMatchObject({ ttlSeconds: 20, loopWaitSeconds: 1, retryTimeoutSeconds: 3 });
  });
});

describe("Patroni laws", () => {
  it("clamps to ttl >= 20, loop_wait >= 1, retry_timeout >= 3", () => {
    expect(clampPatroni({ ttlSeconds: 10, loopWaitSeconds: 0, retryTimeoutSeconds: 1 })).toEqual({ ttlSeconds: 20, loopWaitSeconds: 1, retryTimeoutSeconds: 3 });
    expect(clampPatroni({ ttlSeconds: 30, loopWaitSeconds: 10, retryTimeoutSeconds: 10 })).toEqual({ ttlSeconds: 30, loopWaitSeconds: 10, retryTimeoutSeconds: 10 });
  });

  it("derived timings always respect the floors and loop_wait + 2*retry_timeout <= ttl, for any RTO", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100000 }), (rto) => {
        const t = derivePatroniTimings(rto);
        return patroniRuleHolds(t) && t.ttlSeconds >= PATRONI.minTtlSeconds && t.ttlSeconds <= PATRONI.defaultTtlSeconds && t.loopWaitSeconds >= 1 && t.retryTimeoutSeconds >= 3;
      }),
    );
  });

  it("a tighter RTO never yields a longer ttl", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 50000 }), fc.integer({ min: 0, max: 50000 }), (a, d) => derivePatroniTimings(a).ttlSeconds <= derivePatroniTimings(a + d).ttlSeconds));
  });
});

describe("cron gaps", () => {
  it.each([
    ["0 2 * * *", 86400],
    ["0 * * * *", 3600],
    ["*/15 * * * *", 900],
    ["0 4 * * 0", 7 * 86400],
    ["0 1,13 * * *", 12 * 3600],
  ])("%s leaves at most %d s between runs", (cron, gap) => expect(cronMaxGapSeconds(cron)).toBe(gap));

  it("finds the longest gap of an uneven schedule", () => {
    expect(cronMaxGapSeconds("0 2,4 * * *")).toBe(22 * 3600);
  });
});

describe("Sentinel failover-timeout follows down-after when it is not set", () => {
  const redisOf = (overrides: Record<string, number>) =>
    deriveSettings(parseStackConfig({ regions: { primary: "us-east-1" }, clusters: { primary: { context: "a" } }, redis: { overrides } }, "staging")).redis!;

  it("a long down-after alone gets a failover-timeout twice as long, which the Redis settings check accepts (no error on a key the user never wrote)", async () => {
    const { checkRedisSettings } = await import("../../components/redis/render/settings-check");
    const r = redisOf({ downAfterMilliseconds: 60000 });
    expect([r.downAfterMilliseconds, r.failoverTimeoutMilliseconds]).toEqual([60000, 120000]);
    expect(() => checkRedisSettings(r)).not.toThrow();
  });

  it("law: the derived failover-timeout is always longer than down-after, and never below Redis Sentinel's 30 s floor used before", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 600000 }), (down) => {
        const r = redisOf({ downAfterMilliseconds: down });
        return r.failoverTimeoutMilliseconds > r.downAfterMilliseconds && r.failoverTimeoutMilliseconds >= 30000;
      }),
      { numRuns: 50 },
    );
  });

  it("a failover-timeout the user did set is taken as written, and too short a one is refused on that key", async () => {
    const { checkRedisSettings } = await import("../../components/redis/render/settings-check");
    const r = redisOf({ downAfterMilliseconds: 60000, failoverTimeoutMilliseconds: 30000 });
    expect(r.failoverTimeoutMilliseconds).toBe(30000);
    expect(() => checkRedisSettings(r)).toThrow(/agent-dr:redis.overrides.failoverTimeoutMilliseconds: got 30000; expected more than down-after-milliseconds \(60000\)/);
  });
});

describe("Sentinel failover-timeout leaves room for one split vote inside the RTO", () => {
  it("law: with a derived failover-timeout, down-after + 2 x failover-timeout + the election fits the class's in-region RTO whenever twice down-after does", () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 3600 }), (rto) => {
        const r = deriveSettings(
          parseStackConfig({ regions: { primary: "us-east-1" }, clusters: { primary: { context: "a" } }, dataClasses: { session_state: { rto: `${rto}s`, rpo: "15s" } } }, "staging"),
        ).redis!;
        const worst = r.downAfterMilliseconds / 1000 + (2 * r.failoverTimeoutMilliseconds) / 1000 + 3;
        return worst <= rto || r.failoverTimeoutMilliseconds === 2 * r.downAfterMilliseconds;
      }),
      { numRuns: 60 },
    );
  });
});

test("two classes on one database: the tighter target decides its role's synchronous_commit, whatever their order (found by review)", () => {
  const derive = (first: string, second: string) =>
    deriveSettings(
      parseStackConfig(
        {
          regions: { primary: "us-east-1" },
          clusters: { primary: { context: "a" } },
          dataClasses: { [first]: { store: "postgres", database: "shared", rto: "15m", rpo: first === "strict_class" ? "0" : "1m" }, [second]: { store: "postgres", database: "shared", rto: "15m", rpo: second === "strict_class" ? "0" : "1m" } },
        },
        "staging",
      ),
    ).postgres!.synchronousCommit.shared;
  expect([derive("strict_class", "loose_class"), derive("loose_class", "strict_class")]).toEqual(["on", "on"]);
});
