import { PROBE_METRICS } from "../contract/probe";

type Labels = Record<string, string>;

const HELP: Record<string, string> = {
  [PROBE_METRICS.measuredRtoSeconds]: "Write gap of the last measured outage, seconds",
  [PROBE_METRICS.measuredRpoSeconds]: "Span of acknowledged writes lost in the last measured outage, seconds",
  [PROBE_METRICS.lostAcknowledgedWrites]: "Acknowledged writes missing after the last measured outage",
  [PROBE_METRICS.targetRtoSeconds]: "Declared RTO target of the class for the scenario, seconds",
  [PROBE_METRICS.targetRpoSeconds]: "Declared RPO target of the class for the scenario, seconds",
  [PROBE_METRICS.predictedRtoSeconds]: "Budget model's worst-case RTO for the class and scenario, seconds",
  [PROBE_METRICS.predictedRpoSeconds]: "Budget model's worst-case RPO for the class and scenario, seconds",
  [PROBE_METRICS.lastMeasurementTimestamp]: "Unix time the last outage measurement completed",
  [PROBE_METRICS.writesTotal]: "Canary writes attempted, by outcome",
};

/** Label values escaped as the text exposition format requires (backslash, quote, newline). */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k])}"`)
    .join(",");
}

function number(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/**
 * The probe's series, rendered in the Prometheus text exposition format (version 0.0.4). Written
 * here because no Prometheus client library is installed; the probe has a handful of gauges and
 * one counter, so a map per metric is all it takes.
 */
export class ProbeMetrics {
  private readonly series = new Map<string, { type: "gauge" | "counter"; values: Map<string, number> }>();

  set(name: string, labels: Labels, value: number): void {
    this.family(name, "gauge").set(labelKey(labels), value);
  }

  inc(name: string, labels: Labels, by = 1): void {
    const values = this.family(name, "counter");
    const k = labelKey(labels);
    values.set(k, (values.get(k) ?? 0) + by);
  }

  get(name: string, labels: Labels): number | undefined {
    return this.series.get(name)?.values.get(labelKey(labels));
  }

  render(): string {
    const out: string[] = [];
    for (const [name, { type, values }] of [...this.series].sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`# HELP ${name} ${HELP[name] ?? name}`, `# TYPE ${name} ${type}`);
      for (const [k, v] of values) out.push(`${name}${k ? `{${k}}` : ""} ${number(v)}`);
    }
    return out.join("\n") + "\n";
  }

  private family(name: string, type: "gauge" | "counter"): Map<string, number> {
    let f = this.series.get(name);
    if (!f) {
      f = { type, values: new Map() };
      this.series.set(name, f);
    }
    if (f.type !== type) throw new Error(`${name} is a ${f.type}, not a ${type}`);
    return f.values;
  }
}
