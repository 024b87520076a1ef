import { deriveSettings } from "../../dr/settings";
import { parseStackConfig } from "../../dr/targets";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile } from "../../offline/stack-files";
import { renderPlan } from "../../cli/render-plan";
import { signalsByDataClass, unwatchedDataClasses } from "../../components/signals";
import * as fs from "fs";
import * as path from "path";
import { planStack, stackFileWith } from "../harness/offline";

const load = (stack: string, patch: Record<string, unknown> = {}) => {
  const config = parseStackConfig(rawConfigOf(readStackFile(stackFileWith(stack, patch))), stack);
  return { config, settings: deriveSettings(config) };
};

const key = (s: { alert: string; threshold: number; target: string }) => `${s.alert} ${s.threshold} ${s.target}`;

describe("signals per data class", () => {
  it("every default class of prod is watched, each signal naming the class's own target", () => {
    const { config, settings } = load("prod");
    const by = signalsByDataClass(config, settings);
    expect(by.map((c) => c.dataClass).sort()).toEqual(config.dataClasses.map((c) => c.name).sort());
    expect(unwatchedDataClasses(config, settings)).toEqual([]);
    const analytics = by.find((c) => c.dataClass === "analytics_logs")!.signals;
    // The archive alert of analytics is at its own 1 h RPO, not at conversation_history's 1 min.
    expect(analytics.find((s) => s.alert === "PostgresWalArchiveBehind")).toMatchObject({ threshold: 3600, target: "RPO 1h (logical-corruption)" });
    // The standby lag alert watches analytics too, against analytics' own region-loss target.
    expect(analytics.find((s) => s.alert === "PostgresStandbyClusterLagHigh")).toMatchObject({ threshold: settings.postgres!.standby.maxLagSeconds, target: "RPO 1h (region-loss)" });
    const session = by.find((c) => c.dataClass === "session_state")!.signals.map((s) => s.alert);
    expect(session).toEqual(expect.arrayContaining(["RedisReplicationLinkDown", "RedisReplicaOffsetLag", "RedisSentinelQuorumLost"]));
  });

  it("alerts whose response is an existing runbook link to its file in docs/runbooks", () => {
    const { config, settings } = load("prod");
    const links = new Map<string, string>();
    for (const c of signalsByDataClass(config, settings)) for (const s of c.signals) links.set(s.alert, s.runbook);
    const existing: Record<string, string> = {
      LogicalBackupStale: "verify-backups",
      RestoreDrillStale: "verify-backups",
      Route53HealthCheckFailing: "promote-dr-region",
      RedisSentinelQuorumLost: "redis-failover",
    };
    for (const [alert, name] of Object.entries(existing)) {
      expect(links.get(alert)).toBe(`docs/runbooks/${name}.md`);
      expect(fs.existsSync(path.resolve(__dirname, "..", "..", links.get(alert)!))).toBe(true);
    }
    // Every other alert links to a response guide in docs/alerts; every link resolves to a file.
    for (const link of links.values()) {
      expect(link).toMatch(/^docs\/(runbooks|alerts)\/[a-z0-9-]+\.md$/);
      expect(fs.existsSync(path.resolve(__dirname, "..", "..", link))).toBe(true);
    }
  });

  it("a class with no finite target has no signal and is reported unwatched", () => {
    const { config, settings } = load("staging", { "agent-dr:dataClasses": { scratch_notes: { store: "postgres", rto: "unbounded", rpo: "unbounded" } } });
    expect(unwatchedDataClasses(config, settings)).toEqual(["scratch_notes"]);
  });

  it("npm run plan lists, per class, the signals the resources declare (same as the pure derivation)", async () => {
    const { config, settings } = load("prod");
    const p = await planStack("prod");
    const expected = signalsByDataClass(config, settings);
    expect(p.signals.map((c) => c.dataClass)).toEqual(expected.map((c) => c.dataClass));
    for (const c of expected) {
      const got = p.signals.find((x) => x.dataClass === c.dataClass)!;
      expect(got.signals.map(key).sort()).toEqual(c.signals.map(key).sort());
      expect(got.signals.length).toBeGreaterThan(0);
    }
    const text = renderPlan(p);
    expect(text).toMatch(/Signals watching each data class/);
    expect(text).toMatch(/ {2}session_state:\n {4}- RedisReplicationLinkDown \[prometheus-primary\]: 10 seconds, RPO 15s \(instance-loss, zone-loss\)/);
  });
});
