import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Alert } from "../../runbooks/controller/alerts";
import { webhookAlerter } from "../../runbooks/controller/alerts";
import { RegionLossReport, runRegionLossDrill } from "../../drills/region-loss";
import { testPortBase } from "../../testbed/ports";
import { startAlertReceiver, type AlertReceiver } from "../harness/alert-receiver";

// Drill `region-loss` on real servers: two etcd + two one-member Patroni/PostgreSQL 15 clusters
// (the DR one a standby cluster) on 127.0.0.1:23700-23740, the controller at a 1 s interval with
// threshold 3. Run twice: once to measure, once with a failing step. Wall time about 80 s.
let receiver: AlertReceiver<Alert>;
let report: RegionLossReport;
let faulty: RegionLossReport;

beforeAll(async () => {
  receiver = await startAlertReceiver<Alert>("/alerts");
  const url = receiver.url;
  report = await runRegionLossDrill({ intervalMs: 1000, failureThreshold: 3, basePort: testPortBase(23700) });
  faulty = await runRegionLossDrill({ intervalMs: 1000, failureThreshold: 3, injectPoolerFailure: true, alert: webhookAlerter(url), basePort: testPortBase(23700) });
  const out = path.join(os.tmpdir(), "region-loss-report.json");
  fs.writeFileSync(out, JSON.stringify({ measured: { ...report, journal: undefined }, failingStep: { ...faulty, journal: undefined } }, null, 2));
  process.stdout.write(`region-loss report (${out}):\n${JSON.stringify(report.measured)}\n`);
}, 300_000);

afterAll(() => receiver.close());

test("killing Patroni and PostgreSQL of every primary-region member makes the controller run promote-dr-region after the threshold", () => {
  // Three failed checks one second apart: the first fails at most 1 s after the kill, the third 2 s later.
  expect(report.measured.detectionSeconds).toBeGreaterThanOrEqual(2);
  expect(report.measured.detectionSeconds).toBeLessThan(10);
  expect(report.controllerRun.ok).toBe(true);
  expect(report.controllerRun.steps).toEqual([
    { name: "confirm-primary-lost", outcome: "ok" },
    { name: "promote-standby", outcome: "ok" },
    { name: "await-writable", outcome: "ok" },
    { name: "switch-endpoint", outcome: "ok" },
    { name: "reconnect-pooler", outcome: "ok" },
  ]);
  // The journal's run record carries the run's RTO.
  expect(report.journal.find((e) => e.step === "(run)")?.rtoSeconds).toBe(report.measured.runbookSeconds);
});

test("measured: end-to-end RTO and lost acknowledged writes", () => {
  expect(report.measured.rtoSeconds).toBeGreaterThan(report.measured.detectionSeconds);
  expect(report.measured.rtoSeconds).toBeLessThan(60);
  expect(report.measured.acknowledgedWrites).toBeGreaterThan(50);
  expect(Number.isInteger(report.measured.lostAcknowledgedWrites)).toBe(true);
  expect(report.measured.lostAcknowledgedWrites).toBeLessThan(report.measured.acknowledgedWrites!);
  expect(report.measured.runbookSeconds).toBeGreaterThan(0);
});

test("the failing step rolls back the completed steps and alerts; the fixed re-run skips the promotion", () => {
  expect(faulty.controllerRun.ok).toBe(false);
  expect(faulty.controllerRun.failedStep).toBe("reconnect-pooler");
  expect(faulty.controllerRun.rolledBack).toEqual([{ name: "switch-endpoint", outcome: "rolled-back" }]);
  const kinds = receiver.received.map((a) => a.kind);
  expect(kinds[0]).toBe("failover-start");
  expect(receiver.received.filter((a) => a.kind === "step-failed" && a.step === "reconnect-pooler")).toHaveLength(3);
  expect(receiver.received[receiver.received.length - 1]).toMatchObject({ kind: "failover-end", ok: false, step: "reconnect-pooler", component: "postgres-region" });
  expect(faulty.rerun?.ok).toBe(true);
  expect(faulty.rerun?.steps.find((s) => s.name === "promote-standby")?.outcome).toBe("skipped");
  expect(faulty.rerun?.steps.find((s) => s.name === "switch-endpoint")?.outcome).toBe("ok");
});
