import Redis from "ioredis";
import { actionsFor } from "../runbooks/actions";
import { buildRunbook } from "../runbooks/definitions";
import { MemoryJournal, rtoFromJournal, runRunbook } from "../runbooks/engine";
import { LocalExecutor } from "../runbooks/executors/local/executor";
import { LocalRedisSet, startRedisSet } from "../testbed/redis/local-set";
import { killPid } from "../testbed/processes";
import { testPortBase } from "../testbed/ports";
import type { RunbookTargets } from "../contract/runbooks";

// Real redis-server x3 + redis-sentinel x3 on 127.0.0.1:23600-23612 (AGENT_DR_DRILL_PORT_BASE moves them). Wall time about 15 s.
const BASE = testPortBase(23600);
const targets: RunbookTargets = {
  stack: "local",
  environment: "staging",
  regions: { primary: "local" },
  namespaces: { primary: "local" },
  contexts: {},
  redis: { master: "agent-redis", sentinelService: "local", port: 0, servers: 3 },
};

let set: LocalRedisSet;
let ex: LocalExecutor;

beforeAll(async () => {
  set = await startRedisSet({ basePort: BASE, downAfterMs: 1000 });
  ex = new LocalExecutor({ redis: { sentinels: set.sentinelPorts.map((port) => ({ host: "127.0.0.1", port })) } });
}, 40_000);

afterAll(async () => {
  await set?.stop();
});

async function role(port: number): Promise<string> {
  const c = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on("error", () => undefined);
  try {
    await c.connect();
    return String(((await c.call("ROLE")) as unknown[])[0]);
  } catch (e) {
    return `down: ${(e as Error).message}`;
  } finally {
    c.disconnect();
  }
}

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
  expect(await role(Number(after.primary.split(":")[1]))).toBe("master");
  expect(await role(BASE)).toBe("slave");
  const rto = rtoFromJournal(journal.entries);
  expect(rto).toBeGreaterThan(0);
  expect(rto).toBeLessThan(60);
  expect(journal.entries.find((e) => e.step === "failover")!.output).toMatch(new RegExp(`primary 127\\.0\\.0\\.1:${BASE} -> 127\\.0\\.0\\.1:(${BASE + 1}|${BASE + 2})`));
}, 60_000);

test("automatic redis-failover after the primary is killed: ends with a writable primary, skipping the failover if Sentinel already did it", async () => {
  const current = (await ex.redisStatus({ region: "primary", master: "agent-redis" })).primary;
  const port = Number(current.split(":")[1]);
  killPid(set.processes.get(port)!.pid, "SIGKILL");
  const r = await runRunbook(buildRunbook("redis-failover", targets, { planned: false }), { actions: actionsFor(ex) });
  expect(r.error).toBeUndefined();
  expect(r.ok).toBe(true);
  expect(["ok", "skipped"]).toContain(r.steps.find((s) => s.name === "failover")!.outcome);
  const after = await ex.redisStatus({ region: "primary", master: "agent-redis" });
  expect(after.primary).not.toBe(current);
  expect(after.primaryRole).toBe("master");
  expect(await ex.redisWriteProbe({ region: "primary", master: "agent-redis" })).toMatch(/^wrote agent-dr:runbook-probe on /);
}, 60_000);
