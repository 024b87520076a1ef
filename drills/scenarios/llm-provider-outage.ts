import { llmSwitchSeconds } from "../../dr/budget";
import type { DrillContext } from "../context";
import { LocalGateway, llmDrillPorts } from "../llm/gateway";
import { ChatAttempt, ChatLoad } from "../llm/load";
import { bucketIndex, histogramQuantile, MeterReading, readMeter } from "../llm/meter-metrics";
import { meterTargetNames } from "../../components/llm-gateway/render/meter";
import { llmOutageRtoSeconds } from "../../dr/settings/llm";
import { ProviderMode, ProviderStandIn } from "../llm/standin";
import { HandoffQueue } from "../llm/webhook";
import { sleep, waitFor } from "../../testbed/runtime/procfs";
import { outageTestEnv } from "../../components/llm-gateway/render/outage-test";
import { OUTAGE_TEST_FILE } from "../../components/llm-gateway/scripts";
import { budgetRow } from "../../testbed/stack";
import type { ScenarioResult, Timeline } from "../types";
import { judge, judgedResult } from "../verdict";

/** Failure modes of the primary provider, in the order the drill injects them. */
export const PRIMARY_FAULTS: ReadonlyArray<Exclude<ProviderMode, "ok">> = ["5xx", "429", "hang", "refused"];

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

const DRILL_MESSAGE = "Our assistant can not answer right now. A person from our team has your request and will reply here.";

/**
 * The primary model provider fails in each way that matters (5xx, 429, a hang past the per-attempt
 * timeout, a refused connection) under client load through the real Portkey gateway running the
 * stack's chain; then every provider fails. Measured: client-visible failures (0 while a provider
 * is up), the latency the failing provider adds (p50/p99 over the baseline's median), the time
 * until requests are answered by the standby and back by the primary, and in the total outage that
 * every request gets the degraded response and its hand-off reaches the webhook.
 */
export async function llmProviderOutage(ctx: DrillContext): Promise<ScenarioResult[]> {
  const t0 = Date.now();
  const l = ctx.stack.settings.llm;
  const c = ctx.stack.config.dataClasses.find((d) => d.store === "llm-gateway");
  if (!l || !c) throw new Error(`stack ${ctx.stack.name} has no LLM gateway to drill (agent-dr:llm)`);
  if (l.providers.length < 2) throw new Error(`stack ${ctx.stack.name}: the LLM chain has ${l.providers.length} provider; the drill needs a primary and a standby`);
  const ports = llmDrillPorts(undefined, l.providers.length);
  const standins = l.providers.map((p, i) => new ProviderStandIn(p.name, ports.providers[i]));
  const [primary, standby] = standins;
  const queue = new HandoffQueue(ports.webhook);
  // The stack's chain, its providers pointed at the stand-ins: timeouts, retries and statuses as deployed.
  const settings = { ...l, providers: l.providers.map((p, i) => ({ ...p, baseUrl: standins[i].baseUrl })) };
  const gateway = new LocalGateway(ctx.sup, settings, ports, { message: DRILL_MESSAGE, webhookUrl: queue.url }, llmOutageRtoSeconds(ctx.stack.config.dataClasses));
  let load: ChatLoad | undefined;
  try {
    for (const s of standins) await s.start();
    await queue.start();
    ctx.progress(`starting the Portkey gateway behind its meter on :${ports.gateway} (chain ${l.providers.map((p) => p.name).join(" -> ")}${l.degradedResponse ? " -> degraded" : ""}; per-attempt timeout ${l.requestTimeoutSeconds} s, ${l.retries} retr${l.retries === 1 ? "y" : "ies"})`);
    await gateway.start();

    const epoch = Date.now();
    const now = () => Date.now() - epoch;
    const timeline: Timeline = { epoch, writes: {}, events: [] };
    load = new ChatLoad(gateway.url, gateway.config, epoch);
    load.start();
    await waitFor("the first answer through the gateway", 30000, () => load!.attempts.some((a) => a.ok), 50);
    await sleep(1000);
    const baselineEnd = now();
    const baseline = load.attempts.filter((a) => a.ok && a.servedBy === primary.name).map((a) => a.endMs - a.startMs);
    const baselineP50 = percentile(baseline, 50);

    const perMode: Record<string, { failures: number; toStandby?: number; backOnPrimary?: number; added: number[] }> = {};
    const worst = llmSwitchSeconds(l).toStandby;
    for (const mode of PRIMARY_FAULTS) {
      ctx.progress(`${primary.name}: ${mode}`);
      const faultAt = now();
      await primary.setMode(mode);
      timeline.events.push({ atMs: faultAt, label: `${primary.name} ${mode}` });
      // Long enough for every worker to finish at least one request through the standby.
      const firstOnStandby = await waitFor(`a request answered by ${standby.name} after ${mode}`, (worst + 10) * 1000, () => load!.attempts.find((a) => a.startMs >= faultAt && a.servedBy === standby.name), 20);
      await sleep(mode === "hang" ? Math.min(2000, l.requestTimeoutSeconds * 1000) : 1000);
      const recoverAt = now();
      await primary.setMode("ok");
      timeline.events.push({ atMs: recoverAt, label: `${primary.name} back` });
      const firstBack = await waitFor(`a request answered by ${primary.name} again after ${mode}`, (worst + 10) * 1000, () => load!.attempts.find((a) => a.startMs >= recoverAt && a.servedBy === primary.name), 20);
      await sleep(500);
      const during = load.attempts.filter((a) => a.startMs >= faultAt && a.startMs < recoverAt);
      perMode[mode] = {
        failures: during.filter((a) => !a.ok).length,
        toStandby: (firstOnStandby.endMs - faultAt) / 1000,
        backOnPrimary: (firstBack.endMs - recoverAt) / 1000,
        added: during.filter((a) => a.ok && a.servedBy === standby.name).map((a) => (a.endMs - a.startMs - baselineP50) / 1000),
      };
    }

    // Every provider down: the degraded response and the hand-off are all that is left.
    ctx.progress(`every provider fails (${primary.name} 5xx, the others refuse connections)`);
    const outageAt = now();
    await primary.setMode("5xx");
    for (const s of standins.slice(1)) await s.setMode("refused");
    timeline.events.push({ atMs: outageAt, label: "every provider down" });
    // Until requests have run wholly inside the outage (each takes about 2 s: two providers' retry);
    // a loaded machine slows the clients, so the phase waits for them rather than for a fixed time.
    await sleep(4000);
    await waitFor("3 requests wholly inside the total outage", (worst + 30) * 1000, () => load!.attempts.filter((a) => a.startMs > outageAt + 50).length >= 3, 50);
    const outageEnd = now();
    for (const s of standins) await s.setMode("ok");
    timeline.events.push({ atMs: outageEnd, label: "providers back" });
    const firstAfter = await waitFor(`a request answered by ${primary.name} after the outage`, (worst + 10) * 1000, () => load!.attempts.find((a) => a.startMs >= outageEnd && a.servedBy === primary.name), 20);
    await sleep(1000);
    await load.stop();
    // Hand-offs are posted before the answer is sent; a short grace covers the webhook's own bookkeeping.
    await sleep(200);
    // What the meter counted of the same requests, scraped as Prometheus would, before the monthly test's own requests.
    const meter = readMeter(await gateway.scrapeMeter());

    // The monthly staging test's script, as shipped, against this gateway: the primary "black-holed"
    // by a closed loopback port (refused), then every provider.
    ctx.progress("the monthly LLM outage test script against the gateway");
    const routeFile = ctx.sup.writeFile("llm-route.json", JSON.stringify(gateway.config), 0o644);
    const testEnv = Object.fromEntries(outageTestEnv(l, gateway.url, routeFile, `http://127.0.0.1:${ports.closed}/v1`).map((e) => [e.name, e.value]));
    let outageTestOutput = "";
    const outageTestPassed = await ctx.sup
      .run(process.execPath, [OUTAGE_TEST_FILE], { env: testEnv, timeoutMs: 120_000 })
      .then((out) => ((outageTestOutput = out), true))
      .catch((e: Error) => ((outageTestOutput = e.message), false));

    const all = load.attempts;
    const inOutage = all.filter((a) => a.startMs >= outageAt && a.startMs < outageEnd);
    // A request wholly inside the outage must end in the degraded response; one that began before it
    // or was still in its retries when the providers came back may rightly be answered by a provider.
    const outageDegraded = inOutage.filter((a) => a.startMs > outageAt + 50 && a.endMs < outageEnd);
    const degraded = all.filter((a) => a.servedBy === "degraded");
    const handoffMissing = degraded.filter((a) => !a.handoffId || !queue.received.has(a.handoffId));
    const notDegradedInOutage = outageDegraded.filter((a) => a.servedBy !== "degraded");
    const faultWindows = all.filter((a) => a.startMs >= baselineEnd && a.startMs < outageAt);
    const clientVisibleFailures = faultWindows.filter((a) => !a.ok).length;
    const lost = all.filter((a) => !a.ok).length;
    const added = Object.values(perMode).flatMap((m) => m.added);
    const longestWait = Math.max(...all.map((a) => a.endMs - a.startMs)) / 1000;
    const metered = compareMeter(meter, all, meterTargetNames(l), primary.name);

    for (const [label, served] of [[`answered by ${primary.name}`, primary.name], [`answered by ${standby.name}`, standby.name], ["degraded response + hand-off", "degraded"]] as const) {
      timeline.writes[label] = all.filter((a) => a.servedBy === served);
    }
    timeline.writes["client-visible failure"] = all.filter((a) => !a.ok);
    timeline.events.push({ atMs: firstAfter.endMs, label: `${primary.name} serves again` });

    const row = budgetRow(ctx.stack, c.name, "llm-provider-outage");
    const switching = llmSwitchSeconds(l);
    const target = {
      rtoSeconds: row.target.rtoSeconds,
      other: "0 client-visible failures while a provider is up; in a total outage every request gets the degraded response and its hand-off reaches the webhook, none lost",
      source: `class ${c.name} llm-provider-outage target`,
    };
    const predicted = { rtoSeconds: row.predicted.rtoSeconds, lostAcknowledgedWrites: 0, mechanism: `${row.rto.mechanism}; ${switching.mechanism}`, source: `budget row ${c.name}/llm-provider-outage` };
    const measured: ScenarioResult["measured"] = {
      rtoSeconds: longestWait,
      lostAcknowledgedWrites: lost,
      acknowledgedWrites: all.filter((a) => a.ok).length,
      requests: all.length,
      clientVisibleFailuresWhileStandbyUp: clientVisibleFailures,
      baselineP50Seconds: baselineP50 / 1000,
      addedLatencyP50Seconds: added.length ? percentile(added, 50) : NaN,
      addedLatencyP99Seconds: added.length ? percentile(added, 99) : NaN,
      predictedToStandbySeconds: switching.toStandby,
      ...Object.fromEntries(PRIMARY_FAULTS.flatMap((m) => [
        [`toStandby_${m}_Seconds`, perMode[m].toStandby],
        [`backOnPrimary_${m}_Seconds`, perMode[m].backOnPrimary],
        [`addedP99_${m}_Seconds`, perMode[m].added.length ? percentile(perMode[m].added, 99) : NaN],
        [`failures_${m}`, perMode[m].failures],
      ])),
      outageRequests: outageDegraded.length,
      degradedResponses: degraded.length,
      handoffsReceived: degraded.length - handoffMissing.length,
      handoffsMissing: handoffMissing.length,
      outageRequestsNotDegraded: notDegradedInOutage.length,
      monthlyTestScriptPassed: outageTestPassed,
      ...metered.measured,
    };
    const v = judge(target, predicted, measured);
    const fail = (note: string) => {
      v.ok = false;
      v.targetMet = false;
      v.notes.push(note);
    };
    if (clientVisibleFailures > 0) fail(`${clientVisibleFailures} client-visible failure(s) while ${standby.name} was up: ${summarize(faultWindows.filter((a) => !a.ok))}`);
    if (lost > 0) fail(`${lost} request(s) got no answer at all: ${summarize(all.filter((a) => !a.ok))}`);
    if (outageDegraded.length === 0) fail("no request was sent during the total outage");
    if (notDegradedInOutage.length > 0) fail(`${notDegradedInOutage.length} request(s) in the total outage were not answered with the degraded response`);
    if (handoffMissing.length > 0) fail(`${handoffMissing.length} degraded response(s) without a hand-off at the webhook`);
    for (const m of PRIMARY_FAULTS) if (perMode[m].added.length === 0) fail(`${m}: no request was answered by ${standby.name}`);
    for (const m of metered.mismatches) fail(`gateway meter: ${m}`);
    if (!outageTestPassed) fail(`the monthly LLM outage test script failed against the gateway: ${outageTestOutput.slice(0, 500)}`);
    return [
      judgedResult(
        {
          id: "llm-provider-outage",
          store: "llm-gateway",
          dataClass: c.name,
          description: `Portkey ${l.providers.map((p) => p.name).join(" -> ")}${l.degradedResponse ? " -> degraded" : ""} (per-attempt timeout ${l.requestTimeoutSeconds} s, ${l.retries} retr${l.retries === 1 ? "y" : "ies"}); ${primary.name} fails with ${PRIMARY_FAULTS.join(", ")} in turn under 4 clients, then every provider fails`,
          target,
          predicted,
          measured,
          timeline,
        },
        v,
        t0,
      ),
    ];
  } finally {
    if (load) await load.stop().catch(() => undefined);
    await gateway.stop().catch(() => undefined);
    for (const s of standins) await s.stop().catch(() => undefined);
    await queue.stop().catch(() => undefined);
  }
}

/**
 * The meter's counts against what the clients observed of the same requests (who answered, from
 * the body; how long, from the client's clock): per answering target, fallbacks and degraded
 * answers must be equal exactly; the p99 the histogram gives must fall in the client's p99's
 * bucket or the next one.
 */
export function compareMeter(meter: MeterReading, attempts: ChatAttempt[], targets: string[], primary: string): { measured: Record<string, number | boolean>; mismatches: string[] } {
  const mismatches: string[] = [];
  const measured: Record<string, number | boolean> = {};
  const same = (what: string, client: number, metered: number) => {
    if (client !== metered) mismatches.push(`${what}: the clients saw ${client}, the meter counted ${metered}`);
  };
  measured.clientRequests = attempts.length;
  measured.meterRequests = meter.requests;
  same("requests", attempts.length, meter.requests);
  for (const t of targets) {
    const client = attempts.filter((a) => a.ok && a.servedBy === t).length;
    measured[`clientAnsweredBy_${t}`] = client;
    measured[`meterAnsweredBy_${t}`] = meter.answeredBy[t] ?? 0;
    same(`answered by ${t}`, client, meter.answeredBy[t] ?? 0);
  }
  const clientFailed = attempts.filter((a) => !a.ok).length;
  measured.meterNotOk = meter.notOk;
  same("answers other than 2xx", clientFailed, meter.notOk);
  const clientFallbacks = attempts.filter((a) => a.ok && a.servedBy !== primary).length;
  measured.clientFallbacks = clientFallbacks;
  measured.meterFallbacks = meter.fallbacks;
  same("fallbacks", clientFallbacks, meter.fallbacks);
  if (meter.responderDegraded !== undefined) {
    measured.responderDegraded = meter.responderDegraded;
    same("degraded answers (the responder's own count)", attempts.filter((a) => a.servedBy === "degraded").length, meter.responderDegraded);
  }
  for (const [p, n] of Object.entries(meter.attempts)) measured[`meterAttempts_${p}`] = n;
  for (const [p, n] of Object.entries(meter.failures)) measured[`meterFailures_${p}`] = n;
  const seconds = attempts.map((a) => (a.endMs - a.startMs) / 1000);
  const bounds = meter.buckets.filter((b) => Number.isFinite(b.le)).map((b) => b.le).sort((a, b) => a - b);
  const clientP99 = percentile(seconds, 99);
  const meterP99 = histogramQuantile(0.99, meter.buckets);
  const ms = (x: number) => Math.round(x * 1000) / 1000;
  measured.clientP50Seconds = ms(percentile(seconds, 50));
  measured.clientP99Seconds = ms(clientP99);
  // Prometheus interpolates inside a bucket: the estimate is as coarse as the bucket it lands in.
  measured.meterP50Seconds = ms(histogramQuantile(0.5, meter.buckets));
  measured.meterP99Seconds = ms(meterP99);
  measured.p99BucketsApart = Math.abs(bucketIndex(bounds, clientP99) - bucketIndex(bounds, meterP99));
  if (!(measured.p99BucketsApart <= 1)) mismatches.push(`p99: the clients measured ${clientP99.toFixed(2)} s, the meter's histogram gives ${meterP99.toFixed(2)} s, ${measured.p99BucketsApart} buckets apart (bounds ${bounds.join(", ")})`);
  measured.meterMatchesClients = mismatches.length === 0;
  return { measured, mismatches };
}

function summarize(as: ChatAttempt[]): string {
  return as.slice(0, 3).map((a) => `#${a.id} at ${(a.startMs / 1000).toFixed(1)} s: ${a.error ?? a.status}`).join("; ");
}
