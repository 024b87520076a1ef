/**
 * The llm-provider-outage drill for real: the Portkey gateway (npm 1.15.2) with the prod chain
 * behind the gateway meter, the meter and degraded responder scripts as shipped, two
 * OpenAI-compatible stand-ins and a hand-off webhook on loopback ports 25150-25159 (apart from the full drill suite's 25100-25109). Wall time about
 * 40 s. A setup failure (the package missing, a port in use) fails the tests; nothing is skipped.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeReport } from "../../drills/report/write";
import { DrillRun, runDrills } from "../../drills/run";
import { loadDrillStack } from "../../testbed/stack";
import type { ScenarioResult } from "../../drills/types";

process.env.AGENT_DR_LLM_PORT_BASE = "25150";

let run: DrillRun | undefined;
let failure: Error | undefined;
const phases: string[] = [];

beforeAll(async () => {
  try {
    run = await runDrills(loadDrillStack("prod"), { scenarios: ["llm-provider-outage"], onProgress: (s, p) => phases.push(`${s}: ${p}`) });
  } catch (e) {
    failure = e as Error;
  }
}, 120_000);

function result(): ScenarioResult {
  if (failure) throw new Error(`the drill could not run: ${failure.message}\nlast phases:\n${phases.slice(-5).join("\n")}`);
  const r = run?.scenarios.find((s) => s.id === "llm-provider-outage");
  if (!r) throw new Error("llm-provider-outage produced no result");
  return r;
}

describe("llm-provider-outage on the real Portkey gateway (prod chain)", () => {
  it("passes its verdict: no client-visible failure while the standby is up, nothing lost", () => {
    const r = result();
    expect(r.notes).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.measured.clientVisibleFailuresWhileStandbyUp).toBe(0);
    expect(r.measured.lostAcknowledgedWrites).toBe(0);
    expect(r.measured.requests).toBeGreaterThan(50);
    if (process.env.PRINT_LLM_DRILL) process.stdout.write(`${JSON.stringify(r.measured, null, 1)}\n`);
  });

  it("fails over in every mode within the predicted bound, and comes back to the primary", () => {
    const m = result().measured;
    for (const mode of ["5xx", "429", "hang", "refused"]) {
      expect(m[`failures_${mode}`]).toBe(0);
      expect(m[`toStandby_${mode}_Seconds`] as number).toBeLessThanOrEqual(m.predictedToStandbySeconds as number);
      expect(m[`backOnPrimary_${mode}_Seconds`] as number).toBeLessThan(5);
    }
    // A hang costs the per-attempt timeout (5 s in prod); a 5xx, 429 or refused connection one retry after 1 s.
    expect(m.toStandby_hang_Seconds as number).toBeGreaterThanOrEqual(5);
    expect(m.addedP99_5xx_Seconds as number).toBeGreaterThanOrEqual(1);
    expect(m.addedP99_5xx_Seconds as number).toBeLessThan(3);
  });

  it("in the total outage answers every request with the degraded response, each handed off", () => {
    const m = result().measured;
    expect(m.outageRequests as number).toBeGreaterThan(0);
    expect(m.outageRequestsNotDegraded).toBe(0);
    expect(m.handoffsMissing).toBe(0);
    expect(m.handoffsReceived).toBe(m.degradedResponses);
  });

  it("the meter counted exactly what the clients saw: per answering target, fallbacks, degraded answers; its p99 within a bucket of theirs", () => {
    const m = result().measured;
    expect(m.meterMatchesClients).toBe(true);
    expect(m.meterRequests).toBe(m.clientRequests);
    expect(m.meterRequests).toBe(m.requests);
    for (const t of ["openai", "mistral", "degraded"]) {
      expect(m[`meterAnsweredBy_${t}`]).toBe(m[`clientAnsweredBy_${t}`]);
      expect(m[`clientAnsweredBy_${t}`] as number).toBeGreaterThan(0);
    }
    expect(m.meterAnsweredBy_degraded).toBe(m.degradedResponses);
    expect(m.responderDegraded).toBe(m.degradedResponses);
    expect(m.meterFallbacks).toBe(m.clientFallbacks);
    expect(m.meterFallbacks).toBe((m.clientAnsweredBy_mistral as number) + (m.clientAnsweredBy_degraded as number));
    expect(m.meterNotOk).toBe(0);
    // Every request tried openai first; each it failed went on to mistral, each mistral failed to the degraded step.
    expect(m.meterAttempts_openai).toBe(m.requests);
    expect(m.meterFailures_openai).toBe(m.meterFallbacks);
    expect(m.meterAttempts_mistral).toBe(m.meterFallbacks);
    expect(m.meterFailures_mistral).toBe(m.clientAnsweredBy_degraded);
    expect(m.meterFailures_gateway).toBe(0);
    expect(m.p99BucketsApart as number).toBeLessThanOrEqual(1);
  });

  it("puts target, prediction and measurement in the report with a timeline chart", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-llm-report-"));
    try {
      const file = path.join(dir, "report.md");
      await writeReport(run as DrillRun, file);
      const text = fs.readFileSync(file, "utf8");
      expect(text).toMatch(/llm-provider-outage/);
      expect(text).toMatch(/Portkey fallback chain openai -> mistral -> degraded response/);
      expect(fs.readdirSync(path.join(dir, fs.readdirSync(dir).find((d) => d !== "report.md")!))).toContain("llm-provider-outage.svg");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
