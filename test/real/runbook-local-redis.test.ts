import Redis from "ioredis";
import { actionsFor } from "../../runbooks/actions";
import { buildRunbook } from "../../runbooks/definitions";
import { MemoryJournal, rtoFromJournal, runRunbook } from "../../runbooks/engine";
import { LocalExecutor } from "../../runbooks/executors/local/executor";
import { LoopbackRedisSet } from "../../testbed/redis/loopback";
import { loadDrillStack } from "../../testbed/stack";
import { testPortBase } from "../../testbed/ports";
import type { RunbookTargets } from "../../contract/runbooks";
import { redisWriteLoad } from "../../drills/redis/load";
import { DRILL_TARGETS } from "../../drills/targets";
import { presentKeyIds } from "../../probe/redis-writer";
import { firstAckAfter, lossReport } from "../../probe/loss";
import { sleep, waitFor } from "../../testbed/runtime/procfs";
import { killPrimaryAndAwaitFailover } from "../../runbooks/executors/sentinel";
import { UNPLANNED_KILL_KEY } from "../../contract/redis";

// Real redis-server x3 + redis-sentinel x3 on 127.0.0.1:23600-23612 (AGENT_DR_DRILL_PORT_BASE moves them), configured
// by the Redis tier's renderers with the prod stack's settings and started through its scripts. Wall time about 90 s.
const BASE = testPortBase(23600);
const targets: RunbookTargets = {
  stack: "local",
  environment: "staging",
  regions: { primary: "local" },
  namespaces: { primary: "local" },
  contexts: {},
  redis: { master: "agent-redis", sentinelService: "local", port: 0, servers: 3, prefix: "agent-redis" },
};
const ref = { region: "primary" as const, master: "agent-redis" };
const settings = loadDrillStack("prod").settings.redis!;

let set: LoopbackRedisSet;
let ex: LocalExecutor;

beforeAll(async () => {
  set = new LoopbackRedisSet({ settings, basePort: BASE });
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

/**
 * What the StatefulSet controller does for a deleted pod: a node whose redis-server died (the
 * runbook kills it by PID, not through the set) is started again through role-discovery.sh,
 * `delayMs` after its exit was seen.
 */
function restartOnExit(delayMs: number) {
  const exits: Array<{ node: number; exitMs: number; restartMs?: number }> = [];
  const pending: Array<Promise<void>> = [];
  let stopped = false;
  const scan = () => {
    for (let i = 0; i < 3; i++) {
      if (set.isRunning(`node-${i}`) || exits.some((e) => e.node === i && e.restartMs === undefined)) continue;
      const e: { node: number; exitMs: number; restartMs?: number } = { node: i, exitMs: Date.now() };
      exits.push(e);
      pending.push(
        sleep(delayMs).then(() => {
          set.startNode(i);
          e.restartMs = Date.now();
        }),
      );
    }
  };
  const loop = (async () => {
    while (!stopped) {
      scan();
      await sleep(20);
    }
  })();
  return {
    exits,
    // A last look first: a kill just before stop() is still answered with a restart.
    stop: async () => {
      stopped = true;
      await loop;
      scan();
      await Promise.all(pending);
    },
  };
}

const portOf = (addr: string) => Number(addr.split(":")[1]);

test("dry-run of redis-primary-kill lists its steps and kills nothing", async () => {
  const before = await ex.redisStatus(ref);
  const r = await runRunbook(buildRunbook("redis-primary-kill", targets), { actions: actionsFor(ex), dryRun: true });
  expect(r.plan.map((l) => l.split(":")[0])).toEqual(["1. check-quorum", "2. kill-primary", "3. await-writable", "4. await-rejoined"]);
  expect((await ex.redisStatus(ref)).primary).toBe(before.primary);
});

test("redis-primary-kill: the server the Sentinels name is killed, Sentinel fails over on its own, the write load loses no acknowledged write, the killed server rejoins as a replica", async () => {
  const before = await ex.redisStatus(ref);
  const killedPort = portOf(before.primary);
  const epoch = Date.now();
  const load = redisWriteLoad([0, 1, 2].map((j) => ({ host: "127.0.0.1", port: set.sentinelPort(j) })), set.redisPassword, set.sentinelPassword, epoch, `runbook-kill:${epoch}:`, 2);
  load.start();
  await waitFor("the first acknowledged SET", 20_000, () => (load.attempts.some((a) => a.ok) ? true : undefined), 50);
  await sleep(1000);
  // A pod comes back later than Sentinel notices its death here: the failover path this runbook measures.
  const statefulSet = restartOnExit(settings.downAfterMilliseconds + 2000);
  const journal = new MemoryJournal();
  let r;
  try {
    r = await runRunbook(buildRunbook("redis-primary-kill", targets), { actions: actionsFor(ex), journal });
  } finally {
    await statefulSet.stop();
  }
  await sleep(500);
  await load.stop();
  expect(r.error).toBeUndefined();
  expect(r.steps.map((s) => [s.name, s.outcome])).toEqual([
    ["check-quorum", "ok"],
    ["kill-primary", "ok"],
    ["await-writable", "ok"],
    ["await-rejoined", "ok"],
  ]);
  const kill = r.steps.find((s) => s.name === "kill-primary")!.output;
  expect(kill).toMatch(new RegExp(`^3 of 3 Sentinels name 127\\.0\\.0\\.1:${killedPort} \\(quorum ${settings.quorum}\\); kill -9 \\d+ \\(redis-server 127\\.0\\.0\\.1:${killedPort}`));
  expect(kill).toMatch(/the Sentinels failed over on their own \(no SENTINEL FAILOVER sent\)/);
  // Exactly the primary was killed, once.
  expect(statefulSet.exits.map((e) => e.node)).toEqual([killedPort - BASE]);

  const after = await ex.redisStatus(ref);
  expect(after.primary).not.toBe(before.primary);
  expect(after.primaryRole).toBe("master");
  expect(set.role(killedPort - BASE)).toBe("slave");
  expect(after.replicas).toContain(`127.0.0.1:${killedPort}`);

  // The load's acknowledged writes, read back from the new primary.
  const killMs = statefulSet.exits[0].exitMs - epoch;
  const client = new Redis({ host: "127.0.0.1", port: portOf(after.primary), password: set.redisPassword, lazyConnect: true });
  client.on("error", () => undefined);
  await client.connect();
  const present = await presentKeyIds(client, load.keyPrefix, load.attempts.map((a) => a.id)).finally(() => client.disconnect());
  const loss = lossReport(load.attempts, present, killMs);
  const first = firstAckAfter(load.attempts, killMs, String(killedPort))!;
  const outageSeconds = (first.endMs - killMs) / 1000;
  console.log(
    JSON.stringify({ measured: "redis-primary-kill", outageSeconds, acknowledged: loss.acknowledged, lost: loss.lost.length, inDoubtCommitted: loss.inDoubtCommitted, downAfterMs: settings.downAfterMilliseconds, runbookSeconds: rtoFromJournal(journal.entries), kill }),
  );
  expect(loss.lost).toEqual([]);
  expect(loss.acknowledged).toBeGreaterThan(100);
  // Unplanned: nothing can elect a new primary before Sentinel notices the dead one (less one ping period).
  expect(outageSeconds).toBeGreaterThan(settings.downAfterMilliseconds / 1000 - 1);
  expect(outageSeconds).toBeLessThan(settings.downAfterMilliseconds / 1000 + DRILL_TARGETS.redisRtoSlackSeconds);
}, 120_000);

test("redis-primary-kill when the killed server is back before Sentinel notices: it resumes as primary, and the run fails saying no failover was measured", async () => {
  const before = await ex.redisStatus(ref);
  const statefulSet = restartOnExit(300);
  let r;
  try {
    r = await runRunbook(buildRunbook("redis-primary-kill", targets), { actions: actionsFor(ex) });
  } finally {
    await statefulSet.stop();
  }
  expect(r.ok).toBe(false);
  expect(r.failedStep).toBe("kill-primary");
  expect(r.error).toMatch(new RegExp(`^${before.primary.replace(/\./g, "\\.")} came back and resumed as primary.*its restart beat Sentinel's detection, no failover happened`));
  expect((await ex.redisStatus(ref)).primary).toBe(before.primary);
  // Leave the set whole for the next test: both replicas back on the (same) primary.
  await waitFor("two online replicas on the primary", 60_000, async () => ((await ex.redisStatus(ref)).replicas.length === 2 ? true : undefined), 200);
}, 90_000);

/**
 * The Kubernetes kill as a kubelet of 1.27 or later carries out a deletion with grace period 0: it
 * still runs the container's preStop hook (with about a second), then stops the container. Here
 * the hook is the tier's pre-stop.sh, then SIGKILL; the runbook's mark must keep the hook from
 * handing over.
 */
const kubeletKill = (dropMark: boolean) => async (address: string) => {
  const i = portOf(address) - BASE;
  if (dropMark) set.cli("redis", portOf(address), "DEL", UNPLANNED_KILL_KEY);
  const hook = set.preStop(i).trim().split("\n").pop()!.replace(/^\S+ pre-stop: /, "");
  await set.killNode(i);
  return `preStop: ${hook}; SIGKILL`;
};
const sentinelAccess = () => ({ sentinels: [0, 1, 2].map((j) => ({ host: "127.0.0.1", port: set.sentinelPort(j) })), password: set.redisPassword, sentinelPassword: set.sentinelPassword });
const wholeAgain = () =>
  waitFor("two online replicas on the primary", 60_000, async () => ((await ex.redisStatus(ref)).replicas.length === 2 ? true : undefined), 200).catch(async (e) => {
    console.log(JSON.stringify({ status: await ex.redisStatus(ref), roles: [0, 1, 2].map((i) => set.role(i)), sentinels: set.sentinelPrimaries(), logs: [0, 1, 2].map((i) => set.log(`node-${i}`).split("\n").slice(-15)) }, null, 1));
    throw e;
  });

test("the kill as a current kubelet carries out a grace-0 deletion (preStop, then the stop): the marked primary hands nothing over, Sentinel fails over on its own", async () => {
  const before = await ex.redisStatus(ref);
  const statefulSet = restartOnExit(settings.downAfterMilliseconds + 2000);
  let out: string;
  try {
    out = await killPrimaryAndAwaitFailover(sentinelAccess(), "agent-redis", kubeletKill(false), AbortSignal.timeout(60_000), sleep);
  } finally {
    await statefulSet.stop();
  }
  expect(out).toMatch(new RegExp(`preStop: the Redis primary kill marked this node \\(${before.primary.replace(/\./g, "\\.")}\\): no hand-over`));
  expect(out).toMatch(/the Sentinels failed over on their own \(no SENTINEL FAILOVER sent\)/);
  const after = await ex.redisStatus(ref);
  expect(after.primary).not.toBe(before.primary);
  // The mark is removed from the new primary; it named the killed server only.
  expect(set.cli("redis", portOf(after.primary), "EXISTS", UNPLANNED_KILL_KEY)).toEqual(["0"]);
  await wholeAgain();
}, 90_000);

test("without the mark the same preStop hands over, and the kill fails: the new primary came sooner than Sentinel could have noticed a dead one", async () => {
  const statefulSet = restartOnExit(settings.downAfterMilliseconds + 2000);
  try {
    await expect(killPrimaryAndAwaitFailover(sentinelAccess(), "agent-redis", kubeletKill(true), AbortSignal.timeout(60_000), sleep)).rejects.toThrow(
      /the Sentinels named 127\.0\.0\.1:\d+ [\d.]+ s after the kill, sooner than down-after-milliseconds 5000 lets them notice a dead primary: something handed over/,
    );
  } finally {
    await statefulSet.stop();
  }
  await wholeAgain();
}, 90_000);

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
