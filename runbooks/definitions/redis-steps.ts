import type { StepSpec } from "../engine";
import { SHORT } from "./backoff";

/** The step both Redis runbooks end the outage with: a write through Sentinel discovery (what clients do) on the new primary. */
export function awaitWritableThroughSentinel(ref: { region: string; master: string }): StepSpec {
  return {
    name: "await-writable",
    description: "A write through Sentinel discovery (what clients do) succeeds on the new primary.",
    action: "redis.awaitWritable",
    params: ref,
    timeoutSeconds: 30,
    retries: 0,
    backoff: SHORT,
  };
}
