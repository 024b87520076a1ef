import { POSTGRES } from "../engine-facts";
import type { DrSettings } from "../settings/types";
import { formatDuration, SCENARIOS, scenarioApplies } from "../targets";
import type { DataClass } from "../targets";
import { designFloor, unreachable, type DesignLimit } from "./floors";
import { fmtBytes } from "./format";
import { postgresBound } from "./postgres";
import { redisBound } from "./redis";
import { llmBound, llmSwitchSeconds } from "./llm";
import type { Bound, BudgetResult, BudgetRow } from "./types";

/**
 * The budget: for every data class and scenario, the worst-case RPO and RTO that the given settings
 * allow, compared with the class's target. Settings are what the resources hold (overrides included),
 * not what the targets asked for, so a bad override shows up here.
 */
export function computeBudget(classes: DataClass[], settings: DrSettings): BudgetResult {
  const rows: BudgetRow[] = [];
  for (const c of classes) {
    // Only the scenarios that concern the class's store (a provider outage touches no stored data).
    for (const scenario of SCENARIOS.filter((s) => scenarioApplies(c.store, s))) {
      const bounds = c.store === "postgres" ? postgresBound(c, scenario, settings) : c.store === "redis" ? redisBound(c, scenario, settings) : llmBound(c, scenario, settings);
      const target = c.targets[scenario];
      // A miss no setting can fix says so, with what would change it, instead of a Fix that can not work.
      const floor = designFloor(c, scenario, settings);
      const rpo = withDesignLimit(bounds.rpo, floor.rpo, target.rpoSeconds);
      const rto = withDesignLimit(bounds.rto, floor.rto, target.rtoSeconds);
      const rpoOk = rpo.seconds <= target.rpoSeconds;
      const rtoOk = rto.seconds <= target.rtoSeconds;
      rows.push({
        dataClass: c.name,
        store: c.store,
        scenario,
        target,
        predicted: { rpoSeconds: rpo.seconds, rtoSeconds: rto.seconds },
        ok: rpoOk && rtoOk,
        limitedBy: limitedBy(rpo, rto, target.rpoSeconds, target.rtoSeconds),
        rpo,
        rto,
        ...(c.notes[scenario] ? { note: c.notes[scenario] } : {}),
      });
    }
  }
  return { rows, costs: costs(classes, settings) };
}

function withDesignLimit(b: Bound, limit: DesignLimit | undefined, target: number): Bound {
  if (b.seconds <= target || !unreachable(limit, target)) return b;
  const { fix: _fix, ...rest } = b;
  return { ...rest, unreachable: `the target can not be met by this design: ${limit!.why}. What would change it: ${limit!.change}` };
}

function limitedBy(rpo: Bound, rto: Bound, rpoTarget: number, rtoTarget: number): string {
  const misses: string[] = [];
  const remedy = (b: Bound) => (b.unreachable ? `. Unreachable: ${b.unreachable}` : b.fix ? `. Fix: ${b.fix}` : "");
  if (rpo.seconds > rpoTarget) misses.push(`RPO ${formatDuration(rpo.seconds)} > ${formatDuration(rpoTarget)}: ${rpo.mechanism}${remedy(rpo)}`);
  if (rto.seconds > rtoTarget) misses.push(`RTO ${formatDuration(rto.seconds)} > ${formatDuration(rtoTarget)}: ${rto.mechanism}${remedy(rto)}`);
  if (misses.length > 0) return misses.join(" | ");
  // Within target: name the tighter of the two (smallest headroom relative to its target).
  const share = (b: Bound, t: number) => (Number.isFinite(t) && t > 0 ? b.seconds / t : b.seconds === 0 ? 0 : Number.isFinite(t) ? Infinity : 0);
  return share(rpo, rpoTarget) >= share(rto, rtoTarget) ? `RPO: ${rpo.mechanism}` : `RTO: ${rto.mechanism}`;
}

function costs(classes: DataClass[], s: DrSettings): string[] {
  const out: string[] = [];
  const pg = s.postgres;
  if (pg) {
    if (pg.synchronousMode) {
      const syncDbs = Object.entries(pg.synchronousCommit).filter(([, v]) => v !== "local" && v !== "off").map(([db]) => db);
      const names = classes.filter((c) => c.database && syncDbs.includes(c.database)).map((c) => c.name);
      out.push(`synchronous replication: every commit of ${names.join(", ") || "(no class)"} waits one cross-zone round trip (about ${POSTGRES.crossZoneCommitRttMs} ms); other classes commit locally. RPO 0 across regions would cost ${POSTGRES.crossRegionCommitRttMs} ms per commit and is not offered.`);
    }
    if (pg.archiveMode && pg.archiveTimeoutSeconds > 0) {
      const segments = Math.ceil(86400 / pg.archiveTimeoutSeconds);
      out.push(`archive_timeout ${pg.archiveTimeoutSeconds} s forces up to ${segments} WAL segments a day on an idle database (${fmtBytes(segments * POSTGRES.walSegmentBytes)} raw, about ${fmtBytes(segments * POSTGRES.compressedIdleSegmentBytes)} compressed).`);
    }
  }
  if (s.backup.replicationTimeControl) out.push("S3 Replication Time Control is on: replicated data is billed an extra RTC fee per GB.");
  if (s.llm && s.llm.providers.length > 1) {
    const worst = llmSwitchSeconds(s.llm).toStandby;
    out.push(`LLM gateway: while ${s.llm.providers[0].name} is down every request first fails there (no circuit breaker): up to ${worst} s extra latency per request; per-attempt timeout ${s.llm.requestTimeoutSeconds} s also cuts off any answer slower than that.`);
  }
  return out;
}
