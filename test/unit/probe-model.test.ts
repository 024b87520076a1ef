import fc from "fast-check";
import type { WriteAttempt } from "../../probe/attempt";
import { attributeOutage, UNPLANNED } from "../../probe/attribution";
import { ClassProbe } from "../../probe/class-probe";
import { lossReport } from "../../probe/loss";
import { ProbeMetrics } from "../../probe/metrics";
import { detectOutages, outageSeconds } from "../../probe/outage";
import { recordExpectations, recordMeasurement } from "../../probe/run";
import { reportKey, reportPut } from "../../probe/s3-report";
import { parseProbeConfig } from "../../probe/config-file";
import { compareWithProbe, probeRtoToleranceSeconds } from "../../drills/probe-beside";
import { PROBE_METRICS, PROBE_REPORT_PREFIX, type ProbeMeasurement } from "../../contract/probe";

/** A sequential writer's attempts from a list of outcomes: each write takes 1 ms, 10 ms apart. */
function attemptsOf(outcomes: boolean[]): WriteAttempt[] {
  return outcomes.map((ok, i) => ({ id: i + 1, startMs: i * 10, endMs: i * 10 + 1, ok, target: "pg0" }));
}

const outcomes = fc.array(fc.boolean(), { minLength: 1, maxLength: 200 });

describe("outage detection", () => {
  it("finds the gap from the first failed write to the first acknowledged write after it", () => {
    const a = attemptsOf([true, true, false, false, false, true, true]);
    const [o] = detectOutages(a);
    expect(o).toMatchObject({ startMs: 20, firstFailedId: 3, recoveredMs: 51, recoveryId: 6, failedWrites: 3 });
    expect(outageSeconds(o)).toBeCloseTo(0.031);
  });

  it("leaves an outage open while no write is acknowledged, and sees none without a failure", () => {
    expect(detectOutages(attemptsOf([true, false, false]))).toEqual([{ startMs: 10, firstFailedId: 2, failedWrites: 2 }]);
    expect(detectOutages(attemptsOf([true, true]))).toEqual([]);
  });

  it("property: one outage per run of failures, never of negative length, never overlapping", () => {
    fc.assert(
      fc.property(outcomes, (xs) => {
        const os = detectOutages(attemptsOf(xs));
        const runs = xs.filter((ok, i) => !ok && (i === 0 || xs[i - 1])).length;
        expect(os).toHaveLength(runs);
        for (const [i, o] of os.entries()) {
          const s = outageSeconds(o);
          if (s !== undefined) expect(s).toBeGreaterThanOrEqual(0);
          if (i > 0) expect(o.startMs).toBeGreaterThan(os[i - 1].recoveredMs as number);
        }
        expect(os.filter((o) => o.recoveredMs === undefined).length).toBe(xs[xs.length - 1] ? 0 : runs > 0 ? 1 : 0);
      }),
    );
  });
});

describe("loss", () => {
  it("property: every acknowledged write missing from the store is reported lost, and nothing else", () => {
    fc.assert(
      fc.property(outcomes, fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }), (xs, keep) => {
        const a = attemptsOf(xs);
        const present = new Set(a.filter((w, i) => keep[i]).map((w) => w.id));
        const r = lossReport(a, present, 50);
        const expected = a.filter((w) => w.ok && !present.has(w.id)).map((w) => w.id);
        expect(r.lost.map((w) => w.id)).toEqual(expected);
        expect(r.rpoSeconds).toBeGreaterThanOrEqual(0);
        if (expected.length === 0) expect(r.rpoSeconds).toBe(0);
      }),
    );
  });
});

describe("attribution", () => {
  const faults = [
    { fault: "postgres-leader-kill" as const, schedule: "0 10 * * 1", durationSeconds: 120 },
    { fault: "redis-primary-kill" as const, schedule: "30 10 * * 1", durationSeconds: 60 },
  ];

  it("names the scenario of the fault of the store whose window holds the outage's start, else unplanned", () => {
    // 2026-12-07 is a Monday.
    expect(attributeOutage(new Date("2026-12-07T10:01:30Z"), "postgres", faults)).toEqual({ scenario: "instance-loss", fault: "postgres-leader-kill" });
    expect(attributeOutage(new Date("2026-12-07T10:00:00Z"), "postgres", faults)).toEqual({ scenario: "instance-loss", fault: "postgres-leader-kill" });
    expect(attributeOutage(new Date("2026-12-07T10:02:01Z"), "postgres", faults)).toEqual({ scenario: UNPLANNED });
    expect(attributeOutage(new Date("2026-12-07T10:01:30Z"), "redis", faults)).toEqual({ scenario: UNPLANNED });
    expect(attributeOutage(new Date("2026-12-07T10:30:59Z"), "redis", faults)).toEqual({ scenario: "instance-loss", fault: "redis-primary-kill" });
    expect(attributeOutage(new Date("2026-12-08T10:01:00Z"), "postgres", faults)).toEqual({ scenario: UNPLANNED });
  });

  it("property: an outage starting inside a fault's window is attributed to it, one starting after every window is unplanned", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 1, max: 1800 }), fc.double({ min: 0, max: 1, noNaN: true }), (h, min, duration, frac) => {
        const f = [{ fault: "redis-primary-kill" as const, schedule: `${min} ${h} * * *`, durationSeconds: duration }];
        const fire = Date.UTC(2026, 11, 7, h, min);
        const inside = new Date(fire + Math.floor(frac * duration * 1000));
        expect(attributeOutage(inside, "redis", f).fault).toBe("redis-primary-kill");
        // Past the window but before the next day's fire (durations are under 24 h).
        expect(attributeOutage(new Date(fire + duration * 1000 + 1000), "redis", f).scenario).toBe(UNPLANNED);
      }),
    );
  });
});

describe("ClassProbe", () => {
  function writerOf(xs: boolean[]) {
    return { attempts: attemptsOf(xs), epoch: Date.UTC(2026, 11, 7, 10, 0, 0), start: () => undefined, stop: async () => undefined };
  }
  const cls = { class: "agent_configurations", store: "postgres" as const, endpoint: { host: "h", port: 5432, database: "d" }, scenarios: { "instance-loss": { targetRtoSeconds: 300, targetRpoSeconds: 0, predictedRtoSeconds: 87.5, predictedRpoSeconds: 0 } } };

  it("measures a closed outage once, after it settled, with the lost writes read back and the budget's numbers", async () => {
    const writer = writerOf([true, true, true, false, false, true, true]);
    const probe = new ClassProbe({ cls, faults: [{ fault: "postgres-leader-kill", schedule: "0 10 * * *", durationSeconds: 60 }], writer, present: async () => new Set([1, 3, 6, 7]), settleMs: 1000, lookbackMs: 60_000 });
    expect(await probe.check(writer.epoch + 500)).toEqual([]);
    const [m] = await probe.check(writer.epoch + 2000);
    expect(m).toMatchObject({ scenario: "instance-loss", fault: "postgres-leader-kill", lostAcknowledgedWrites: 1, acknowledgedWrites: 5, predictedRtoSeconds: 87.5, targetRpoSeconds: 0 });
    expect(m.measuredRtoSeconds).toBeCloseTo(0.021);
    // Write 2 (acked at 11 ms) is missing: data from then to the outage start (30 ms) is gone.
    expect(m.measuredRpoSeconds).toBeCloseTo(0.019);
    expect(await probe.check(writer.epoch + 3000)).toEqual([]);
  });

  it("pruning keeps what an unmeasured outage needs and never turns the tail of a measured failure run into a new outage", async () => {
    const writer = writerOf([true, false, false, false, true, true]);
    const probe = new ClassProbe({ cls, faults: [], writer, present: async (acked) => new Set(acked.map((a) => a.id)), settleMs: 0, lookbackMs: 5 });
    await probe.check(writer.epoch + 100);
    probe.prune(writer.epoch + 40);
    expect(probe.outages().every((o) => o.firstFailedId === 2)).toBe(true);
    expect(await probe.check(writer.epoch + 200)).toEqual([]);
  });
});

describe("metrics and report", () => {
  const m: ProbeMeasurement = {
    class: "sessions",
    store: "redis",
    scenario: "instance-loss",
    fault: "redis-primary-kill",
    outageStartedAt: "2026-12-07T10:00:01.000Z",
    recoveredAt: "2026-12-07T10:00:07.250Z",
    measuredRtoSeconds: 6.25,
    measuredRpoSeconds: 0,
    lostAcknowledgedWrites: 0,
    acknowledgedWrites: 100,
    targetRtoSeconds: 60,
    targetRpoSeconds: 1,
    predictedRtoSeconds: 7,
    predictedRpoSeconds: 1,
  };

  it("renders the text exposition format with the labels class, scenario, store", () => {
    const metrics = new ProbeMetrics();
    recordExpectations(metrics, [{ class: "sessions", store: "redis", endpoint: { host: "h", port: 26379 }, scenarios: { "instance-loss": { targetRtoSeconds: 60, targetRpoSeconds: 1, predictedRtoSeconds: 7, predictedRpoSeconds: null } } }]);
    recordMeasurement(metrics, m, 1_700_000_000_000);
    metrics.inc(PROBE_METRICS.writesTotal, { class: "se\"ss", store: "redis", outcome: "ok" }, 3);
    const text = metrics.render();
    expect(text).toContain(`# TYPE ${PROBE_METRICS.measuredRtoSeconds} gauge\n${PROBE_METRICS.measuredRtoSeconds}{class="sessions",scenario="instance-loss",store="redis"} 6.25\n`);
    expect(text).toContain(`${PROBE_METRICS.writesTotal}{class="se\\"ss",outcome="ok",store="redis"} 3`);
    expect(text).toContain(`# TYPE ${PROBE_METRICS.writesTotal} counter`);
    expect(text).not.toContain(PROBE_METRICS.predictedRpoSeconds); // null: no series
    expect(text).toContain(`${PROBE_METRICS.lastMeasurementTimestamp}{class="sessions",scenario="instance-loss",store="redis"} 1700000000`);
  });

  it("puts each report under the prefix and environment with the SSE-KMS headers the bucket policy demands", () => {
    expect(reportKey("staging", m)).toBe(`${PROBE_REPORT_PREFIX}staging/2026-12-07T10:00:07.250Z-sessions-instance-loss.json`);
    const put = reportPut("b", "arn:aws:kms:us-east-1:1:key/k", "staging", m).input;
    expect(put).toMatchObject({ Bucket: "b", ServerSideEncryption: "aws:kms", SSEKMSKeyId: "arn:aws:kms:us-east-1:1:key/k" });
    expect(JSON.parse(put.Body as string)).toEqual(m);
  });

  it("refuses a config naming the bad key, the value and what was expected", () => {
    const ok = { environment: "staging", region: "us-east-1", writeIntervalMs: 1000, classes: [], faults: [] };
    expect(parseProbeConfig(JSON.stringify(ok), "f").writeIntervalMs).toBe(1000);
    expect(() => parseProbeConfig(JSON.stringify({ ...ok, writeIntervalMs: 0 }), "f")).toThrow(/f: writeIntervalMs: /);
    expect(() => parseProbeConfig(JSON.stringify({ ...ok, faults: [{ fault: "nope", schedule: "* * * * *", durationSeconds: 1 }] }), "f")).toThrow(/faults\.0\.fault/);
    expect(() => parseProbeConfig(JSON.stringify({ ...ok, reportBucket: "b" }), "f")).toThrow(/reportKmsKeyArn: missing/);
    expect(() => parseProbeConfig(JSON.stringify({ ...ok, extra: 1 }), "f")).toThrow(/extra/);
  });
});

describe("probe beside the drill", () => {
  const epoch = Date.UTC(2026, 11, 7, 10);
  const pm = (start: number, rec: number, lost: number): ProbeMeasurement => ({
    class: "c",
    store: "postgres",
    scenario: "unplanned",
    outageStartedAt: new Date(epoch + start).toISOString(),
    recoveredAt: new Date(epoch + rec).toISOString(),
    measuredRtoSeconds: (rec - start) / 1000,
    measuredRpoSeconds: 0,
    lostAcknowledgedWrites: lost,
    acknowledgedWrites: 10,
    targetRtoSeconds: null,
    targetRpoSeconds: null,
    predictedRtoSeconds: null,
    predictedRpoSeconds: null,
  });

  it("passes within one write interval + detection granularity, fails beyond it, on missed lost writes, and on a missed outage", () => {
    expect(probeRtoToleranceSeconds(10)).toBeCloseTo(0.51);
    expect(compareWithProbe([pm(1000, 500, 0), pm(3005, 20000, 0)], epoch, 3000, { rtoSeconds: 17, lostAcknowledgedWrites: 0 }, 10)).toMatchObject({ ok: true, measured: { probeRtoSeconds: 16.995, probeOutages: 2 } });
    expect(compareWithProbe([pm(3005, 20000, 0)], epoch, 3000, { rtoSeconds: 17.6, lostAcknowledgedWrites: 0 }, 10).ok).toBe(false);
    expect(compareWithProbe([pm(3005, 20000, 0)], epoch, 3000, { rtoSeconds: 17, lostAcknowledgedWrites: 2 }, 10).notes.join()).toMatch(/reports 0 lost acknowledged writes where the drill finds 2/);
    expect(compareWithProbe([pm(100, 500, 0)], epoch, 3000, { rtoSeconds: 17 }, 10)).toMatchObject({ ok: false, notes: [expect.stringMatching(/missed the outage/)] });
  });
});
