/** The parts of the resolved config that are more than a default: the environment, cluster access and every data class's targets. */
import { DEFAULT_DATA_CLASSES } from "./defaults";
import { formatDuration, parseDuration } from "./durations";
import type { ConfigProblem } from "./errors";
import type { KeyOf } from "./cross-key-problems";
import { SCENARIOS, Scenario, scenarioApplies, Store, STORE_SCENARIOS, Target } from "./scenarios";
import type { RawStackConfig } from "./schema";
import { CONFIG_NAMESPACE, type ClusterAccess, type DataClass, type Environment } from "./stack-config";

export function resolveEnvironment(cfg: RawStackConfig, stack: string, problems: ConfigProblem[]): Environment | undefined {
  if (cfg.environment) return cfg.environment;
  if (stack === "staging" || stack === "prod") return stack;
  problems.push({
    key: `${CONFIG_NAMESPACE}:environment`,
    value: undefined,
    expected: `expected "staging" or "prod" (the stack "${stack}" does not name an environment)`,
  });
  return undefined;
}

export function resolveAccess(
  raw: { kubeconfig?: string; context?: string; namespace?: string } | undefined,
  path: string,
  problems: ConfigProblem[],
  key: KeyOf,
  namespace: string,
): ClusterAccess {
  if (raw?.kubeconfig && raw?.context) {
    problems.push({ key: key(`${path}.context`), value: raw.context, expected: "expected either kubeconfig or context, not both" });
  }
  return {
    ...(raw?.kubeconfig ? { kubeconfig: raw.kubeconfig } : {}),
    ...(raw?.context ? { context: raw.context } : {}),
    namespace: raw?.namespace ?? namespace,
  };
}

export function resolveDataClasses(
  cfg: RawStackConfig,
  problems: ConfigProblem[],
  key: KeyOf,
  enabledStores: Record<Store, boolean>,
): DataClass[] {
  const names = new Set([...Object.keys(DEFAULT_DATA_CLASSES), ...Object.keys(cfg.dataClasses ?? {})]);
  const classes: DataClass[] = [];
  for (const name of names) {
    const base = DEFAULT_DATA_CLASSES[name];
    const user = cfg.dataClasses?.[name] ?? {};
    if (user.enabled === false) continue;
    const at = (p: string) => key(`dataClasses.${name}.${p}`);
    const store = user.store ?? base?.store;
    const rto = user.rto ?? base?.rto;
    const rpo = user.rpo ?? base?.rpo;
    if (!store) problems.push({ key: at("store"), value: undefined, expected: `expected one of "postgres", "redis", "llm-gateway" for a new data class` });
    if (!rto) problems.push({ key: at("rto"), value: undefined, expected: "expected a duration for a new data class" });
    if (!rpo) problems.push({ key: at("rpo"), value: undefined, expected: "expected a duration for a new data class" });
    if (!store || !rto || !rpo) continue;
    if (!enabledStores[store] && base !== undefined && cfg.dataClasses?.[name] === undefined && store === "llm-gateway") continue;
    if (!enabledStores[store]) {
      problems.push({ key: at("store"), value: store, expected: `expected a store that is enabled (${store === "llm-gateway" ? "agent-dr:llm is unset or its enabled is false" : `agent-dr:${store}.enabled is false`}); disable the class with enabled: false` });
      continue;
    }
    const targets = {} as Record<Scenario, Target>;
    const notes: Partial<Record<Scenario, string>> = {};
    // A headline RPO above the RTO fails every scenario it reaches: one problem naming them all.
    const rpoAboveRto = new Map<string, { value: string; misses: Map<string, string[]> }>();
    // The same clash told from the RTO's side: the user lowered an RTO below an RPO they never wrote (a default).
    const rtoBelowRpo = new Map<string, { value: string; misses: Map<string, string[]> }>();
    for (const scenario of SCENARIOS) {
      const userScenario = user.scenarios?.[scenario];
      const baseScenario = base?.scenarios?.[scenario];
      // A user-set headline target replaces the default's per-scenario exceptions only where the user names them.
      const scenarioRto = userScenario?.rto ?? (user.rto === undefined ? baseScenario?.rto : undefined) ?? rto;
      const scenarioRpo = userScenario?.rpo ?? (user.rpo === undefined ? baseScenario?.rpo : undefined) ?? rpo;
      const target = { rpoSeconds: parseDuration(scenarioRpo), rtoSeconds: parseDuration(scenarioRto) };
      // "unbounded" RPO declares accepted loss, which any RTO may go with; a scenario that does not concern the store has no row to fail.
      if (target.rpoSeconds > target.rtoSeconds && Number.isFinite(target.rpoSeconds) && scenarioApplies(store, scenario)) {
        const rpoWritten = userScenario?.rpo !== undefined || user.rpo !== undefined;
        const rtoWritten = userScenario?.rto !== undefined || user.rto !== undefined;
        if (!rpoWritten && rtoWritten) {
          const where = userScenario?.rto !== undefined ? `scenarios.${scenario}.rto` : "rto";
          const entry = rtoBelowRpo.get(where) ?? { value: scenarioRto, misses: new Map<string, string[]>() };
          const rpoText = formatDuration(target.rpoSeconds);
          entry.misses.set(rpoText, [...(entry.misses.get(rpoText) ?? []), scenario]);
          rtoBelowRpo.set(where, entry);
        } else {
          const where = userScenario?.rpo || (user.rpo === undefined && baseScenario?.rpo) ? `scenarios.${scenario}.rpo` : "rpo";
          const entry = rpoAboveRto.get(where) ?? { value: scenarioRpo, misses: new Map<string, string[]>() };
          const rto = formatDuration(target.rtoSeconds);
          entry.misses.set(rto, [...(entry.misses.get(rto) ?? []), scenario]);
          rpoAboveRto.set(where, entry);
        }
      }
      // A scenario that does not concern the store has no target: the class's headline RTO must not
      // reach settings derived from that scenario (a 30 s gateway RTO is no region-loss RTO).
      if (!scenarioApplies(store, scenario) && (userScenario?.rto !== undefined || userScenario?.rpo !== undefined)) {
        problems.push({ key: at(`scenarios.${scenario}`), value: userScenario, expected: `no target: ${scenario} does not concern the ${store} store (its scenarios: ${STORE_SCENARIOS[store].join(", ")})` });
      }
      targets[scenario] = scenarioApplies(store, scenario) ? target : { rpoSeconds: Infinity, rtoSeconds: Infinity };
      const note = userScenario?.note ?? baseScenario?.note;
      if (note) notes[scenario] = note;
    }
    for (const [where, { value, misses }] of rpoAboveRto) {
      problems.push({
        key: at(where),
        value,
        expected: `expected an RPO no larger than the RTO (${[...misses].map(([rto, scenarios]) => `${rto} for ${scenarios.join(", ")}`).join("; ")}): data older than the time you may be down cannot be worth losing`,
      });
    }
    for (const [where, { value, misses }] of rtoBelowRpo) {
      problems.push({
        key: at(where),
        value,
        expected: `expected an RTO no smaller than the class's RPO (default ${[...misses].map(([rpo, scenarios]) => `${rpo} for ${scenarios.join(", ")}`).join("; ")}): data older than the time you may be down cannot be worth losing; raise the RTO, or set the RPO too`,
      });
    }
    const database = store === "postgres" ? user.database ?? base?.database ?? name : undefined;
    classes.push({
      name,
      store,
      ...(database ? { database } : {}),
      description: user.description ?? base?.description ?? name,
      targets,
      notes,
    });
  }
  return classes;
}
