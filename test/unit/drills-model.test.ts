import { binWrites, timelineSvg } from "../../drills/report/chart";
import { renderReport, toJson } from "../../drills/report/markdown";
import { firstAckAfter, lossReport } from "../../drills/postgres/load";
import { drillDynamicConfig } from "../../testbed/postgres/patroni-cluster";
import { selectDrills, SCENARIO_IDS } from "../../drills/run";
import { longestAckGap } from "../../drills/scenarios/postgres-switchover";
import { splitBrainPrediction } from "../../drills/scenarios/postgres-split-brain";
import { dcsOutagePrediction } from "../../drills/scenarios/postgres-dcs-outage";
import { loadDrillStack } from "../../testbed/stack";
import { nodeLossPrediction } from "../../drills/postgres/predict";
import type { ScenarioResult, WriteAttempt } from "../../drills/types";
import { archivedPast, nextSegment, segmentRange } from "../../drills/postgres/wal";
import { exceedsPrediction, judge, median } from "../../drills/verdict";

const w = (id: number, endMs: number, ok: boolean, target = "pg0"): WriteAttempt => ({ id, startMs: endMs - 1, endMs, ok, target });

describe("drill verdicts", () => {
  const target = { rtoSeconds: 22, rpoSeconds: 0, source: "t" };
  const predicted = { rtoSeconds: 27.5, lostAcknowledgedWrites: 0, mechanism: "m", source: "s" };

  it("passes a measurement within target and prediction", () => {
    expect(judge(target, predicted, { rtoSeconds: 17, lostAcknowledgedWrites: 0, rpoSeconds: 0 }).ok).toBe(true);
  });

  it("fails a missed target, a lost write where none is predicted, and a model that is too optimistic", () => {
    expect(judge(target, predicted, { rtoSeconds: 23, lostAcknowledgedWrites: 0 }).targetMet).toBe(false);
    const lost = judge(target, predicted, { rtoSeconds: 10, lostAcknowledgedWrites: 1, rpoSeconds: 0.1 });
    expect(lost.ok).toBe(false);
    expect(lost.agreesWithPrediction).toBe(false);
    const slow = judge({ rtoSeconds: 100, source: "t" }, { rtoSeconds: 10, mechanism: "m", source: "s" }, { rtoSeconds: 15 });
    expect(slow.targetMet).toBe(true);
    expect(slow.agreesWithPrediction).toBe(false);
    expect(slow.ok).toBe(false);
    expect(exceedsPrediction(14.6, 10)).toBe(true);
    expect(exceedsPrediction(14.5, 10)).toBe(false);
  });

  it("never shows an unsafe configuration as meeting its target, and passes it only when the loss agrees", () => {
    const unsafe = { lostAcknowledgedWrites: Infinity, rpoSeconds: Infinity, mechanism: "m", source: "s" };
    const withLoss = judge({ rpoSeconds: 60, source: "t" }, unsafe, { lostAcknowledgedWrites: 100, rpoSeconds: 3 }, true);
    expect(withLoss).toMatchObject({ ok: true, targetMet: false, agreesWithPrediction: true });
    const noLoss = judge({ rpoSeconds: 60, source: "t" }, unsafe, { lostAcknowledgedWrites: 0, rpoSeconds: 0 }, true);
    expect(noLoss).toMatchObject({ ok: false, targetMet: false, agreesWithPrediction: false });
  });

  it("median", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe("write-load accounting", () => {
  const attempts = [w(1, 100, true), w(2, 200, true), w(3, 300, false), w(4, 5000, true, "pg1"), w(5, 5100, true, "pg1")];

  it("counts acknowledged writes missing afterwards, and failed writes that landed anyway", () => {
    const r = lossReport(attempts, new Set([1, 3, 4, 5]), 250);
    expect(r.lost.map((a) => a.id)).toEqual([2]);
    expect(r.inDoubtCommitted).toBe(1);
    expect(r.acknowledged).toBe(4);
    expect(r.rpoSeconds).toBeCloseTo(0.05);
    expect(lossReport(attempts, new Set([1, 2, 4, 5]), 250).rpoSeconds).toBe(0);
  });

  it("finds the first acknowledgement by another member after the fault", () => {
    expect(firstAckAfter(attempts, 250, "pg0")?.id).toBe(4);
    expect(longestAckGap(attempts, 150).seconds).toBeCloseTo(4.8);
  });
});

describe("WAL segment names", () => {
  it("steps over the log boundary and checks archive order per timeline", () => {
    expect(nextSegment("0000000100000000000000FF")).toBe("000000010000000100000000");
    expect(segmentRange("0000000100000000000000FE", "000000010000000100000001")).toHaveLength(4);
    expect(archivedPast("000000010000000000000005", "000000010000000000000004")).toBe(true);
    expect(archivedPast("00000002.history", "000000010000000000000004")).toBe(false);
    expect(archivedPast("000000020000000000000001", "000000010000000000000004")).toBe(false);
    expect(() => nextSegment("nope")).toThrow(/not a WAL segment/);
  });
});

describe("what is drilled is what is deployed", () => {
  const stack = loadDrillStack("prod");
  const pg = stack.settings.postgres!;

  it("renders the stack's Patroni and PostgreSQL settings, with timings clamped as Patroni 3.2+ does", () => {
    const d = drillDynamicConfig(pg, "true") as Record<string, any>;
    expect(d.ttl).toBe(Math.max(20, pg.patroni.ttlSeconds));
    expect(d.loop_wait).toBe(Math.max(1, pg.patroni.loopWaitSeconds));
    expect(d.synchronous_mode).toBe(pg.synchronousMode);
    expect(d.failsafe_mode).toBe(pg.failsafeMode);
    expect(d.postgresql.parameters.archive_timeout).toBe(`${pg.archiveTimeoutSeconds}s`);
    expect(d.postgresql.parameters.archive_command).toBe("true");
    const tooLow = drillDynamicConfig({ ...pg, patroni: { ttlSeconds: 5, loopWaitSeconds: 0, retryTimeoutSeconds: 1 } }, "true") as Record<string, any>;
    expect([tooLow.ttl, tooLow.loop_wait, tooLow.retry_timeout]).toEqual([20, 1, 3]);
  });

  it("the split-brain model names the setting that prevents the loss", () => {
    expect(splitBrainPrediction(true, true).lostAcknowledgedWrites).toBe(0);
    expect(splitBrainPrediction(false, true).lostAcknowledgedWrites).toBe(Infinity);
    expect(splitBrainPrediction(false, true).mechanism).toMatch(/watchdog/);
    expect(splitBrainPrediction(true, false).lostAcknowledgedWrites).toBe(Infinity);
  });

  it("the node-loss prediction is the budget's: ttl + loop_wait + 0.5 s promotion + 1 s endpoints + 1 s reconnect, on Patroni's floors", () => {
    const pg = loadDrillStack("prod").settings.postgres!;
    const at = (ttlSeconds: number, loopWaitSeconds: number) => nodeLossPrediction({ ...pg, patroni: { ...pg.patroni, ttlSeconds, loopWaitSeconds } });
    expect(at(30, 10).rtoSeconds).toBe(42.5);
    // ttl 10 is below Patroni's floor of 20: it runs with 20.
    expect(at(10, 5).rtoSeconds).toBe(27.5);
    expect(at(30, 10).mechanism).toBe("Patroni failover: ttl 30 s + loop_wait 10 s + 2.5 s promotion and reconnect");
  });

  it("the DCS outage model: no gap with failsafe_mode, outage - retry_timeout + loop_wait without", () => {
    expect(dcsOutagePrediction(true, 7, 5, 30).rtoSeconds).toBe(0);
    expect(dcsOutagePrediction(false, 7, 5, 30).rtoSeconds).toBeCloseTo(28.5);
  });

  it("names the known stacks for an unknown one", () => {
    expect(() => loadDrillStack("nope")).toThrow(/--stack nope: no stack file .*Pulumi\.nope\.yaml; expected one of .*prod/);
  });

  it("rejects an unknown scenario id naming the known ones", () => {
    expect(() => selectDrills(["postgres-nope"])).toThrow(/unknown scenario "postgres-nope"; expected one of region-loss, postgres-primary-loss-sync/);
    expect(SCENARIO_IDS).toEqual(expect.arrayContaining(["postgres-primary-loss-sync", "postgres-primary-loss-async", "postgres-switchover", "postgres-split-brain-async", "postgres-archive-s3-outage", "postgres-pitr", "postgres-logical-backup", "redis-primary-loss", "region-loss", "llm-provider-outage"]));
    for (const id of SCENARIO_IDS) expect(id).toMatch(/^(postgres|redis|region|llm)-[a-z0-9-]+$/);
  });
});

describe("report", () => {
  const timeline = { epoch: 0, writes: { "db (on)": [w(1, 100, true), w(2, 1200, false), w(3, 2600, true, "pg1")] }, events: [{ atMs: 1000, label: "kill -9 pg0" }, { atMs: 2600, label: "first ack on pg1" }] };
  const result: ScenarioResult = {
    id: "postgres-primary-loss-sync",
    store: "postgres",
    description: "d",
    target: { rtoSeconds: 22, source: "t" },
    predicted: { rtoSeconds: 27.5, mechanism: "m", source: "s" },
    measured: { rtoSeconds: 1.6, lostAcknowledgedWrites: 0 },
    targetMet: true,
    agreesWithPrediction: true,
    expectedUnsafe: false,
    ok: true,
    notes: [],
    timeline,
    wallSeconds: 3,
  };

  it("bins writes per half second by outcome", () => {
    expect(binWrites(timeline)).toEqual([
      { t: 0, series: "db (on): acknowledged", n: 1 },
      { t: 1, series: "db (on): failed", n: 1 },
      { t: 2.5, series: "db (on): acknowledged", n: 1 },
    ]);
  });

  it("renders the timeline to SVG without a browser, with the events marked", async () => {
    const svg = await timelineSvg("x", timeline);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("kill -9 pg0");
    expect(svg).toContain("first ack on pg1");
  });

  it("Markdown and JSON carry target, prediction and measurement", () => {
    const md = renderReport({ stack: "prod", scenarios: [result], wallSeconds: 3 }, { date: "d", machine: "m", versions: {} }, { [result.id]: "c/x.svg" });
    expect(md).toContain("| `postgres-primary-loss-sync` | RTO <= 22 s | RTO 27.5 s | RTO s 1.60, lost acked writes 0 | - | PASS |");
    const probed = renderReport({ stack: "prod", scenarios: [{ ...result, measured: { ...result.measured, probeRtoSeconds: 1.55, probeLostAcknowledgedWrites: 0, probeRpoSeconds: 0, probeOutages: 1 } }], wallSeconds: 3 }, { date: "d", machine: "m", versions: {} }, {});
    expect(probed).toContain("| RTO 1.55 s (drill 1.60 s), lost 0 (drill 0), RPO 0 s | PASS |");
    expect(probed).toContain("- **Recovery probe**: RTO 1.55 s (drill 1.60 s)");
    expect(md).toContain("![timeline of postgres-primary-loss-sync](c/x.svg)");
    const json = JSON.parse(toJson({ stack: "prod", scenarios: [{ ...result, predicted: { ...result.predicted, lostAcknowledgedWrites: Infinity } }], wallSeconds: 3 }));
    expect(json.scenarios[0]).toMatchObject({ id: result.id, store: "postgres", ok: true, measured: { rtoSeconds: 1.6 }, predicted: { lostAcknowledgedWrites: null } });
    expect(json.scenarios[0].timeline).toBeUndefined();
  });
});
