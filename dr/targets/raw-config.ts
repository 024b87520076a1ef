import { CONFIG_NAMESPACE } from "./config";
import { ConfigError, type ConfigProblem } from "./errors";

/**
 * The `agent-dr:*` keys of flat Pulumi config ("ns:key" -> string, as the CLI hands it to a
 * program), namespace stripped and structured values parsed. A value that looks structured but is
 * not valid JSON stays a string, so the schema names its key instead of a JSON parser failing.
 */
export function rawConfigFrom(flat: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  const foreign: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(flat)) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = parseValue(value);
    else if (!OTHER_NAMESPACES.includes(key.split(":")[0])) {
      // "agentdr:postgres" would drop every override of the tier without a word.
      const ns = key.split(":")[0];
      foreign.push({ key, value: ns, expected: `expected the namespace ${CONFIG_NAMESPACE} or one of a provider the stack uses (${OTHER_NAMESPACES.join(", ")}): a key under a misspelt namespace would be ignored` });
    }
  }
  if (foreign.length > 0) throw new ConfigError(foreign);
  return raw;
}

/** Config namespaces besides the project's: the providers the program uses, and Pulumi's own. */
const OTHER_NAMESPACES = ["aws", "kubernetes", "random", "pulumi"];

function parseValue(value: string): unknown {
  const trimmed = value.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return value;
  try {
    return JSON.parse(trimmed);
  } catch {
    return value;
  }
}
