import { CONFIG_NAMESPACE } from "./config";

/**
 * The `agent-dr:*` keys of flat Pulumi config ("ns:key" -> string, as the CLI hands it to a
 * program), namespace stripped and structured values parsed. A value that looks structured but is
 * not valid JSON stays a string, so the schema names its key instead of a JSON parser failing.
 */
export function rawConfigFrom(flat: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(flat)) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = parseValue(value);
  }
  return raw;
}

function parseValue(value: string): unknown {
  const trimmed = value.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return value;
  try {
    return JSON.parse(trimmed);
  } catch {
    return value;
  }
}
