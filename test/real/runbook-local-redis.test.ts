import { actionsFor } from "../../runbooks/actions";
import { buildRunbook } from "../../runbooks/definitions";
import { MemoryJournal, rtoFromJournal, runRunbook } from "../../runbooks/engine";
import { LocalExecutor } from "../../runbooks/executors/local/executor";
import { LoopbackRedisSet } from "../../testbed/redis/loopback";
import { loadDrillStack } from "../../testbed/stack";
import { testPortBase } from "../../testbed/ports";
import type { RunbookTargets } from "../../contract/runbooks";

// Real redis-server x3 + redis-sentinel x3 on 127.0.0.1:23600-23612 (AGENT_DR_DRILL_PORT_BASE moves them), configured
// by the Redis tier's renderers with the prod stack's settings and started through its scripts. Wall time about 30 s.
const BASE = testPortBase(23600);
const targets: RunbookTargets = {
  stack: "local",
  environment: "staging",
  regions: { primary: "local" },
  namespaces: { primary: "local" },
  contexts: {},
  redis: { master: "agent-redis", sentinelService: "local", port: 0, servers: 3 },
};

let set: LoopbackRedisSet;
let ex: LocalExecutor;

beforeAll(async () => {
  set = new LoopbackRedisSet({ settings: loadDrillStack("prod").settings.redis!, basePort: BASE });
  await set.start();
  ex = new LocalExecutor({
    redis: { sentinels: [0, 1, 2].map((j) => ({ host: "127.0.0.1", port: set.sentinelPort(j) })), password: set.redisPassword, sentinelPassword: set.sentinelPassword },
  });
}, 60_000);

afterAll(async () => {
  await set?.stop();
});

test("dry-run of redis-failover changes nothing", async () => {
  const before = await ex.redisStatus({ region: "primary", master: "agent-redis" });
  const r = await runRunbook(buildRunbook("redis-failover", targets), { actions: actionsFor(ex), dryRun: true });
  expect(r.plan).toHaveLength(4);
  expect(r.plan[1]).toMatch(/^2\. failover: ask Sentinel for a failover of agent-redis/);
  expect((await ex.redisStatus({ region: "primary", master: "agent-redis" })).primary).toBe(before.primary);
  expect(before.primary).toBe(`127.0.0.1:${BASE}`);
});

test("planned redis-failover moves the primary, clients can write, the old primary rejoins as a replica", async () => {
  const journal = new MemoryJournal();
  const r = await runRunbook(buildRunbook("redis-failover", targets, { planned: true }), { actions: actionsFor(ex), journal });
  expect(r.error).toBeUndefined();
  expect(r.ok).toBe(true);
  expect(r.steps.map((s) => [s.name, s.outcome])).toEqual([
    ["check-quorum", "ok"],
    ["failover", "ok"],
    ["await-writable", "ok"],
    ["await-replicas", "ok"],
  ]);
  const after = await ex.redisStatus({ region: "primary", master: "agent-redis" });
  expect(after.primary).not.toBe(`127.0.0.1:${BASE}`);
  expect(set.role(Number(after.primary.split(":")[1]) - BASE)).toBe("master");
  expect(set.role(0)).toBe("slave");
  const rto = rtoFromJournal(journal.entries);
  expect(rto).toBeGreaterThan(0);
  expect(rto).toBeLessThan(60);
  expect(journal.entries.find((e) => e.step === "failover")!.output).toMatch(new RegExp(`primary 127\\.0\\.0\\.1:${BASE} -> 127\\.0\\.0\\.1:(${BASE + 1}|${BASE + 2})`));
}, 60_000);

test("automatic redis-failover after the primary is killed: ends with a writable primary, skipping the failover if Sentinel already did it", async () => {
  const current = (await ex.redisStatus({ region: "primary", master: "agent-redis" })).primary;
  const port = Number(current.split(":")[1]);
  await set.killNode(port - BASE);
  const r = await runRunbook(buildRunbook("redis-failover", targets, { planned: false }), { actions: actionsFor(ex) });
  expect(r.error).toBeUndefined();
  expect(r.ok).toBe(true);
  expect(["ok", "skipped"]).toContain(r.steps.find((s) => s.name === "failover")!.outcome);
  const after = await ex.redisStatus({ region: "primary", master: "agent-redis" });
  expect(after.primary).not.toBe(current);
  expect(after.primaryRole).toBe("master");
  expect(await ex.redisWriteProbe({ region: "primary", master: "agent-redis" })).toMatch(/^wrote agent-dr:runbook-probe on /);
}, 60_000);
