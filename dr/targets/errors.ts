/** One problem in the stack config: the full key, the value found, and what was expected. */
export interface ConfigProblem {
  key: string;
  value: unknown;
  expected: string;
}

/** Thrown before any resource is created when the stack config is invalid. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  /** The file the config came from, when the reader knows it (the CLI names it). */
  readonly file?: string;
  constructor(problems: ConfigProblem[], file?: string) {
    // Two checks reaching the same conclusion about the same key say it once.
    const unique = problems.filter((p, i) => problems.findIndex((q) => q.key === p.key && q.expected === p.expected && showValue(q.value) === showValue(p.value)) === i);
    super(
      `invalid stack configuration${file ? ` in ${file}` : ""} (${unique.length} problem${unique.length === 1 ? "" : "s"}):\n` +
        unique.map((p) => `  - ${p.key}: got ${showValue(p.value)}; ${p.expected}`).join("\n"),
    );
    this.name = "ConfigError";
    this.problems = unique;
    if (file !== undefined) this.file = file;
  }
}

/** Values are shown so the user can find them; kubeconfigs never are. */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The machine-readable form of a config error (`npm run plan -- --json` prints it on exit 2). */
export interface ConfigErrorReport {
  error: string;
  issues: Array<{ key: string; value: unknown; expected: string }>;
}

/**
 * The report of a ConfigError, or of its message after the Pulumi runtime carried it across as
 * text (a component's RunError): its "  - key: got value; expected" lines are read back.
 */
export function configErrorReport(e: Error): ConfigErrorReport {
  const [headline] = e.message.split("\n");
  const problems =
    e instanceof ConfigError
      ? e.problems
      : e.message
          .split("\n")
          .map((line) => /^\s*- (\S+): got (.*?); (expected .*|unknown .*|required.*|invalid .*)$/.exec(line))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => ({ key: m[1], value: parseShown(m[2]), expected: m[3] }));
  return {
    error: headline.replace(/:$/, ""),
    issues: problems.map((p) => ({ key: p.key, value: p.value === undefined ? null : p.value, expected: p.expected })),
  };
}

function parseShown(text: string): unknown {
  if (text === "nothing") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
