import * as fs from "fs";
import * as path from "path";

/** The degraded responder as shipped in the gateway's ConfigMap, and run as-is by the drill. */
export const DEGRADED_RESPONDER_FILE = path.join(__dirname, "degraded-responder.mjs");

export function degradedResponderScript(): string {
  return fs.readFileSync(DEGRADED_RESPONDER_FILE, "utf8");
}

/** The monthly LLM outage test (staging CronJob), run as-is by the drill too. */
export const OUTAGE_TEST_FILE = path.join(__dirname, "llm-outage-test.mjs");

export function outageTestScript(): string {
  return fs.readFileSync(OUTAGE_TEST_FILE, "utf8");
}

/** The gateway meter (reverse proxy in front of Portkey, counting what its answers say) as shipped in its ConfigMap, and run as-is by the drill. */
export const GATEWAY_METER_FILE = path.join(__dirname, "gateway-meter.mjs");

export function gatewayMeterScript(): string {
  return fs.readFileSync(GATEWAY_METER_FILE, "utf8");
}
