import type { z } from "zod";
import type { ConfigProblem } from "./errors";
import { stackConfigSchema } from "./schema";
import { CONFIG_NAMESPACE } from "./stack-config";

/** A schema issue as config problems: the key as the user writes it, the value (secrets masked) and what is expected. */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
  // peerCidrs[1], not peerCidrs.1: a list index, as the other messages write it.
  const path = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i > 0 ? "." : ""}${String(p)}`)).join("");
  const full = (p: string) => `${CONFIG_NAMESPACE}:${p}`;
  const at = { key: full(path), value: valueAt(raw, issue.path) };
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => ({
        key: full(path ? `${path}.${k}` : k),
        value: valueAt(raw, [...issue.path, k]),
        expected: `unknown key; expected one of: ${knownKeys(issue.path).join(", ") || "(see docs/CONFIGURATION.md)"}`,
      }));
    case "invalid_type":
      return [{ ...at, expected: `${issue.input === undefined ? "required; " : ""}expected ${TYPE_NAMES[issue.expected] ?? issue.expected}` }];
    case "invalid_value":
      return [{ ...at, expected: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` }];
    case "invalid_key":
      // The key itself is wrong: say what a key must look like (the record's key schema's message).
      return [{ ...at, expected: `invalid key "${String(issue.path[issue.path.length - 1])}"; ${issue.issues.map((i) => i.message).join("; ")}` }];
    case "too_small":
      return [{ ...at, expected: boundText(issue.origin, issue.minimum, issue.inclusive !== false, "small") }];
    case "too_big":
      return [{ ...at, expected: boundText(issue.origin, issue.maximum, issue.inclusive !== false, "big") }];
    default:
      return [{ ...at, expected: issue.message.replace(/^Invalid input: /, "") }];
  }
}

/** zod's type names as a person reads them ("int" is z.number().int()). */
const TYPE_NAMES: Record<string, string> = {
  int: "a whole number",
  number: "a number",
  string: "a string",
  boolean: "a boolean (true or false)",
  object: "a mapping",
  array: "a list",
};

/** "expected a number greater than 0", "expected at least 1", "expected at most 255 characters". */
function boundText(origin: string, bound: number | bigint, inclusive: boolean, side: "small" | "big"): string {
  const n = String(bound);
  if (origin === "string") return side === "small" ? `expected at least ${n} character${n === "1" ? "" : "s"}` : `expected at most ${n} characters`;
  if (origin === "array" || origin === "set") return side === "small" ? `expected at least ${n} item${n === "1" ? "" : "s"}` : `expected at most ${n} items`;
  if (!inclusive) return side === "small" ? `expected a number greater than ${n}` : `expected a number less than ${n}`;
  return side === "small" ? `expected at least ${n}` : `expected at most ${n}`;
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  if (path.length > 0 && /kubeconfig|apiKey/i.test(String(path[path.length - 1]))) return "(secret)";
  if (cur && typeof cur === "object" && "kubeconfig" in (cur as object)) return { ...(cur as object), kubeconfig: "(secret)" };
  if (cur && typeof cur === "object" && "apiKey" in (cur as object)) return { ...(cur as object), apiKey: "(secret)" };
  // The chain as a whole (llm, llm.providers): every key in it shown as "(secret)".
  if (cur && typeof cur === "object" && JSON.stringify(cur).includes('"apiKey"')) return JSON.parse(JSON.stringify(cur, (k, v) => (k === "apiKey" ? "(secret)" : v)));
  return cur;
}

/** The keys the schema allows at a path, for "did you mean" style messages. */
function knownKeys(path: PropertyKey[]): string[] {
  let schema: unknown = stackConfigSchema;
  for (const p of path) {
    schema = unwrap(schema);
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    if (def.type === "object") schema = (def.shape as Record<string, unknown>)[String(p)];
    else if (def.type === "record") schema = def.valueType;
    else return [];
  }
  schema = unwrap(schema);
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (def?.type === "object") return Object.keys(def.shape as object);
  // A record keyed by an enum (scenarios): its keys are the enum's values.
  const keyDef = def?.type === "record" ? (def.keyType as { _zod?: { def?: { type?: string; entries?: Record<string, string> } } })._zod?.def : undefined;
  return keyDef?.type === "enum" ? Object.values(keyDef.entries ?? {}) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema as { _zod?: { def?: Record<string, unknown> } };
  while (s?._zod?.def && (s._zod.def.type === "optional" || s._zod.def.type === "default" || s._zod.def.type === "nullable")) {
    s = s._zod.def.innerType as typeof s;
  }
  return s;
}
