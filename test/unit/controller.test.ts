import { AddressInfo } from "net";
import { ActionSet, MemoryJournal, Runbook } from "../../runbooks/engine";
import { Alert, webhookAlerter } from "../../runbooks/controller/alerts";
import { ComponentWatch, FailoverController } from "../../runbooks/controller/controller";
import { controllerServer } from "../../runbooks/controller/http";
import { startAlertReceiver, type AlertReceiver } from "../harness/alert-receiver";

// Short real intervals; alerts go to a real HTTP receiver on 127.0.0.1 (ephemeral port).
let receiver: AlertReceiver<Alert>;
let webhookUrl: string;
let received: Alert[];

beforeAll(async () => {
  receiver = await startAlertReceiver<Alert>("/hook");
  webhookUrl = receiver.url;
  received = receiver.received;
});
afterAll(() => receiver.close());
beforeEach(() => receiver.clear());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A component whose health the test flips, with a runbook whose steps record their runs. */
function fixture(opts: { stepMs?: number; failStep?: boolean; requiresApproval?: boolean } = {}) {
  const health = { healthy: true };
  const runs: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const actions: ActionSet = {
    work: {
      describe: () => "work",
      run: async (p, ctx) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        runs.push(String(p.id));
        try {
          await ctx.sleep(opts.stepMs ?? 10);
        } finally {
          concurrent--;
        }
        return "done";
      },
    },
    fail: { describe: () => "fail", run: async () => Promise.reject(new Error("promotion refused")) },
    undo: { describe: () => "undo", run: async () => (runs.push("undo"), "undone") },
  };
  const runbook: Runbook = {
    name: "fix-it",
    title: "t",
    summary: "s",
    component: "db",
    steps: [
      { name: "first", description: "", action: "work", params: { id: "first" }, timeoutSeconds: 5, retries: 0, backoff: { initialMs: 1, factor: 1, maxMs: 1 }, rollback: { action: "undo", params: {} } },
      opts.failStep
        ? { name: "second", description: "", action: "fail", params: {}, timeoutSeconds: 5, retries: 1, backoff: { initialMs: 1, factor: 1, maxMs: 1 } }
        : { name: "second", description: "", action: "work", params: { id: "second" }, timeoutSeconds: 5, retries: 0, backoff: { initialMs: 1, factor: 1, maxMs: 1 } },
    ],
  };
  const watch: ComponentWatch = {
    component: "db",
    requiresApproval: opts.requiresApproval,
    runbook: () => runbook,
    check: async () => ({ healthy: health.healthy, detail: health.healthy ? "ok" : "leader gone" }),
  };
  return { health, runs, actions, watch, maxConcurrent: () => maxConcurrent };
}

test("defaults are a 10 s interval and a threshold of 3", () => {
  const f = fixture();
  const c = new FailoverController({ watches: [f.watch], actions: f.actions });
  expect([c.intervalMs, c.failureThreshold]).toEqual([10_000, 3]);
  expect(() => new FailoverController({ watches: [f.watch], actions: f.actions, failureThreshold: 0 })).toThrow(/failureThreshold: 0: expected an integer >= 1/);
});

test("runs the runbook only after the threshold of consecutive failures, and a healthy check resets the count", async () => {
  const f = fixture();
  const c = new FailoverController({ watches: [f.watch], actions: f.actions, failureThreshold: 3, alert: webhookAlerter(webhookUrl) });
  f.health.healthy = false;
  await c.tick();
  await c.tick();
  f.health.healthy = true;
  await c.tick();
  f.health.healthy = false;
  await c.tick();
  await c.tick();
  expect(f.runs).toEqual([]);
  expect(c.status()[0]).toMatchObject({ state: "failing", consecutiveFailures: 2 });
  await c.tick();
  const r = await c.settled("db");
  expect(r?.ok).toBe(true);
  expect(f.runs).toEqual(["first", "second"]);
  expect(received.map((a) => a.kind)).toEqual(["failover-start", "failover-end"]);
  expect(received[0]).toMatchObject({ source: "agent-dr-failover-controller", component: "db", runbook: "fix-it", severity: "critical" });
  expect(received[1]).toMatchObject({ ok: true, runId: received[0].runId });
  expect(received[1].rtoSeconds).toBeGreaterThan(0);
});

test("on its own timer: the run starts after threshold x interval", async () => {
  const f = fixture();
  const journal = new MemoryJournal();
  const c = new FailoverController({ watches: [f.watch], actions: f.actions, intervalMs: 60, failureThreshold: 3, journal });
  f.health.healthy = false;
  const t0 = Date.now();
  c.start();
  while (f.runs.length === 0 && Date.now() - t0 < 3000) await sleep(5);
  const startedAfter = Date.now() - t0;
  await c.stop();
  // Checks at 0, 60, 120 ms: the third failure triggers the run.
  expect(startedAfter).toBeGreaterThanOrEqual(110);
  expect(startedAfter).toBeLessThan(1000);
  expect(journal.entries.find((e) => e.step === "(run)")?.outcome).toBe("ok");
});

test("never two runs for one component at once, however many checks fail meanwhile", async () => {
  const f = fixture({ stepMs: 300 });
  const c = new FailoverController({ watches: [f.watch], actions: f.actions, failureThreshold: 1, cooldownMs: 0 });
  f.health.healthy = false;
  await c.tick();
  for (let i = 0; i < 10; i++) {
    await c.tick();
    await sleep(10);
  }
  expect(c.status()[0].state).toBe("failing-over");
  await c.settled("db");
  expect(f.maxConcurrent()).toBe(1);
  expect(f.runs).toEqual(["first", "second"]);
});

test("cool-down: no second run while it lasts (alerting once), another run after it", async () => {
  const f = fixture();
  const c = new FailoverController({ watches: [f.watch], actions: f.actions, failureThreshold: 1, cooldownMs: 400, alert: webhookAlerter(webhookUrl) });
  f.health.healthy = false;
  await c.tick();
  await c.settled("db");
  for (let i = 0; i < 5; i++) await c.tick();
  expect(f.runs).toEqual(["first", "second"]);
  expect(c.status()[0].state).toBe("cooldown");
  expect(received.filter((a) => a.kind === "suppressed-cooldown")).toHaveLength(1);
  await sleep(450);
  await c.tick();
  await c.settled("db");
  expect(f.runs).toEqual(["first", "second", "first", "second"]);
});

test("manual approval: alerts and waits; runs once approved over HTTP", async () => {
  const f = fixture({ requiresApproval: true });
  const c = new FailoverController({ watches: [f.watch], actions: f.actions, failureThreshold: 2, alert: webhookAlerter(webhookUrl) });
  const server = controllerServer(c);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    expect((await fetch(`${api}/approve/db`, { method: "POST" })).status).toBe(409);
    f.health.healthy = false;
    for (let i = 0; i < 5; i++) await c.tick();
    expect(f.runs).toEqual([]);
    expect(c.status()[0].state).toBe("awaiting-approval");
    expect(received.map((a) => a.kind)).toEqual(["approval-required"]);
    expect(received[0].message).toMatch(/POST \/approve\/db/);
    const status = (await (await fetch(`${api}/status`)).json()) as any[];
    expect(status[0]).toMatchObject({ component: "db", state: "awaiting-approval" });
    expect((await fetch(`${api}/approve/db`, { method: "POST" })).status).toBe(200);
    expect((await fetch(`${api}/approve/nope`, { method: "POST" })).status).toBe(404);
    await c.tick();
    expect((await c.settled("db"))?.ok).toBe(true);
    expect(f.runs).toEqual(["first", "second"]);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test("a component that recovers before approval is not failed over", async () => {
  const f = fixture({ requiresApproval: true });
  const c = new FailoverController({ watches: [f.watch], actions: f.actions, failureThreshold: 1, alert: webhookAlerter(webhookUrl) });
  f.health.healthy = false;
  await c.tick();
  f.health.healthy = true;
  await c.tick();
  expect(c.approve("db")).toBe(false);
  f.health.healthy = false;
  await c.tick();
  expect(f.runs).toEqual([]);
  expect(received.map((a) => a.kind)).toEqual(["approval-required", "recovered-before-approval", "approval-required"]);
});

test("a failing step alerts, rolls back the completed steps and ends with a failed-run alert", async () => {
  const f = fixture({ failStep: true });
  const c = new FailoverController({ watches: [f.watch], actions: f.actions, failureThreshold: 1, alert: webhookAlerter(webhookUrl) });
  f.health.healthy = false;
  await c.tick();
  const r = await c.settled("db");
  expect(r).toMatchObject({ ok: false, failedStep: "second" });
  expect(f.runs).toEqual(["first", "undo"]);
  expect(received.map((a) => [a.kind, a.step ?? null, a.severity])).toEqual([
    ["failover-start", null, "critical"],
    ["step-failed", "second", "warning"],
    ["step-failed", "second", "critical"],
    ["failover-end", "second", "critical"],
  ]);
  expect(received[3]).toMatchObject({ ok: false });
  expect(received[3].message).toMatch(/failed at second: promotion refused; completed steps were rolled back/);
  expect(c.status()[0].lastRun).toMatchObject({ ok: false, failedStep: "second" });
});

test("an unreachable webhook never stops a run", async () => {
  const f = fixture();
  const logs: string[] = [];
  const c = new FailoverController({ watches: [f.watch], actions: f.actions, failureThreshold: 1, alert: webhookAlerter("http://127.0.0.1:1/nothing", (l) => logs.push(l), 500) });
  f.health.healthy = false;
  await c.tick();
  expect((await c.settled("db"))?.ok).toBe(true);
  expect(logs.some((l) => /alert webhook failed for failover-start/.test(l))).toBe(true);
});

test("one-off runs (CLI, DR test CronJobs) alert only on final failure, with the run's RTO", async () => {
  const { failureAlerts } = await import("../../runbooks/alerts-cli");
  const { runRunbook } = await import("../../runbooks/engine");
  const f = fixture({ failStep: true });
  await runRunbook(f.watch.runbook(), { actions: f.actions, onEvent: failureAlerts(webhookUrl, "db", () => undefined) });
  expect(received.map((a) => [a.kind, a.step])).toEqual([
    ["step-failed", "second"],
    ["failover-end", "second"],
  ]);
  expect(received[1].rtoSeconds).toBeGreaterThan(0);
  receiver.clear();
  const ok = fixture();
  await runRunbook(ok.watch.runbook(), { actions: ok.actions, onEvent: failureAlerts(webhookUrl, "db", () => undefined) });
  expect(received).toEqual([]);
  expect(failureAlerts(undefined, "db", () => undefined)).toBeUndefined();
});
