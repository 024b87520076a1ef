/**
 * The override keys of the public contract, each set to an unsafe value in prod, produce a
 * violation of the whole pack (as `npm run plan` evaluates it) that names the key's mechanism, and
 * the same violation is absent without the override.
 *
 * Route53's interval (10 or 30 s) and threshold cost at most 300 s of detection, which prod's
 * 15-minute region-loss RTOs absorb; those two rows therefore run against a class that must be
 * back in the DR region within 2 minutes, where detection is what decides.
 * Wall time: about 17 offline plans, 1-3 min depending on load.
 */
import { planStack } from "../harness/offline";

type Plan = Awaited<ReturnType<typeof planStack>>;

const SLOW_FAILOVER_TIMEOUT = { "agent-dr:redis": { overrides: { failoverTimeoutMilliseconds: 1_200_000 } } };
const TIGHT_REGION_RTO = { "agent-dr:dataClasses": { session_state: { scenarios: { "region-loss": { rto: "2m" } } } } };

interface Row {
  key: string;
  value: unknown;
  /** What the violation must say: the mechanism the key drives. */
  mechanism: RegExp;
  policy: string;
  context?: Record<string, unknown>;
}

const rows: Row[] = [
  { key: "postgres.overrides.archiveTimeoutSeconds", value: 1800, policy: "postgres-wal-archiving", mechanism: /archive_timeout 30m/ },
  { key: "postgres.overrides.archiveTimeoutSeconds", value: 1800, policy: "recovery-targets", mechanism: /archive_timeout 1800 s/ },
  { key: "postgres.overrides.synchronousMode", value: false, policy: "postgres-synchronous-mode", mechanism: /synchronous_mode is false/ },
  { key: "postgres.overrides.ttlSeconds", value: 600, policy: "recovery-targets", mechanism: /Patroni failover: ttl 600 s/ },
  { key: "postgres.overrides.loopWaitSeconds", value: 60, policy: "patroni-timing", mechanism: /loop_wait 60 s \+ 2 x retry_timeout/ },
  { key: "redis.overrides.appendonly", value: false, policy: "redis-persistence", mechanism: /appendonly is off/ },
  { key: "redis.overrides.appendfsync", value: "no", policy: "redis-persistence", mechanism: /appendfsync no can lose up to 30s/ },
  // The Redis tier refuses a failover-timeout not above down-after, so the row raises it alongside.
  { key: "redis.overrides.downAfterMilliseconds", value: 600000, policy: "recovery-targets", mechanism: /down-after-milliseconds 600000 ms/, context: SLOW_FAILOVER_TIMEOUT },
  { key: "backup.overrides.crossRegionReplication", value: false, policy: "bucket-replication", mechanism: /S3 cross-region replication: backup bucket .* is not replicated/ },
  { key: "backup.overrides.replicationTimeControl", value: false, policy: "bucket-replication", mechanism: /S3 Replication Time Control is off/ },
  { key: "backup.overrides.logicalBackupSchedule", value: "0 2 1 * *", policy: "backup-cronjob", mechanism: /logical backup schedule "0 2 1 \* \*"/ },
  { key: "dns.overrides.ttlSeconds", value: 3600, policy: "recovery-targets", mechanism: /record TTL 3600 s/ },
  { key: "dns.overrides.healthCheckIntervalSeconds", value: 30, policy: "recovery-targets", mechanism: /Route53 health check 3 x 30 s/, context: TIGHT_REGION_RTO },
  { key: "dns.overrides.failureThreshold", value: 10, policy: "recovery-targets", mechanism: /Route53 health check 10 x 10 s/, context: TIGHT_REGION_RTO },
];

/** `a.b.c` = v as the nested config object under the project's namespace. */
function patchFor(key: string, value: unknown): Record<string, unknown> {
  const [top, ...rest] = key.split(".");
  const nested = rest.reduceRight<unknown>((acc, k) => ({ [k]: acc }), value);
  return { [`agent-dr:${top}`]: nested };
}

function merge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = v && typeof v === "object" && !Array.isArray(v) && out[k] ? merge(out[k], v) : v;
  return out;
}

const baselines = new Map<Record<string, unknown> | undefined, Promise<Plan>>();
const baseline = (context?: Record<string, unknown>) => {
  if (!baselines.has(context)) baselines.set(context, planStack("prod", context ?? {}));
  return baselines.get(context)!;
};

const named = (plan: Plan, row: Row) => plan.violations.filter((v) => v.policy === row.policy && v.level === "mandatory" && row.mechanism.test(v.message));

describe("override keys set to unsafe values in prod", () => {
  it.each(rows.map((r) => [r.key, r.value, r.policy, r] as const))("%s = %j: %s names the mechanism", async (_key, _value, _policy, row) => {
    const plan = await planStack("prod", merge(row.context ?? {}, patchFor(row.key, row.value)));
    const hits = named(plan, row);
    expect(hits.map((v) => v.message)).not.toEqual([]);
    expect(named(await baseline(row.context), row)).toEqual([]);
  }, 240_000);

  it("covers every override key of the public contract", () => {
    const contract = [
      "postgres.overrides.archiveTimeoutSeconds",
      "postgres.overrides.synchronousMode",
      "postgres.overrides.ttlSeconds",
      "postgres.overrides.loopWaitSeconds",
      "redis.overrides.appendonly",
      "redis.overrides.appendfsync",
      "redis.overrides.downAfterMilliseconds",
      "backup.overrides.crossRegionReplication",
      "backup.overrides.replicationTimeControl",
      "backup.overrides.logicalBackupSchedule",
      "dns.overrides.ttlSeconds",
      "dns.overrides.healthCheckIntervalSeconds",
      "dns.overrides.failureThreshold",
    ];
    expect([...new Set(rows.map((r) => r.key))].sort()).toEqual([...contract].sort());
  });
});
