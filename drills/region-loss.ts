import * as http from "http";
import { Client } from "pg";
import type { Measured } from "./types";
import { actionsFor } from "../runbooks/actions";
import { buildRunbook } from "../runbooks/definitions";
import { FailoverController } from "../runbooks/controller/controller";
import type { Alert } from "../runbooks/controller/alerts";
import { watchesFor } from "../runbooks/controller/watches";
import { MemoryJournal, rtoFromJournal, runRunbook } from "../runbooks/engine";
import type { RunResult } from "../runbooks/engine";
import type { JournalEntry } from "../runbooks/engine";
import { LocalExecutor } from "../runbooks/executors/local/executor";
import type { RunbookTargets } from "../contract/runbooks";
import { LOCAL_CLUSTERS, localRegionTargets, startTwoRegions } from "../testbed/postgres/two-regions";

export interface RegionLossOptions {
  /** First of the ports the topology uses (base..base+40; default 23700). */
  basePort?: number;
  intervalMs?: number;
  failureThreshold?: number;
  /** Make the controller's run fail at reconnect-pooler (pooler restart exits 1), then fix it and re-run. */
  injectPoolerFailure?: boolean;
  /** Patroni's dynamic configuration in both regions (default QUICK_DCS; the drill passes the stack's rendered one). */
  dcs?: Record<string, unknown>;
  /** Where alerts go besides the report (a webhook in the test). */
  alert?: (a: Alert) => Promise<void>;
  log?: (line: string) => void;
}

export interface RegionLossReport {
  id: "region-loss";
  store: "postgres";
  measured: Measured & {
    /** Kill to the controller starting promote-dr-region. */
    detectionSeconds: number;
    /** The controller's run as its journal records it. */
    runbookSeconds: number;
  };
  controllerRun: Pick<RunResult, "runId" | "ok" | "failedStep" | "error"> & { steps: Array<{ name: string; outcome: string }>; rolledBack: Array<{ name: string; outcome: string }> };
  /** After the injected failure was fixed: the operator's re-run (idempotent: promotion skipped). */
  rerun?: { ok: boolean; steps: Array<{ name: string; outcome: string }> };
  alerts: Alert[];
  journal: JournalEntry[];
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The region-loss drill: a primary and a DR standby cluster (one etcd each), the failover
 * controller watching them, a writer going through the endpoint. Kill the primary region's
 * database tier (Patroni and PostgreSQL of every member; its API health check stays green, so the
 * endpoint must be forced); the controller promotes the DR cluster after its threshold. Measures end-to-end RTO (kill to first acknowledged write in the DR region) and
 * acknowledged writes missing from the promoted cluster.
 */
export async function runRegionLossDrill(opts: RegionLossOptions = {}): Promise<RegionLossReport> {
  const log = opts.log ?? (() => undefined);
  const { primary: primaryCluster, dr: drCluster } = LOCAL_CLUSTERS;
  const base = opts.basePort ?? 23700;
  const regions = await startTwoRegions({ primaryCluster, drCluster, basePort: base, ...(opts.dcs ? { dcs: opts.dcs } : {}) });
  // The stand-in for the primary region's API health check.
  const apiHealthPort = base + 40;
  const notes: string[] = [];
  const alerts: Alert[] = [];
  const journal = new MemoryJournal();
  let controller: FailoverController | undefined;
  let stopWriter = false;
  let writer: Promise<void> | undefined;
  let apiHealth: http.Server | undefined;
  try {
    // The primary region's API health check (what the Route53 record follows): shallow, so it
    // stays green while the database tier is gone, and the runbook has to force the switch.
    apiHealth = http.createServer((_req, res) => res.writeHead(200).end("ok"));
    await new Promise<void>((r) => apiHealth!.listen(apiHealthPort, "127.0.0.1", r));
    const ex = new LocalExecutor({
      ...regions.topology,
      endpoint: { ...regions.topology.endpoint!, healthUrls: { primary: [`http://127.0.0.1:${apiHealthPort}/healthz`], dr: regions.topology.endpoint!.healthUrls.dr } },
      poolerRestart: { [drCluster]: opts.injectPoolerFailure ? ["/bin/false"] : ["/bin/true"] },
    });
    const targets: RunbookTargets = localRegionTargets({ failoverEndpoint: { name: "api.local", zoneId: "local" } });
    const leaderOf = async (cluster: string) => {
      const s = await ex.postgresStatus({ region: cluster === primaryCluster ? "primary" : "dr", cluster }, AbortSignal.timeout(2000));
      if (!s.leader) throw new Error(`no leader in ${cluster}`);
      const port = cluster === primaryCluster ? regions.ports.primary.postgres : regions.ports.dr.postgres;
      return { cluster, port };
    };
    const connect = async (port: number) => {
      const c = new Client({ host: "127.0.0.1", port, user: "postgres", password: "local-drill-super", database: "postgres", connectionTimeoutMillis: 1000, query_timeout: 2000 });
      c.on("error", () => undefined);
      await c.connect();
      return c;
    };
    const setup = await connect(regions.ports.primary.postgres);
    await setup.query("CREATE TABLE IF NOT EXISTS region_loss_writes (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
    await setup.end();

    // Writer: through the endpoint (which region serves), re-resolving after every error.
    const acks: Array<{ id: number; at: number; cluster: string }> = [];
    let nextId = 1;
    writer = (async () => {
      let conn: { client: Client; cluster: string } | undefined;
      while (!stopWriter) {
        try {
          if (!conn) {
            const state = await ex.endpointState(AbortSignal.timeout(2000));
            if (state.serving === "none") throw new Error("endpoint serves no region");
            const target = await leaderOf(state.serving === "primary" ? primaryCluster : drCluster);
            conn = { client: await connect(target.port), cluster: target.cluster };
          }
          const id = nextId++;
          await conn.client.query("INSERT INTO region_loss_writes (id) VALUES ($1)", [id]);
          acks.push({ id, at: Date.now(), cluster: conn.cluster });
          await sleep(5);
        } catch {
          await conn?.client.end().catch(() => undefined);
          conn = undefined;
          await sleep(100);
        }
      }
      await conn?.client.end().catch(() => undefined);
    })();

    let runStartAt: number | undefined;
    controller = new FailoverController({
      watches: watchesFor(targets, ex, { regionPromotion: "automatic" }),
      actions: actionsFor(ex),
      intervalMs: opts.intervalMs ?? 1000,
      failureThreshold: opts.failureThreshold ?? 3,
      cooldownMs: 600_000,
      journal,
      log,
      alert: async (a) => {
        if (a.kind === "failover-start") runStartAt ??= Date.now();
        alerts.push(a);
        await opts.alert?.(a);
      },
    });
    controller.start();
    await sleep(2000);
    if (!acks.some((a) => a.cluster === primaryCluster)) throw new Error("no write was acknowledged by the primary region before the fault");

    const killAt = Date.now();
    regions.killRegion("primary");
    log(`killed the primary region at ${new Date(killAt).toISOString()}`);

    const deadline = Date.now() + 120_000;
    while (!controller.status()[0].lastRun && Date.now() < deadline) await sleep(100);
    const status = controller.status()[0];
    if (!status.lastRun) throw new Error(`the controller did not finish a run within 120 s (state ${status.state}, ${status.lastCheck?.detail})`);
    await controller.settled("postgres-region");
    const firstDrAck = async () => {
      while (!acks.some((a) => a.cluster === drCluster) && Date.now() < deadline) await sleep(50);
      return acks.find((a) => a.cluster === drCluster);
    };
    const drAck = await firstDrAck();
    await sleep(1000);
    stopWriter = true;
    await writer;

    const runEntries = journal.entries.filter((e) => e.runId === status.lastRun!.runId);
    const runRecord = runEntries.find((e) => e.step === "(run)");
    const controllerRun = {
      runId: status.lastRun.runId,
      ok: status.lastRun.ok,
      ...(status.lastRun.failedStep ? { failedStep: status.lastRun.failedStep } : {}),
      ...(runRecord && !status.lastRun.ok ? { error: runRecord.output } : {}),
      steps: runEntries.filter((e) => e.phase === "step").map((e) => ({ name: e.step, outcome: e.outcome })),
      rolledBack: runEntries.filter((e) => e.phase === "rollback").map((e) => ({ name: e.step, outcome: e.outcome })),
    };

    let rerun: RegionLossReport["rerun"];
    if (opts.injectPoolerFailure) {
      // The operator fixes the pooler and runs the runbook again; the promotion is not repeated.
      ex.topology.poolerRestart = { [drCluster]: ["/bin/true"] };
      const again = await runRunbook(buildRunbook("promote-dr-region", targets), { actions: actionsFor(ex), journal, log });
      rerun = { ok: again.ok, steps: again.steps.map((s) => ({ name: s.name, outcome: s.outcome })) };
    }

    // Loss: acknowledged by the old primary, absent from the promoted cluster.
    const check = await connect(regions.ports.dr.postgres);
    const present = new Set<number>((await check.query("SELECT id FROM region_loss_writes")).rows.map((r) => Number(r.id)));
    await check.end();
    const lost = acks.filter((a) => a.cluster === primaryCluster && !present.has(a.id));
    if (!drAck) notes.push("no write was acknowledged by the DR region");
    notes.push("Asynchronous streaming between the regions: acknowledged writes of the primary's last moments can be lost (bounded by replication lag).");
    return {
      id: "region-loss",
      store: "postgres",
      measured: {
        ...(drAck ? { rtoSeconds: (drAck.at - killAt) / 1000 } : {}),
        lostAcknowledgedWrites: lost.length,
        // Seconds of acknowledged writes lost: first lost acknowledgement to the last one.
        rpoSeconds: lost.length ? (Math.max(...lost.map((a) => a.at)) - Math.min(...lost.map((a) => a.at))) / 1000 : 0,
        acknowledgedWrites: acks.length,
        detectionSeconds: runStartAt ? (runStartAt - killAt) / 1000 : NaN,
        runbookSeconds: rtoFromJournal(journal.entries, status.lastRun.runId),
      },
      controllerRun,
      ...(rerun ? { rerun } : {}),
      alerts,
      journal: journal.entries,
      notes,
    };
  } finally {
    stopWriter = true;
    await writer?.catch(() => undefined);
    await controller?.stop();
    await regions.stop();
    if (apiHealth) await new Promise((r) => apiHealth!.close(r));
  }
}
