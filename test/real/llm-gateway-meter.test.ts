/**
 * The gateway meter (components/llm-gateway/scripts/gateway-meter.mjs): its environment rendered
 * from the settings (worked numbers), the objects that put it in front of Portkey, and the script
 * for real: in front of the real Portkey gateway (npm 1.15.2) with the prod chain, the degraded
 * responder as shipped and two stand-ins, on loopback ports 25160-25169 (apart from the drills'
 * 25100-25109 and 25150-25159). Also a second meter in front of a scripted upstream, for what the
 * real gateway does not produce on demand: a token stream (passed through chunk by chunk),
 * Portkey's own error, Portkey unreachable. Wall time about 15 s.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { gatewayMeterEnv, meterLatencyBuckets, meterTargetNames } from "../../components/llm-gateway/render/meter";
import { gatewayDeploymentSpec, gatewayPodMonitor, gatewayServiceSpec } from "../../components/llm-gateway/render/workloads";
import { llmGatewayNames } from "../../components/llm-gateway/render/names";
import { GATEWAY_METER_FILE } from "../../components/llm-gateway/scripts";
import { CONFIG_HEADER } from "../../contract/llm-gateway";
import { deriveSettings, type LlmGatewaySettings } from "../../dr/settings";
import { ConfigError, parseStackConfig, rawConfigFrom } from "../../dr/targets";
import { readStackFile, stackFilePath } from "../../offline/stack-files";
import { LocalGateway, llmDrillPorts } from "../../drills/llm/gateway";
import { ProviderStandIn } from "../../drills/llm/standin";
import { HandoffQueue } from "../../drills/llm/webhook";
import { parsePrometheusText, sumOf } from "../../drills/llm/meter-metrics";
import { Supervisor } from "../../testbed/runtime/supervisor";
import { portOpen, waitFor } from "../../testbed/runtime/procfs";

const prodRaw = () => rawConfigFrom(readStackFile(stackFilePath("prod")).config) as Record<string, any>;
function prod(edit: (raw: any) => void = () => undefined): LlmGatewaySettings {
  const raw = prodRaw();
  edit(raw);
  return deriveSettings(parseStackConfig(raw, "prod")).llm!;
}

describe("the meter's environment, from the settings", () => {
  test("prod: targets openai, mistral, degraded; buckets at the timeout 5 s, one and two failing providers 11 s and 22 s, the chain's 27 s, the RTO 30 s, and 60 s above", () => {
    const l = prod();
    expect(meterTargetNames(l)).toEqual(["openai", "mistral", "degraded"]);
    expect(meterLatencyBuckets(l, 30)).toEqual([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 11, 22, 27, 30, 60]);
    const env = Object.fromEntries(gatewayMeterEnv(l, { listen: 8787, portkey: 8789, metrics: 8791, degraded: 8790 }, 30).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ PORT: "8787", UPSTREAM_URL: "http://127.0.0.1:8789", METRICS_PORT: "8791", TARGETS: "openai,mistral,degraded", FAILOVER_STATUS_CODES: "408,429,500,502,503,504", RELAY_METRICS_URL: "http://127.0.0.1:8790/metrics" });
  });

  test("a 3 s timeout with no retry over three providers and a 20 s RTO: 3, 6, 9, 14 (chain), 20 (RTO), 40", () => {
    const l = prod((raw) => {
      raw.llm.providers.push({ ...raw.llm.providers[1], name: "groq", provider: "groq", baseUrl: "https://api.groq.com/openai/v1" });
      raw.llm.overrides = { requestTimeoutSeconds: 3, retries: 0 };
    });
    // 3 x (1 attempt x 3 s) + 5 s degraded step = 14 s.
    expect(meterLatencyBuckets(l, 20)).toEqual([0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 6, 9, 14, 20, 40]);
    expect(meterTargetNames(l)).toEqual(["openai", "mistral", "groq", "degraded"]);
  });

  test("without the degraded step: no degraded target and nothing relayed; an unbounded RTO adds no bound", () => {
    const l = prod((raw) => delete raw.llm.degraded);
    expect(meterTargetNames(l)).toEqual(["openai", "mistral"]);
    // No 5 s degraded step: each provider's share of the 30 s RTO is 15 s, so a 7 s timeout (2 x 7 + 1 = 15 s); the chain 30 s.
    expect(l.requestTimeoutSeconds).toBe(7);
    expect(meterLatencyBuckets(l, Infinity)).toEqual([0.05, 0.1, 0.25, 0.5, 1, 2.5, 7, 15, 30, 60]);
    expect(gatewayMeterEnv(l, { listen: 1, portkey: 2, metrics: 3, degraded: 4 }).map((e) => e.name)).not.toContain("RELAY_METRICS_URL");
  });

  test("a provider may not be called like one of the meter's own labels", () => {
    for (const name of ["degraded", "gateway", "unknown"]) {
      const raw = prodRaw();
      raw.llm.providers[1].name = name;
      let err: unknown;
      try {
        parseStackConfig(raw, "prod");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.key)).toContain("agent-dr:llm.providers[1].name");
    }
  });

  test("the Service goes to the meter's port; with the Prometheus operator a valid PodMonitor on the meter's metrics port replaces the annotations", () => {
    const l = prod();
    const spec = gatewayDeploymentSpec({ settings: l, names: llmGatewayNames(), prefix: "llm-gateway", configChecksum: "x", prometheusOperator: true, rtoSeconds: 30, degradedMessage: "m" });
    const containers = (spec.template as any).spec.containers;
    const target = (gatewayServiceSpec("llm-gateway").ports as any)[0].targetPort;
    expect(containers.filter((c: any) => c.ports.some((p: any) => p.name === target)).map((c: any) => [c.name, c.ports.find((p: any) => p.name === target).containerPort])).toEqual([["meter", 8787]]);
    expect((spec.template as any).metadata.annotations).toEqual({ "agent-dr/config-sha256": "x" });
    const pm = gatewayPodMonitor("llm-gateway", "agent-dr", { app: "x" });
    expect(() => new PodMonitor(pm as any).validate()).not.toThrow();
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: "metrics", path: "/metrics", interval: "15s" }]);
    expect(containers.find((c: any) => c.name === "meter").ports.map((p: any) => p.name)).toContain("metrics");
  });
});

describe("the meter for real, in front of the real Portkey gateway (prod chain)", () => {
  const ports = llmDrillPorts(25160, 2);
  // A second meter in front of a scripted upstream, on the range's spare ports.
  const side = { listen: 25163, metrics: 25164, upstream: 25165 };
  let sup: Supervisor;
  let gateway: LocalGateway;
  let standins: ProviderStandIn[];
  let queue: HandoffQueue;
  let upstream: http.Server | undefined;
  const PROMPT = "the customer's secret prompt 4711";

  beforeAll(async () => {
    for (const p of [ports.gateway, ...ports.providers, ports.meterMetrics, ports.portkey, ports.degraded, ports.webhook, ...Object.values(side)]) {
      if (await portOpen(p)) throw new Error(`port ${p} on 127.0.0.1 is in use: another run of this suite or another server; stop it first`);
    }
    const l = prod();
    standins = l.providers.map((p, i) => new ProviderStandIn(p.name, ports.providers[i]));
    for (const s of standins) await s.start();
    queue = new HandoffQueue(ports.webhook);
    await queue.start();
    sup = new Supervisor("agent-dr-llm-meter-test-");
    const settings = { ...l, providers: l.providers.map((p, i) => ({ ...p, baseUrl: standins[i].baseUrl })) };
    gateway = new LocalGateway(sup, settings, ports, { message: "degraded", webhookUrl: queue.url }, 30);
    await gateway.start();
  }, 60_000);

  afterAll(async () => {
    if (upstream) await new Promise((r) => upstream!.close(r));
    if (sup) {
      await sup.stopAll();
      sup.removeDir();
    }
    for (const s of standins ?? []) await s.stop();
    await queue?.stop();
  });

  async function ask(url: string, config: unknown, stream = false): Promise<{ status: number; headers: Headers; body: string }> {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", [CONFIG_HEADER]: JSON.stringify(config) },
      body: JSON.stringify({ model: "agent-default", messages: [{ role: "user", content: PROMPT }], stream }),
    });
    return { status: res.status, headers: res.headers, body: await res.text() };
  }
  const metrics = async (port: number) => parsePrometheusText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());

  test("counts each answer by the target Portkey names, with the failures and fallbacks before it, and passes Portkey's answer on unchanged", async () => {
    const [openai, mistral] = standins;
    const ok = await ask(gateway.url, gateway.config);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).choices[0].message.content).toBe("answer from openai");
    expect(ok.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[0]");
    await openai.setMode("5xx");
    const fallback = await ask(gateway.url, gateway.config);
    expect(JSON.parse(fallback.body).choices[0].message.content).toBe("answer from mistral");
    await mistral.setMode("429");
    const degraded = await ask(gateway.url, gateway.config);
    expect(JSON.parse(degraded.body).agent_dr.degraded).toBe(true);
    await openai.setMode("ok");
    await mistral.setMode("ok");

    const s = await metrics(ports.meterMetrics);
    const at = (name: string, labels: Record<string, string>) => sumOf(s, name, labels);
    expect(["openai", "mistral", "degraded", "gateway"].map((t) => at("agent_dr_llm_requests_total", { target: t, status_class: "2xx" }))).toEqual([1, 1, 1, 0]);
    expect(["openai", "mistral", "degraded", "gateway"].map((p) => at("agent_dr_llm_provider_attempts_total", { provider: p }))).toEqual([3, 2, 1, 3]);
    expect(["openai", "mistral", "degraded", "gateway"].map((p) => at("agent_dr_llm_provider_failures_total", { provider: p }))).toEqual([2, 1, 0, 0]);
    expect([at("agent_dr_llm_fallbacks_total", { target: "mistral" }), at("agent_dr_llm_fallbacks_total", { target: "degraded" })]).toEqual([1, 1]);
    expect(at("agent_dr_llm_request_duration_seconds_count", { stream: "false" })).toBe(3);
    // The 5xx and 429 failovers each waited one retry's 1 s backoff: two requests above 1 s, none above the 5 s timeout.
    expect(at("agent_dr_llm_request_duration_seconds_bucket", { stream: "false", le: "1" })).toBe(1);
    expect(at("agent_dr_llm_request_duration_seconds_bucket", { stream: "false", le: "5" })).toBe(3);
    // The degraded responder's own counters come with the meter's (one scrape per pod).
    expect(at("agent_dr_llm_degraded_responses_total", {})).toBe(1);
    expect(at("agent_dr_llm_meter_relay_up", {})).toBe(1);
    // No request content in the meter's log.
    expect(fs.readFileSync(path.join(sup.logDir, "llm-gateway-meter.log"), "utf8")).not.toContain("4711");
  }, 30_000);

  test("streams a token stream through chunk by chunk, counts Portkey's own error at the gateway, and answers 502 when Portkey is unreachable", async () => {
    // A scripted upstream answering like Portkey: a stream from targets[1] whose second chunk comes 1.5 s after the first; Portkey's own error.
    upstream = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.headers["x-test"] === "exception") return void res.writeHead(500, { "content-type": "application/json", "x-portkey-gateway-exception": "true" }).end('{"status":"failure"}');
        res.writeHead(200, { "content-type": "text/event-stream", "x-portkey-last-used-option-index": "config.targets[1]", "x-portkey-retry-attempt-count": "1" });
        res.write('data: {"choices":[{"delta":{"content":"one"}}]}\n\n');
        setTimeout(() => res.end('data: {"choices":[{"delta":{"content":"two"}}]}\n\ndata: [DONE]\n\n'), 1500);
      });
    });
    await new Promise<void>((r) => upstream!.listen(side.upstream, "127.0.0.1", r));
    const env = gatewayMeterEnv(prod(), { listen: side.listen, portkey: side.upstream, metrics: side.metrics }, 30, "127.0.0.1");
    await sup.start("side-meter", process.execPath, [GATEWAY_METER_FILE], { env: Object.fromEntries(env.map((e) => [e.name, e.value])) });
    await waitFor("the side meter", 10_000, async () => (await portOpen(side.listen)) && (await portOpen(side.metrics)));
    const url = `http://127.0.0.1:${side.listen}`;

    const t0 = Date.now();
    const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ stream: true, messages: [{ role: "user", content: PROMPT }] }) });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const first = await reader.read();
    const firstAt = Date.now() - t0;
    expect(new TextDecoder().decode(first.value)).toContain('"one"');
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    const lastAt = Date.now() - t0;
    // The first chunk arrived before the upstream wrote the second: nothing waited for the whole answer.
    expect(firstAt).toBeLessThan(1000);
    expect(lastAt).toBeGreaterThanOrEqual(1500);
    expect(rest).toContain("[DONE]");

    const exception = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-test": "exception" }, body: "{}" });
    expect(exception.status).toBe(500);
    await exception.text();
    await new Promise((r) => upstream!.close(r));
    upstream = undefined;
    const unreachable = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(unreachable.status).toBe(502);
    await unreachable.text();

    const s = await metrics(side.metrics);
    const at = (name: string, labels: Record<string, string>) => sumOf(s, name, labels);
    expect(at("agent_dr_llm_requests_total", { target: "mistral", status_class: "2xx" })).toBe(1);
    expect(at("agent_dr_llm_fallbacks_total", { target: "mistral" })).toBe(1);
    expect(at("agent_dr_llm_answer_retries_total", { target: "mistral" })).toBe(1);
    expect(at("agent_dr_llm_requests_total", { target: "gateway", status_class: "5xx" })).toBe(2);
    expect([at("agent_dr_llm_provider_attempts_total", { provider: "gateway" }), at("agent_dr_llm_provider_failures_total", { provider: "gateway" })]).toEqual([3, 2]);
    // The stream's full duration (1.5 s and more) is in the streamed histogram, which the p99 alert leaves out.
    expect(at("agent_dr_llm_request_duration_seconds_count", { stream: "true" })).toBe(1);
    expect(at("agent_dr_llm_request_duration_seconds_bucket", { stream: "true", le: "1" })).toBe(0);
    expect(at("agent_dr_llm_request_duration_seconds_count", { stream: "false" })).toBe(2);
    expect(fs.readFileSync(path.join(sup.logDir, "side-meter.log"), "utf8")).not.toContain("4711");
  }, 30_000);
});
