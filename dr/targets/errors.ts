/** One problem in the stack config: the full key, the value found, and what was expected. */
export interface ConfigProblem {
  key: string;
  value: unknown;
  expected: string;
}

/** Thrown before any resource is created when the stack config is invalid. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(
      `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.key}: got ${showValue(p.value)}; ${p.expected}`).join("\n"),
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Values are shown so the user can find them; kubeconfigs never are. */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
