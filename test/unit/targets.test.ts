import { ConfigError, parseStackConfig, parseDuration, DEFAULT_DATA_CLASSES } from "../../dr/targets";

const minimal = { regions: { primary: "us-east-1" } };
const withDr = {
  regions: { primary: "us-east-1", dr: "us-west-2" },
  clusters: { primary: { context: "a" }, dr: { context: "b" } },
};

function problemsOf(raw: unknown, stack = "staging") {
  try {
    parseStackConfig(raw, stack);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("durations", () => {
  it.each([
    ["0", 0],
    ["90s", 90],
    ["15m", 900],
    ["1.5h", 5400],
    ["unbounded", Infinity],
  ])("%s is %d seconds", (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(["5", "5x", "-1m", "m", "15 m"])("refuses %s", (text) => expect(() => parseDuration(text)).toThrow(/expected a duration/));
});

describe("stack config", () => {
  it("applies the platform's published targets by default", () => {
    const cfg = parseStackConfig(minimal, "staging");
    const byName = Object.fromEntries(cfg.dataClasses.map((c) => [c.name, c]));
    // agent_responses comes with the LLM gateway only (agent-dr:llm), which a minimal config has not.
    expect(Object.keys(byName).sort()).toEqual(Object.keys(DEFAULT_DATA_CLASSES).filter((n) => DEFAULT_DATA_CLASSES[n].store !== "llm-gateway").sort());
    expect(byName.conversation_history.targets["instance-loss"]).toEqual({ rtoSeconds: 900, rpoSeconds: 60 });
    expect(byName.agent_configurations.targets["zone-loss"]).toEqual({ rtoSeconds: 300, rpoSeconds: 0 });
    expect(byName.usage_billing_data.targets["instance-loss"]).toEqual({ rtoSeconds: 3600, rpoSeconds: 300 });
    expect(byName.analytics_logs.targets["logical-corruption"]).toEqual({ rtoSeconds: 14400, rpoSeconds: 3600 });
    expect(byName.session_state.store).toBe("redis");
    // Where the architecture cannot hold the headline, the default says so in a note.
    expect(byName.agent_configurations.notes["region-loss"]).toMatch(/synchronous commit across regions/);
    expect(cfg.environment).toBe("staging");
    expect(cfg.postgres.instances).toBe(2);
    expect(parseStackConfig(minimal, "prod").postgres.instances).toBe(3);
  });

  it("lets a user set a per-scenario target and a new class", () => {
    const cfg = parseStackConfig(
      {
        ...minimal,
        dataClasses: {
          conversation_history: { scenarios: { "zone-loss": { rpo: "30s" } } },
          tool_results: { store: "postgres", rto: "30m", rpo: "5m", database: "tools" },
          analytics_logs: { enabled: false },
        },
      },
      "staging",
    );
    const conv = cfg.dataClasses.find((c) => c.name === "conversation_history")!;
    expect(conv.targets["zone-loss"].rpoSeconds).toBe(30);
    expect(conv.targets["instance-loss"].rpoSeconds).toBe(60);
    expect(cfg.dataClasses.find((c) => c.name === "tool_results")!.database).toBe("tools");
    expect(cfg.dataClasses.find((c) => c.name === "analytics_logs")).toBeUndefined();
  });

  it.each<[string, unknown, string, RegExp]>([
    ["an unknown key", { ...minimal, postgres: { overides: {} } }, "agent-dr:postgres.overides", /unknown key; expected one of: .*overrides/],
    ["a misspelled override", { ...minimal, postgres: { overrides: { archiveTimeout: 60 } } }, "agent-dr:postgres.overrides.archiveTimeout", /unknown key.*archiveTimeoutSeconds/],
    ["a wrong type", { ...minimal, redis: { overrides: { appendonly: "yes" } } }, "agent-dr:redis.overrides.appendonly", /expected a boolean/],
    ["a bad enum", { ...minimal, redis: { overrides: { appendfsync: "sometimes" } } }, "agent-dr:redis.overrides.appendfsync", /one of "always", "everysec", "no"/],
    ["a malformed cron", { ...minimal, backup: { overrides: { logicalBackupSchedule: "0 25 * * *" } } }, "agent-dr:backup.overrides.logicalBackupSchedule", /5-field cron/],
    ["a 6-field cron", { ...minimal, backup: { overrides: { logicalBackupSchedule: "0 0 2 * * *" } } }, "agent-dr:backup.overrides.logicalBackupSchedule", /got 6 fields/],
    ["the DR region equal to the primary", { ...withDr, regions: { primary: "us-east-1", dr: "us-east-1" } }, "agent-dr:regions.dr", /other than the primary region us-east-1/],
    ["RPO larger than RTO", { ...minimal, dataClasses: { analytics_logs: { rpo: "5h" } } }, "agent-dr:dataClasses.analytics_logs.rpo", /no larger than the RTO/],
    ["a bad duration", { ...minimal, dataClasses: { conversation_history: { rpo: "1 minute" } } }, "agent-dr:dataClasses.conversation_history.rpo", /expected a duration like/],
    ["a bad region", { regions: { primary: "useast1" } }, "agent-dr:regions.primary", /primary region to be an AWS region listed in the AWS SDK's partition data/],
    ["a Route53 interval it does not support", { ...minimal, dns: { overrides: { healthCheckIntervalSeconds: 20 } } }, "agent-dr:dns.overrides.healthCheckIntervalSeconds", /10 or 30/],
    ["a missing required key", {}, "agent-dr:regions", /required/],
    ["a new class without a store", { ...minimal, dataClasses: { audit: { rto: "1h", rpo: "5m" } } }, "agent-dr:dataClasses.audit.store", /one of "postgres", "redis"/],
    ["a standby without a DR region", { ...minimal, postgres: { standby: { enabled: true } } }, "agent-dr:postgres.standby.enabled", /regions.dr/],
    ["a DR region without cluster access", { regions: { primary: "us-east-1", dr: "us-west-2" } }, "agent-dr:clusters.dr", /cluster access for the DR region/],
    ["both kubeconfig and context", { ...minimal, clusters: { primary: { kubeconfig: "apiVersion: v1", context: "x" } } }, "agent-dr:clusters.primary.context", /either kubeconfig or context/],
    ["a streaming standby without peer CIDRs", { ...withDr }, "agent-dr:postgres.standby.peerCidrs", /NetworkPolicy admits the standby's stream/],
    ["a malformed peer CIDR", { ...withDr, postgres: { standby: { peerCidrs: ["10.20.0.0"] } } }, "agent-dr:postgres.standby.peerCidrs[0]", /expected a CIDR such as "10.20.0.0\/16".*no "\/prefix-length"/],
    ["archive_timeout as a raw parameter", { ...minimal, postgres: { overrides: { parameters: { archive_timeout: "60" } } } }, "agent-dr:postgres.overrides.parameters.archive_timeout", /archiveTimeoutSeconds/],
  ])("refuses %s, naming the key, the value and what is expected", (_what, raw, key, expected) => {
    const problems = problemsOf(raw);
    const p = problems.find((x) => x.key === key);
    expect(p).toBeDefined();
    expect(p!.expected).toMatch(expected);
  });

  it("puts key, value and expectation in the message", () => {
    try {
      parseStackConfig({ ...minimal, redis: { overrides: { downAfterMilliseconds: 5 } } }, "staging");
      throw new Error("not refused");
    } catch (e) {
      expect((e as Error).message).toMatch(/agent-dr:redis\.overrides\.downAfterMilliseconds: got 5; expected at least 100/);
    }
  });

  it("never prints a kubeconfig in an error", () => {
    const problems = problemsOf({ ...minimal, clusters: { primary: { kubeconfig: "TOP-SECRET", context: "x" }, extra: 1 } });
    expect(JSON.stringify(problems)).not.toContain("TOP-SECRET");
  });

  it("needs an environment when the stack name is not one", () => {
    expect(problemsOf(minimal, "dev").map((p) => p.key)).toContain("agent-dr:environment");
    expect(parseStackConfig({ ...minimal, environment: "prod" }, "dev").environment).toBe("prod");
  });
});

describe("raw config from flat Pulumi config", () => {
  const { rawConfigFrom } = require("../../dr/targets");
  it("keeps only the project's keys, parses structured values, leaves malformed JSON for the schema to name", () => {
    expect(rawConfigFrom({ "agent-dr:owner": "team", "agent-dr:regions": '{"primary":"us-east-1"}', "aws:region": "us-east-1", "agent-dr:dns": "{oops" })).toEqual({
      owner: "team",
      regions: { primary: "us-east-1" },
      dns: "{oops",
    });
  });
});
