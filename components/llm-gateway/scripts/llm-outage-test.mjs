// The monthly "LLM API outage" DR test (staging): breaks the primary provider, then every
// provider, for this test's own requests only, and checks the gateway fails over and degrades as
// the stack promises. The fault is injected in the routing config the request carries (Portkey
// reads it per request), so no other traffic is touched. Plain Node, no dependencies: it runs in a
// CronJob from a ConfigMap, and the local drill runs it against the real gateway.
import { readFileSync } from "node:fs";

const gateway = process.env.GATEWAY_URL;
const routeFile = process.env.ROUTE_FILE;
const blackhole = process.env.BLACKHOLE_URL ?? "https://192.0.2.1/v1"; // TEST-NET-1: routed nowhere, so a connection hangs
const requests = Number(process.env.REQUESTS ?? "3");
const maxStandby = Number(process.env.MAX_STANDBY_SECONDS);
const maxDegraded = Number(process.env.MAX_DEGRADED_SECONDS);
const DEGRADED_MODEL = "agent-dr-degraded";

if (!gateway || !routeFile || !Number.isFinite(maxStandby) || !Number.isFinite(maxDegraded)) {
  process.stderr.write("llm-outage-test: GATEWAY_URL, ROUTE_FILE, MAX_STANDBY_SECONDS and MAX_DEGRADED_SECONDS are required\n");
  process.exit(2);
}

const chain = JSON.parse(readFileSync(routeFile, "utf8"));
const isDegraded = (t) => t?.override_params?.model === DEGRADED_MODEL;
const providers = chain.targets.filter((t) => !isDegraded(t)).length;

/** The chain with the first `broken` providers pointed at the black hole. */
function broken(n) {
  return { ...chain, targets: chain.targets.map((t, i) => (i < n && !isDegraded(t) ? { ...t, custom_host: blackhole } : t)) };
}

async function ask(config, label) {
  const t0 = Date.now();
  const res = await fetch(`${gateway}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-portkey-config": JSON.stringify(config) },
    body: JSON.stringify({ model: "agent-default", messages: [{ role: "user", content: "Reply with OK." }], max_tokens: 5, metadata: { agent_dr_test: label } }),
    signal: AbortSignal.timeout(Math.max(maxStandby, maxDegraded) * 2000),
  });
  const text = await res.text();
  let body = {};
  try {
    body = JSON.parse(text);
  } catch {
    // Reported below as a failure with the raw text.
  }
  // Portkey names the target that answered, e.g. "config.targets[1]".
  const used = /targets\[(\d+)\]\s*$/.exec(res.headers.get("x-portkey-last-used-option-index") ?? "");
  return { status: res.status, seconds: (Date.now() - t0) / 1000, index: used ? Number(used[1]) : -1, degraded: body?.agent_dr?.degraded === true, handoff: body?.agent_dr?.handoff, text: text.slice(0, 300) };
}

const failures = [];
const report = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

for (let i = 0; i < requests; i++) {
  const r = await ask(broken(1), "primary-down");
  const ok = r.status === 200 && !r.degraded && r.index >= 1 && r.seconds <= maxStandby;
  report({ phase: "primary-down", ok, ...r, text: ok ? undefined : r.text });
  if (!ok) failures.push(`primary down: request ${i} got ${r.status}${r.degraded ? " (degraded)" : ""} from target ${r.index} after ${r.seconds} s (expected 200 from a standby within ${maxStandby} s)`);
}
{
  const r = await ask(broken(providers), "all-providers-down");
  const ok = r.status === 200 && r.degraded && r.handoff === "delivered" && r.seconds <= maxDegraded;
  report({ phase: "all-providers-down", ok, ...r, text: ok ? undefined : r.text });
  if (!ok) failures.push(`every provider down: got ${r.status}, degraded ${r.degraded}, hand-off ${r.handoff} after ${r.seconds} s (expected the degraded response, handed off, within ${maxDegraded} s)`);
}

if (failures.length > 0) {
  process.stderr.write(`llm-outage-test: FAILED\n${failures.map((f) => `  - ${f}`).join("\n")}\n`);
  process.exit(1);
}
process.stderr.write("llm-outage-test: passed\n");
