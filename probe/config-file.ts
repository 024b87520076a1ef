import * as fs from "node:fs";
import { z } from "zod";
import { CHAOS_FAULT_NAMES, type ProbeConfig } from "../contract/probe";

const seconds = z.number().nonnegative().nullable();
const scenario = z.strictObject({ targetRtoSeconds: seconds, targetRpoSeconds: seconds, predictedRtoSeconds: seconds, predictedRpoSeconds: seconds });
const cls = z.strictObject({
  class: z.string().min(1),
  store: z.enum(["postgres", "redis", "llm-gateway"]),
  endpoint: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    database: z.string().min(1).optional(),
    masterName: z.string().min(1).optional(),
    path: z.string().optional(),
    user: z.string().min(1).optional(),
  }),
  scenarios: z.record(z.string(), scenario),
});
const schema = z.strictObject({
  environment: z.enum(["staging", "prod"]),
  region: z.string().min(1),
  writeIntervalMs: z.number().int().positive(),
  classes: z.array(cls),
  faults: z.array(z.strictObject({ fault: z.enum(CHAOS_FAULT_NAMES as [string, ...string[]]), schedule: z.string().min(1), durationSeconds: z.number().positive() })),
  reportBucket: z.string().min(1).optional(),
  reportKmsKeyArn: z.string().min(1).optional(),
});

/** A ProbeConfig from JSON text, or an error naming each bad key, its value and what was expected. */
export function parseProbeConfig(text: string, source: string): ProbeConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not JSON: ${(e as Error).message}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${source}: ${issues.join("; ")}`);
  }
  const c = r.data as ProbeConfig;
  for (const k of c.classes) {
    if (k.store === "postgres" && !k.endpoint.database) throw new Error(`${source}: classes.${k.class}.endpoint.database: missing: a Postgres class names its database`);
    if (k.store === "redis" && !k.endpoint.masterName) throw new Error(`${source}: classes.${k.class}.endpoint.masterName: missing: a Redis class names the Sentinel master`);
  }
  if (c.reportBucket && !c.reportKmsKeyArn) throw new Error(`${source}: reportKmsKeyArn: missing: reports to ${c.reportBucket} must name its KMS key (the bucket refuses other uploads)`);
  return c;
}

export function readProbeConfig(file: string): ProbeConfig {
  return parseProbeConfig(fs.readFileSync(file, "utf8"), file);
}
