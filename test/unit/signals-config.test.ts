import { ConfigError, parseStackConfig, SIGNAL_ALERTS } from "../../dr/targets";
import { deriveSettings } from "../../dr/settings";
import { alertRules } from "../../components/signals/render/prometheus-rules";
import { deriveCloudWatchAlarms } from "../../components/signals/render/cloudwatch";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile, stackFilePath } from "../../offline/stack-files";

const base = { regions: { primary: "us-east-1" } };

function problems(raw: unknown): string[] {
  try {
    parseStackConfig(raw, "staging");
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.key} | ${JSON.stringify(p.value)} | ${p.expected}`);
    throw e;
  }
  return [];
}

describe("agent-dr:signals config", () => {
  it("defaults: no operator, relative runbook links, no overrides, no webhook", () => {
    const c = parseStackConfig(base, "staging");
    expect(c.signals).toEqual({ prometheusOperator: false, runbookBaseUrl: "", overrides: {} });
  });

  it("accepts the operator switch, an https webhook, a runbook base URL and known overrides", () => {
    const c = parseStackConfig(
      {
        ...base,
        signals: {
          prometheusOperator: true,
          onCallWebhook: "https://oncall.example.com/hooks/dr",
          runbookBaseUrl: "https://github.com/acme/agent-dr/blob/main/",
          overrides: { PostgresWalArchiveBehind: 90 },
        },
      },
      "staging",
    );
    expect(c.signals).toEqual({
      prometheusOperator: true,
      onCallWebhook: "https://oncall.example.com/hooks/dr",
      runbookBaseUrl: "https://github.com/acme/agent-dr/blob/main/",
      overrides: { PostgresWalArchiveBehind: 90 },
    });
  });

  it("names the key, the value and what is expected for bad input", () => {
    expect(problems({ ...base, signals: { overrides: { PostgresWalArchiveSlow: 90 } } }).join("\n")).toMatch(/agent-dr:signals\.overrides\.PostgresWalArchiveSlow.*expected one of:.*PostgresWalArchiveBehind/s);
    expect(problems({ ...base, signals: { overrides: { PostgresWalArchiveBehind: -5 } } })[0]).toMatch(/^agent-dr:signals\.overrides\.PostgresWalArchiveBehind \| -5 \|/);
    expect(problems({ ...base, signals: { onCallWebhook: "http://plain.example.com" } })[0]).toMatch(/^agent-dr:signals\.onCallWebhook \| "http:\/\/plain\.example\.com" \| expected an https URL \(the scheme is "http"\)/);
    expect(problems({ ...base, signals: { runbookBaseUrl: "https://x.example.com/docs" } })[0]).toMatch(/^agent-dr:signals\.runbookBaseUrl .*ending in \//);
    expect(problems({ ...base, signals: { prometheusOperater: true } })[0]).toMatch(/^agent-dr:signals\.prometheusOperater .*unknown key; expected one of: prometheusOperator/);
  });

  it("every alert the signals can produce is a valid override key, and every key is produced by some stack", () => {
    const produced = new Set<string>();
    // The shipped prod stack has every tier (DR standby, replication with RTC, Route53 checks).
    const prod = parseStackConfig(rawConfigOf(readStackFile(stackFilePath("prod"))), "prod");
    const settings = deriveSettings(prod);
    for (const r of alertRules(prod, settings, { namespace: "agent-dr", logicalBackup: "lb", restoreDrill: "rd" })) produced.add(r.alert);
    const alarms = deriveCloudWatchAlarms(prod, settings, {
      replication: { sourceBucket: "src", destinationBucket: "dst", ruleId: "primary-to-dr" },
      healthChecks: [{ key: "api-primary", id: "hc-1" }],
    });
    for (const a of alarms) produced.add(a.alert);
    expect([...produced].sort()).toEqual([...SIGNAL_ALERTS].sort());
  });
});
