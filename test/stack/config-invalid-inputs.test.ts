/**
 * Invalid stack config, class by class: each row must be refused (exit 2 through the CLI, a
 * ConfigError from the validators) naming the key, the value and what is expected; valid edge
 * values of the same classes must pass. The bulk runs against the pure validators; a few rows
 * go through `npm run plan` as a user runs it (about 1-2 s each), with and without --json. The
 * PostgreSQL parameter validator is also held against the installed PostgreSQL 15 itself.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, ConfigProblem, configErrorReport, parseStackConfig, rawConfigFrom } from "../../dr/targets";
import { postgresParameterProblem, pg15Settings, parsePgNumber } from "../../dr/targets/postgres-parameters";
import { cidrProblem, hostnameProblem } from "../../dr/targets/network";
import { awsRegion } from "../../dr/targets/aws";
import { POSTGRES_15_PARAMETERS } from "../../dr/targets/pg15-parameter-names";
import { readStackFile } from "../../offline/stack-files";
import { deepMerge, scratchDir, stackFileWith } from "../harness/offline";

const ROOT = path.resolve(__dirname, "..", "..");
const PG_BIN = "/usr/lib/postgresql/15/bin";

/** The shipped prod config (agent-dr:* keys, as the program reads them) with `patch` deep-merged. */
function prodWith(patch: Record<string, unknown>): Record<string, unknown> {
  return deepMerge(rawConfigFrom(readStackFile(path.join(ROOT, "Pulumi.prod.yaml")).config), patch);
}

function problemsOf(patch: Record<string, unknown>, stack = "prod"): ConfigProblem[] {
  try {
    parseStackConfig(prodWith(patch), stack);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
}

const param = (parameters: Record<string, unknown>) => ({ postgres: { overrides: { parameters } } });
const pk = (name: string) => `agent-dr:postgres.overrides.parameters.${name}`;

describe("invalid values are refused, naming the key, the value and what is expected", () => {
  it.each<[string, Record<string, unknown>, string, unknown, RegExp]>([
    // regions: the AWS SDK's partition data, not a shape
    ["region: a look-alike", { regions: { dr: "us-westt-9" } }, "agent-dr:regions.dr", "us-westt-9", /DR region to be an AWS region listed in the AWS SDK's partition data/],
    ["region: a look-alike primary", { regions: { primary: "eu-central-9" } }, "agent-dr:regions.primary", "eu-central-9", /primary region to be an AWS region listed/],
    ["region: upper case", { regions: { dr: "US-WEST-2" } }, "agent-dr:regions.dr", "US-WEST-2", /did you mean "us-west-2"/],
    ["region: a partition's global pseudo-region", { regions: { dr: "aws-global" } }, "agent-dr:regions.dr", "aws-global", /AWS region listed/],
    ["region: an availability zone", { regions: { dr: "us-west-2a" } }, "agent-dr:regions.dr", "us-west-2a", /AWS region listed/],
    ["region: DR in another partition", { regions: { dr: "us-gov-west-1" } }, "agent-dr:regions.dr", "us-gov-west-1", /primary region's partition \(us-east-1 is in aws, us-gov-west-1 in aws-us-gov\)/],
    // CIDRs: ipaddr.js, and what NetworkPolicy takes
    ["CIDR: prefix beyond 32", { postgres: { standby: { peerCidrs: ["10.20.0.0/33"] } } }, "agent-dr:postgres.standby.peerCidrs[0]", "10.20.0.0/33", /prefix length "33" is not a whole number from 0 to 32/],
    ["CIDR: octet beyond 255", { postgres: { standby: { peerCidrs: ["300.1.1.1/16"] } } }, "agent-dr:postgres.standby.peerCidrs[0]", "300.1.1.1/16", /"300.1.1.1" is not an IP address/],
    ["CIDR: host bits set", { postgres: { standby: { peerCidrs: ["10.0.0.0/8", "10.20.0.1/16"] } } }, "agent-dr:postgres.standby.peerCidrs[1]", "10.20.0.1/16", /host bits are set; the network is "10.20.0.0\/16"/],
    ["CIDR: no prefix", { postgres: { standby: { peerCidrs: ["10.20.0.0"] } } }, "agent-dr:postgres.standby.peerCidrs[0]", "10.20.0.0", /no "\/prefix-length"/],
    ["CIDR: inet_aton short form", { postgres: { standby: { peerCidrs: ["10.20/16"] } } }, "agent-dr:postgres.standby.peerCidrs[0]", "10.20/16", /not a dotted-quad/],
    ["CIDR: IPv6 prefix beyond 128", { postgres: { standby: { peerCidrs: ["fd00::/129"] } } }, "agent-dr:postgres.standby.peerCidrs[0]", "fd00::/129", /from 0 to 128 for IPv6/],
    // PostgreSQL parameter values: type, unit family and range from pg_settings
    ["PG bool: not a spelling", param({ fsync: "maybe" }), pk("fsync"), "maybe", /expected a boolean: on, off, true, false, yes, no, 1 or 0/],
    ["PG bool: 'o' is ambiguous", param({ wal_log_hints: "o" }), pk("wal_log_hints"), "o", /expected a boolean/],
    ["PG integer: not a number", param({ shared_buffers: "lots" }), pk("shared_buffers"), "lots", /expected a memory size \(units B, kB, MB, GB, TB\): an integer with an optional unit, from 128kB to about 8TB/],
    ["PG integer: unknown unit", param({ work_mem: "16XB" }), pk("work_mem"), "16XB", /expected a memory size/],
    ["PG integer: units are case-sensitive", param({ work_mem: "16mb" }), pk("work_mem"), "16mb", /expected a memory size/],
    ["PG integer: time for a memory size", param({ work_mem: "10s" }), pk("work_mem"), "10s", /memory size .*, not a time/],
    ["PG integer: memory for a time", param({ statement_timeout: "5GB" }), pk("statement_timeout"), "5GB", /expected a time \(units us, ms, s, min, h, d\), not a memory size/],
    ["PG integer: a unit where none is taken", param({ max_connections: "10MB" }), pk("max_connections"), "10MB", /expected an integer without a unit, from 1 to 262143/],
    ["PG integer: below the minimum", param({ max_connections: 0 }), pk("max_connections"), 0, /expected an integer from 1 to 262143/],
    ["PG integer: below the minimum after units", param({ shared_buffers: "64kB" }), pk("shared_buffers"), "64kB", /from 128kB to about 8TB .*"64kB" is 64kB/],
    ["PG integer: above the maximum after units", param({ checkpoint_timeout: "2d" }), pk("checkpoint_timeout"), "2d", /from 30s to 1d \(30 \.\. 86400 in units of s\)/],
    ["PG integer: beyond int range", param({ shared_buffers: "99999999999" }), pk("shared_buffers"), "99999999999", /beyond PostgreSQL's integer range/],
    ["PG real: not a number", param({ random_page_cost: "cheap" }), pk("random_page_cost"), "cheap", /expected a number, of at least 0/],
    ["PG real: out of range", param({ random_page_cost: -1 }), pk("random_page_cost"), -1, /expected a number of at least 0/],
    ["PG real with unit: out of range", param({ vacuum_cost_delay: "200ms" }), pk("vacuum_cost_delay"), "200ms", /from 0 to 100ms/],
    ["PG enum: not an option", param({ wal_compression: "maybe" }), pk("wal_compression"), "maybe", /expected one of: pglz, lz4, zstd, on, off/],
    ["PG enum: not an option (bool spelling where none is hidden)", param({ default_transaction_isolation: "yes" }), pk("default_transaction_isolation"), "yes", /expected one of: serializable, repeatable read, read committed, read uncommitted/],
    ["PG string: a line break", param({ search_path: "a\nb" }), pk("search_path"), "a\nb", /single-line value/],
    ["PG: a value that is a list", param({ search_path: ["a", "b"] }), pk("search_path"), ["a", "b"], /expected a string, number or boolean/],
    ["PG: a read-only parameter", param({ block_size: "16384" }), pk("block_size"), "16384", /read-only/],
    ["PG: a parameter the operator owns", param({ listen_addresses: "*" }), pk("listen_addresses"), "*", /expected no value here; Spilo manages it/],
    ["PG: a misspelled name", param({ shared_bufers: "128MB" }), pk("shared_bufers"), "128MB", /unknown PostgreSQL parameter "shared_bufers" \(did you mean "shared_buffers"\?\)/],
    // positive-only numbers
    ["positive: zero", { postgres: { dataSizeGiB: 0 } }, "agent-dr:postgres.dataSizeGiB", 0, /^expected a number greater than 0$/],
    ["positive: negative", { postgres: { writeRateMiBPerSecond: -1 } }, "agent-dr:postgres.writeRateMiBPerSecond", -1, /^expected a number greater than 0$/],
    ["positive: standby lag", { postgres: { standby: { maxLagSeconds: 0 } } }, "agent-dr:postgres.standby.maxLagSeconds", 0, /^expected a number greater than 0$/],
    ["a person needs a minute to answer a page", { failover: { manualResponseMinutes: 0.01 } }, "agent-dr:failover.manualResponseMinutes", 0.01, /^expected at least 1$/],
    ["positive: corruption reported within", { failover: { corruptionNoticedMinutes: 0 } }, "agent-dr:failover.corruptionNoticedMinutes", 0, /^expected a number greater than 0$/],
    ["an on-call subscriber is named", { signals: { onCallSubscriber: " " } }, "agent-dr:signals.onCallSubscriber", " ", /^expected at least 3 characters$/],
    ["positive: an alert threshold", { signals: { overrides: { PostgresReplicaLagHigh: 0 } } }, "agent-dr:signals.overrides.PostgresReplicaLagHigh", 0, /^expected a number greater than 0$/],
    ["integer: a fraction", { postgres: { instances: 1.5 } }, "agent-dr:postgres.instances", 1.5, /^expected a whole number$/],
    // scenarios and names
    ["scenario: unknown name", { dataClasses: { conversation_history: { scenarios: { "region-los": { rpo: "1m" } } } } }, "agent-dr:dataClasses.conversation_history.scenarios.region-los", { rpo: "1m" }, /unknown key; expected one of: instance-loss, zone-loss, region-loss, logical-corruption/],
    ["data class: a bad name", { dataClasses: { "Tool-Results": { store: "postgres", rto: "1h", rpo: "5m" } } }, "agent-dr:dataClasses.Tool-Results", { store: "postgres", rto: "1h", rpo: "5m" }, /invalid key "Tool-Results"; expected a snake_case data class name/],
    ["database: longer than PostgreSQL keeps", { dataClasses: { tool_results: { store: "postgres", database: "d".repeat(64), rto: "1h", rpo: "5m" } } }, "agent-dr:dataClasses.tool_results.database", "d".repeat(64), /at most 63 characters/],
    // DNS, zones, URLs, ARNs, times
    ["hostname: an IP as a CNAME target", { endpoints: { api: { primaryTarget: "10.0.0.1" } } }, "agent-dr:endpoints.api.primaryTarget", "10.0.0.1", /not an IP address/],
    ["hostname: an underscore", { endpoints: { api: { drTarget: "prod_usw2.example.com" } } }, "agent-dr:endpoints.api.drTarget", "prod_usw2.example.com", /the label "prod_usw2"/],
    ["hostname: a single label", { endpoints: { api: { name: "api" } } }, "agent-dr:endpoints.api.name", "api", /at least two labels/],
    ["zone id: with /hostedzone/", { endpoints: { api: { zoneId: "/hostedzone/Z0PRODZONE0000000000" } } }, "agent-dr:endpoints.api.zoneId", "/hostedzone/Z0PRODZONE0000000000", /without the "\/hostedzone\/" prefix/],
    ["zone id: lower case", { endpoints: { api: { zoneId: "z0prodzone" } } }, "agent-dr:endpoints.api.zoneId", "z0prodzone", /Route53 hosted zone id/],
    ["port: zero", { endpoints: { api: { port: 0 } } }, "agent-dr:endpoints.api.port", 0, /^expected at least 1$/],
    ["port: beyond 65535", { endpoints: { api: { port: 70000 } } }, "agent-dr:endpoints.api.port", 70000, /^expected at most 65535$/],
    ["OIDC: an account that is not 12 digits", { oidc: { providerArn: "arn:aws:iam::4444:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/PROD00000000000000000000000000000" } }, "agent-dr:oidc.providerArn", "arn:aws:iam::4444:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/PROD00000000000000000000000000000", /not 12 digits/],
    ["OIDC: an issuer that is not the ARN's", { oidc: { drIssuerUrl: "https://oidc.eks.us-west-2.amazonaws.com/id/OTHER" } }, "agent-dr:oidc.drIssuerUrl", "https://oidc.eks.us-west-2.amazonaws.com/id/OTHER", /expected the issuer agent-dr:oidc.drProviderArn is named after/],
    ["URL: a webhook over http", { signals: { onCallWebhook: "http://hooks.example.com/x" } }, "agent-dr:signals.onCallWebhook", "http://hooks.example.com/x", /https URL \(the scheme is "http"\)/],
    ["probe: enabled missing", { probe: { writeIntervalMs: 1000 } }, "agent-dr:probe.enabled", undefined, /boolean/],
    ["probe: enabled as text", { probe: { enabled: "yes" } }, "agent-dr:probe.enabled", "yes", /boolean/],
    ["probe: interval below 100 ms", { probe: { enabled: true, writeIntervalMs: 50 } }, "agent-dr:probe.writeIntervalMs", 50, /^expected at least 100$/],
    ["probe: interval a fraction", { probe: { enabled: true, writeIntervalMs: 250.5 } }, "agent-dr:probe.writeIntervalMs", 250.5, /^expected a whole number$/],
    ["probe: an unknown key", { probe: { enabled: true, interval: 5 } }, "agent-dr:probe.interval", 5, /unknown key/],
    ["time: no such date", { postgres: { clone: { sourceCluster: "agent-pg-prod", targetTime: "2026-02-30T10:00:00+00:00" } } }, "agent-dr:postgres.clone.targetTime", "2026-02-30T10:00:00+00:00", /no such date or time/],
    ["PG 17: a parameter PostgreSQL 17 removed", { postgres: { version: "17", overrides: { parameters: { old_snapshot_threshold: "1min" } } } }, pk("old_snapshot_threshold"), "1min", /"old_snapshot_threshold" was removed in PostgreSQL 17, and a server with it in postgresql.conf refuses to start/],
    ["PG 16: a parameter PostgreSQL 16 removed", { postgres: { version: "16", overrides: { parameters: { vacuum_defer_cleanup_age: 0 } } } }, pk("vacuum_defer_cleanup_age"), "0", /removed in PostgreSQL 16.*instead: hot_standby_feedback/],
    ["PG 17: removed in 16 is gone in 17 too", { postgres: { version: "17", overrides: { parameters: { promote_trigger_file: "/tmp/promote" } } } }, pk("promote_trigger_file"), "/tmp/promote", /removed in PostgreSQL 16.*instead: pg_ctl promote/],
    // keys valid alone that contradict each other
    ["DR cluster: the primary's context", { clusters: { dr: { context: "prod-us-east-1" } } }, "agent-dr:clusters.dr.context", "prod-us-east-1", /the DR region's \(us-west-2\) own cluster, not the primary region's/],
    ["failover record: DR target = primary target", { endpoints: { api: { drTarget: "PROD-USE1-ALB.example.com." } } }, "agent-dr:endpoints.api.drTarget", "PROD-USE1-ALB.example.com.", /not the primary target: failing over to it sends clients back to the lost region/],
    ["failover record: a CNAME to itself", { endpoints: { api: { primaryTarget: "api.agents.example.com" } } }, "agent-dr:endpoints.api.primaryTarget", "api.agents.example.com", /not the record's own name/],
    ["failover record: DR target = its own name", { endpoints: { api: { drTarget: "api.agents.example.com" } } }, "agent-dr:endpoints.api.drTarget", "api.agents.example.com", /not the record's own name/],
    ["writer name with a DR standby but no DR target", { endpoints: { databaseWriter: { name: "db.agents.internal", privateZoneId: "Z0PRIVATE0000", primaryTarget: "agent-pg-prod.agent-dr.svc.cluster.local" } } }, "agent-dr:endpoints.databaseWriter.drTarget", undefined, /keeps pointing at the lost region after the standby is promoted/],
    ["volume smaller than the data", { postgres: { volumeSize: "1Gi" } }, "agent-dr:postgres.volumeSize", "1Gi", /at least 21Gi: the data \(agent-dr:postgres.dataSizeGiB 20\)/],
    ["volume in Mi, just short", { postgres: { volumeSize: "21503Mi" } }, "agent-dr:postgres.volumeSize", "21503Mi", /at least 21Gi/],
    ["clone of a cluster that does not archive here", { postgres: { clone: { sourceCluster: "no-such-cluster", targetTime: "2026-01-01T00:00:00Z" } } }, "agent-dr:postgres.clone.sourceCluster", "no-such-cluster", /expected "agent-pg-prod", the cluster this stack archives/],
    ["clone to a time that has not happened", { postgres: { clone: { sourceCluster: "agent-pg-prod", targetTime: "2099-01-01T00:00:00Z" } } }, "agent-dr:postgres.clone.targetTime", "2099-01-01T00:00:00Z", /a time in the past/],
    ["OIDC: the DR issuer is another region's cluster", { regions: { dr: "eu-west-1" } }, "agent-dr:oidc.drIssuerUrl", "oidc.eks.us-west-2.amazonaws.com/id/PRODDR000000000000000000000000000", /the EKS cluster in eu-west-1 \(this one is a cluster's in us-west-2\)/],
    ["OIDC: the DR provider in another account", { oidc: { drProviderArn: "arn:aws:iam::999988887777:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/PRODDR000000000000000000000000000" } }, "agent-dr:oidc.drProviderArn", "arn:aws:iam::999988887777:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/PRODDR000000000000000000000000000", /a provider in the workload account 444455556666/],
    // agent-dr:chaos (components/chaos): strict, and no chart setting with the tests off
    ["chaos: enabled as a string", { chaos: { enabled: "yes" } }, "agent-dr:chaos.enabled", "yes", /expected a boolean \(true or false\)/],
    ["chaos: a chart version that is a channel", { chaos: { enabled: true, chartVersion: "latest" } }, "agent-dr:chaos.chartVersion", "latest", /expected a Chaos Mesh chart version such as "2.8.3"/],
    ["chaos: a namespace that is no Kubernetes name", { chaos: { enabled: true, namespace: "Chaos_Mesh" } }, "agent-dr:chaos.namespace", "Chaos_Mesh", /expected a Kubernetes name/],
    ["chaos: an unknown key", { chaos: { enabled: true, schedule: "0 2 * * *" } }, "agent-dr:chaos.schedule", "0 2 * * *", /unknown key/],
    ["chaos: the chart in prod with the tests off by default", { chaos: { installChart: true } }, "agent-dr:chaos.installChart", true, /expected unset \(or installChart false\) while agent-dr:chaos.enabled is false \(the default in this environment\)/],
    ["chaos: a chart version with the tests off", { chaos: { enabled: false, chartVersion: "2.8.3" } }, "agent-dr:chaos.chartVersion", "2.8.3", /while agent-dr:chaos.enabled is false: no fault Schedule would use Chaos Mesh/],
  ])("%s", (_what, patch, key, value, expected) => {
    const problems = problemsOf(patch);
    const p = problems.find((x) => x.key === key);
    expect({ key: p?.key, value: p?.value }).toEqual({ key, value });
    expect(p!.expected).toMatch(expected);
  });
});

describe("one error does not drag in false follow-on errors", () => {
  it("an invalid DR region is the only problem: no 'equals the primary', no DR-key errors", () => {
    expect(problemsOf({ regions: { dr: "us-westt-9" } }).map((p) => p.key)).toEqual(["agent-dr:regions.dr"]);
  });

  it("a DR region in another partition is reported once, not again on the DR OIDC provider", () => {
    expect(problemsOf({ regions: { dr: "us-gov-west-1" } }).map((p) => p.key)).toEqual(["agent-dr:regions.dr"]);
  });

  it("two invalid regions give two messages, each naming its region", () => {
    const problems = problemsOf({ regions: { primary: "us-eastt-1", dr: "us-westt-9" } });
    expect(problems.map((p) => [p.key, p.value])).toEqual([
      ["agent-dr:regions.primary", "us-eastt-1"],
      ["agent-dr:regions.dr", "us-westt-9"],
    ]);
    expect(problems[0].expected).toMatch(/the primary region/);
    expect(problems[1].expected).toMatch(/the DR region/);
  });

  it("an RPO above the RTO in every scenario is one message naming the scenarios, not four", () => {
    const problems = problemsOf({ dataClasses: { tool_results: { store: "postgres", rto: "1m", rpo: "2m" } } });
    expect(problems).toHaveLength(1);
    expect(problems[0].expected).toMatch(/\(60s for instance-loss, zone-loss, region-loss, logical-corruption, credential-compromise\)/);
  });

  it("an RTO below a default RPO is one problem on the RTO the user wrote, not errors on defaults they never set", () => {
    const problems = problemsOf({ dataClasses: { conversation_history: { rto: "0" } } });
    expect(problems.map((p) => [p.key, p.value])).toEqual([["agent-dr:dataClasses.conversation_history.rto", "0"]]);
    expect(problems[0].expected).toMatch(/no smaller than the class's RPO \(default 60s for instance-loss, zone-loss, region-loss, logical-corruption; 24h for credential-compromise\)/);
  });

  it("identical problems are said once", () => {
    const e = new ConfigError([
      { key: "agent-dr:x", value: 1, expected: "expected 2" },
      { key: "agent-dr:x", value: 1, expected: "expected 2" },
    ]);
    expect(e.problems).toHaveLength(1);
    expect(e.message).toMatch(/\(1 problem\)/);
  });
});

describe("valid edge values still pass", () => {
  it.each<[string, Record<string, unknown>]>([
    ["chaos: on in prod on purpose, with the chart", { chaos: { enabled: true, installChart: true, chartVersion: "2.8.3", namespace: "chaos-testing" } }],
    ["chaos: off, installChart false spelt out", { chaos: { enabled: false, installChart: false } }],
    ["shared_buffers 1GB, 128MB with a space, fractional 1.5GB", param({ shared_buffers: "1GB", effective_cache_size: "128 MB", maintenance_work_mem: "1.5GB" })],
    ["booleans as on/off/true and a YAML boolean", param({ fsync: "on", wal_log_hints: "off", full_page_writes: "true", log_connections: true, log_disconnections: "YES" })],
    ["integers as YAML numbers and hex", param({ max_connections: 200, max_wal_senders: "0x10" })],
    ["times with units, -1 where it is the minimum", param({ log_min_duration_statement: -1, statement_timeout: "1h", checkpoint_timeout: "30s", idle_session_timeout: "0" })],
    ["reals, with a unit", param({ random_page_cost: 1.1, checkpoint_completion_target: "0.9", vacuum_cost_delay: "0.5ms" })],
    ["enums, case-insensitive, and spellings pg_settings hides", param({ wal_compression: "LZ4", huge_pages: "try", client_min_messages: "debug", constraint_exclusion: "true" })],
    ["strings and an extension's parameter", param({ search_path: '"$user", public', "pg_stat_statements.track": "all" })],
    ["a DR region in eu-central-2", { regions: { dr: "eu-central-2" }, oidc: { drProviderArn: null, drIssuerUrl: null }, postgres: { standby: { enabled: false } }, redis: { drRegion: false }, clusters: { dr: null } }],
    ["CIDRs: /8, IPv6, /32", { postgres: { standby: { peerCidrs: ["10.0.0.0/8", "fd00:10:20::/48", "192.168.1.7/32", "0.0.0.0/0"] } } }],
    ["a volume that holds the data and the WAL, a writer name that moves, a clone of the past", { postgres: { volumeSize: "21Gi", clone: { sourceCluster: "agent-pg-prod", targetTime: "2026-01-01T00:00:00Z" } }, endpoints: { databaseWriter: { name: "db.agents.internal", privateZoneId: "Z0PRIVATE0000", primaryTarget: "a.internal.example.com", drTarget: "b.internal.example.com" } } }],
    ["PG 15 still has what 16 removed", param({ vacuum_defer_cleanup_age: 0 })],
    ["an https issuer URL with a trailing slash", { oidc: { issuerUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/PROD00000000000000000000000000000/" } }],
  ])("%s", (_what, patch) => {
    expect(problemsOf(patch)).toEqual([]);
  });

  it("a GovCloud stack: us-gov-west-1 with us-gov-east-1 and GovCloud ARNs", () => {
    const gov = (region: string, id: string) => ({ arn: `arn:aws-us-gov:iam::444455556666:oidc-provider/oidc.eks.${region}.amazonaws.com/id/${id}`, issuer: `oidc.eks.${region}.amazonaws.com/id/${id}` });
    const [p, d] = [gov("us-gov-west-1", "A"), gov("us-gov-east-1", "B")];
    expect(problemsOf({ regions: { primary: "us-gov-west-1", dr: "us-gov-east-1" }, oidc: { providerArn: p.arn, issuerUrl: p.issuer, drProviderArn: d.arn, drIssuerUrl: d.issuer } })).toEqual([]);
  });

  it("YAML booleans reach postgresql.conf as PostgreSQL's on/off, numbers as their text", () => {
    const cfg = parseStackConfig(prodWith(param({ log_connections: true, log_disconnections: false, max_connections: 200 })), "prod");
    expect(cfg.postgres.overrides.parameters).toEqual({ log_connections: "on", log_disconnections: "off", max_connections: "200" });
  });

  it("agent-dr:probe: on by default in staging, off in prod, one write a second unless set", () => {
    const probeOf = (stack: string, patch: Record<string, unknown> = {}) => parseStackConfig(deepMerge(rawConfigFrom(readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`)).config), patch), stack).probe;
    expect(probeOf("staging")).toEqual({ enabled: true, writeIntervalMs: 1000 });
    expect(probeOf("prod")).toEqual({ enabled: false, writeIntervalMs: 1000 });
    expect(probeOf("prod", { probe: { enabled: true, writeIntervalMs: 250 } })).toEqual({ enabled: true, writeIntervalMs: 250 });
    expect(probeOf("staging", { probe: { enabled: false } }).enabled).toBe(false);
  });

  it("the shipped staging and prod configs pass", () => {
    for (const stack of ["staging", "prod"]) {
      expect(() => parseStackConfig(rawConfigFrom(readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`)).config), stack)).not.toThrow();
    }
  });
});

describe("the network and region validators on their own", () => {
  it.each(["10.20.0.0/33", "300.1.1.1/16", "10.20.0.1/16", "10.20.0.0/016", "10.20.0.0/", "/16", "fe80::1%eth0/64", " 10.0.0.0/8", "fd00::1/8"])("CIDR %j is refused", (c) => {
    expect(cidrProblem(c)).toMatch(/^expected a CIDR/);
  });
  it.each(["10.0.0.0/8", "172.16.0.0/12", "fd00:10:20::/48", "::/0", "2001:db8::/32"])("CIDR %j passes", (c) => {
    expect(cidrProblem(c)).toBeUndefined();
  });
  it.each(["-lead.example.com", "trail-.example.com", "a..example.com", `${"a".repeat(64)}.example.com`, "example.123", "::1"])("host name %j is refused", (h) => {
    expect(hostnameProblem(h)).toMatch(/^expected a DNS host name/);
  });
  it("regions come from the SDK's partitions, with their partition", () => {
    expect(awsRegion("us-gov-west-1")).toMatchObject({ partition: "aws-us-gov" });
    expect(awsRegion("cn-north-1")).toMatchObject({ partition: "aws-cn" });
    expect(awsRegion("eu-central-2")).toMatchObject({ partition: "aws" });
    expect(awsRegion("us-westt-9")).toBeUndefined();
    expect(awsRegion("aws-us-gov-global")).toBeUndefined();
  });
});

describe("the PostgreSQL parameter validator agrees with PostgreSQL 15", () => {
  /** Whether the installed server accepts name = value (postgres -C parses and range-checks it; no data directory needed). */
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-pgaccept-"));
  fs.writeFileSync(path.join(dir, "postgresql.conf"), "");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const serverAccepts = (name: string, value: string) => spawnSync(`${PG_BIN}/postgres`, ["-C", name, "-c", `${name}=${value}`, "-D", dir], { encoding: "utf8" }).status === 0;

  const samples: Array<[string, string[]]> = [
    ["fsync", ["on", "off", "of", "o", "ON", "tr", "TRUE", "truex", "y", "ye", "yes", "n", "no", "nope", "1", "0", "2", "", " on", "on "]],
    ["shared_buffers", ["1GB", "128MB", "128 MB", " 1GB ", "30.1GB", "0x100", "010", "08", "1e3", "1.5", "15", "16", "lots", "10s", "1gb", "1 GB x", "8TB", "9TB", "99999999999", "-1", "1e400", "inf", "nan", "128kB", "127kB", "0.1kB"]],
    ["checkpoint_timeout", ["30s", "29s", "1d", "2d", "1min", "0.5min", "30000ms", "30", "29999ms", "5 min", "1h 1", "86400", "1.5h"]],
    ["log_min_duration_statement", ["-1", "-2", "250ms", "0", "2147483647", "2147483648"]],
    // Not 262143 (the range's top): a check hook adds the worker counts to it, a rule between parameters left to the server.
    ["max_connections", ["200", "0", "100000", "262144", "10MB", "+5", " 7 ", "7.4", "7.5", "8.5"]],
    ["random_page_cost", ["1.1", "-1", ".5", "1e400", "nan", "inf", "1e-400", "4e0", "0x10", "cheap", "1.1ms"]],
    ["vacuum_cost_delay", ["0.5ms", "200ms", "100ms", "0.1s", "1s", "50", "100.5", "1 ms"]],
    ["wal_compression", ["lz4", "LZ4", "true", "yes", "1", "maybe", "off"]],
    ["client_min_messages", ["debug", "DEBUG3", "log", "fatal"]],
    ["huge_pages", ["try", "on", "false", "sometimes"]],
    ["search_path", ['"$user", public', "x"]],
  ];
  const rows = samples.flatMap(([name, values]) => values.map((v) => [name, v] as [string, string]));

  it(`judges ${rows.length} values as the server does`, () => {
    const disagreements = rows
      .map(([name, value]) => ({ name, value, server: serverAccepts(name, value), plan: postgresParameterProblem(name, value) === undefined }))
      .filter((r) => r.server !== r.plan);
    expect(disagreements).toEqual([]);
  });

  it("converts units as guc.c does (30.1GB of shared_buffers rounds to whole MB)", () => {
    expect(parsePgNumber("30.1GB", "integer", "8kB")).toEqual({ ok: true, value: 3945216 });
    expect(parsePgNumber("0.5min", "integer", "s")).toEqual({ ok: true, value: 30 });
  });

  it("the vendored catalogue matches the installed server (type, context, range) and covers every parameter name the plan knows", () => {
    const r = spawnSync(`${PG_BIN}/postgres`, ["--describe-config"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const catalogue = pg15Settings();
    const mismatches: string[] = [];
    for (const line of r.stdout.split("\n").filter(Boolean)) {
      const [name, context, , vartype, , min, max] = line.split("\t");
      const s = catalogue.get(name);
      const same = s && s.context === context && s.vartype === (vartype === "BOOLEAN" ? "bool" : vartype.toLowerCase()) && (s.min_val ?? "") === min && (s.max_val ?? "") === max;
      if (!same) mismatches.push(`${name}: server ${[context, vartype, min, max].join(" ")}; catalogue ${s ? [s.context, s.vartype, s.min_val, s.max_val].join(" ") : "missing"}`);
    }
    expect(mismatches).toEqual([]);
    expect([...POSTGRES_15_PARAMETERS].filter((n) => !catalogue.has(n))).toEqual([]);
  });

  it("loads in either order with the render module it shares the managed list with", () => {
    jest.isolateModules(() => {
      require("../../components/postgres/render/parameters");
      const { parseStackConfig: parse } = require("../../dr/targets");
      expect(() => parse(prodWith(param({ hot_standby: "off" })), "prod")).toThrow(/parameters\.hot_standby: got "off"; expected no value here; Patroni manages it/);
    });
  });
});

describe("stack files", () => {
  it("names the file for a missing file, a YAML error and a file that is not a stack file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-dr-files-"));
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, "config:\n  agent-dr:regions:\n    primary: us-east-1\n   dr: us-west-2\n");
    const list = path.join(dir, "list.yaml");
    fs.writeFileSync(list, "- a\n- b\n");
    const problem = (file: string) => {
      try {
        readStackFile(file);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as Error).message).toContain(file);
        return (e as ConfigError).problems[0];
      }
      throw new Error(`${file} was accepted`);
    };
    expect(problem(path.join(dir, "none.yaml"))).toEqual({ key: path.join(dir, "none.yaml"), value: undefined, expected: expect.stringMatching(/there is no such file/) });
    expect(problem(bad)).toEqual({ key: `${bad}:4:1`, value: "dr: us-west-2", expected: expect.stringMatching(/^expected valid YAML \(BAD_INDENT/) });
    expect(problem(list)).toMatchObject({ key: list, expected: expect.stringMatching(/a YAML mapping with a config: section/) });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses an aws:region the SDK does not list", () => {
    expect(() => readStackFile(stackFileWith("prod", { "aws:region": "us-esat-1" }))).toThrow(/aws:region: got "us-esat-1"; expected the AWS provider's default region to be an AWS region listed/);
  });

  it("reads a component's ConfigError back from its text for --json", () => {
    const text = new ConfigError([{ key: "agent-dr:a.b", value: { x: 1 }, expected: "expected y; really" }, { key: "agent-dr:c", value: undefined, expected: "unknown key; expected one of: d" }]).message;
    const report = configErrorReport(Object.assign(new Error(text), { name: "RunError" }));
    expect(report).toEqual({
      error: "invalid stack configuration (2 problems)",
      issues: [
        { key: "agent-dr:a.b", value: { x: 1 }, expected: "expected y; really" },
        { key: "agent-dr:c", value: null, expected: "unknown key; expected one of: d" },
      ],
    });
  });
});

describe("npm run plan exits 2, naming the key (and the file)", () => {
  function plan(args: string[]) {
    const r = spawnSync("npm", ["run", "-s", "plan", "--", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60000 });
    if (r.error) throw r.error;
    return r;
  }
  const fileWith = (content: string | Buffer) => {
    const file = path.join(scratchDir("agent-dr-yaml-"), "Pulumi.prod.yaml");
    fs.writeFileSync(file, content);
    return file;
  };
  const malformed = () => {
    const file = path.join(scratchDir("agent-dr-yaml-"), "Pulumi.prod.yaml");
    fs.writeFileSync(file, "config:\n  agent-dr:regions: [us-east-1\n");
    return file;
  };

  it.each<[string, () => string[], RegExp]>([
    ["an empty file", () => ["--stack", "prod", "--config-file", fileWith("")], /^invalid stack configuration in .*Pulumi\.prod\.yaml \(1 problem\):\n  - .*Pulumi\.prod\.yaml: got nothing; expected a Pulumi stack file with a config: section/m],
    ["a YAML file without config:", () => ["--stack", "prod", "--config-file", fileWith("foo: bar\n")], /Pulumi\.prod\.yaml: got nothing; expected a Pulumi stack file with a config: section/],
    ["a binary file", () => ["--stack", "prod", "--config-file", fileWith(Buffer.from([0xff, 0xfe, 0x00, 0x61]))], /Pulumi\.prod\.yaml: got nothing; expected a UTF-8 text YAML file/],
    ["a key under a misspelt project namespace", () => ["--stack", "prod", "--config-file", stackFileWith("prod", { "agentdr:postgres": { instances: 1 } })], /^  - agentdr:postgres: got "agentdr"; expected the namespace agent-dr or one of a provider the stack uses/m],
    ["a look-alike region", () => ["--stack", "prod", "--config-file", stackFileWith("prod", { "agent-dr:regions": { dr: "us-westt-9" } })], /^  - agent-dr:regions\.dr: got "us-westt-9"; expected the DR region to be an AWS region/m],
    ["a positive-only zero", () => ["--stack", "prod", "--config-file", stackFileWith("prod", { "agent-dr:postgres": { dataSizeGiB: 0 } })], /agent-dr:postgres\.dataSizeGiB: got 0; expected a number greater than 0$/m],
    ["an unknown scenario", () => ["--stack", "prod", "--config-file", stackFileWith("prod", { "agent-dr:dataClasses": { session_state: { scenarios: { "zone-lost": { rto: "5m" } } } } })], /scenarios\.zone-lost: got \{"rto":"5m"\}; unknown key; expected one of: instance-loss, zone-loss, region-loss, logical-corruption/],
    ["malformed YAML", () => ["--stack", "prod", "--config-file", malformed()], /^invalid stack configuration in \S+Pulumi\.prod\.yaml .*\n  - \S+Pulumi\.prod\.yaml:\d+:\d+: got .*; expected valid YAML/],
    ["a missing config file", () => ["--stack", "prod", "--config-file", "/nonexistent/Pulumi.prod.yaml"], /  - \/nonexistent\/Pulumi\.prod\.yaml: got nothing; expected a readable Pulumi stack config file \(there is no such file\)/],
    ["an unknown stack", () => ["--stack", "qa"], /  - --stack: got "qa"; expected one of the project's stacks: prod, staging \(there is no Pulumi\.qa\.yaml\)/],
  ])("%s", (_what, args, message) => {
    const r = plan(args());
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: "" });
    expect(r.stderr).toMatch(message);
  });

  it.each<[string, () => string[], { key: RegExp; value: unknown; expected: RegExp }]>([
    ["a PostgreSQL value", () => ["--stack", "prod", "--json", "--config-file", stackFileWith("prod", { "agent-dr:postgres": { overrides: { parameters: { shared_buffers: "lots" } } } })], { key: /^agent-dr:postgres\.overrides\.parameters\.shared_buffers$/, value: "lots", expected: /^expected a memory size/ }],
    ["malformed YAML", () => ["--stack", "prod", "--json", "--config-file", malformed()], { key: /Pulumi\.prod\.yaml:\d+:\d+$/, value: expect.anything(), expected: /^expected valid YAML/ }],
    ["an unknown stack", () => ["--stack", "qa", "--json"], { key: /^--stack$/, value: "qa", expected: /prod, staging/ }],
  ])("--json prints {error, issues} on stdout for %s", (_what, args, issue) => {
    const r = plan(args());
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(["error", "issues"]);
    expect(out.error).toMatch(/^invalid stack configuration/);
    expect(out.issues).toHaveLength(1);
    expect(out.issues[0]).toEqual({ key: expect.stringMatching(issue.key), value: issue.value, expected: expect.stringMatching(issue.expected) });
  });
});

describe("options that would be silently ignored", () => {
  const { parseStackConfig } = require("../../dr/targets");
  const parse = (failover: Record<string, unknown>, regions: Record<string, string> = { primary: "us-east-1", dr: "us-west-2" }) => () =>
    parseStackConfig({ regions, clusters: { primary: {}, ...(regions.dr ? { dr: {} } : {}) }, postgres: { standby: { peerCidrs: ["10.20.0.0/16"] } }, failover }, "prod");
  test("an automatic region promotion without the controller that would do it is refused, naming the key", () => {
    expect(parse({ regionPromotion: "automatic" })).toThrow(/agent-dr:failover\.regionPromotion: got "automatic"; expected "manual" unless agent-dr:failover\.controller\.enabled is true/);
    expect(parse({ regionPromotion: "automatic", controller: { enabled: false } })).toThrow(/failover\.regionPromotion/);
    expect(parse({ regionPromotion: "automatic" }, { primary: "us-east-1" })).toThrow(/failover\.regionPromotion/);
  });
  test("with the controller it stands; manual needs nothing", () => {
    expect(parse({ regionPromotion: "automatic", controller: { enabled: true } })).not.toThrow();
    expect(parse({ regionPromotion: "manual" })).not.toThrow();
  });
});

describe("backup protections: lock, administrators, break-glass", () => {
  test.each([
    ["a lock longer than the retention", { backup: { retentionDays: 14, objectLock: { enabled: true, days: 20 } } }, "agent-dr:backup.objectLock.days", 20, /at most agent-dr:backup.retentionDays \(14\)/],
    ["a lock longer than the default retention", { backup: { objectLock: { enabled: true, days: 30 } } }, "agent-dr:backup.objectLock.days", 30, /at most agent-dr:backup.retentionDays \(14\)/],
    ["a lock mode S3 does not have", { backup: { objectLock: { enabled: true, mode: "LEGAL_HOLD" } } }, "agent-dr:backup.objectLock.mode", "LEGAL_HOLD", /COMPLIANCE|GOVERNANCE/],
    ["an administrator that is not an ARN", { backup: { administrators: ["deploy-role"] } }, "agent-dr:backup.administrators[0]", "deploy-role", /IAM principal ARN.*this is not an ARN/],
    ["an administrator in another service", { backup: { administrators: ["arn:aws:s3:::bucket"] } }, "agent-dr:backup.administrators[0]", "arn:aws:s3:::bucket", /the service is "s3"/],
    ["a break-glass with a wildcard", { backup: { breakGlassPrincipals: ["arn:aws:iam::777788889999:role/*"] } }, "agent-dr:backup.breakGlassPrincipals[0]", "arn:aws:iam::777788889999:role/*", /IAM principal ARN/],
    ["a break-glass with a short account", { backup: { breakGlassPrincipals: ["arn:aws:iam::7777:role/bg"] } }, "agent-dr:backup.breakGlassPrincipals[0]", "arn:aws:iam::7777:role/bg", /not 12 digits/],
    ["a break-glass that is an OIDC provider", { backup: { breakGlassPrincipals: ["arn:aws:iam::777788889999:oidc-provider/x"] } }, "agent-dr:backup.breakGlassPrincipals[0]", "arn:aws:iam::777788889999:oidc-provider/x", /the resource is "oidc-provider\/x"/],
  ])("%s is refused naming the key, the value and what is expected", (_what, patch, key, value, expected) => {
    const problems = problemsOf(patch);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key, value });
    expect(problems[0].expected).toMatch(expected);
  });

  const DR_ROLE = "arn:aws:iam::555566667777:role/agent-dr-backup-deployer";
  test.each([
    ["a backup account role in the workload account", { backup: { drAccount: { roleArn: "arn:aws:iam::444455556666:role/deployer" } } }, "agent-dr:backup.drAccount.roleArn", "arn:aws:iam::444455556666:role/deployer", /another account than the workload account 444455556666/],
    ["a backup account user (not assumable)", { backup: { drAccount: { roleArn: "arn:aws:iam::555566667777:user/ci" } } }, "agent-dr:backup.drAccount.roleArn", "arn:aws:iam::555566667777:user/ci", /IAM role ARN.*a user or the root can not be assumed/],
    ["a backup account root", { backup: { drAccount: { roleArn: "arn:aws:iam::555566667777:root" } } }, "agent-dr:backup.drAccount.roleArn", "arn:aws:iam::555566667777:root", /IAM role ARN/],
    ["a backup account role that is not an ARN", { backup: { drAccount: { roleArn: "deployer" } } }, "agent-dr:backup.drAccount.roleArn", "deployer", /IAM role ARN.*not an ARN/],
    ["a backup account role in another partition", { backup: { drAccount: { roleArn: "arn:aws-cn:iam::555566667777:role/deployer" } } }, "agent-dr:backup.drAccount.roleArn", "arn:aws-cn:iam::555566667777:role/deployer", /workload account's partition \(aws\)/],
    ["an external id with a space", { backup: { drAccount: { roleArn: DR_ROLE, externalId: "agent dr" } } }, "agent-dr:backup.drAccount.externalId", "agent dr", /STS's external id/],
    ["a backup account with replication switched off", { backup: { drAccount: { roleArn: DR_ROLE }, overrides: { crossRegionReplication: false } } }, "agent-dr:backup.overrides.crossRegionReplication", false, /replication is what fills the backup account's copy/],
    ["an unknown key under drAccount", { backup: { drAccount: { roleArn: DR_ROLE, region: "us-west-2" } } }, "agent-dr:backup.drAccount.region", undefined, /unknown key/i],
  ])("%s is refused naming the key, the value and what is expected", (_what, patch, key, value, expected) => {
    const problems = problemsOf(patch);
    expect(problems).toHaveLength(1);
    expect(problems[0].key).toBe(key);
    if (value !== undefined) expect(problems[0].value).toEqual(value);
    expect(`${problems[0].expected} ${JSON.stringify(problems[0].value)}`).toMatch(expected);
  });

  test("a backup account needs a DR region and the workload account (agent-dr:oidc)", () => {
    const staging = rawConfigFrom(readStackFile(path.join(ROOT, "Pulumi.staging.yaml")).config);
    let noDr: ConfigProblem[] = [];
    try {
      parseStackConfig(deepMerge(staging, { backup: { drAccount: { roleArn: DR_ROLE } } }), "staging");
    } catch (e) {
      noDr = (e as ConfigError).problems;
    }
    expect(noDr.find((p) => p.key === "agent-dr:backup.drAccount")?.expected).toMatch(/without agent-dr:regions.dr/);
    const raw = prodWith({ backup: { drAccount: { roleArn: DR_ROLE } }, postgres: { standby: { enabled: false } } });
    delete (raw as any).oidc;
    let problems: ConfigProblem[] = [];
    try {
      parseStackConfig(raw, "prod");
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems.find((p) => p.key === "agent-dr:backup.drAccount")?.expected).toMatch(/agent-dr:oidc too/);
  });

  test("a role in another account of the same partition passes, with or without an external id", () => {
    expect(problemsOf({ backup: { drAccount: { roleArn: DR_ROLE } } })).toEqual([]);
    expect(problemsOf({ backup: { drAccount: { roleArn: "arn:aws:iam::555566667777:role/path/deployer", externalId: "agent-dr:prod/backups" } } })).toEqual([]);
  });

  test("roles, users and account roots pass; a lock as long as the retention passes", () => {
    expect(problemsOf({ backup: { retentionDays: 14, objectLock: { enabled: true, days: 14 }, administrators: ["arn:aws:iam::444455556666:role/path/deploy", "arn:aws:iam::444455556666:user/ci"], breakGlassPrincipals: ["arn:aws:iam::777788889999:root"] } })).toEqual([]);
  });
});
