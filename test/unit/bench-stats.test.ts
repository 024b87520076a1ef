/** The benchmark's statistics (drills/bench/stats.ts): pure, no servers. */
import fc from "fast-check";
import { aggregate, distribution, median, percentile, ratio, type Repetition } from "../../drills/bench/stats";
import { benchJson, renderBenchMarkdown } from "../../drills/bench/markdown";
import type { BenchRecord, RepetitionRecord } from "../../drills/bench/record";
import { schedule } from "../../drills/bench/runner";
import { sampleSizeStatement } from "../../drills/report/markdown";
import type { DrillRun } from "../../drills/run";

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

describe("percentile (nearest-rank)", () => {
  it("is the value at rank ceil(p/100 * n)", () => {
    const xs = [15, 20, 35, 40, 50];
    expect(percentile(xs, 30)).toBe(20);
    expect(percentile(xs, 40)).toBe(20);
    expect(percentile(xs, 50)).toBe(35);
    expect(percentile(xs, 100)).toBe(50);
    expect(percentile([3, 1, 2], 1)).toBe(1);
  });

  it("p95 is the maximum below 20 values and the 19th of 20", () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(ten, 95)).toBe(10);
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(twenty, 95)).toBe(19);
    expect(percentile([...twenty, 21], 95)).toBe(20);
  });

  it("refuses an empty list and p outside (0, 100]", () => {
    expect(() => percentile([], 95)).toThrow(/empty/);
    expect(() => percentile([1], 0)).toThrow(/0 < p <= 100/);
    expect(() => percentile([1], 101)).toThrow(/0 < p <= 100/);
  });
});

describe("median and distribution", () => {
  it("median is the middle value, or the mean of the two middle values", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("distribution ignores non-finite values and is undefined when none is left", () => {
    expect(distribution([2, Infinity, 1, NaN])).toEqual({ min: 1, median: 1.5, p95: 2, max: 2 });
    expect(distribution([])).toBeUndefined();
    expect(distribution([Infinity])).toBeUndefined();
  });

  it("law: min <= median <= p95 <= max, each but the median a measured value", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 60 }), (xs) => {
        const d = distribution(xs);
        if (!d) return false;
        return d.min <= d.median && d.median <= d.p95 && d.p95 <= d.max && xs.includes(d.min) && xs.includes(d.p95) && xs.includes(d.max);
      }),
    );
  });

  it("law: invariant under permutation of the values", () => {
    fc.assert(
      fc.property(
        fc.array(finite, { minLength: 1, maxLength: 40 }).chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }))),
        ([xs, perm]) => {
          expect(distribution(perm)).toEqual(distribution(xs));
        },
      ),
    );
  });

  it("law: at least p % of the values are <= the p-th percentile, and fewer than p % are below it", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 100 }), (xs, p) => {
        const v = percentile(xs, p);
        const atOrBelow = xs.filter((x) => x <= v).length;
        const below = xs.filter((x) => x < v).length;
        return atOrBelow >= (p / 100) * xs.length - 1e-9 && below < (p / 100) * xs.length + 1e-9;
      }),
    );
  });
});

function rep(id: string, config: string, k: number, rto: number | undefined, lost = 0, extra: Partial<Repetition> = {}): Repetition {
  return { id, config, repetition: k, failed: false, ok: true, measured: { ...(rto !== undefined ? { rtoSeconds: rto } : {}), lostAcknowledgedWrites: lost }, ...extra };
}

describe("aggregate", () => {
  it("counts runs and failures per scenario and configuration; failed repetitions add no numbers", () => {
    const reps: Repetition[] = [
      rep("redis-primary-loss", "derived", 1, 6.3),
      { id: "redis-primary-loss", config: "derived", repetition: 2, failed: true, error: "timed out after 900 s\nlast output" },
      rep("redis-primary-loss", "derived", 3, 6.5, 2),
      rep("redis-primary-loss", "defaults", 1, 31.2),
      rep("postgres-pitr", "derived", 1, undefined, 0, { ok: false }),
    ];
    const s = aggregate(reps, { ids: ["redis-primary-loss", "postgres-pitr"], configs: ["derived", "defaults"] });
    expect(s.map((x) => [x.id, x.config])).toEqual([
      ["redis-primary-loss", "derived"],
      ["redis-primary-loss", "defaults"],
      ["postgres-pitr", "derived"],
    ]);
    expect(s[0]).toMatchObject({ runs: 3, failed: 1, rtoSeconds: { min: 6.3, median: 6.4, p95: 6.5, max: 6.5 }, lostAcknowledgedWrites: { max: 2 }, errors: [{ repetition: 2, error: "timed out after 900 s" }] });
    expect(s[1]).toMatchObject({ runs: 1, failed: 0, rtoSeconds: { min: 31.2, median: 31.2, p95: 31.2, max: 31.2 } });
    expect(s[2]).toMatchObject({ runs: 1, failed: 0, verdictFailed: 1, rtoSeconds: { min: null, median: null, p95: null, max: null } });
  });

  it("law: the statistics do not depend on the order the records arrive in", () => {
    const arb = fc.array(
      fc.record({
        id: fc.constantFrom("a", "b"),
        config: fc.constantFrom("derived", "anchor"),
        repetition: fc.integer({ min: 1, max: 10 }),
        failed: fc.boolean(),
        measured: fc.record({ rtoSeconds: fc.double({ min: 0, max: 100, noNaN: true }), lostAcknowledgedWrites: fc.nat(5) }),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(
        arb.chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }))),
        ([xs, perm]) => {
          const order = { ids: ["a", "b"], configs: ["derived", "anchor"] };
          const norm = (s: ReturnType<typeof aggregate>) => s.map((g) => ({ ...g, errors: [...g.errors].sort((p, q) => p.repetition - q.repetition || (p.error < q.error ? -1 : 1)) }));
          expect(norm(aggregate(perm, order))).toEqual(norm(aggregate(xs, order)));
        },
      ),
    );
  });

  it("ratio is undefined without both numbers or with a zero denominator", () => {
    expect(ratio(30, 20)).toBe(1.5);
    expect(ratio(null, 20)).toBeUndefined();
    expect(ratio(3, 0)).toBeUndefined();
  });
});

describe("bench JSON and report from JSON lines", () => {
  const base = { type: "repetition" as const, runId: "r1", at: "2026-12-07T03:00:00.000Z", wallSeconds: 30, loadAvg1: 1.5 };
  const records: BenchRecord[] = [
    { type: "meta", runId: "r1", startedAt: "2026-12-07T02:00:00.000Z", stack: "prod", host: { hostname: "h", nproc: 2, cpu: "cpu", memoryGiB: 23.4, kernel: "Linux x", node: "v22", loadAvg1: 1 }, runs: { "redis-primary-loss": 2 }, configs: ["derived", "anchor"], scenarios: ["redis-primary-loss"], timeoutSeconds: 900, configTimings: { derived: "Sentinel down-after 5000 ms", anchor: "Sentinel down-after 5000 ms" } },
    { ...base, ...rep("redis-primary-loss", "derived", 1, 6) } as RepetitionRecord,
    { ...base, ...rep("redis-primary-loss", "anchor", 1, 9) } as RepetitionRecord,
    { ...base, id: "redis-primary-loss", config: "derived", repetition: 2, failed: true, error: "injected failure" },
  ];

  it("has the shape { scenarios: [{ id, config, runs, failed, rtoSeconds: {min, median, p95, max}, lostAcknowledgedWrites: {max} }] } and the ratios", () => {
    const j = benchJson(records);
    expect(j.scenarios[0]).toMatchObject({ id: "redis-primary-loss", config: "derived", runs: 2, failed: 1, rtoSeconds: { min: 6, median: 6, p95: 6, max: 6 }, lostAcknowledgedWrites: { max: 0 } });
    expect(j.scenarios[1]).toMatchObject({ config: "anchor", runs: 1, failed: 0 });
    expect(j.ratios).toEqual([{ id: "redis-primary-loss", config: "anchor", medianRto: 1.5, p95Rto: 1.5 }]);
  });

  it("the Markdown states the machine, the date, n, the shared machine and a partial run, and lists the failure", () => {
    const md = renderBenchMarkdown(records, { source: "r.jsonl" });
    expect(md).toMatch(/2 vCPU \(cpu\), 23.4 GiB memory/);
    expect(md).toMatch(/Run 2026-12-07T02:00:00Z to 2026-12-07T03:00:00Z/);
    expect(md).toMatch(/\*\*n\*\*: 1 measured repetitions per failover scenario/);
    expect(md).toMatch(/other work .* ran on this machine at the same time/);
    expect(md).toMatch(/did not complete/);
    expect(md).toMatch(/repetition 2: injected failure/);
    expect(md).toMatch(/\| `redis-primary-loss` \| anchor \| 1\.50x \| 1\.50x \|/);
  });
});

describe("schedule", () => {
  it("interleaves repetitions across drills and configurations; throughput scenarios run derived only; one drill reports both primary-loss classes", () => {
    const tasks = schedule(["postgres-primary-loss-sync", "postgres-primary-loss-async", "postgres-pitr", "redis-primary-loss"], ["derived", "anchor"], (id) => (id === "postgres-pitr" ? 1 : 2));
    expect(tasks.map((t) => `${t.drill}/${t.config}#${t.repetition}`)).toEqual([
      "postgres-primary-loss-sync+postgres-primary-loss-async/derived#1",
      "postgres-primary-loss-sync+postgres-primary-loss-async/anchor#1",
      "postgres-pitr/derived#1",
      "redis-primary-loss/derived#1",
      "redis-primary-loss/anchor#1",
      "postgres-primary-loss-sync+postgres-primary-loss-async/derived#2",
      "postgres-primary-loss-sync+postgres-primary-loss-async/anchor#2",
      "redis-primary-loss/derived#2",
      "redis-primary-loss/anchor#2",
    ]);
    expect(tasks[0].scenarios).toEqual(["postgres-primary-loss-sync", "postgres-primary-loss-async"]);
  });
});

describe("the drill report states its n", () => {
  it("n = 1 for a single drill run, a range for repeated scenarios, and points to the benchmark", () => {
    const one = sampleSizeStatement({ stack: "prod", wallSeconds: 1, scenarios: [{ id: "a" }, { id: "b" }] } as unknown as DrillRun);
    expect(one).toMatch(/^\*\*n = 1\*\* run per scenario: every number below is a single measurement/);
    expect(one).toContain("[bench.md](bench.md)");
    const more = sampleSizeStatement({ stack: "prod", wallSeconds: 1, scenarios: [{ id: "a" }, { id: "a" }, { id: "b" }] } as unknown as DrillRun);
    expect(more).toMatch(/^\*\*n = 1 to 2\*\* runs per scenario/);
  });
});
