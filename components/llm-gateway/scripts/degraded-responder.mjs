// The last step of the LLM gateway's fallback chain (docs/LLM-GATEWAY.md). Portkey routes a request
// here only after every provider failed it; this answers in the OpenAI chat-completions shape with
// the stack's degraded message, after handing the request to the human queue's webhook, so no
// request ends in a raw error and none is dropped unseen. Plain Node (no dependencies): it runs as
// shipped in the gateway pod (node image, script from a ConfigMap) and in the local drill.
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";

const port = Number(process.env.PORT ?? "8790");
const host = process.env.HOST ?? "127.0.0.1";
const message = process.env.DEGRADED_MESSAGE ?? "";
const webhook = process.env.HANDOFF_WEBHOOK ?? "";
// Each try is cut off so the user's answer is not held hostage by a slow queue; a second try covers a blip.
const handoffTimeoutMs = Number(process.env.HANDOFF_TIMEOUT_MS ?? "1500");
const handoffTries = Number(process.env.HANDOFF_TRIES ?? "2");

if (!message || !webhook) {
  process.stderr.write("degraded-responder: DEGRADED_MESSAGE and HANDOFF_WEBHOOK are required\n");
  process.exit(2);
}

const counters = { degraded: 0, delivered: 0, failed: 0 };

async function handOff(payload) {
  for (let i = 0; i < handoffTries; i++) {
    try {
      const res = await fetch(webhook, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(handoffTimeoutMs),
      });
      if (res.ok) return true;
    } catch {
      // Refused, reset or timed out: the next try, or a counted failure.
    }
  }
  return false;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      // A chat request is small; refuse to buffer an unbounded body.
      if (size > 4 * 1024 * 1024) req.destroy(new Error("body too large"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function metrics() {
  return [
    "# HELP agent_dr_llm_degraded_responses_total Requests every provider failed, answered with the degraded response.",
    "# TYPE agent_dr_llm_degraded_responses_total counter",
    `agent_dr_llm_degraded_responses_total ${counters.degraded}`,
    "# HELP agent_dr_llm_handoffs_total Hand-offs to the human queue by result.",
    "# TYPE agent_dr_llm_handoffs_total counter",
    `agent_dr_llm_handoffs_total{result="delivered"} ${counters.delivered}`,
    `agent_dr_llm_handoffs_total{result="failed"} ${counters.failed}`,
    "",
  ].join("\n");
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === "GET" && req.url === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    if (req.method === "GET" && req.url === "/metrics") return void res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(metrics());
    if (req.method !== "POST" || !/\/chat\/completions$/.test(new URL(req.url ?? "/", "http://x").pathname)) {
      return void res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "not found" } }));
    }
    let body = {};
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      // An unreadable body is still handed off (as received: nothing) and answered.
    }
    const id = randomUUID();
    counters.degraded += 1;
    const delivered = await handOff({
      id,
      receivedAt: new Date().toISOString(),
      reason: "every model provider of the chain failed this request",
      model: body.model ?? null,
      messages: Array.isArray(body.messages) ? body.messages : [],
      metadata: body.metadata ?? null,
    });
    counters[delivered ? "delivered" : "failed"] += 1;
    // Only the id is logged: the request's content goes to the queue, never to the logs.
    process.stderr.write(`degraded-responder: answered ${id}, hand-off ${delivered ? "delivered" : "FAILED"}\n`);
    const created = Math.floor(Date.now() / 1000);
    const extra = { degraded: true, handoff: delivered ? "delivered" : "failed", handoff_id: id };
    const headers = { "x-agent-dr-degraded": "true", "x-agent-dr-handoff": extra.handoff };
    if (body.stream === true) {
      const chunk = { id: `degraded-${id}`, object: "chat.completion.chunk", created, model: "degraded", choices: [{ index: 0, delta: { role: "assistant", content: message }, finish_reason: "stop" }], agent_dr: extra };
      res.writeHead(200, { ...headers, "content-type": "text/event-stream", "cache-control": "no-cache" });
      return void res.end(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
    }
    const completion = {
      id: `degraded-${id}`,
      object: "chat.completion",
      created,
      model: "degraded",
      choices: [{ index: 0, message: { role: "assistant", content: message }, finish_reason: "stop" }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      agent_dr: extra,
    };
    res.writeHead(200, { ...headers, "content-type": "application/json" }).end(JSON.stringify(completion));
  } catch (e) {
    process.stderr.write(`degraded-responder: ${e?.message ?? e}\n`);
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "degraded responder failed" } }));
  }
});

server.listen(port, host, () => process.stderr.write(`degraded-responder: listening on ${host}:${port}\n`));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
