import { Client } from "pg";
import { actionsFor } from "../../runbooks/actions";
import { buildRunbook } from "../../runbooks/definitions";
import { MemoryJournal, runRunbook } from "../../runbooks/engine";
import { LocalExecutor } from "../../runbooks/executors/local/executor";
import { testPortBase } from "../../testbed/ports";
import { LOCAL_CLUSTERS, localRegionTargets, startTwoRegions, TwoRegionTopology } from "../../testbed/postgres/two-regions";
import type { RunbookTargets } from "../../contract/runbooks";

// Real etcd + Patroni 3.0.2 + PostgreSQL 15: a two-member primary cluster and a DR standby
// cluster on 127.0.0.1:23800-23832. Wall time about 40 s.
const targets: RunbookTargets = localRegionTargets();

let topo: TwoRegionTopology;
let ex: LocalExecutor;

/** Port of the member leading the primary cluster (either may win the bootstrap race). */
async function primaryLeaderPort(): Promise<number> {
  for (const m of topo.regions.primary.members) {
    if ((await fetch(`http://127.0.0.1:${m.rest}/primary`)).status === 200) return m.postgres;
  }
  throw new Error("no primary-region member answers /primary with 200");
}

beforeAll(async () => {
  topo = await startTwoRegions({ primaryCluster: LOCAL_CLUSTERS.primary, drCluster: LOCAL_CLUSTERS.dr, primaryMembers: 2, basePort: testPortBase(23800) });
  ex = new LocalExecutor(topo.topology);
  const c = new Client({ host: "127.0.0.1", port: await primaryLeaderPort(), user: "postgres", password: "local-drill-super", database: "postgres" });
  await c.connect();
  await c.query("CREATE TABLE conversations (id int PRIMARY KEY, body text); INSERT INTO conversations SELECT g, 'm' || g FROM generate_series(1, 1234) g");
  await c.end();
}, 150_000);

afterAll(async () => {
  await topo?.stop();
});

test("promote-dr-region refuses while the primary region still takes writes, and the standby stays a standby", async () => {
  const journal = new MemoryJournal();
  const r = await runRunbook(buildRunbook("promote-dr-region", targets), { actions: actionsFor(ex), journal });
  expect(r.ok).toBe(false);
  expect(r.failedStep).toBe("confirm-primary-lost");
  expect(r.error).toMatch(/still has a writable leader pg-a\d; refusing to promote the standby/);
  expect(journal.entries.filter((e) => e.step === "promote-standby")).toHaveLength(0);
  const dr = await ex.postgresStatus({ region: "dr", cluster: LOCAL_CLUSTERS.dr }, AbortSignal.timeout(5000));
  expect(dr.standby).toBe(true);
}, 120_000);

test("verify-backups dumps the leader, restores into a fresh database and finds every row", async () => {
  const r = await runRunbook(buildRunbook("verify-backups", targets), { actions: actionsFor(ex) });
  expect(r.error).toBeUndefined();
  expect(r.steps[0].output).toMatch(/restored into restore_check_\d+: \d+ tables, \d+ rows, counts equal/);
  // agent_dr_probe may exist from other probes; conversations' 1234 rows must be counted.
  expect(Number(/(\d+) rows/.exec(r.steps[0].output)![1])).toBeGreaterThanOrEqual(1234);
  // The fresh database is dropped afterwards.
  const c = new Client({ host: "127.0.0.1", port: await primaryLeaderPort(), user: "postgres", password: "local-drill-super", database: "postgres" });
  await c.connect();
  const left = await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'restore_check_%'");
  await c.end();
  expect(left.rows).toEqual([]);
}, 60_000);

test("restore-point-in-time is refused locally with the reason, before anything is created", async () => {
  const r = await runRunbook(buildRunbook("restore-point-in-time", targets, { targetTime: "2026-11-26T10:00:00+00:00" }), { actions: actionsFor(ex) });
  expect(r.ok).toBe(false);
  expect(r.failedStep).toBe("create-clone");
  expect(r.error).toMatch(/not available on the local executor: the local topology keeps no base backups/);
  expect(r.rolledBack).toEqual([]);
}, 60_000);

test("postgres-switchover moves the leader to the other member, which takes writes, and the old leader rejoins", async () => {
  const before = await ex.postgresStatus({ region: "primary", cluster: LOCAL_CLUSTERS.primary }, AbortSignal.timeout(5000));
  const r = await runRunbook(buildRunbook("postgres-switchover", targets), { actions: actionsFor(ex) });
  expect(r.error).toBeUndefined();
  // await-writable may find the new leader already writable (then it is skipped as done).
  expect(r.steps.map((s) => s.outcome)).toEqual(["ok", "ok", expect.stringMatching(/^(ok|skipped)$/), "ok", "ok"]);
  const after = await ex.postgresStatus({ region: "primary", cluster: LOCAL_CLUSTERS.primary }, AbortSignal.timeout(5000));
  expect(after.leader).toBeDefined();
  expect(after.leader).not.toBe(before.leader);
  expect(r.steps[1].output).toContain(`leader ${before.leader} -> ${after.leader}`);
  expect(await ex.writeProbe({ region: "primary", cluster: LOCAL_CLUSTERS.primary }, AbortSignal.timeout(5000))).toMatch(new RegExp(`write committed on ${after.leader}`));
  expect(after.members.filter((m) => m.name !== after.leader).map((m) => m.name)).toEqual([before.leader]);
}, 120_000);

test("promotion through Patroni REST: the DR leader takes writes and the primary's rows are there", async () => {
  topo.killRegion("primary");
  const r = await runRunbook(buildRunbook("promote-dr-region", targets), { actions: actionsFor(ex) });
  expect(r.error).toBeUndefined();
  expect(r.steps.map((s) => [s.name, s.outcome])).toEqual([
    ["confirm-primary-lost", "ok"],
    ["promote-standby", "ok"],
    ["await-writable", "ok"],
    ["reconnect-pooler", "ok"],
  ]);
  const c = new Client({ host: "127.0.0.1", port: topo.ports.dr.postgres, user: "postgres", password: "local-drill-super", database: "postgres" });
  await c.connect();
  expect(Number((await c.query("SELECT count(*) AS n FROM conversations")).rows[0].n)).toBe(1234);
  expect((await c.query("SELECT pg_is_in_recovery() AS r")).rows[0].r).toBe(false);
  await c.end();
  // Running it again changes nothing: the promotion and the write check are skipped.
  const again = await runRunbook(buildRunbook("promote-dr-region", targets), { actions: actionsFor(ex) });
  expect(again.steps.filter((s) => s.outcome === "skipped").map((s) => s.name)).toEqual(["promote-standby", "await-writable"]);
}, 120_000);
