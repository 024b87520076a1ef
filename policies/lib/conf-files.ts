import { parseBool, parsePgNumber, pg15Settings } from "../../dr/targets/postgres-parameters";
/**
 * Readers for the configuration files the tiers render into ConfigMaps, as the servers read them:
 * one directive per line, the last occurrence wins, comments start with '#'.
 */

/** Directives of a redis.conf / sentinel.conf: name (lower-cased) -> every occurrence's arguments. */
export function redisDirectives(text: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [name, ...args] = line.split(/\s+/).map((t) => t.replace(/^"(.*)"$/, "$1"));
    const key = name.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), args]);
  }
  return out;
}

/** The last value of a single-valued directive. */
export function lastDirective(d: Map<string, string[][]>, name: string): string[] | undefined {
  const all = d.get(name);
  return all ? all[all.length - 1] : undefined;
}

const PG_TIME_UNITS: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, min: 60, h: 3600, d: 86400 };

/**
 * A PostgreSQL time parameter in seconds ("55s", "1min", "60", 60). A bare number is in the
 * parameter's base unit, seconds for archive_timeout. NaN when malformed.
 */
export function pgSeconds(value: unknown, baseUnitSeconds = 1): number {
  if (typeof value === "number") return value * baseUnitSeconds;
  if (typeof value !== "string") return NaN;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return NaN;
  if (m[2] === "") return Number(m[1]) * baseUnitSeconds;
  const unit = PG_TIME_UNITS[m[2]];
  return unit === undefined ? NaN : Number(m[1]) * unit;
}

/** PostgreSQL booleans: on/off, true/false, yes/no, 1/0 and unique prefixes of them. */
export function pgBool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== "string") return undefined;
  // PostgreSQL's own rule (any unique prefix: "of" is off, "fals" is false), the one the config validator applies.
  return parseBool(value.trim());
}

/**
 * A numeric PostgreSQL parameter as the server reads it, in the parameter's base unit (MB for
 * max_slot_wal_keep_size, ms for recovery_min_apply_delay): "1GB" is 1024. Undefined when unset or
 * unreadable (the config validator refuses those before a plan).
 */
export function pgNumber(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const setting = pg15Settings().get(name);
  if (!setting || (setting.vartype !== "integer" && setting.vartype !== "real")) return undefined;
  const parsed = parsePgNumber(String(value).trim(), setting.vartype, setting.unit);
  return parsed.ok ? parsed.value : undefined;
}
