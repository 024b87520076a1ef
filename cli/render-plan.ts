import { formatDuration } from "../dr/targets";
import type { PlanResult } from "../offline/plan";

/** Human output of the plan: resources by type, the budget table, costs, violations. */
export function renderPlan(p: PlanResult): string {
  const lines: string[] = [];
  lines.push(`Stack ${p.stack}: ${p.resources.length} resources`);
  const counts = new Map<string, number>();
  for (const r of p.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  for (const [type, n] of [...counts.entries()].sort()) lines.push(`  ${String(n).padStart(3)}  ${type}`);
  lines.push("", "Recovery budget (worst case; target / predicted):");
  const header = ["data class", "scenario", "RPO target", "RPO pred.", "RTO target", "RTO pred.", "verdict", "limited by"];
  const rows = p.budget.map((b) => [
    b.dataClass,
    b.scenario,
    formatDuration(b.target.rpoSeconds),
    formatDuration(b.predicted.rpoSeconds),
    formatDuration(b.target.rtoSeconds),
    formatDuration(b.predicted.rtoSeconds),
    b.ok ? "ok" : "MISS",
    b.ok ? b.limitedBy : b.limitedBy.split(". Fix:")[0],
  ]);
  const widths = header.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i < widths.length ? c.padEnd(widths[i]) : c)).join("  ");
  lines.push("  " + fmt(header));
  for (const r of rows) lines.push("  " + fmt(r));
  if (p.costs.length) {
    lines.push("", "What these settings cost:");
    for (const c of p.costs) lines.push(`  - ${c}`);
  }
  lines.push("", "Signals watching each data class (alert: threshold, target):");
  for (const c of p.signals) {
    if (c.signals.length === 0) lines.push(`  ${c.dataClass}: NONE (no alert or alarm watches this class)`);
    else lines.push(`  ${c.dataClass}:`, ...c.signals.map((s) => `    - ${s.alert} [${s.source}]: ${s.threshold} ${s.unit}${s.heldSeconds !== undefined ? ` for ${s.heldSeconds} seconds` : ""}, ${s.target}`));
  }
  lines.push("", "In-cluster tests of each data class (faults are measured by the recovery probe; scenario, when):");
  for (const c of p.measuredTests) {
    const tests = c.tests.map((t) => `${t.name} (${t.kind === "fault" ? `${t.scenario}${t.injectedBy === "dr-test" ? ", by a DR test CronJob" : ""}` : `DR test, ${t.scenario}`}) ${t.cadence}`);
    lines.push(`  ${c.dataClass}: ${tests.length ? tests.join(", ") : "none scheduled"}`);
  }
  lines.push("", p.access.summary);
  lines.push("", p.violations.length ? `Violations (${p.violations.length}):` : "Violations: none");
  // The same finding on two objects (one per region, say) is told apart by the resource it is on.
  const seen = new Map<string, number>();
  for (const v of p.violations) seen.set(`${v.policy}\n${v.message}`, (seen.get(`${v.policy}\n${v.message}`) ?? 0) + 1);
  for (const v of p.violations) {
    const twice = (seen.get(`${v.policy}\n${v.message}`) ?? 0) > 1 && v.resource;
    lines.push(`  [${v.level}] ${v.policy}: ${v.message}${twice ? ` [resource ${v.resource.split("::").pop()}]` : ""}`);
  }
  return lines.join("\n") + "\n";
}
