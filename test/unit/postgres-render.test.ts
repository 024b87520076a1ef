/** Pure renderers of the PostgreSQL tier: decisions tested directly, without Pulumi. */
import { deriveSettings } from "../../dr/settings";
import { ConfigError, parseStackConfig } from "../../dr/targets";
import { baseBackupsToRetain, renderWalgEnv } from "../../components/postgres/render/env";
import { normaliseTimestamp, renderPostgresql } from "../../components/postgres/render/manifest";
import { renderDatabaseNetworkPolicy, renderReplicationNetworkPolicy } from "../../components/postgres/render/network";
import { NETWORK_DEFAULTS } from "../../dr/targets/network";
import { renderPostgresParameters } from "../../components/postgres/render/parameters";
import { nearestParameter } from "../../dr/targets/postgres-parameters";
import { renderRoleSynchronousCommit } from "../../components/postgres/render/jobs";
import { credentialSecretName, nestedWalArchiveUrl, walArchiveUrl } from "../../contract/postgres";

const config = parseStackConfig(
  {
    regions: { primary: "us-east-1", dr: "us-west-2" },
    clusters: { primary: { context: "a" }, dr: { context: "b" } },
    postgres: { standby: { peerCidrs: ["10.20.0.0/16"] } },
  },
  "prod",
);
const pg = deriveSettings(config).postgres!;
const env = (list: Array<{ name: string; value: string }>) => Object.fromEntries(list.map((e) => [e.name, e.value]));

test("clone timestamps are normalised to the CRD's RFC 3339 form with a numeric offset", () => {
  expect(normaliseTimestamp("2026-11-26T10:00:00Z")).toBe("2026-11-26T10:00:00+00:00");
  expect(normaliseTimestamp("2026-11-26 10:00:00.5+0130")).toBe("2026-11-26T10:00:00.5+01:30");
  expect(normaliseTimestamp("2026-11-26T10:00:00-08:00")).toBe("2026-11-26T10:00:00-08:00");
});

test("base backups kept cover the retention window plus the one before it", () => {
  expect(baseBackupsToRetain("0 */6 * * *", 14)).toBe(57);
  expect(baseBackupsToRetain("0 1 * * *", 7)).toBe(8);
});

test("WAL-G env: IRSA session name always, STANDBY_ and CLONE_ copies only when asked, nested archive prefix", () => {
  const base = { clusterName: "c", region: "us-west-2", bucket: "b", kmsKeyArn: "arn:k", settings: pg, retentionDays: 7, walgRoleArn: "arn:r" };
  const plain = env(renderWalgEnv(base));
  expect(plain).toMatchObject({ AWS_REGION: "us-west-2", WAL_S3_BUCKET: "b", AWS_ROLE_SESSION_NAME: "c-walg", WALG_S3_SSE: "aws:kms", WALG_S3_SSE_KMS_ID: "arn:k" });
  expect(plain.WALG_DISABLE_S3_SSE).toBeUndefined();
  expect(Object.keys(plain).filter((k) => /^(STANDBY|CLONE)_|S3_PREFIX/.test(k))).toEqual([]);
  const standby = env(renderWalgEnv({ ...base, standby: { region: "us-west-2", roleArn: "arn:r" }, archiveUrl: nestedWalArchiveUrl("b", "src", "c", "15") }));
  expect(standby).toMatchObject({ STANDBY_AWS_ROLE_ARN: "arn:r", STANDBY_AWS_ROLE_SESSION_NAME: "c-walg-standby", WALG_S3_PREFIX: "s3://b/spilo/src/c/wal/15" });
  expect(walArchiveUrl("b", "src", "15")).toBe("s3://b/spilo/src/wal/15");
});

test("parameters: archive_timeout from the settings, synchronous_commit local only with synchronous mode, managed keys refused", () => {
  expect(renderPostgresParameters({ ...pg, archiveTimeoutSeconds: 42 }).archive_timeout).toBe("42s");
  expect(renderPostgresParameters({ ...pg, synchronousMode: true }).synchronous_commit).toBe("local");
  expect(renderPostgresParameters({ ...pg, synchronousMode: false }).synchronous_commit).toBeUndefined();
  expect(() => renderPostgresParameters(pg, { archive_command: "cp %p /x" })).toThrow(ConfigError);
  expect(() => renderPostgresParameters(pg, { archive_command: "cp %p /x" })).toThrow(/agent-dr:postgres\.overrides\.parameters\.archive_command: got "cp %p \/x"; expected no value here; Spilo sets it to WAL-G/);
  expect(nearestParameter("max_wal_sender")).toBe("max_wal_senders");
  expect(nearestParameter("completely_unrelated_thing")).toBeUndefined();
});

test("only RPO-0 classes' roles commit synchronously", () => {
  const classes = config.dataClasses.filter((c) => c.store === "postgres");
  expect(renderRoleSynchronousCommit(pg, classes).sort()).toEqual([
    "agent_config_owner:agent_config:on",
    "analytics_owner:analytics:local",
    "billing_owner:billing:local",
    "conversations_owner:conversations:local",
  ]);
});

test("the postgresql resource: owner per database, standby section only with a source, the operator's secret names", () => {
  const classes = config.dataClasses.filter((c) => c.store === "postgres");
  const input = { clusterName: "x", role: "standby" as const, version: "15", volumeSize: "10Gi", settings: pg, extraParameters: {}, classes, env: [], labels: {}, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } };
  const m = renderPostgresql({ ...input, standby: { s3WalPath: "s3://b/spilo/p/wal/15" } });
  expect(m.spec.standby).toEqual({ s3_wal_path: "s3://b/spilo/p/wal/15" });
  expect(m.spec.databases.agent_config).toBe("agent_config_owner");
  expect(renderPostgresql({ ...input, standby: { host: "h", s3WalPath: "s3://b/p" } }).spec.standby).toEqual({ standby_host: "h", standby_port: "5432", s3_wal_path: "s3://b/p" });
  expect(credentialSecretName("agent_config_owner", "x")).toBe("agent-config-owner.x.credentials.postgresql.acid.zalan.do");
});

test("NetworkPolicy: peers admitted only when given, labelled clients of the platform namespaces by name", () => {
  const input = { clusterName: "x", clientNamespaces: ["b", "a"], operatorNamespace: "op", replicationPeerCidrs: [] as string[], upstreamCidrs: [] as string[], pooler: false, network: NETWORK_DEFAULTS, labels: {} };
  const without = renderDatabaseNetworkPolicy(input);
  expect(JSON.stringify(without)).not.toContain("ipBlock");
  // Without a pooler the labelled clients reach 5432: of the tier's namespace, and of a and b (both selectors in one peer).
  expect(without.spec.ingress!.some((r: any) => r.from.some((f: any) => f.namespaceSelector?.matchExpressions?.[0].values.join() === "a,b" && f.podSelector?.matchLabels?.["agent-dr/postgres-client"] === "true"))).toBe(true);
  expect(renderReplicationNetworkPolicy(input)).toBeUndefined();
  const withPeers = renderReplicationNetworkPolicy({ ...input, replicationPeerCidrs: ["10.20.0.0/16"] })!;
  expect(withPeers.spec.podSelector.matchLabels).toMatchObject({ "cluster-name": "x", "spilo-role": "master" });
  expect(withPeers.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] }]);
});
