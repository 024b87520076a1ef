import * as fs from "fs";
import * as path from "path";
import { POSTGRES_15_PARAMETERS } from "./pg15-parameter-names";

/**
 * `agent-dr:postgres.overrides.parameters` judged as PostgreSQL 15 would judge them, at plan time:
 * name, type, unit family and range from the server's own catalogue (pg_settings, vendored in
 * dr/targets/pg15-settings.json by scripts/pg15-settings.ts), and the parsing
 * rules of guc.c (parse_bool, parse_int, parse_real, convert_to_base_unit, enum lookup). Patroni
 * drops a value it finds invalid with only a log line, so a value the plan lets through may never
 * reach the server at all. What is left to the server: per-parameter check hooks (a time zone
 * name, a search_path, ...) and rules between parameters; test/real/postgres-parameters.test.ts runs
 * both against a real PostgreSQL 15.
 */

/**
 * Parameters the recovery settings own. An override of one of these would make the deployed
 * cluster differ from what the budget proves, so it is refused rather than merged.
 */
export const MANAGED_PARAMETERS: Readonly<Record<string, string>> = {
  archive_mode: "derived from the recovery targets (WAL archiving is always on)",
  archive_timeout: "use agent-dr:postgres.overrides.archiveTimeoutSeconds",
  archive_command: "Spilo sets it to WAL-G",
  restore_command: "Spilo sets it to WAL-G",
  synchronous_commit: "set per role from the recovery targets (RPO 0 classes commit synchronously)",
  synchronous_standby_names: "Patroni manages it in synchronous_mode",
  wal_level: "must stay 'replica' for streaming replicas and the archive",
  hot_standby: "Patroni manages it",
  primary_conninfo: "Patroni manages it",
  primary_slot_name: "Patroni manages it",
  listen_addresses: "Spilo manages it",
  port: "Spilo manages it",
};

/** Closest known name by edit distance (at most 3 edits), for the error message. */
export function nearestParameter(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const known of POSTGRES_15_PARAMETERS) {
    const d = editDistance(name, known, bestDistance);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

export interface PgSetting {
  name: string;
  vartype: "bool" | "integer" | "real" | "enum" | "string";
  /** Unit of the value without a unit suffix: B, kB, MB, 8kB (blocks), ms, s, min; null when none. */
  unit: string | null;
  min_val: string | null;
  max_val: string | null;
  enumvals: string[] | null;
  /** Spellings the server accepts but pg_settings does not list (guc.c hides them), e.g. wal_level "archive". */
  hidden_enumvals?: string[];
  context: string;
  flags: string[] | null;
}

interface Catalogue {
  source: string;
  licence: string;
  server_version: string;
  parameters: PgSetting[];
}

// Read at run time rather than imported: the policy pack compiles dr/ with a tsconfig without resolveJsonModule.
const CATALOGUE_FILE = path.resolve(__dirname, "pg15-settings.json");
let catalogue: Map<string, PgSetting> | undefined;

/** The vendored pg_settings of PostgreSQL 15, by parameter name. */
export function pg15Settings(): ReadonlyMap<string, PgSetting> {
  if (!catalogue) {
    const doc = JSON.parse(fs.readFileSync(CATALOGUE_FILE, "utf8")) as Catalogue;
    catalogue = new Map(doc.parameters.map((p) => [p.name, p]));
  }
  return catalogue;
}

/**
 * What is wrong with setting `name` to `value` in postgresql.conf through the operator, or
 * undefined when PostgreSQL 15 would take it. The text reads after "got <value>; ".
 */
export function postgresParameterProblem(name: string, value: string): string | undefined {
  // The lexer of postgresql.conf has no way to write these inside a quoted value.
  if (/[\n\r\0]/.test(value)) return "expected a single-line value (postgresql.conf cannot hold a line break or NUL in a value)";
  const nameProblem = parameterNameProblem(name);
  if (nameProblem || name.includes(".")) return nameProblem;
  const setting = pg15Settings().get(name);
  if (!setting) return `expected a parameter of the vendored PostgreSQL 15 catalogue; "${name}" is missing from it (regenerate it: scripts/pg15-settings.ts)`;
  return valueProblem(setting, value);
}

/**
 * What is wrong with the name alone: a parameter the recovery settings own, one PostgreSQL does
 * not let postgresql.conf set, or an unknown one (with the nearest known name). An extension's
 * `prefix.name` passes: it is only known once its library is loaded.
 */
export function parameterNameProblem(name: string): string | undefined {
  if (name in MANAGED_PARAMETERS) return `expected no value here; ${MANAGED_PARAMETERS[name]}`;
  if (name.includes(".") || POSTGRES_15_PARAMETERS.has(name)) return undefined;
  const setting = pg15Settings().get(name);
  if (setting?.context === "internal") return `expected no value here; "${name}" is read-only (PostgreSQL reports it and refuses to set it)`;
  if (setting) return `expected a parameter that postgres --describe-config lists; "${name}" is a developer or session option PostgreSQL keeps out of postgresql.conf`;
  const near = nearestParameter(name);
  return `unknown PostgreSQL parameter "${name}"${near ? ` (did you mean "${near}"?)` : ""}; expected a parameter that postgres --describe-config lists`;
}

function valueProblem(s: PgSetting, value: string): string | undefined {
  switch (s.vartype) {
    case "bool":
      return parseBool(value) === undefined ? "expected a boolean: on, off, true, false, yes, no, 1 or 0" : undefined;
    case "enum": {
      const options = [...(s.enumvals ?? []), ...(s.hidden_enumvals ?? [])];
      // guc.c looks enum values up case-insensitively.
      return options.some((o) => o.toLowerCase() === value.toLowerCase()) ? undefined : `expected one of: ${(s.enumvals ?? []).join(", ")}`;
    }
    case "integer":
    case "real":
      return numberProblem(s, value);
    case "string":
      return undefined;
  }
}

// ---- guc.c's parsers, reproduced -------------------------------------------------------------

/** parse_bool (src/backend/utils/adt/bool.c): a unique prefix of true/false/yes/no, on/off, 1/0; case-insensitive, no white space. */
export function parseBool(value: string): boolean | undefined {
  const v = value.toLowerCase();
  const prefixOf = (word: string, min = 1) => v.length >= min && word.startsWith(v);
  switch (v[0]) {
    case "t":
      return prefixOf("true") ? true : undefined;
    case "f":
      return prefixOf("false") ? false : undefined;
    case "y":
      return prefixOf("yes") ? true : undefined;
    case "n":
      return prefixOf("no") ? false : undefined;
    case "o":
      // "o" alone is not unique: at least two letters.
      if (prefixOf("on", 2)) return true;
      if (prefixOf("off", 2)) return false;
      return undefined;
    case "1":
      return v.length === 1 ? true : undefined;
    case "0":
      return v.length === 1 ? false : undefined;
    default:
      return undefined;
  }
}

type BaseUnit = "B" | "kB" | "MB" | "8kB" | "ms" | "s" | "min";
const MEMORY_UNITS = ["TB", "GB", "MB", "kB", "B"] as const;
const TIME_UNITS = ["d", "h", "min", "s", "ms", "us"] as const;

/** memory_unit_conversion_table and time_unit_conversion_table of guc.c (BLCKSZ = XLOG_BLCKSZ = 8192, as Debian and Spilo build it). */
const CONVERSIONS: Record<BaseUnit, Array<[string, number]>> = {
  B: [["TB", 1024 * 1024 * 1024 * 1024], ["GB", 1024 * 1024 * 1024], ["MB", 1024 * 1024], ["kB", 1024], ["B", 1]],
  kB: [["TB", 1024 * 1024 * 1024], ["GB", 1024 * 1024], ["MB", 1024], ["kB", 1], ["B", 1 / 1024]],
  MB: [["TB", 1024 * 1024], ["GB", 1024], ["MB", 1], ["kB", 1 / 1024], ["B", 1 / (1024 * 1024)]],
  "8kB": [["TB", (1024 * 1024 * 1024) / 8], ["GB", (1024 * 1024) / 8], ["MB", 1024 / 8], ["kB", 1 / 8], ["B", 1 / 8192]],
  ms: [["d", 1000 * 60 * 60 * 24], ["h", 1000 * 60 * 60], ["min", 1000 * 60], ["s", 1000], ["ms", 1], ["us", 1 / 1000]],
  s: [["d", 60 * 60 * 24], ["h", 60 * 60], ["min", 60], ["s", 1], ["ms", 1 / 1000], ["us", 1 / (1000 * 1000)]],
  min: [["d", 60 * 24], ["h", 60], ["min", 1], ["s", 1 / 60], ["ms", 1 / (1000 * 60)], ["us", 1 / (1000 * 1000 * 60)]],
};
const isMemory = (u: BaseUnit) => u === "B" || u === "kB" || u === "MB" || u === "8kB";

/** convert_to_base_unit: "<unit>[spaces]" (unit at most 3 characters, case-sensitive) -> value in the base unit. */
function convertToBaseUnit(value: number, rest: string, base: BaseUnit): number | undefined {
  const m = /^(\S{1,3})\s*$/.exec(rest);
  if (!m) return undefined;
  const table = CONVERSIONS[base];
  const i = table.findIndex(([u]) => u === m[1]);
  if (i < 0) return undefined;
  let converted = value * table[i][1];
  // A fractional value ("30.1GB") is rounded to a whole number of the next smaller unit.
  if (i + 1 < table.length) converted = rint(converted / table[i + 1][1]) * table[i + 1][1];
  return converted;
}

/** rint() in the default rounding mode: to nearest, ties to even. */
function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const isSpace = (c: string | undefined) => c !== undefined && " \t\n\v\f\r".includes(c);

/** C strtol(s, &end, 0): decimal, 0x hex or leading-0 octal after optional white space and sign; end = 0 when nothing was read. */
function strtol(s: string): { value: number; end: number; erange: boolean } {
  let i = 0;
  while (isSpace(s[i])) i++;
  let negative = false;
  if (s[i] === "+" || s[i] === "-") negative = s[i++] === "-";
  let radix = 10;
  let digits: RegExp = /[0-9]/;
  if (s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && /[0-9a-fA-F]/.test(s[i + 2] ?? "")) {
    radix = 16;
    digits = /[0-9a-fA-F]/;
    i += 2;
  } else if (s[i] === "0") {
    radix = 8;
    digits = /[0-7]/;
  }
  const start = i;
  while (i < s.length && digits.test(s[i])) i++;
  if (i === start) return { value: 0, end: 0, erange: false };
  let big = BigInt(0);
  for (const c of s.slice(start, i)) big = big * BigInt(radix) + BigInt(parseInt(c, radix));
  const limit = BigInt("9223372036854775807");
  return { value: Number(negative ? -big : big), end: i, erange: big > limit + (negative ? BigInt(1) : BigInt(0)) };
}

/** C strtod(s, &end) as glibc reads it: decimal or hex floats, inf/infinity, nan; end = 0 when nothing was read. */
function strtod(s: string): { value: number; end: number; erange: boolean } {
  let i = 0;
  while (isSpace(s[i])) i++;
  const rest = s.slice(i);
  const special = /^([+-]?)(infinity|inf|nan(\([0-9A-Za-z_]*\))?)/i.exec(rest);
  if (special) {
    const sign = special[1] === "-" ? -1 : 1;
    return { value: /^nan/i.test(special[2]) ? NaN : sign * Infinity, end: i + special[0].length, erange: false };
  }
  const hex = /^([+-]?)0[xX](?=\.?[0-9a-fA-F])([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?/.exec(rest);
  if (hex) {
    const mantissa = parseInt((hex[2] || "0") + (hex[3] ?? ""), 16) / Math.pow(16, (hex[3] ?? "").length);
    const value = (hex[1] === "-" ? -1 : 1) * mantissa * Math.pow(2, Number(hex[4] ?? 0));
    return { value, end: i + hex[0].length, erange: !Number.isFinite(value) };
  }
  const dec = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest);
  if (!dec) return { value: 0, end: 0, erange: false };
  const value = Number(dec[0]);
  const nonZero = /[1-9]/.test(dec[1]);
  // ERANGE: overflow to infinity, or a non-zero number that underflows below the smallest normal double.
  const erange = !Number.isFinite(value) || (nonZero && Math.abs(value) < 2.2250738585072014e-308);
  return { value, end: i + dec[0].length, erange };
}

type Parsed = { ok: true; value: number } | { ok: false; why: "syntax" | "unit" | "no-unit" | "int-range" };

/** parse_int / parse_real of guc.c: the number in the parameter's base unit. */
export function parsePgNumber(value: string, vartype: "integer" | "real", unit: string | null): Parsed {
  let { value: val, end, erange } = vartype === "integer" ? strtol(value) : strtod(value);
  if (vartype === "integer" && (value[end] === "." || value[end] === "e" || value[end] === "E" || erange)) ({ value: val, end, erange } = strtod(value));
  if (end === 0 || erange || Number.isNaN(val)) return { ok: false, why: "syntax" };
  while (isSpace(value[end])) end++;
  if (end < value.length) {
    if (!unit) return { ok: false, why: "no-unit" };
    const converted = convertToBaseUnit(val, value.slice(end), unit as BaseUnit);
    if (converted === undefined) return { ok: false, why: "unit" };
    val = converted;
  }
  if (vartype === "integer") {
    val = rint(val);
    if (val > 2147483647 || val < -2147483648) return { ok: false, why: "int-range" };
  }
  return { ok: true, value: val };
}

function numberProblem(s: PgSetting, value: string): string | undefined {
  const unit = s.unit as BaseUnit | null;
  const kind = s.vartype === "integer" ? "an integer" : "a number";
  const family = unit ? (isMemory(unit) ? `a memory size (units ${[...MEMORY_UNITS].reverse().join(", ")})` : `a time (units ${[...TIME_UNITS].reverse().join(", ")})`) : undefined;
  const range = rangeText(s);
  const parsed = parsePgNumber(value, s.vartype as "integer" | "real", s.unit);
  if (!parsed.ok) {
    switch (parsed.why) {
      case "no-unit":
        return `expected ${kind} without a unit, ${range}`;
      case "unit": {
        const wrongFamily = unit && (isMemory(unit) ? TIME_UNITS : MEMORY_UNITS).some((u) => new RegExp(`^[^a-zA-Z]*${u}\\s*$`).test(value));
        return `expected ${family}${wrongFamily ? `, not ${isMemory(unit!) ? "a time" : "a memory size"}` : ""}: ${kind} with an optional unit, ${range}`;
      }
      case "int-range":
        return `expected ${family ?? kind} ${range} (this is beyond PostgreSQL's integer range)`;
      default:
        return `expected ${family ? `${family}: ${kind} with an optional unit` : kind}, ${range}`;
    }
  }
  const min = Number(s.min_val);
  const max = s.max_val !== null && Number(s.max_val) >= 1.79769e308 ? Number.MAX_VALUE : Number(s.max_val);
  if (parsed.value < min || parsed.value > max) {
    return `expected ${family ?? kind} ${range}${unit ? `; "${value}" is ${formatAmount(parsed.value, unit)}` : ""}`;
  }
  return undefined;
}

/** "from 128kB to about 8TB (16 .. 1073741823 in units of 8kB)": the catalogue's range, readable and exact. */
function rangeText(s: PgSetting): string {
  const unit = s.unit as BaseUnit | null;
  const exact = unit ? ` (${s.min_val} .. ${s.max_val} in units of ${unit})` : "";
  // pg_settings prints DBL_MAX as 1.79769e+308: no upper bound worth naming.
  if (s.max_val !== null && Number(s.max_val) >= 1.79769e308) return `of at least ${formatAmount(Number(s.min_val), unit)}${exact}`;
  return `from ${formatAmount(Number(s.min_val), unit)} to ${formatAmount(Number(s.max_val), unit)}${exact}`;
}

/** A base-unit amount in the largest unit that shows it whole (131072 x 8kB -> "1GB", 300 s -> "5min"), else about it. */
function formatAmount(amount: number, unit: BaseUnit | null): string {
  if (!unit || amount === 0 || !Number.isInteger(amount)) return String(amount);
  if (amount < 0) return `${amount} ${unit}`;
  // The amount in the smallest whole unit of its family (bytes, or milliseconds), then the largest unit that divides it.
  const smallest: BaseUnit = isMemory(unit) ? "B" : "ms";
  const names: readonly string[] = isMemory(unit) ? MEMORY_UNITS : TIME_UNITS.filter((u) => u !== "us");
  const factorOf = (name: string) => CONVERSIONS[smallest].find(([u]) => u === name)![1];
  const total = amount * (unit === "8kB" ? 8 * factorOf("kB") : factorOf(unit));
  for (const name of names) {
    const n = total / factorOf(name);
    if (Number.isInteger(n) && n < 1_000_000) return `${n}${name}`;
  }
  const name = names.find((u) => total / factorOf(u) >= 1)!;
  return `about ${Number((total / factorOf(name)).toPrecision(3))}${name}`;
}

/**
 * Parameters a later major removed (the "Migration" sections of the PostgreSQL 16 and 17 release
 * notes): a server of that major refuses to start with them in postgresql.conf. The catalogue
 * above is PostgreSQL 15's, so these are the ones it would otherwise pass.
 */
export const REMOVED_IN_MAJOR: Readonly<Record<string, { major: 16 | 17; instead?: string }>> = {
  vacuum_defer_cleanup_age: { major: 16, instead: "hot_standby_feedback or a replication slot" },
  promote_trigger_file: { major: 16, instead: "pg_ctl promote or pg_promote()" },
  force_parallel_mode: { major: 16, instead: "debug_parallel_query" },
  old_snapshot_threshold: { major: 17 },
  db_user_namespace: { major: 17 },
  trace_recovery_messages: { major: 17 },
};

/** A parameter the given major no longer has, or undefined. */
export function removedParameterProblem(name: string, version: number): string | undefined {
  const removed = REMOVED_IN_MAJOR[name];
  if (!removed || version < removed.major) return undefined;
  return `expected a parameter PostgreSQL ${version} has: "${name}" was removed in PostgreSQL ${removed.major}, and a server with it in postgresql.conf refuses to start${removed.instead ? ` (instead: ${removed.instead})` : ""}`;
}
