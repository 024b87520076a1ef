import { SCENARIO_IDS } from "../run";
import { fmt } from "../verdict";
import { CONFIG_NAMES } from "./configs";
import type { BenchRecord, MetaRecord, RepetitionRecord } from "./record";
import { FAILOVER_SCENARIOS, PLAN_ID } from "./runner";
import { aggregate, median, ratio, type Distribution, type MaybeDistribution, type ScenarioStats } from "./stats";

const ORDER = { ids: [...SCENARIO_IDS, PLAN_ID], configs: [...CONFIG_NAMES] };

/** The headline measures of the scenarios that are not failovers: key and label. */
const THROUGHPUT_MEASURES: Record<string, [string, string][]> = {
  "postgres-archive-s3-outage": [
    ["archiveLagSeconds", "WAL archive lag, s"],
    ["walSegmentsLost", "WAL segments lost across the S3 outage"],
    ["archiveCatchUpSeconds", "archive catch-up after the outage, s"],
    ["segmentsPerSecond", "archive catch-up, segments/s"],
  ],
  "postgres-pitr": [
    ["restoreSeconds", "point-in-time restore (download + extract + recovery), s"],
    ["restoreMBps", "point-in-time restore, MiB/s"],
  ],
  "postgres-logical-backup": [["restoreVerified", "restore verified"]],
  [PLAN_ID]: [["seconds", "offline plan (`npm run plan -- --json`, fresh Node), s"]],
};

export interface RatioRow {
  id: string;
  config: string;
  /** config / derived, same run. */
  medianRto: number | null;
  p95Rto: number | null;
}

function repetitions(records: BenchRecord[]): RepetitionRecord[] {
  return records.filter((r): r is RepetitionRecord => r.type === "repetition");
}

export function benchStats(records: BenchRecord[]): ScenarioStats[] {
  return aggregate(repetitions(records), ORDER);
}

/** Every non-derived configuration's RTO against the derived one's, per failover scenario. */
export function ratios(stats: ScenarioStats[]): RatioRow[] {
  const out: RatioRow[] = [];
  for (const s of stats) {
    if (s.config === "derived") continue;
    const d = stats.find((x) => x.id === s.id && x.config === "derived");
    if (!d || s.rtoSeconds.median === null) continue;
    out.push({ id: s.id, config: s.config, medianRto: ratio(s.rtoSeconds.median, d.rtoSeconds.median) ?? null, p95Rto: ratio(s.rtoSeconds.p95, d.rtoSeconds.p95) ?? null });
  }
  return out;
}

/** `{ scenarios: [{ id, config, runs, failed, rtoSeconds: {min, median, p95, max}, lostAcknowledgedWrites: {max}, ...extra }], ratios, percentile }`. */
export function benchJson(records: BenchRecord[]): { scenarios: ScenarioStats[]; ratios: RatioRow[]; percentile: string; runs: { runId: string; startedAt: string; host: MetaRecord["host"] }[] } {
  const stats = benchStats(records);
  return {
    scenarios: stats,
    ratios: ratios(stats),
    percentile: "nearest-rank: value at rank ceil(p/100 * n) of the sorted values (p95 = max for n < 20); median = middle value or mean of the two middle values",
    runs: records.filter((r): r is MetaRecord => r.type === "meta").map((m) => ({ runId: m.runId, startedAt: m.startedAt, host: m.host })),
  };
}

function n(v: number | null | undefined): string {
  return v === null || v === undefined ? "-" : fmt(v);
}

function dist(d: MaybeDistribution | Distribution | undefined): string[] {
  return d ? [n(d.min), n(d.median), n(d.p95), n(d.max)] : ["-", "-", "-", "-"];
}

function x(r: number | null): string {
  return r === null ? "-" : `${r.toFixed(2)}x`;
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(" | ")} |`;
}

function failoverTable(stats: ScenarioStats[]): string[] {
  const out = [
    row(["scenario", "config", "n", "failed", "verdict failed", "RTO min s", "median", "p95", "max", "lost acked writes (max)", "rejoin median s"]),
    row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
  ];
  const failover = stats.filter((x) => !(x.id in THROUGHPUT_MEASURES));
  for (const s of failover) {
    out.push(row([`\`${s.id}\``, s.config, s.runs, s.failed, s.verdictFailed, ...dist(s.rtoSeconds), n(s.lostAcknowledgedWrites.max), n(s.measures.rejoinSeconds?.median)]));
  }
  return failover.length ? out : [];
}

function ratioTable(stats: ScenarioStats[]): string[] {
  const rs = ratios(stats);
  if (rs.length === 0) return [];
  const out = [row(["scenario", "config", "median RTO config / derived", "p95 RTO config / derived"]), row(["---", "---", "---:", "---:"])];
  for (const r of rs) out.push(row([`\`${r.id}\``, r.config, x(r.medianRto), x(r.p95Rto)]));
  return out;
}

function throughputTable(stats: ScenarioStats[]): string[] {
  const rowsOut: string[] = [];
  for (const s of stats) {
    const measures = THROUGHPUT_MEASURES[s.id];
    if (!measures) continue;
    for (const [k, label] of measures) {
      if (k === "restoreVerified") continue;
      rowsOut.push(row([`\`${s.id}\``, label, s.runs, s.failed, s.verdictFailed, ...dist(s.measures[k])]));
    }
  }
  if (rowsOut.length === 0) return [];
  return [row(["scenario", "measure", "n", "failed", "verdict failed", "min", "median", "p95", "max"]), row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]), ...rowsOut];
}

function failuresList(stats: ScenarioStats[]): string[] {
  const out: string[] = [];
  for (const s of stats) for (const e of s.errors) out.push(`- \`${s.id}\` [${s.config}] repetition ${e.repetition}: ${e.error}${e.logs ? ` (server logs: \`${e.logs}\`)` : ""}`);
  return out;
}

function verdictList(stats: ScenarioStats[], reps: RepetitionRecord[]): string[] {
  const out: string[] = [];
  for (const s of stats.filter((x) => x.verdictFailed > 0)) {
    const bad = reps.filter((r) => r.id === s.id && r.config === s.config && !r.failed && r.ok === false).sort((a, b) => a.repetition - b.repetition);
    out.push(`- \`${s.id}\` [${s.config}]: measured, verdict failed in ${s.verdictFailed} of ${s.runs - s.failed} (e.g. repetition ${bad[0]?.repetition}: ${(bad[0]?.notes ?? []).join("; ")})`);
  }
  return out;
}

/** The summary on stdout: the tables without the prose. */
export function renderBenchText(records: BenchRecord[], interrupted: boolean): string {
  const stats = benchStats(records);
  const out: string[] = [];
  const metas = records.filter((r): r is MetaRecord => r.type === "meta");
  out.push(`Benchmark, stack ${metas.map((m) => m.stack).filter((v, i, a) => a.indexOf(v) === i).join(", ") || "?"}${interrupted ? " (INTERRUPTED: the repetitions completed so far)" : ""}; n = repetitions per scenario and configuration, each from a clean state; p95 nearest-rank (= max for n < 20)`, "");
  const fo = failoverTable(stats);
  if (fo.length) out.push(...fo, "");
  const r = ratioTable(stats);
  if (r.length) out.push("Same run, against the derived settings:", "", ...r, "");
  const t = throughputTable(stats);
  if (t.length) out.push(...t, "");
  const f = failuresList(stats);
  if (f.length) out.push("Failed repetitions (no measurement):", ...f, "");
  const v = verdictList(stats, repetitions(records));
  if (v.length) out.push("Measured, verdict failed:", ...v);
  return out.join("\n").trimEnd();
}

/** reports/bench.md: the machine, the date, n, the tables, the ratios, every failure, and how to reproduce. */
export function renderBenchMarkdown(records: BenchRecord[], opts: { source?: string } = {}): string {
  const stats = benchStats(records);
  const reps = repetitions(records);
  const metas = records.filter((r): r is MetaRecord => r.type === "meta");
  const ends = records.filter((r) => r.type === "end");
  const interrupted = records.filter((r) => r.type === "interrupted");
  const first = metas[0];
  const lastAt = [...reps.map((r) => r.at), ...ends.map((e) => e.at)].sort().pop();
  const loads = reps.map((r) => r.loadAvg1).filter((v) => typeof v === "number");
  const out: string[] = [];
  out.push(`# Benchmark: failover and recovery, n runs per scenario and configuration`, "");
  if (first) {
    const h = first.host;
    out.push(
      `Stack \`${first.stack}\`. Machine: ${h.nproc} vCPU (${h.cpu}), ${h.memoryGiB} GiB memory, ${h.kernel}, Node ${h.node}. ` +
        `Run ${first.startedAt.replace(/\.\d+Z$/, "Z")}${lastAt ? ` to ${lastAt.replace(/\.\d+Z$/, "Z")}` : ""}` +
        `${metas.length > 1 ? ` (${metas.length} bench runs appended to one file)` : ""}.`,
      "",
    );
  }
  const ns = [...new Set(stats.filter((s) => FAILOVER_SCENARIOS.includes(s.id)).map((s) => s.runs - s.failed))];
  const complete = ends.length === metas.length && ends.every((e) => e.type === "end" && !e.interrupted);
  out.push(
    `**n**: ${ns.length ? `${Math.min(...ns)}${Math.max(...ns) !== Math.min(...ns) ? ` to ${Math.max(...ns)}` : ""} measured repetitions per failover scenario and configuration` : "no failover scenario measured"}` +
      ` (the n column below counts every repetition, the failed column those that produced no measurement). ` +
      (complete ? "The run completed." : `The run did not complete (${interrupted.length ? "interrupted" : "stopped or still running"} when this was written): these are the repetitions it finished.`),
    "",
  );
  out.push(
    `**Shared machine**: other work (other engineers' builds and test suites) ran on this machine at the same time; the numbers include that noise. ` +
      (loads.length ? `The 1-minute load average when a repetition started was ${fmt(Math.min(...loads))} to ${fmt(Math.max(...loads))} (median ${fmt(median(loads))}) on ${first?.host.nproc ?? "?"} vCPUs.` : ""),
    "",
  );
  out.push(
    "Every repetition runs in a process of its own with its own temp directory and freshly started servers (Patroni + PostgreSQL 15 + etcd + s3rver behind the S3 policy front, or Redis + Sentinel), " +
      "stopped by PID when it ends, fails, times out or is interrupted; the ports are checked free before each. The work is interleaved (repetition 1 of every scenario and configuration, then repetition 2, ...), " +
      "so a change in the machine's load touches every configuration alike.",
    "",
  );
  out.push(
    "**Statistics**: RTO = fault to the first write acknowledged by the new primary (switchover: the longest stretch without an acknowledged write). " +
      "Percentiles are nearest-rank (the value at rank ceil(p/100 x n) of the sorted values): with n < 20 the p95 is the maximum. The median is the middle value (mean of the two middle ones for even n).",
    "",
  );
  if (first?.configTimings) {
    out.push("## Configurations", "", row(["config", "what", "timings"]), row(["---", "---", "---"]));
    const what: Record<string, string> = {
      derived: "the stack's settings, derived from its targets (what `pulumi up` deploys)",
      defaults: "the engines' own defaults",
      anchor: "what a user would otherwise pick: Patroni/Spilo defaults, the seed's Sentinel settings",
    };
    for (const [c, t] of Object.entries(first.configTimings)) out.push(row([c, what[c] ?? "", t]));
    out.push("", "Everything else (replication modes, synchronous_commit per class, archive, members) is the stack's in all three. The archive, restore and plan measures run with the derived settings only: the failover timings do not touch them.", "");
  }
  out.push(
    "## Failover: RTO and acknowledged writes lost",
    "",
    "failed = repetitions that produced no measurement (threw, timed out, could not start); verdict failed = measured, but missed the drill's target or disagreed with the budget's prediction for that configuration " +
      "(expected for the engine defaults and the anchor, whose ttl 30 s puts PostgreSQL node loss above the drill's 22 s target; the notes are listed below).",
    "",
    ...failoverTable(stats),
    "",
  );
  const r = ratioTable(stats);
  if (r.length) out.push("## Side by side, same machine, same run", "", "RTO of each configuration over the derived settings' RTO (above 1: slower than derived).", "", ...r, "");
  const t = throughputTable(stats);
  if (t.length) out.push("## Archive, restore and plan", "", ...t, "");
  const f = failuresList(stats);
  out.push("## Failed repetitions", "", ...(f.length ? f : ["None: every repetition produced a measurement."]), "");
  const v = verdictList(stats, reps);
  out.push("## Measured, verdict failed", "", ...(v.length ? v : ["None: every measurement met its target and agreed with its prediction."]), "");
  if (interrupted.length) out.push(`${interrupted.length} repetition(s) were cut short by Ctrl-C and are not counted.`, "");
  out.push(
    "## Reproduce",
    "",
    "```bash",
    `npm run bench -- --stack ${first?.stack ?? "prod"} --out results.jsonl    # ${first ? Object.entries(first.runs).map(([id, k]) => `${id} x${k}`).join(", ") : ""}`,
    "npm run bench -- --from results.jsonl --markdown reports/bench.md   # this page, from the JSON lines (also from a partial run)",
    "```",
    "",
  );
  if (first?.portBase !== undefined) out.push(`This run listened on ports ${first.portBase}-${first.portBase + 69} (\`--port-base ${first.portBase}\`), beside the drill suite's 22000-22999; per-repetition timeout ${first.timeoutSeconds} s.`, "");
  if (opts.source) out.push(`Generated from \`${opts.source}\` (one JSON line per scenario and repetition).`, "");
  return out.join("\n");
}
