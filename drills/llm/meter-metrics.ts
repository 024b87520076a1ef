import { LLM_METER_METRICS } from "../../contract/llm-gateway";

/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped; label values unescaped). */
export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (let l = re.exec(m[3] ?? ""); l; l = re.exec(m[3] ?? "")) labels[l[1]] = l[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    out.push({ name: m[1], labels, value: m[4] === "+Inf" ? Infinity : m[4] === "-Inf" ? -Infinity : Number(m[4]) });
  }
  return out;
}

/** Sum of a metric's samples whose labels include `match`. */
export function sumOf(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

/** A cumulative histogram bucket: observations <= le. */
export interface Bucket {
  le: number;
  count: number;
}

/**
 * Prometheus' histogram_quantile over cumulative buckets (the +Inf one included): linear
 * interpolation inside the bucket the rank falls in; in the +Inf bucket, the largest finite bound.
 */
export function histogramQuantile(q: number, buckets: Bucket[]): number {
  const b = [...buckets].sort((x, y) => x.le - y.le);
  if (b.length < 2 || b[b.length - 1].le !== Infinity) return NaN;
  const total = b[b.length - 1].count;
  if (total === 0) return NaN;
  const rank = q * total;
  const i = b.findIndex((x) => x.count >= rank);
  if (i === b.length - 1) return b[b.length - 2].le;
  if (i === 0 && b[0].le <= 0) return b[0].le;
  const start = i === 0 ? 0 : b[i - 1].le;
  const below = i === 0 ? 0 : b[i - 1].count;
  const inBucket = b[i].count - below;
  return inBucket === 0 ? b[i].le : start + (b[i].le - start) * ((rank - below) / inBucket);
}

/** Index of the bucket a value falls in: the first bound at or above it (bounds.length: the +Inf bucket). */
export function bucketIndex(bounds: number[], v: number): number {
  const i = bounds.findIndex((b) => v <= b);
  return i < 0 ? bounds.length : i;
}

/** What the meter counted, as the drill compares it with its clients. */
export interface MeterReading {
  requests: number;
  /** 2xx answers by the target that answered. */
  answeredBy: Record<string, number>;
  /** Answers that were not 2xx (any target, or the gateway's own). */
  notOk: number;
  fallbacks: number;
  attempts: Record<string, number>;
  failures: Record<string, number>;
  /** The degraded responder's own count, served on by the meter (undefined without it). */
  responderDegraded?: number;
  /** Non-streamed requests' duration histogram. */
  buckets: Bucket[];
}

export function readMeter(text: string): MeterReading {
  const s = parsePrometheusText(text);
  const M = LLM_METER_METRICS;
  const labelsOf = (name: string, label: string) => [...new Set(s.filter((x) => x.name === name).map((x) => x.labels[label]))];
  const answeredBy: Record<string, number> = {};
  for (const t of labelsOf(M.requests, "target")) answeredBy[t] = sumOf(s, M.requests, { target: t, status_class: "2xx" });
  const per = (name: string) => Object.fromEntries(labelsOf(name, "provider").map((p) => [p, sumOf(s, name, { provider: p })]));
  const relay = s.find((x) => x.name === "agent_dr_llm_degraded_responses_total");
  const requests = sumOf(s, M.requests);
  return {
    requests,
    answeredBy,
    notOk: requests - Object.values(answeredBy).reduce((a, b) => a + b, 0),
    fallbacks: sumOf(s, M.fallbacks),
    attempts: per(M.providerAttempts),
    failures: per(M.providerFailures),
    ...(relay ? { responderDegraded: relay.value } : {}),
    buckets: s.filter((x) => x.name === `${M.duration}_bucket` && x.labels.stream === "false").map((x) => ({ le: x.labels.le === "+Inf" ? Infinity : Number(x.labels.le), count: x.value })),
  };
}
