import { CHAOS_FAULTS, type ChaosFault } from "../../contract/probe";
import type { ResourceLike } from "../../contract/signals";
import { drTestSchedule } from "../controller/schedule";
import { DR_TEST_LABEL } from "../network/labels";
import { LLM_OUTAGE_TEST } from "../llm-gateway/render/outage-test";
import { FAULT_LABEL } from "./render";

/** Label the LLM gateway puts on its monthly outage test CronJob. */
const LLM_OUTAGE_TEST_LABEL = "agent-dr/dr-schedule";

/** The store and scenario each runbook DR test rehearses (components/controller/schedule.ts, the LLM outage test). */
const RUNBOOK_TEST_SCOPE: Record<string, { store: string; scenario: string }> = {
  "backup-restore": { store: "postgres", scenario: "logical-corruption" },
  "sentinel-failover": { store: "redis", scenario: "instance-loss" },
  "redis-primary-kill": { store: "redis", scenario: "instance-loss" },
  "postgres-switchover": { store: "postgres", scenario: "instance-loss" },
  "dump-restore": { store: "postgres", scenario: "logical-corruption" },
  [LLM_OUTAGE_TEST.name]: { store: "llm-gateway", scenario: "llm-provider-outage" },
};

/** One scheduled in-cluster test that exercises a class's store. */
export interface MeasuredTest {
  name: string;
  /** fault: a scheduled fault the recovery probe measures; dr-test: a DR test CronJob (a runbook or the LLM outage test) that checks its own outcome. */
  kind: "fault" | "dr-test";
  /** A fault's injector: a Chaos Mesh Schedule, or a DR test CronJob (the Redis primary kill: no selector picks the primary). */
  injectedBy?: "chaos-mesh" | "dr-test";
  scenario: string;
  /** 5-field cron, UTC. */
  schedule: string;
  /** e.g. "weekly Tue 02:00 UTC". */
  cadence: string;
}

export interface ClassMeasuredTests {
  dataClass: string;
  tests: MeasuredTest[];
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const ordinal = (n: number) => `${n}${n % 10 === 1 && n !== 11 ? "st" : n % 10 === 2 && n !== 12 ? "nd" : n % 10 === 3 && n !== 13 ? "rd" : "th"}`;

/** A cron in words for the shapes the stack uses (daily, weekly on a day, monthly on a date); others verbatim. */
export function describeCadence(cron: string): string {
  const f = cron.trim().split(/\s+/);
  const simple = (v: string) => /^\d+$/.test(v);
  if (f.length !== 5 || !simple(f[0]) || !simple(f[1]) || f[3] !== "*") return `cron "${cron}" UTC`;
  const time = `${f[1].padStart(2, "0")}:${f[0].padStart(2, "0")}`;
  if (f[2] === "*" && f[4] === "*") return `daily ${time} UTC`;
  if (f[2] === "*" && simple(f[4]) && Number(f[4]) <= 7) return `weekly ${DAYS[Number(f[4]) % 7]} ${time} UTC`;
  if (simple(f[2]) && f[4] === "*") return `monthly on the ${ordinal(Number(f[2]))} ${time} UTC`;
  return `cron "${cron}" UTC`;
}

/** The tests the captured resources schedule: fault Schedules (by FAULT_LABEL) and DR test CronJobs (by their labels). */
function scheduledTests(resources: ResourceLike[]): Array<MeasuredTest & { store: string }> {
  const runbooks = new Map(drTestSchedule().map((t) => [t.name, t]));
  const found: Array<MeasuredTest & { store: string }> = [];
  for (const r of resources) {
    const labels: Record<string, string> = r.inputs.metadata?.labels ?? {};
    const schedule: string | undefined = r.inputs.spec?.schedule;
    if (!schedule) continue;
    if (r.type === "kubernetes:chaos-mesh.org/v1alpha1:Schedule" && labels[FAULT_LABEL] in CHAOS_FAULTS) {
      const f = CHAOS_FAULTS[labels[FAULT_LABEL] as ChaosFault];
      found.push({ name: labels[FAULT_LABEL], kind: "fault", injectedBy: "chaos-mesh", scenario: f.scenario, store: f.store, schedule, cadence: describeCadence(schedule) });
      continue;
    }
    if (r.type !== "kubernetes:batch/v1:CronJob") continue;
    const test = labels[DR_TEST_LABEL] ?? labels[LLM_OUTAGE_TEST_LABEL];
    // A DR test that injects a scheduled fault is listed as that fault: the probe measures it.
    const injects = runbooks.get(test)?.fault;
    if (injects && labels[FAULT_LABEL] === injects) {
      const f = CHAOS_FAULTS[injects];
      found.push({ name: injects, kind: "fault", injectedBy: "dr-test", scenario: f.scenario, store: f.store, schedule, cadence: describeCadence(schedule) });
      continue;
    }
    const scope = test ? RUNBOOK_TEST_SCOPE[test] : undefined;
    // A CronJob the labels call a DR test but this list does not know is not shown as measuring anything.
    if (!scope || (labels[DR_TEST_LABEL] && !runbooks.has(test))) continue;
    found.push({ name: test, kind: "dr-test", scenario: scope.scenario, store: scope.store, schedule, cadence: describeCadence(schedule) });
  }
  return found;
}

/** Per data class, the scheduled in-cluster tests that exercise its store, faults first, each by name. */
export function measuredTestsByDataClass(resources: ResourceLike[], classes: Array<{ name: string; store: string }>): ClassMeasuredTests[] {
  const tests = scheduledTests(resources);
  return classes.map((c) => ({
    dataClass: c.name,
    tests: tests
      .filter((t) => t.store === c.store)
      .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "fault" ? -1 : 1))
      .map(({ store: _store, ...t }) => t),
  }));
}
