/**
 * The Chaos Mesh fault Schedules (components/chaos): every rendered Schedule and the chaos spec it
 * embeds hold against the vendored Chaos Mesh CRDs; no fault can select the recovery probe; the
 * fault no selector can target (the Redis primary) is a DR test CronJob on the fault's own cron;
 * no two scheduled tests (faults, runbook DR tests, the LLM outage test) overlap over three years;
 * the staging stack carries the Schedules and prod does not.
 */
import { CronExpressionParser } from "cron-parser";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { baseLabels } from "../../components/tags";
import { CHAOS_FAULTS, PROBE_APP_LABEL } from "../../contract/probe";
import { faultChaos, faultSchedule, FAULT_CADENCE, FAULT_INJECTORS, renderFaultSchedules, stackFaultSchedule, stackFaultTargets, chaosMeshValues } from "../../components/chaos";
import { drTestSchedule } from "../../components/controller/schedule";
import { LLM_OUTAGE_TEST } from "../../components/llm-gateway/render/outage-test";
import { parseStackConfig, StackConfig } from "../../dr/targets";
import { deriveSettings } from "../../dr/settings";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile, stackFilePath } from "../../offline/stack-files";
import { validateCustomObject, validateK8sObjects } from "../harness/k8s-validate";
import { byType, runStack } from "../harness/offline";
import { TYPES } from "../../contract/resource-types";

function stackConfig(name: string): StackConfig {
  return parseStackConfig(rawConfigOf(readStackFile(stackFilePath(name))), name);
}

/** Every Schedule the staging stack renders, and the same with prod's tiers turned on (both regions' gateways, its cluster name). */
function renderedSchedules(): Array<Record<string, any>> {
  const staging = stackConfig("staging");
  const prod = stackConfig("prod");
  return [
    ...renderFaultSchedules(stackFaultSchedule(staging), stackFaultTargets(staging), { "app.kubernetes.io/part-of": "agent-dr" }),
    ...renderFaultSchedules(faultSchedule("prod", { postgres: true, redis: true, llmGateway: true, drTests: true }, true), stackFaultTargets(prod), {}),
  ];
}

/** The embedded spec as the chaos object Chaos Mesh creates from the Schedule (what one-off tests apply by hand). */
function embeddedChaos(s: Record<string, any>) {
  const key = s.spec.type === "PodChaos" ? "podChaos" : "networkChaos";
  return { apiVersion: s.apiVersion, kind: s.spec.type, metadata: { name: s.metadata.name, namespace: s.metadata.namespace }, spec: s.spec[key] };
}

/** Does a Chaos Mesh selector pick a pod with these labels in this namespace? */
function selects(selector: any, namespace: string, labels: Record<string, string>): boolean {
  if (!selector.namespaces?.includes(namespace)) return false;
  if (!Object.entries(selector.labelSelectors ?? {}).every(([k, v]) => labels[k] === v)) return false;
  return (selector.expressionSelectors ?? []).every((e: any) => {
    const has = e.key in labels;
    if (e.operator === "NotIn") return !has || !e.values.includes(labels[e.key]);
    if (e.operator === "In") return has && e.values.includes(labels[e.key]);
    throw new Error(`operator ${e.operator} not modelled`);
  });
}

describe("rendered Schedules against the vendored Chaos Mesh CRDs", () => {
  const schedules = renderedSchedules();

  it("renders one Schedule per schedulable fault of each stack (3 + 3)", () => {
    expect(schedules.map((s) => s.metadata.name).sort()).toEqual(
      ["agent-dr-llm-provider-egress-block", "agent-dr-postgres-leader-kill", "agent-dr-postgres-leader-partition"].flatMap((n) => [n, n]).sort(),
    );
  });

  it.each(renderedSchedules().map((s) => [s.metadata.name, s.spec.type, s] as const))("%s validates as a Schedule, and its embedded spec as a %s", (_name, _type, s) => {
    expect(validateCustomObject(s as any)).toEqual([]);
    expect(validateCustomObject(embeddedChaos(s) as any)).toEqual([]);
  });

  it("refuses what Chaos Mesh would refuse (the validator bites)", () => {
    const s = structuredClone(schedules[0]);
    s.spec.podChaos.action = "pod-kil";
    expect(validateCustomObject(s as any)).toEqual([expect.stringContaining("/spec/podChaos/action")]);
    const n = structuredClone(schedules.find((x) => x.spec.type === "NetworkChaos")!);
    n.spec.networkChaos.direction = "sideways";
    expect(validateCustomObject(n as any)).toEqual([expect.stringContaining("/spec/networkChaos/direction")]);
    const missing = structuredClone(schedules[0]);
    delete missing.spec.type;
    expect(validateCustomObject(missing as any)).toEqual([expect.stringContaining("type")]);
  });

  it("runs every fault with concurrencyPolicy Forbid, a short history and a bounded duration where the fault lasts", () => {
    for (const s of schedules) {
      expect(s.spec).toMatchObject({ concurrencyPolicy: "Forbid", historyLimit: 3 });
      if (s.spec.type === "NetworkChaos") expect(s.spec.networkChaos.duration).toBe(`${FAULT_CADENCE[s.metadata.labels["agent-dr/fault"] as keyof typeof FAULT_CADENCE].durationSeconds}s`);
    }
  });

  it("kills and partitions the Patroni leader (spilo-role master) of the stack's own cluster, from its replicas in both directions", () => {
    const kill = schedules.find((s) => s.metadata.name === "agent-dr-postgres-leader-kill")!;
    expect(kill.spec.podChaos.selector.labelSelectors).toEqual({ application: "spilo", "cluster-name": "agent-pg-staging", "spilo-role": "master" });
    const part = schedules.find((s) => s.metadata.name === "agent-dr-postgres-leader-partition")!;
    expect(part.spec.networkChaos).toMatchObject({ action: "partition", direction: "both", target: { mode: "all", selector: { labelSelectors: { "spilo-role": "replica" } } } });
    // And from the DCS (the API server), or the leader would keep its lock.
    expect(part.spec.networkChaos.externalTargets).toEqual(stackConfig("staging").network.apiServerCidrs);
  });

  it.each(["staging", "prod"])("the %s partition outlasts Patroni's ttl plus two loops, so a replica takes over inside it", (name) => {
    const settings = deriveSettings(stackConfig(name));
    const p = settings.postgres!.patroni;
    expect(FAULT_CADENCE["postgres-leader-partition"].durationSeconds).toBeGreaterThan(p.ttlSeconds + 2 * p.loopWaitSeconds);
  });

  it("blocks the gateway's egress to the first provider of the chain only", () => {
    const block = schedules.find((s) => s.metadata.name === "agent-dr-llm-provider-egress-block")!;
    expect(block.spec.networkChaos).toMatchObject({ direction: "to", externalTargets: ["api.openai.com"] });
  });

  it("never selects the recovery probe's pods, whatever else they carry", () => {
    for (const s of schedules) {
      const spec = embeddedChaos(s).spec;
      for (const sel of [spec.selector, spec.target?.selector].filter(Boolean)) {
        // The probe with every label a fault selects on: only the probe's own name keeps it out.
        const probe = { ...sel.labelSelectors, "app.kubernetes.io/name": PROBE_APP_LABEL };
        expect(selects(sel, s.metadata.namespace, probe)).toBe(false);
        expect(selects(sel, s.metadata.namespace, { ...sel.labelSelectors })).toBe(true);
      }
    }
  });
});

describe("faultSchedule: what the Schedules, the fault-injecting DR tests and the probe's config read", () => {
  const all = { postgres: true, redis: true, llmGateway: true, drTests: true };
  it("is on in staging and off in prod by default; on in prod only when asked", () => {
    expect(faultSchedule("staging", all).map((f) => f.fault)).toEqual(["postgres-leader-kill", "postgres-leader-partition", "redis-primary-kill", "llm-provider-egress-block"]);
    expect(faultSchedule("prod", all)).toEqual([]);
    expect(faultSchedule("prod", all, true)).toEqual(faultSchedule("staging", all));
    expect(faultSchedule("staging", all, false)).toEqual([]);
  });

  it("schedules no fault on a tier the stack does not deploy", () => {
    expect(faultSchedule("staging", { ...all, postgres: false }).map((f) => f.fault)).toEqual(["redis-primary-kill", "llm-provider-egress-block"]);
    expect(faultSchedule("staging", { ...all, redis: false, llmGateway: false }).map((f) => f.fault)).toEqual(["postgres-leader-kill", "postgres-leader-partition"]);
  });

  it("the Redis primary kill only where the DR test CronJobs run: it is one of them (prod with chaos on has no DR tests)", () => {
    expect(faultSchedule("prod", { ...all, drTests: false }, true).map((f) => f.fault)).toEqual(["postgres-leader-kill", "postgres-leader-partition", "llm-provider-egress-block"]);
    expect(stackFaultSchedule(stackConfig("staging")).map((f) => f.fault)).toContain("redis-primary-kill");
    expect(stackFaultSchedule(stackConfig("prod"))).toEqual([]);
  });

  it("every fault Chaos Mesh can not target is injected by a DR test on the fault's cron, and Chaos Mesh renders no Schedule for it", () => {
    const dr = drTestSchedule();
    for (const fault of Object.keys(CHAOS_FAULTS) as Array<keyof typeof CHAOS_FAULTS>) {
      const injector = dr.find((t) => t.fault === fault);
      const chaos = faultChaos({ fault, schedule: FAULT_CADENCE[fault].schedule, durationSeconds: FAULT_CADENCE[fault].durationSeconds }, stackFaultTargets(stackConfig("staging")));
      if (FAULT_INJECTORS[fault] === "dr-test") {
        expect({ fault, schedule: injector?.schedule, args: injector?.args, chaos }).toEqual({ fault, schedule: FAULT_CADENCE[fault].schedule, args: ["--in-fault-window"], chaos: expect.stringMatching(/labels no pod with its role/) });
      } else {
        expect({ fault, injector, chaos: typeof chaos }).toEqual({ fault, injector: undefined, chaos: "object" });
      }
    }
  });
});

describe("no two scheduled tests overlap", () => {
  // A runbook test's window: its runbook's own timeouts keep it under an hour.
  const RUNBOOK_TEST_SECONDS = 3600;
  // A fault a DR test injects is that test's window (it starts with it and lasts less): counted once, as the test.
  const injectedByDrTests = new Set(drTestSchedule().flatMap((t) => (t.fault ? [t.fault] : [])));
  const tests = [
    ...Object.entries(FAULT_CADENCE)
      .filter(([name]) => !injectedByDrTests.has(name as keyof typeof FAULT_CADENCE))
      .map(([name, c]) => ({ name, schedule: c.schedule, seconds: c.durationSeconds })),
    ...drTestSchedule().map((t) => ({ name: t.name, schedule: t.schedule, seconds: RUNBOOK_TEST_SECONDS })),
    { name: LLM_OUTAGE_TEST.name, schedule: LLM_OUTAGE_TEST.schedule, seconds: RUNBOOK_TEST_SECONDS },
  ];

  it("every test is in the check, the Redis primary kill on its own weekly slot (Fri 02:00), its fault window inside its hour", () => {
    expect(tests.map((t) => t.name).sort()).toEqual(
      ["backup-restore", "dump-restore", "llm-outage-test", "llm-provider-egress-block", "postgres-leader-kill", "postgres-leader-partition", "postgres-switchover", "redis-primary-kill", "sentinel-failover"].sort(),
    );
    expect(tests.find((t) => t.name === "redis-primary-kill")).toEqual({ name: "redis-primary-kill", schedule: "0 2 * * 5", seconds: RUNBOOK_TEST_SECONDS });
    expect(FAULT_CADENCE["redis-primary-kill"]).toMatchObject({ schedule: "0 2 * * 5" });
    expect(FAULT_CADENCE["redis-primary-kill"].durationSeconds).toBeLessThan(RUNBOOK_TEST_SECONDS);
  });

  /** Every [start, end) window of a test in a year, UTC. */
  function windows(t: { schedule: string; seconds: number }, from: Date, to: Date): Array<[number, number]> {
    const it = CronExpressionParser.parse(t.schedule, { currentDate: from, endDate: to, tz: "UTC" });
    const out: Array<[number, number]> = [];
    while (it.hasNext()) {
      const start = it.next().getTime();
      out.push([start, start + t.seconds * 1000]);
    }
    return out;
  }

  /** Each pair of windows that overlap in the year, named. */
  function clashes(ts: Array<{ name: string; schedule: string; seconds: number }>, year: number): string[] {
    const from = new Date(Date.UTC(year, 0, 1) - 1);
    const to = new Date(Date.UTC(year + 1, 0, 1));
    const all = ts.flatMap((t) => windows(t, from, to).map(([s, e]) => ({ name: t.name, s, e }))).sort((a, b) => a.s - b.s);
    // Sorted by start: a window overlaps another iff it starts before the latest end seen so far.
    let latest = { name: "", e: -Infinity };
    const found: string[] = [];
    for (const w of all) {
      if (w.s < latest.e) found.push(`${latest.name} overlaps ${w.name} at ${new Date(w.s).toISOString()}`);
      if (w.e > latest.e) latest = w;
    }
    return found;
  }

  it.each([2026, 2027, 2028])("over every window of %i", (year) => {
    expect(clashes(tests, year)).toEqual([]);
  });

  it("the check finds an overlap when there is one (a fault moved onto the Monday restore test; the Redis kill onto the Saturday egress block)", () => {
    const moved = tests.map((t) => (t.name === "postgres-leader-kill" ? { ...t, schedule: "30 3 * * 1" } : t));
    expect(clashes(moved, 2027)).toContainEqual(expect.stringMatching(/^backup-restore overlaps postgres-leader-kill/));
    const kill = tests.map((t) => (t.name === "redis-primary-kill" ? { ...t, schedule: "0 2 * * 6" } : t));
    expect(clashes(kill, 2027)).toContainEqual(expect.stringMatching(/^(llm-provider-egress-block overlaps redis-primary-kill|redis-primary-kill overlaps llm-provider-egress-block)/));
  });
});

describe("the stacks under mocks", () => {
  it("staging carries the three Schedules in the tier namespace, valid against the CRDs, and no Chaos Mesh chart unless asked", async () => {
    const run = await runStack("staging");
    expect(run.error).toBeUndefined();
    const schedules = byType(run.resources, TYPES.chaosSchedule);
    expect(schedules.map((r) => r.inputs.metadata.name).sort()).toEqual(["agent-dr-llm-provider-egress-block", "agent-dr-postgres-leader-kill", "agent-dr-postgres-leader-partition"]);
    expect(validateK8sObjects(schedules)).toEqual([]);
    expect(byType(run.resources, "agent-dr:chaos:FaultSchedules")).toHaveLength(1);
    expect(run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "chaos-mesh")).toEqual([]);
  });

  it("prod carries none by default", async () => {
    const run = await runStack("prod");
    expect(run.error).toBeUndefined();
    expect(byType(run.resources, TYPES.chaosSchedule)).toEqual([]);
    expect(byType(run.resources, "agent-dr:chaos:FaultSchedules")).toEqual([]);
  });

  it("installs Chaos Mesh namespace-scoped by its chart when asked, the Schedules after it", async () => {
    const run = await runStack("staging", { "agent-dr:chaos": { installChart: true, chartVersion: "2.8.3", namespace: "chaos-testing" } });
    expect(run.error).toBeUndefined();
    const release = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "chaos-mesh")!;
    expect(release.inputs).toMatchObject({ version: "2.8.3", namespace: "chaos-testing", repositoryOpts: { repo: "https://charts.chaos-mesh.org" } });
    expect(release.inputs.values).toEqual(chaosMeshValues("agent-dr"));
    expect(release.inputs.values.clusterScoped).toBe(false);
  });
});

describe("docs/DRILLS.md shows the render's real output", () => {
  const doc = fs.readFileSync(path.resolve(__dirname, "../../docs/DRILLS.md"), "utf8");
  const section = doc.slice(doc.indexOf("## In-cluster measured tests (staging)"), doc.indexOf("## Code map"));
  // A block inside a numbered step is indented as a whole: drop its first line's indentation.
  const dedent = (text: string) => text.replace(new RegExp(`^ {${/^ */.exec(text)![0].length}}`, "gm"), "");
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => YAML.parse(dedent(m[1])));
  const staging = stackConfig("staging");
  const rendered = renderFaultSchedules(stackFaultSchedule(staging), stackFaultTargets(staging), baseLabels(staging, "chaos"));

  it("the Schedule excerpt is the staging render, verbatim", () => {
    const shown = blocks.find((b) => b.kind === "Schedule");
    expect(shown).toEqual(rendered.find((r) => r.metadata.name === shown.metadata.name));
  });

  it("the one-off PodChaos is the leader kill's embedded spec for prod's cluster, and valid against the PodChaos CRD", () => {
    const oneOff = blocks.find((b) => b.kind === "PodChaos");
    expect(validateCustomObject(oneOff)).toEqual([]);
    const kill = structuredClone(rendered.find((r) => r.metadata.name === "agent-dr-postgres-leader-kill")!.spec.podChaos);
    kill.selector.labelSelectors["cluster-name"] = stackConfig("prod").postgres.clusterName;
    expect(oneOff.spec).toEqual(kill);
  });
});
