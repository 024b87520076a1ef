/**
 * The role-discovery script on real servers: 3 redis-server + 3 redis-sentinel on loopback
 * (ports 21100-21112; 21199 as an address nobody listens on), configs from the same render functions the ConfigMap uses, every node
 * started through components/redis/scripts/role-discovery.sh. Wall time 40-60 s.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { deriveSettings } from "../../dr/settings";
import { parseStackConfig } from "../../dr/targets";
import { LoopbackRedisSet } from "../../testbed/redis/loopback";
import { waitFor } from "../../testbed/runtime/procfs";
import { testPortBase } from "../../testbed/ports";

const BASE = testPortBase(21100);
const settings = {
  ...deriveSettings(parseStackConfig({ regions: { primary: "us-east-1" }, environment: "staging" }, "staging")).redis!,
  // 1 s instead of the derived 5 s keeps the test short; the logic does not depend on it.
  downAfterMilliseconds: 1000,
};

let set: LoopbackRedisSet;
const primaryOf = () => [0, 1, 2].filter((i) => set.isRunning(`node-${i}`) && set.role(i) === "master");
const port = (i: number) => String(set.nodePort(i));
/**
 * min-replicas-to-write: a primary takes writes once 2 replicas have acknowledged within the lag
 * (about 1-2 s after they attach). After a failover, a replica whose reconfiguration stalls is only
 * pointed at the new primary when Sentinel's failover-timeout ends, so the wait must outlast it; on a
 * timeout the error carries every node's replication state and the Sentinels' view.
 */
const formed = async (i: number) => {
  try {
    const good = () => set.cli("redis", set.nodePort(i), "INFO", "replication").some((l) => l.trim() === "min_slaves_good_slaves:2");
    await waitFor(`node ${i} to have 2 good replicas`, settings.failoverTimeoutMilliseconds + 20_000, () => (good() ? true : undefined), 200);
  } catch (e) {
    const nodes = [0, 1, 2].map((n) => `node ${n} (${set.isRunning(`node-${n}`) ? "running" : "stopped"}):\n${set.cli("redis", set.nodePort(n), "INFO", "replication").join("\n")}`);
    const sentinels = [0, 1, 2].map((j) => `sentinel ${j}: ${set.sentinelPrimaries()[j]} ${set.log(`sentinel-${j}`).split("\n").slice(-15).join("\n")}`);
    throw new Error(`${(e as Error).message}\n${nodes.join("\n")}\n${sentinels.join("\n")}`);
  }
};

/**
 * The one primary once the set has settled: one node answers master, every Sentinel names it, and
 * every other running node replicates it with its link up, twice in a row 1 s apart. Under load
 * Sentinel may retry a failover with another leader and demote the replica it promoted first, so a
 * single snapshot of the roles can name a primary that is about to step down.
 */
const settledPrimary = async (timeoutMs = 60_000): Promise<number> => {
  const snapshot = (): number | undefined => {
    const p = primaryOf();
    if (p.length !== 1) return undefined;
    if (!set.sentinelPrimaries().every((a) => a === `127.0.0.1:${port(p[0])}`)) return undefined;
    const others = [0, 1, 2].filter((i) => i !== p[0] && set.isRunning(`node-${i}`));
    const linked = (i: number) => {
      const info = set.cli("redis", set.nodePort(i), "INFO", "replication").map((l) => l.trim());
      return info.includes(`master_port:${port(p[0])}`) && info.includes("master_link_status:up");
    };
    return others.every(linked) ? p[0] : undefined;
  };
  let last: number | undefined;
  return waitFor("one settled primary", timeoutMs, () => {
    const now = snapshot();
    const stable = now !== undefined && now === last ? now : undefined;
    last = now;
    return stable;
  }, 1000);
};

afterAll(async () => {
  await set?.stop();
});

describe("role discovery against real Redis and Sentinel", () => {
  jest.setTimeout(150_000);

  it("first boot: the bootstrap node becomes the one primary, the others its replicas", async () => {
    set = new LoopbackRedisSet({ settings, basePort: BASE });
    for (const j of [0, 1, 2]) set.startSentinel(j);
    await waitFor("Sentinels to listen", 10_000, () => (set.sentinelPrimaries().every((a) => a === `127.0.0.1:${port(0)}`) ? true : undefined));
    // Replicas first: they must follow the bootstrap node, not promote themselves while it is absent.
    set.startNode(2);
    set.startNode(1);
    await waitFor("replicas to start", 10_000, () => ([1, 2].every((i) => set.role(i) === "slave") ? true : undefined));
    set.startNode(0);
    await waitFor("node 0 to start", 10_000, () => (set.role(0) === "master" ? true : undefined));
    expect(primaryOf()).toEqual([0]);
    await formed(0);
    for (const i of [1, 2]) expect(set.cli("redis", set.nodePort(i), "ROLE").slice(0, 3)).toEqual(["slave", "127.0.0.1", port(0)]);
    // Sentinels see the whole set before anything is killed (a failover needs known replicas and peers).
    await waitFor("Sentinels to know 2 replicas and 2 peers", 30_000, () =>
      [0, 1, 2].every((j) => set.sentinelField(j, "num-slaves") === "2" && set.sentinelField(j, "num-other-sentinels") === "2") ? true : undefined,
    );
    expect(set.log("node-0")).toMatch(/no Sentinel has ever known a primary; bootstrapping/);
  });

  it("kill -9 of the primary: Sentinel promotes a replica; the old node restarts as its replica from its first answer", async () => {
    for (let k = 0; k < 100; k++) expect(set.cli("redis", set.nodePort(0), "SET", `before:${k}`, String(k))).toEqual(["OK"]);
    expect(set.cli("redis", set.nodePort(0), "WAIT", "2", "5000")).toEqual(["2"]);

    const killedAt = Date.now();
    await set.killNode(0);
    const promoted = await waitFor("a promoted replica", 20_000, () => {
      const p = primaryOf();
      return p.length === 1 && p[0] !== 0 ? p[0] : undefined;
    });
    const failoverMs = Date.now() - killedAt;
    // Generous: this asserts that Sentinel fails over, not how fast (the drills measure that).
    expect(failoverMs).toBeLessThan(settings.downAfterMilliseconds + 15_000);
    const afterFailover = await settledPrimary();
    expect(afterFailover).not.toBe(0);
    expect(set.cli("redis", set.nodePort(afterFailover), "GET", "before:99")).toEqual(["99"]);

    // The old primary restarts with its data (AOF) and the same script.
    const restartedAt = Date.now();
    set.startNode(0);
    const roles: string[] = [];
    const first = await waitFor("the restarted node to answer", 15_000, () => {
      const r = set.role(0);
      return r === "master" || r === "slave" ? r : undefined;
    }, 20);
    const firstAnswerMs = Date.now() - restartedAt;
    roles.push(first);
    // A client that bypasses Sentinel and writes to the old node directly is refused.
    const write = set.cli("redis", set.nodePort(0), "SET", "split-brain-probe", "1");
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      roles.push(set.role(0));
      // The old node is never a primary. (Two others can briefly both answer master when Sentinel
      // retries the failover with another leader on a loaded machine; that is Sentinel's to settle.)
      expect(primaryOf()).not.toContain(0);
      await new Promise((r) => setTimeout(r, 100));
    }
    const settled = await settledPrimary();
    expect(settled).not.toBe(0);
    expect(first).toBe("slave");
    expect(firstAnswerMs).toBeLessThan(10_000);
    expect(roles).not.toContain("master");
    expect(roles).toContain("slave");
    expect(write.join(" ")).toMatch(/READONLY/);
    expect(set.cli("redis", set.nodePort(0), "ROLE").slice(0, 3)).toEqual(["slave", "127.0.0.1", port(settled)]);
    await waitFor("the old node to finish its resync", 15_000, () => (set.cli("redis", set.nodePort(0), "GET", "before:42")[0] === "42" ? true : undefined));
    expect(set.cli("redis", set.nodePort(settled), "EXISTS", "split-brain-probe")).toEqual(["0"]);
    // Its last start (the first one bootstrapped the set as primary) chose the replica role.
    expect(set.log("node-0").match(/starting as (primary|replica of \S+)/g)?.pop()).toMatch(/^starting as replica of 127\.0\.0\.1:\d+$/);
  });

  it("a primary that comes back empty before Sentinel acts never serves as primary and so cannot wipe its replicas", async () => {
    const victim = await settledPrimary();
    await formed(victim);
    expect(set.cli("redis", set.nodePort(victim), "SET", "kept", "yes")).toEqual(["OK"]);
    expect(set.cli("redis", set.nodePort(victim), "WAIT", "2", "5000")).toEqual(["2"]);

    await set.killNode(victim);
    // Its volume is lost: the node restarts at once, empty, while every Sentinel still names it.
    fs.rmSync(set.nodeDataDir(victim), { recursive: true, force: true });
    fs.mkdirSync(set.nodeDataDir(victim));
    if (process.getuid?.() === 0) spawnSync("chown", ["agentdr:", set.nodeDataDir(victim)]);
    set.startNode(victim);

    const seen: string[] = [];
    const successor = await waitFor("a replica to be promoted", 20_000, () => {
      seen.push(set.role(victim));
      const p = primaryOf().filter((i) => i !== victim);
      return p.length === 1 ? p[0] : undefined;
    });
    await waitFor("the emptied node to rejoin as replica", 20_000, () => {
      const r = set.role(victim);
      seen.push(r);
      return r === "slave" ? true : undefined;
    });
    expect(seen).not.toContain("master");
    expect(set.log(`node-${victim}`)).toMatch(/no data in .* refusing to start as primary/);
    // The replicas kept their data: the write made before the kill is on the new primary.
    const settled = await settledPrimary();
    expect(settled).not.toBe(victim);
    expect([successor, settled].map((i) => set.cli("redis", set.nodePort(i), "GET", "kept"))).toEqual([["yes"], ["yes"]]);
  });
  it("a planned stop of the primary (preStop, then SIGTERM) hands over first and loses no acknowledged write", async () => {
    const p = await settledPrimary();
    await formed(p);
    for (let k = 0; k < 50; k++) expect(set.cli("redis", set.nodePort(p), "SET", `planned:${k}`, String(k))).toEqual(["OK"]);

    const startedAt = Date.now();
    const hook = set.preStop(p);
    const handoverMs = Date.now() - startedAt;
    expect(hook).toMatch(/accepted the failover/);
    const successor = primaryOf().filter((i) => i !== p);
    expect(successor).toHaveLength(1);
    // The old primary already follows the new one: a direct write is refused before it even stops.
    expect(set.role(p)).toBe("slave");
    expect(set.cli("redis", set.nodePort(p), "SET", "after-handover", "1").join(" ")).toMatch(/READONLY/);
    expect(set.cli("redis", set.nodePort(successor[0]), "GET", "planned:49")).toEqual(["49"]);
    expect(handoverMs).toBeLessThan(15_000);

    await set.stopNode(p);
    set.startNode(p);
    await waitFor("the stopped node to come back", 15_000, () => (set.role(p) === "slave" ? true : undefined), 20);
    expect(await settledPrimary()).toBe(successor[0]);
    expect(set.log(`node-${p}`)).toMatch(new RegExp(`starting as replica of 127.0.0.1:${port(successor[0])}`));
  });
  it("Sentinels keep their state across a restart, and one that lost it asks its peers, not the rendered bootstrap node", async () => {
    // Make sure the primary is not the rendered bootstrap node, or this would prove nothing.
    if ((await settledPrimary()) === 0) {
      await formed(0);
      expect(set.preStop(0)).toMatch(/now name/);
    }
    const p = await settledPrimary();
    expect(p).not.toBe(0);
    const expected = `127.0.0.1:${port(p)}`;

    const myid = set.cli("sentinel", set.sentinelPort(0), "SENTINEL", "MYID")[0];
    await set.kill("sentinel-0");
    set.startSentinel(0);
    await waitFor("Sentinel 0 to come back", 10_000, () => (set.sentinelPrimaries()[0] === expected ? true : undefined));
    expect(set.cli("sentinel", set.sentinelPort(0), "SENTINEL", "MYID")).toEqual([myid]);
    expect(set.log("sentinel-0")).toMatch(new RegExp(`keeping this Sentinel's own record: primary 127.0.0.1 ${port(p)}`));

    await set.kill("sentinel-1");
    fs.rmSync(set.sentinelStateFile(1));
    set.startSentinel(1);
    await waitFor("Sentinel 1 to come back", 10_000, () => (set.sentinelPrimaries()[1] === expected ? true : undefined));
    expect(set.log("sentinel-1")).toMatch(new RegExp(`peer 127\\.0\\.0\\.1:\\d+ names primary 127.0.0.1 ${port(p)}`));
    // No Sentinel ever named a second primary meanwhile.
    expect(new Set(set.sentinelPrimaries())).toEqual(new Set([expected]));
    // The peers replace the entry of the Sentinel that came back with a new id: still 2 others each,
    // or the majority needed to elect a failover leader would grow.
    await waitFor("every Sentinel to count exactly 2 peers", 20_000, () =>
      [0, 1, 2].every((j) => set.sentinelField(j, "num-other-sentinels") === "2") ? true : undefined,
    );
  });

  it("the decision alone (ROLE_DISCOVERY_EXEC=0): replica of the primary, primary for the primary, and no guess without Sentinels", async () => {
    const p = await settledPrimary();
    const other = [0, 1, 2].find((i) => i !== p)!;
    expect(set.decide(other).output).toMatch(new RegExp(`^role=replica primary=127.0.0.1:${port(p)}$`, "m"));
    expect(set.decide(p).output).toMatch(/^role=primary primary=:$/m);
    const alone = set.decide(other, { SENTINELS: `127.0.0.1:${BASE + 99}`, DISCOVERY_TIMEOUT_SECONDS: "2", QUERY_TIMEOUT_SECONDS: "1" });
    expect(alone.status).toBe(1);
    expect(alone.output).toMatch(/no Sentinel answered; waiting/);
    expect(alone.output).toMatch(/not starting rather than risk a second primary/);
    expect(alone.output).not.toMatch(/^role=/m);
  });
});
