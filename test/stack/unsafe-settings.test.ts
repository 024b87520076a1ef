/**
 * Valid but unsafe settings, by class (durability off at the engine, settings that contradict the
 * cluster's size, detectors that flap, verification rarer than retention, immutability shorter than
 * verification, networks open to any source): each fails the plan naming its mechanism, and the
 * Fixes the messages give, applied literally as config, make the whole plan pass.
 * Wall time: two offline plans per row (about 3 s each).
 */
import { deepMerge, planStack } from "../harness/offline";

type Plan = Awaited<ReturnType<typeof planStack>>;

/** The config change a "Fix: set <key> to [at least|at most] <value>" sentence asks for, as a stack patch. */
export function fixPatch(message: string): Record<string, unknown> {
  const m = /Fix: set ([a-zA-Z][\w.]*) to (?:at least |at most )?("[^"]*"|-?\d+(?:\.\d+)?|true|false|the [^.]*?e\.g\. (\[[^\]]*\]))/.exec(message);
  if (!m) throw new Error(`no applicable Fix in: ${message}`);
  const [, key, raw, example] = m;
  const value = JSON.parse(example ?? raw);
  const [top, ...path] = key.split(".");
  const nested = path.reduceRight<unknown>((acc, k) => ({ [k]: acc }), value);
  return { [`agent-dr:${top}`]: nested };
}

/**
 * Policies a row's own patch breaks on purpose besides the one under test: prod's RPO-0 class makes
 * asynchronous replication a miss in its own right, which the lag-0 Fix is not meant to cure.
 */
const ALSO_BROKEN_BY_THE_ROW: Record<string, string[]> = {
  "failover lag 0 with asynchronous replication": ["recovery-targets", "postgres-synchronous-mode"],
  // A one-day lock also lets an administrator outwait it (credential-compromise), a second mechanism.
  "retention of one day": ["recovery-targets"],
};

const rows: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ["fsync off", { "agent-dr:postgres": { overrides: { parameters: { fsync: "off" } } } }, "postgres-engine-safety", /fsync = "off": commits are acknowledged before they reach disk/],
  // PostgreSQL takes any unique prefix of off/false: the policy reads values as the server does.
  ["fsync off spelled as a prefix", { "agent-dr:postgres": { overrides: { parameters: { fsync: "of" } } } }, "postgres-engine-safety", /fsync = "of": commits are acknowledged before they reach disk/],
  ["data_sync_retry on", { "agent-dr:postgres": { overrides: { parameters: { data_sync_retry: "on" } } } }, "postgres-engine-safety", /data_sync_retry = "on": after a failed fsync PostgreSQL carries on/],
  ["triggers and foreign keys off for every session", { "agent-dr:postgres": { overrides: { parameters: { session_replication_role: "replica" } } } }, "postgres-engine-safety", /session_replication_role = "replica".*foreign-key checks do not fire/],
  ["no replication slots", { "agent-dr:postgres": { overrides: { parameters: { max_replication_slots: "0" } } } }, "postgres-engine-safety", /max_replication_slots 0 < 2 \(2 replica\(s\)\)|max_replication_slots 0 < 3 \(2 replica\(s\) \+ 1 for the DR standby\)/],
  ["full_page_writes off", { "agent-dr:postgres": { overrides: { parameters: { full_page_writes: "false" } } } }, "postgres-engine-safety", /torn page/],
  ["max_wal_senders below the replicas", { "agent-dr:postgres": { overrides: { parameters: { max_wal_senders: "1" } } } }, "postgres-engine-safety", /max_wal_senders 1 < 4/],
  ["more synchronous standbys than replicas", { "agent-dr:postgres": { overrides: { synchronousNodeCount: 4 } } }, "postgres-engine-safety", /synchronous_node_count 4 with 3 instances/],
  ["failover lag 0 with asynchronous replication", { "agent-dr:postgres": { overrides: { synchronousMode: false, maximumLagOnFailoverBytes: 0 } } }, "postgres-engine-safety", /maximum_lag_on_failover 0/],
  ["archive_timeout 0", { "agent-dr:postgres": { overrides: { archiveTimeoutSeconds: 0 } } }, "postgres-wal-archiving", /never forces a segment switch/],
  ["Sentinel down-after 500 ms", { "agent-dr:redis": { overrides: { downAfterMilliseconds: 500 } } }, "detection-stability", /down-after-milliseconds 500 .* one slow reply/],
  ["Route53 failure threshold 1", { "agent-dr:dns": { overrides: { failureThreshold: 1 } } }, "detection-stability", /failureThreshold 1 marks the endpoint unhealthy after a single failed probe/],
  ["an automatic region promotion after one failed probe", { "agent-dr:failover": { regionPromotion: "automatic", controller: { enabled: true, intervalSeconds: 5, failureThreshold: 1 } } }, "detection-stability", /failureThreshold 1 promotes the DR region after a single failed probe/],
  ["restore drill once a year", { "agent-dr:backup": { overrides: { restoreDrillSchedule: "0 0 1 1 *" } } }, "backup-verification", /runs every 8784h at worst, but dumps in .* expire after 14 day\(s\): a dump chain that stopped restoring is noticed only after every proven dump is gone/],
  // The lock may not outlast the retention (the config refuses it), so the row shortens both.
  ["retention of one day", { "agent-dr:backup": { retentionDays: 1, objectLock: { enabled: true, days: 1 } } }, "backup-verification", /expire after 1 day/],
  ["Object Lock shorter than the drill period", { "agent-dr:backup": { retentionDays: 30, objectLock: { enabled: true, days: 2 } } }, "backup-verification", /Object Lock holds a version 2 day\(s\), but the restore drill proves a newer dump only every 168h/],
  // The lock the drill period needs would outlast the retention: the Fix turns to the drill instead (found by review).
  ["a fortnightly restore drill with a 10-day lock and 14-day retention", { "agent-dr:backup": { overrides: { restoreDrillSchedule: "0 0 1,15 * *" } } }, "backup-verification", /Object Lock holds a version 10 day\(s\).*Fix: set backup.overrides.restoreDrillSchedule to "0 4 \* \* \*" \(daily; a 18-day lock would outlast the 14-day retention\)/],
  ["prod without Object Lock", { "agent-dr:backup": { objectLock: { enabled: false } } }, "backup-verification", /has no Object Lock/],
  ["an alarm override that pages after the region-loss RPO", { "agent-dr:signals": { overrides: { S3ReplicationLatencyHigh: 7200 } } }, "signal-thresholds", /S3ReplicationLatencyHigh = 7200 seconds pages later than the 900 seconds the targets derive/],
  ["a rule override that pages after the archive's RPO", { "agent-dr:signals": { overrides: { PostgresWalArchiveBehind: 86400 } } }, "signal-thresholds", /PostgresWalArchiveBehind = 86400 seconds pages later than the 60 seconds/],
  ["a count override that pages only when quorum is long gone", { "agent-dr:signals": { overrides: { RedisSentinelQuorumLost: 1 } } }, "signal-thresholds", /RedisSentinelQuorumLost = 1 count pages later .* than the 2 count/],
  // A hung provider holds each request for the whole timeout: 2 providers x (2 x 20 s + 1 s) + 5 s is far past 30 s.
  ["LLM per-attempt timeout 20 s", { "agent-dr:llm": { overrides: { requestTimeoutSeconds: 20 } } }, "llm-gateway-chain", /per-attempt timeout 20 s with 1 retry over 2 provider\(s\) is longer than the agent_responses llm-provider-outage RTO of 30 s allows/],
  // IPv6 ranges that carry IPv4 (mapped, NAT64, 6to4) are judged as the IPv4 space they reach.
  ["replication stream open to every IPv4 host through IPv4-mapped IPv6", { "agent-dr:postgres": { standby: { peerCidrs: ["::ffff:0:0/96"] } } }, "network-exposure", /::ffff:0:0\/96 contains IPv4-mapped ::ffff:0:0\/96, which reaches all of IPv4/],
  ["replication stream open to every IPv4 host through NAT64", { "agent-dr:postgres": { standby: { peerCidrs: ["64:ff9b::/96"] } } }, "network-exposure", /contains NAT64 64:ff9b::\/96/],
  ["slots invalidated after a megabyte of lag", { "agent-dr:postgres": { overrides: { parameters: { max_slot_wal_keep_size: "1MB" } } } }, "postgres-engine-safety", /max_slot_wal_keep_size = "1MB" \(1 MB\): a replica or the DR standby that falls 1 MB behind loses its slot/],
  ["shared_buffers larger than the pod's memory", { "agent-dr:postgres": { overrides: { parameters: { shared_buffers: "1TB" } } } }, "postgres-engine-safety", /shared_buffers = "1TB" is at least the container's memory limit \(2Gi\)/],
  ["replicas that apply WAL a day late", { "agent-dr:postgres": { overrides: { parameters: { recovery_min_apply_delay: "1d" } } } }, "postgres-engine-safety", /recovery_min_apply_delay = "1d": every replica and the DR standby apply WAL 86400 s late/],
  ["Redis writes that stop when one replica is lost", { "agent-dr:redis": { overrides: { minReplicasToWrite: 2 } } }, "recovery-targets", /min-replicas-to-write 2 with 2 replica\(s\): losing one replica leaves 1, and the primary refuses every write/],
  ["replication stream open to the internet", { "agent-dr:postgres": { standby: { peerCidrs: ["0.0.0.0/0"] } } }, "network-exposure", /0\.0\.0\.0\/0 reaches public IPv4 space/],
];

describe.each(rows)("prod with %s", (what, patch, policy, mechanism) => {
  let unsafe: Plan;
  beforeAll(async () => {
    unsafe = await planStack("prod", patch);
  }, 60_000);

  test(`fails ${policy}, naming the mechanism`, () => {
    const found = unsafe.violations.filter((v) => v.policy === policy);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((v) => v.level === "mandatory")).toBe(true);
    expect(found.map((v) => v.message)).toContainEqual(expect.stringMatching(mechanism));
  });

  test("the Fixes the messages give, applied as written, make the whole plan pass", async () => {
    const messages = [...new Set(unsafe.violations.filter((v) => v.policy === policy).map((v) => v.message))];
    const fixes = messages.map(fixPatch);
    // One cluster's Fix must not undo another's: messages about the same key agree on its value.
    const fixed = await planStack("prod", fixes.reduce((acc, f) => deepMerge(acc, f), patch));
    const others = ALSO_BROKEN_BY_THE_ROW[what] ?? [];
    const left = fixed.violations.filter((v) => v.level === "mandatory" && !others.includes(v.policy));
    expect([messages, left.map((v) => `${v.policy}: ${v.message}`)]).toEqual([messages, []]);
    expect(fixed.violations.filter((v) => v.policy === policy)).toEqual([]);
  }, 120_000);
});

test("the Fix parser reads the sentence forms the policies use, and refuses a message without one", () => {
  expect(fixPatch('x. Fix: set postgres.overrides.parameters.fsync to "on" (PostgreSQL\'s default).')).toEqual({ "agent-dr:postgres": { overrides: { parameters: { fsync: "on" } } } });
  expect(fixPatch("x. Fix: set redis.overrides.downAfterMilliseconds to at least 2000.")).toEqual({ "agent-dr:redis": { overrides: { downAfterMilliseconds: 2000 } } });
  expect(fixPatch('x. Fix: set postgres.standby.peerCidrs to the DR cluster\'s pod or VPC CIDRs (private ranges only, e.g. ["10.20.0.0/16"]).')).toEqual({ "agent-dr:postgres": { standby: { peerCidrs: ["10.20.0.0/16"] } } });
  expect(() => fixPatch("x. Fix: think harder.")).toThrow(/no applicable Fix/);
});
