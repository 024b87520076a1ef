// The LLM gateway's meter (docs/LLM-GATEWAY.md, "Signals"): a reverse proxy in front of Portkey in
// the gateway pod. Portkey 1.15.2 exports no metrics, but every answer carries the target of the
// fallback chain that produced it (x-portkey-last-used-option-index, e.g. "config.targets[1]") and
// the retries that target made (x-portkey-retry-attempt-count). The meter passes each request and
// its answer through unchanged and streamed (SSE included: nothing is buffered) and counts, on its
// own /metrics: requests by answering target and status class, attempts and failures per target,
// fallbacks, and the full request duration. It never reads or logs a request's content.
// Plain Node, no dependencies: it runs as shipped in the gateway pod (node image, script from a
// ConfigMap) and in the local drill.
import { Agent, createServer, request as httpRequest } from "node:http";

const port = Number(process.env.PORT ?? "8787");
const host = process.env.HOST ?? "127.0.0.1";
const upstream = new URL(process.env.UPSTREAM_URL ?? "http://127.0.0.1:8789");
const metricsPort = Number(process.env.METRICS_PORT ?? "8791");
const metricsHost = process.env.METRICS_HOST ?? host;
// The chain's targets in order, by our names (the providers', then "degraded"): rendered from the settings.
const targets = (process.env.TARGETS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
// Statuses with which a target failed a request (the chain's failover statuses); any 5xx counts too.
const failoverStatuses = new Set((process.env.FAILOVER_STATUS_CODES ?? "").split(",").filter(Boolean).map(Number));
const buckets = (process.env.LATENCY_BUCKETS ?? "").split(",").filter(Boolean).map(Number).sort((a, b) => a - b);
// The degraded responder's own metrics, served on with ours so one scrape of the pod reads both.
const relayUrl = process.env.RELAY_METRICS_URL ?? "";

/** The label of answers no target of the chain produced: Portkey's own errors, an unreachable Portkey. */
const GATEWAY = "gateway";
const UNKNOWN = "unknown";

if (targets.length === 0 || buckets.length === 0 || buckets.some((b) => !(b > 0)) || [...failoverStatuses].some((s) => !Number.isInteger(s))) {
  process.stderr.write("gateway-meter: TARGETS, LATENCY_BUCKETS (positive seconds) and FAILOVER_STATUS_CODES are required\n");
  process.exit(2);
}
if (targets.includes(GATEWAY) || targets.includes(UNKNOWN)) {
  process.stderr.write(`gateway-meter: "${GATEWAY}" and "${UNKNOWN}" are the meter's own labels, not target names\n`);
  process.exit(2);
}

/** Which target of the chain answered: its top-level index in Portkey's header, or undefined (no header: Portkey's own answer). */
function answeringIndex(header) {
  const m = /targets\[(\d+)\]/.exec(header ?? "");
  return m ? Number(m[1]) : undefined;
}

/** Did the answering target fail the request (the chain ended on its failure)? */
function failed(status) {
  return status >= 500 || failoverStatuses.has(status);
}

const statusClass = (status) => (status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "other");

// Counters by label value; every series the chain can produce exists from the start at 0, so the
// first failure after a restart is an increase Prometheus sees.
const requests = new Map();
const attempts = new Map();
const failures = new Map();
const fallbacks = new Map();
const retries = new Map();
const histograms = new Map();
const add = (m, key, n = 1) => m.set(key, (m.get(key) ?? 0) + n);
for (const t of [...targets, GATEWAY]) {
  for (const c of ["2xx", "4xx", "5xx"]) requests.set(`${t}\u0000${c}`, 0);
  attempts.set(t, 0);
  failures.set(t, 0);
}
for (const t of targets) retries.set(t, 0);
for (const t of targets.slice(1)) fallbacks.set(t, 0);
for (const s of ["false", "true"]) histograms.set(s, { counts: buckets.map(() => 0), count: 0, sum: 0 });

/** Count one finished request. */
function record(status, header, seconds, stream, retryHeader, gatewayException) {
  const k = gatewayException ? undefined : answeringIndex(header);
  // Every request goes through the gateway; it fails there when no target answered and the answer is an error.
  add(attempts, GATEWAY);
  let target = GATEWAY;
  if (k === undefined) {
    if (status === 0 || failed(status)) add(failures, GATEWAY);
  } else {
    target = targets[k] ?? UNKNOWN;
    // Answered by target k: 0..k were tried, 0..k-1 failed it (the chain moves on only on a failure).
    for (let i = 0; i <= k; i++) add(attempts, targets[i] ?? UNKNOWN);
    for (let i = 0; i < k; i++) add(failures, targets[i] ?? UNKNOWN);
    if (failed(status)) add(failures, target);
    if (k > 0) add(fallbacks, target);
    const r = Number(retryHeader);
    if (Number.isFinite(r) && r > 0) add(retries, target, r);
  }
  add(requests, `${target}\u0000${status === 0 ? "aborted" : statusClass(status)}`);
  const h = histograms.get(stream ? "true" : "false");
  h.count += 1;
  h.sum += seconds;
  for (let i = 0; i < buckets.length; i++) if (seconds <= buckets[i]) h.counts[i] += 1;
}

const esc = (v) => String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function metrics() {
  const out = [];
  const counter = (name, help, m, label) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const [key, v] of m) out.push(`${name}{${label(key)}} ${v}`);
  };
  counter("agent_dr_llm_requests_total", "Requests through the gateway by the chain target that answered (gateway: none did) and status class.", requests, (key) => {
    const [t, c] = key.split("\u0000");
    return `target="${esc(t)}",status_class="${esc(c)}"`;
  });
  counter("agent_dr_llm_provider_attempts_total", "Requests each target of the chain was tried on (gateway: every request).", attempts, (t) => `provider="${esc(t)}"`);
  counter("agent_dr_llm_provider_failures_total", "Requests each target failed, after its own retries (gateway: errors no target answered).", failures, (t) => `provider="${esc(t)}"`);
  counter("agent_dr_llm_fallbacks_total", "Requests answered by a later target than the first, by the target that answered.", fallbacks, (t) => `target="${esc(t)}"`);
  counter("agent_dr_llm_answer_retries_total", "Retries the answering target made before its answer (Portkey's x-portkey-retry-attempt-count).", retries, (t) => `target="${esc(t)}"`);
  const name = "agent_dr_llm_request_duration_seconds";
  out.push(`# HELP ${name} Full duration of a request through the gateway, from its arrival to the last byte of the answer.`, `# TYPE ${name} histogram`);
  for (const [stream, h] of histograms) {
    buckets.forEach((b, i) => out.push(`${name}_bucket{stream="${stream}",le="${b}"} ${h.counts[i]}`));
    out.push(`${name}_bucket{stream="${stream}",le="+Inf"} ${h.count}`, `${name}_sum{stream="${stream}"} ${h.sum}`, `${name}_count{stream="${stream}"} ${h.count}`);
  }
  return `${out.join("\n")}\n`;
}

async function relayed() {
  if (!relayUrl) return "";
  try {
    const res = await fetch(relayUrl, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    return `# HELP agent_dr_llm_meter_relay_up The degraded responder's metrics were read for this scrape.\n# TYPE agent_dr_llm_meter_relay_up gauge\nagent_dr_llm_meter_relay_up 1\n${text.endsWith("\n") ? text : `${text}\n`}`;
  } catch {
    return "# HELP agent_dr_llm_meter_relay_up The degraded responder's metrics were read for this scrape.\n# TYPE agent_dr_llm_meter_relay_up gauge\nagent_dr_llm_meter_relay_up 0\n";
  }
}

// Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own on each side, never passed on.
const HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "proxy-authenticate", "proxy-authorization"]);
function endToEnd(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

const agent = new Agent({ keepAlive: true });

const proxy = createServer((req, res) => {
  const t0 = process.hrtime.bigint();
  let status = 0;
  let header;
  let retryHeader;
  let stream = false;
  let gatewayException = false;
  let counted = false;
  let clientGone = false;
  const count = () => {
    if (counted) return;
    counted = true;
    record(status, header, Number(process.hrtime.bigint() - t0) / 1e9, stream, retryHeader, gatewayException);
  };
  const up = httpRequest(
    { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...endToEnd(req.headers), host: upstream.host }, agent },
    (ur) => {
      status = ur.statusCode ?? 0;
      header = ur.headers["x-portkey-last-used-option-index"];
      retryHeader = ur.headers["x-portkey-retry-attempt-count"];
      gatewayException = ur.headers["x-portkey-gateway-exception"] === "true";
      stream = String(ur.headers["content-type"] ?? "").startsWith("text/event-stream");
      res.writeHead(status, endToEnd(ur.headers));
      // Each chunk goes on as it arrives (pipe, no buffering): a token stream reaches the client token by token.
      ur.pipe(res);
      ur.on("close", () => {
        if (!ur.complete) res.destroy();
      });
    },
  );
  up.on("error", (e) => {
    if (clientGone) return;
    // Portkey unreachable or its connection lost: the client gets the meter's own 502 (counted at the gateway).
    process.stderr.write(`gateway-meter: upstream ${e.code ?? e.message}\n`);
    if (res.headersSent) return void res.destroy();
    status = 502;
    res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "the LLM gateway is not reachable", type: "gateway_error" } }));
  });
  req.pipe(up);
  res.on("finish", count);
  res.on("close", () => {
    // The client left first: stop the upstream work; the request counts as answered so far, or aborted.
    if (!res.writableFinished) {
      clientGone = true;
      up.destroy();
      if (!res.headersSent) status = 0;
    }
    count();
  });
});

const metricsServer = createServer(async (req, res) => {
  if (req.method === "GET" && req.url === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
  if (req.method === "GET" && req.url === "/metrics") return void res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(metrics() + (await relayed()));
  res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
});

proxy.listen(port, host, () => process.stderr.write(`gateway-meter: proxying ${host}:${port} to ${upstream.host} for targets ${targets.join(", ")}\n`));
metricsServer.listen(metricsPort, metricsHost, () => process.stderr.write(`gateway-meter: metrics on ${metricsHost}:${metricsPort}/metrics\n`));
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    // Requests in flight finish (the pod's grace period covers the chain's worst case); idle connections close now.
    metricsServer.close();
    proxy.close(() => process.exit(0));
    proxy.closeIdleConnections();
  });
}
