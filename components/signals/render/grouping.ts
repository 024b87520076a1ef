import { ConfigError, CONFIG_NAMESPACE, DataClass, Scenario, SignalAlert, StackConfig } from "../../../dr/targets";
import type { ProtectedTarget } from "./model";

/** A class's tightest finite target of one kind over some scenarios, or undefined when all are unbounded (or 0 where zero is excluded). */
export function tightestTarget(c: DataClass, kind: "RPO" | "RTO", scenarios: Scenario[], opts: { positive?: boolean } = {}): ProtectedTarget | undefined {
  const field = kind === "RPO" ? "rpoSeconds" : "rtoSeconds";
  let seconds = Infinity;
  for (const s of scenarios) {
    const v = c.targets[s][field];
    if (opts.positive && v === 0) continue;
    seconds = Math.min(seconds, v);
  }
  if (!Number.isFinite(seconds)) return undefined;
  const at = scenarios.filter((s) => c.targets[s][field] === seconds);
  return { kind, seconds, scenarios: at };
}

/** Classes that share a derived value share one rule; the group keeps the tightest target it protects. */
export interface ClassGroup<K> {
  key: K;
  dataClasses: string[];
  target: ProtectedTarget;
  /** Each class's own target (the group's `target` is the tightest of them). */
  targets: Record<string, ProtectedTarget>;
}

export function groupClasses<K extends string | number>(items: Array<{ dataClass: string; key: K; target: ProtectedTarget }>): Array<ClassGroup<K>> {
  const groups = new Map<K, ClassGroup<K>>();
  for (const it of items) {
    const g = groups.get(it.key);
    if (!g) {
      groups.set(it.key, { key: it.key, dataClasses: [it.dataClass], target: { ...it.target, scenarios: [...it.target.scenarios] }, targets: { [it.dataClass]: it.target } });
      continue;
    }
    g.dataClasses.push(it.dataClass);
    g.targets[it.dataClass] = it.target;
    if (it.target.seconds < g.target.seconds) g.target = { ...it.target, scenarios: [...it.target.scenarios] };
    else if (it.target.seconds === g.target.seconds) {
      for (const s of it.target.scenarios) if (!g.target.scenarios.includes(s)) g.target.scenarios.push(s);
    }
  }
  return [...groups.values()].sort((a, b) => Number(a.key) - Number(b.key) || String(a.key).localeCompare(String(b.key)));
}

/** The override of an alert's threshold, if the stack sets one (validated by the config schema). */
export function overrideOf(config: StackConfig, alert: SignalAlert): number | undefined {
  return config.signals.overrides[alert];
}

/** Overrides for alerts the stack does not produce would be silently ignored; refuse them instead. */
export function checkOverridesUsed(config: StackConfig, produced: Set<SignalAlert>): void {
  const unused = Object.keys(config.signals.overrides).filter((a) => !produced.has(a as SignalAlert));
  if (unused.length === 0) return;
  throw new ConfigError(
    unused.map((a) => ({
      key: `${CONFIG_NAMESPACE}:signals.overrides.${a}`,
      value: config.signals.overrides[a as SignalAlert],
      expected: `no override: this stack has no ${a} alert (it watches: ${[...produced].sort().join(", ") || "nothing"})`,
    })),
  );
}

/** Link to an executable runbook's page: docs/runbooks/<name>.md, under the configured base URL if any. */
export function runbookLink(config: StackConfig, name: string): string {
  return `${config.signals.runbookBaseUrl}docs/runbooks/${name}.md`;
}

/** Link to the response guide of an alert that no single runbook answers: docs/alerts/<name>.md. */
export function alertGuideLink(config: StackConfig, name: string): string {
  return `${config.signals.runbookBaseUrl}docs/alerts/${name}.md`;
}
