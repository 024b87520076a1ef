import { actionsFor } from "../../runbooks/actions";
import type { DrExecutor, EndpointState } from "../../runbooks/executors/types";
import { judgeAgreement, type SentinelView } from "../../runbooks/executors/sentinel";
import { faultWindowAt } from "../../runbooks/fault-window";
import { attributeOutage } from "../../probe/attribution";

// The split-brain guard's decision when the primary cluster is out of reach (the controller runs
// in the DR region). Route53 can not run here, so the executor answers from a table.
function executorWith(endpoint: EndpointState | Error): DrExecutor {
  return {
    kind: "kubernetes",
    postgresStatus: async () => {
      throw new Error("no Kubernetes access to the primary region's cluster");
    },
    endpointState: async () => {
      if (endpoint instanceof Error) throw endpoint;
      return endpoint;
    },
  } as unknown as DrExecutor;
}

const ctx = { signal: AbortSignal.timeout(5000), sleep: async () => undefined };
const params = { region: "primary", cluster: "agent-pg-prod" };

test("out of reach and the primary health check still passes: refuse, pointing at --force", async () => {
  const a = actionsFor(executorWith({ serving: "primary", primaryHealthy: true, drHealthy: true, forced: false }));
  await expect(a["postgres.assertPrimaryLost"].run(params, ctx)).rejects.toThrow(/primary health check still passes; fence the primary region and run with --force/);
});

test("out of reach and the primary health check fails: proceed", async () => {
  const a = actionsFor(executorWith({ serving: "dr", primaryHealthy: false, drHealthy: true, forced: false }));
  await expect(a["postgres.assertPrimaryLost"].run(params, ctx)).resolves.toMatch(/the primary health check fails too/);
});

test("no view at all: refuse; only a human who fenced the primary may --force", async () => {
  const a = actionsFor(executorWith(new Error("no failover endpoint configured")));
  await expect(a["postgres.assertPrimaryLost"].run(params, ctx)).rejects.toThrow(/^no view of agent-pg-prod \(primary region\).*run with --force$/);
});


describe("which server the Redis primary kill may kill: the Sentinels' quorum agreement", () => {
  const view = (sentinel: string, primary: string, extra: Partial<SentinelView> = {}): SentinelView => ({ sentinel, primary, quorum: 2, known: 3, flags: ["master"], downAfterMs: 5000, ...extra });
  const a = "agent-redis-0.agent-redis-headless.agent-dr.svc.cluster.local:6379";
  const b = "agent-redis-1.agent-redis-headless.agent-dr.svc.cluster.local:6379";

  test("every Sentinel names the same server: that one, with what the agreement rests on", () => {
    expect(judgeAgreement([view("s0", a), view("s1", a), view("s2", a)], "agent-redis")).toEqual({ primary: a, agreeing: 3, required: 2, configured: 3, quorum: 2, downAfterMs: 5000, detail: `3 of 3 Sentinels name ${a} (quorum 2)` });
    // One Sentinel down: two of three are still the quorum and a majority.
    expect(judgeAgreement([view("s0", a), { sentinel: "s1", error: "connect ECONNREFUSED" }, view("s2", a)], "agent-redis").agreeing).toBe(2);
  });

  test.each<[string, SentinelView[], RegExp]>([
    ["they disagree", [view("s0", a), view("s1", b), view("s2", a)], /the Sentinels disagree on the primary of agent-redis .*not killing while they do/],
    ["fewer than the quorum answer", [view("s0", a), { sentinel: "s1", error: "timeout" }, { sentinel: "s2", error: "timeout" }], /only 1 of 3 Sentinels name .*; 2 needed \(quorum 2, and a majority to authorise a failover\)/],
    ["the quorum answers but no majority of the set they know", [view("s0", a, { known: 5 }), view("s1", a, { known: 5 })], /only 2 of 5 Sentinels name .*; 3 needed/],
    ["none answers", [{ sentinel: "s0", error: "timeout" }], /no Sentinel named a primary of agent-redis/],
    ["they already see it down", [view("s0", a, { flags: ["master", "s_down"] }), view("s1", a), view("s2", a)], /already see .* down or are failing over \(s0: master,s_down\); not killing/],
  ])("refuses when %s", (_what, views, message) => {
    expect(() => judgeAgreement(views, "agent-redis")).toThrow(message);
  });
});

describe("the scheduled kill acts only inside its fault's window, as the recovery probe reads it", () => {
  const entry = { fault: "redis-primary-kill" as const, schedule: "0 2 * * 5", durationSeconds: 600 };
  const at = (iso: string) => faultWindowAt(entry, new Date(iso), 30);

  test("from the start to 30 s before the window closes; not later, not on another day", () => {
    expect(at("2026-12-11T02:00:00Z")).toEqual({ firedAt: new Date("2026-12-11T02:00:00Z"), secondsIn: 0, inside: true });
    expect(at("2026-12-11T02:09:30Z").inside).toBe(true);
    expect(at("2026-12-11T02:09:31Z")).toMatchObject({ secondsIn: 571, inside: false });
    expect(at("2026-12-10T02:05:00Z")).toMatchObject({ firedAt: new Date("2026-12-04T02:00:00Z"), inside: false });
  });

  test("whenever it lets the kill go, an outage beginning within the 30 s kept in hand is attributed to redis-primary-kill", () => {
    for (let s = 0; s <= 600; s += 7) {
      const now = new Date(Date.UTC(2026, 11, 11, 2, 0, s));
      if (!faultWindowAt(entry, now, 30).inside) continue;
      for (const lag of [0, 1, 29, 30]) expect(attributeOutage(new Date(now.getTime() + lag * 1000), "redis", [entry])).toEqual({ scenario: "instance-loss", fault: "redis-primary-kill" });
    }
  });

  test("the action refuses outside the window and says why, and passes inside it", async () => {
    const actions = actionsFor({} as DrExecutor);
    const now = new Date();
    const daily = (d: Date) => `${d.getUTCMinutes()} ${d.getUTCHours()} * * *`;
    const twoHoursAgo = new Date(now.getTime() - 2 * 3_600_000);
    const params = (schedule: string) => ({ fault: "redis-primary-kill", schedule, durationSeconds: 600, marginSeconds: 30 });
    await expect(actions["fault.assertInWindow"].run(params(daily(twoHoursAgo)), ctx)).rejects.toThrow(/s after redis-primary-kill started at .*: outside the fault's window; not injecting it \(the recovery probe would report the outage as unplanned\)/);
    await expect(actions["fault.assertInWindow"].run(params(daily(now)), ctx)).resolves.toMatch(/^\d+ s after redis-primary-kill started at /);
  });
});
