import Redis from "ioredis";
import { PROBE_ENV, PROBE_METRICS, type ProbeConfig, type ProbeMeasurement } from "../../contract/probe";
import { MASTER_NAME } from "../../contract/redis";
import { runProbe } from "../../probe/run";
import { probeRtoToleranceSeconds } from "../../drills/probe-beside";
import { LoopbackRedisSet } from "../../testbed/redis/loopback";
import { testPortBase } from "../../testbed/ports";
import { loadDrillStack } from "../../testbed/stack";

// Real redis-server x3 + redis-sentinel x3 with the prod stack's settings on 127.0.0.1:23900-23912
// (AGENT_DR_DRILL_PORT_BASE moves them); the probe's /metrics on base + 50. Wall time about 30 s.
const BASE = testPortBase(23900);
const INTERVAL_MS = 100;

let set: LoopbackRedisSet;

beforeAll(async () => {
  set = new LoopbackRedisSet({ settings: loadDrillStack("prod").settings.redis!, basePort: BASE });
  await set.start();
}, 60_000);

afterAll(async () => {
  await set?.stop();
});

async function scrape(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${BASE + 50}/metrics`)).text();
}

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").pop()) : undefined;
}

test("the probe measures a Redis primary kill through Sentinel: its write gap agrees with an independent observer, attributed to the scheduled fault", async () => {
  const config: ProbeConfig = {
    environment: "staging",
    region: "local",
    writeIntervalMs: INTERVAL_MS,
    classes: [{ class: "sessions", store: "redis", endpoint: { host: "127.0.0.1", port: set.sentinelPort(0), masterName: MASTER_NAME }, scenarios: { "instance-loss": { targetRtoSeconds: 60, targetRpoSeconds: 1, predictedRtoSeconds: 7, predictedRpoSeconds: 1 } } }],
    // A fault window covering every minute: whenever this test runs, the outage is the scheduled kill's.
    faults: [{ fault: "redis-primary-kill", schedule: "* * * * *", durationSeconds: 60 }],
  };
  const logs: string[] = [];
  const stop = new AbortController();
  const running = runProbe(config, { env: { [PROBE_ENV.redisPassword]: set.redisPassword, [PROBE_ENV.sentinelPassword]: set.sentinelPassword }, listen: { host: "127.0.0.1", port: BASE + 50 }, log: (l) => logs.push(l), checkIntervalMs: 200, settleMs: 1000 }, stop.signal);
  const labels = 'class="sessions",scenario="instance-loss",store="redis"';
  try {
    const deadline = (ms: number) => Date.now() + ms;
    let until = deadline(20_000);
    while ((sample(await scrape().catch(() => ""), PROBE_METRICS.writesTotal, 'class="sessions",outcome="ok",store="redis"') ?? 0) < 20) {
      if (Date.now() > until) throw new Error(`no acknowledged canary writes: ${logs.join("\n")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(sample(await scrape(), PROBE_METRICS.predictedRtoSeconds, labels)).toBe(7);

    const killedAt = Date.now();
    await set.killNode(0);
    // Independent of the probe and of Sentinel discovery: SET directly on each survivor until one, promoted, accepts it.
    const direct = [1, 2].map((i) => new Redis({ port: set.nodePort(i), host: "127.0.0.1", password: set.redisPassword, lazyConnect: true, maxRetriesPerRequest: 0 }));
    direct.forEach((c) => c.on("error", () => undefined));
    let writableAt: number | undefined;
    until = deadline(60_000);
    while (writableAt === undefined && Date.now() < until) {
      const tried = await Promise.all(direct.map((c) => c.set("independent-observer", "1").then(() => true, () => false)));
      if (tried.some(Boolean)) writableAt = Date.now();
      else await new Promise((r) => setTimeout(r, 20));
    }
    direct.forEach((c) => c.disconnect());
    expect(writableAt).toBeDefined();
    const independentRto = ((writableAt as number) - killedAt) / 1000;

    until = deadline(30_000);
    let rto: number | undefined;
    while ((rto = sample(await scrape(), PROBE_METRICS.measuredRtoSeconds, labels)) === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(rto).toBeDefined();
    const text = await scrape();
    const lost = sample(text, PROBE_METRICS.lostAcknowledgedWrites, labels) as number;
    const measurement = JSON.parse(logs.find((l) => l.startsWith("{")) as string) as ProbeMeasurement;
    console.log(`probe RTO ${rto} s, independent ${independentRto.toFixed(3)} s, lost ${lost}, acked ${measurement.acknowledgedWrites}`);
    expect(measurement).toMatchObject({ class: "sessions", scenario: "instance-loss", fault: "redis-primary-kill", measuredRtoSeconds: rto, lostAcknowledgedWrites: lost });
    // The observer sees the promotion first hand; the probe sees it through Sentinel rediscovery
    // (50 ms retry) and its own write interval: within the drills' tolerance of each other.
    expect(Math.abs((rto as number) - independentRto)).toBeLessThanOrEqual(probeRtoToleranceSeconds(INTERVAL_MS));
    expect(Date.parse(measurement.outageStartedAt)).toBeGreaterThanOrEqual(killedAt - 2 * INTERVAL_MS);
    // Lost writes are acknowledged ids missing on the new primary: never more than the ids missing there at all.
    const newPrimary = [1, 2].find((i) => set.role(i) === "master") as number;
    const client = new Redis({ port: set.nodePort(newPrimary), host: "127.0.0.1", password: set.redisPassword });
    const keys = await client.keys("dr-probe:sessions:*");
    client.disconnect();
    const ids = keys.map((k) => Number(k.split(":").pop()));
    expect(keys.length).toBeGreaterThan(20);
    expect(lost).toBeLessThanOrEqual(Math.max(...ids) - ids.length);
  } finally {
    stop.abort();
    await running;
  }
}, 120_000);
