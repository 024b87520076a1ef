/**
 * The benchmark's statistics: pure functions over the repetitions' records, no I/O.
 *
 * Percentiles are nearest-rank: the p-th percentile of n values sorted ascending is the value at
 * 1-based rank ceil(p/100 * n), i.e. the smallest measured value with at least p % of the values at
 * or below it. It is always a value that was measured, never an interpolation; with n < 20 the p95
 * is the maximum (rank ceil(0.95 n) = n), which is the conservative reading of few runs.
 * The median is the usual one: the middle value, or the mean of the two middle values for even n.
 */

export interface Distribution {
  min: number;
  median: number;
  p95: number;
  max: number;
}

/** A distribution, or nulls when nothing was measured (JSON has no undefined). */
export type MaybeDistribution = { [K in keyof Distribution]: number | null };

const NONE: MaybeDistribution = { min: null, median: null, p95: null, max: null };

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Nearest-rank percentile (see above) of a non-empty list; p in (0, 100]. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error("percentile of an empty list");
  if (!(p > 0 && p <= 100)) throw new Error(`percentile ${p}: expected 0 < p <= 100`);
  const s = sorted(xs);
  // The small epsilon keeps 0.95 * 20 = 19.000000000000004 at rank 19.
  return s[Math.max(1, Math.ceil((p / 100) * s.length - 1e-9)) - 1];
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of an empty list");
  const s = sorted(xs);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** min, median, p95 and max of the finite values; undefined when there are none. */
export function distribution(xs: readonly number[]): Distribution | undefined {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length === 0) return undefined;
  const s = sorted(v);
  return { min: s[0], median: median(s), p95: percentile(s, 95), max: s[s.length - 1] };
}

/** One repetition of one scenario in one configuration, as the JSON-lines file holds it. */
export interface Repetition {
  id: string;
  config: string;
  repetition: number;
  /** It produced no measurement: threw, timed out, or its servers could not be set up. */
  failed: boolean;
  error?: string;
  /** Where its server logs were kept, when it failed. */
  logs?: string;
  /** The drill's verdict (target met and agreeing with the prediction), when it measured. */
  ok?: boolean;
  measured?: Record<string, number | boolean | string | null | undefined>;
}

export interface ScenarioStats {
  id: string;
  config: string;
  /** Repetitions recorded (measured + failed). */
  runs: number;
  /** Repetitions that produced no measurement. */
  failed: number;
  rtoSeconds: MaybeDistribution;
  lostAcknowledgedWrites: { max: number | null };
  /** Measured repetitions whose verdict failed (a missed target is a measurement, not a failure). */
  verdictFailed: number;
  /** Every numeric measure of the measured repetitions. */
  measures: Record<string, Distribution>;
  /** The failed repetitions' errors: repetition number and first line. */
  errors: { repetition: number; error: string; logs?: string }[];
}

function numbers(reps: Repetition[], key: string): number[] {
  return reps.map((r) => r.measured?.[key]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}

/**
 * Statistics per scenario and configuration. Groups come out in `order` (ids, then configs) when
 * given, otherwise by first appearance; the numbers do not depend on the order of the records.
 */
export function aggregate(reps: readonly Repetition[], order?: { ids?: readonly string[]; configs?: readonly string[] }): ScenarioStats[] {
  const groups = new Map<string, Repetition[]>();
  for (const r of reps) {
    const k = JSON.stringify([r.id, r.config]);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const rank = (list: readonly string[] | undefined, x: string) => {
    const i = list ? list.indexOf(x) : -1;
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const keys = [...groups.keys()].map((k) => JSON.parse(k) as [string, string]);
  if (order) keys.sort((a, b) => rank(order.ids, a[0]) - rank(order.ids, b[0]) || rank(order.configs, a[1]) - rank(order.configs, b[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return keys.map(([id, config]) => {
    const all = groups.get(JSON.stringify([id, config])) as Repetition[];
    const measured = all.filter((r) => !r.failed);
    const failed = all.filter((r) => r.failed).sort((a, b) => a.repetition - b.repetition);
    const measureKeys = [...new Set(measured.flatMap((r) => Object.keys(r.measured ?? {})))].sort();
    const measures: Record<string, Distribution> = {};
    for (const k of measureKeys) {
      const d = distribution(numbers(measured, k));
      if (d) measures[k] = d;
    }
    const lost = numbers(measured, "lostAcknowledgedWrites");
    return {
      id,
      config,
      runs: all.length,
      failed: failed.length,
      rtoSeconds: measures.rtoSeconds ? { ...measures.rtoSeconds } : { ...NONE },
      lostAcknowledgedWrites: { max: lost.length ? Math.max(...lost) : null },
      verdictFailed: measured.filter((r) => r.ok === false).length,
      measures,
      errors: failed.map((r) => ({ repetition: r.repetition, error: (r.error ?? "failed").split("\n")[0], ...(r.logs ? { logs: r.logs } : {}) })),
    };
  });
}

/** a / b, or undefined when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | undefined {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return undefined;
  return a / b;
}
