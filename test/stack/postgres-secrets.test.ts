/**
 * Secrets stay Pulumi secrets: the component under plain Pulumi mocks (no unwrapping), looking at
 * the raw inputs the engine would receive. Passwords reach Secrets as secret values, and no
 * secret flows into the postgresql resource, the Jobs or the CronJobs.
 */
import * as pulumi from "@pulumi/pulumi";
import { containsSecret } from "../../offline/capture";

interface Raw {
  type: string;
  name: string;
  inputs: any;
}

const raw: Raw[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        raw.push({ type: a.type, name: a.name, inputs: a.inputs });
        const state: Record<string, any> = { ...a.inputs };
        if (a.type.startsWith("random:")) state.result = `pw-${a.name}`;
        return { id: `${a.name}-id`, state };
      },
      call: () => {
        throw new Error("no invokes expected");
      },
    },
    "agent-dr",
    "prod",
    false,
  );
});

test("passwords are secrets in the Secrets and absent from everything else", async () => {
  const k8s = await import("@pulumi/kubernetes");
  const { parseStackConfig } = await import("../../dr/targets");
  const { deriveSettings } = await import("../../dr/settings");
  const { PostgresCluster } = await import("../../components/postgres/cluster");
  const config = parseStackConfig({ regions: { primary: "us-east-1" } }, "staging");
  const settings = deriveSettings(config);
  const provider = new k8s.Provider("p", { context: "x" });
  const c = new PostgresCluster("pg", {
    region: "us-east-1",
    provider,
    namespace: "agent-dr",
    clusterName: "agent-pg-staging",
    role: "primary",
    version: "15",
    volumeSize: "10Gi",
    settings: settings.postgres!,
    backup: settings.backup,
    retentionDays: 7,
    classes: config.dataClasses.filter((d) => d.store === "postgres"),
    extraParameters: {},
    installOperator: false,
    backupBucket: "bucket",
    backupKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
    walgRoleArn: "arn:aws:iam::123456789012:role/walg",
    logicalBackupRoleArn: "arn:aws:iam::123456789012:role/backup",
    restoreDrillRoleArn: "arn:aws:iam::123456789012:role/drill",
    labels: {},
  });
  await new Promise((r) => c.resource.urn.apply(r));
  // Every registration RPC finished (the SDK tracks them), so `raw` is complete.
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> }).waitForRPCs();

  const secrets = raw.filter((r) => r.type === "kubernetes:core/v1:Secret");
  // superuser, replication; the backup and exporter roles the configure Job creates; an owner per class database.
  expect(secrets.length).toBe(2 + 2 + 4);
  for (const s of secrets) expect(containsSecret(s.inputs.stringData)).toBe(true);
  const others = raw.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:core/v1:Secret");
  expect(others.map((r) => r.type)).toEqual(expect.arrayContaining(["kubernetes:acid.zalan.do/v1:postgresql", "kubernetes:batch/v1:CronJob", "kubernetes:batch/v1:Job"]));
  for (const r of others) expect({ name: r.name, secret: containsSecret(r.inputs) }).toEqual({ name: r.name, secret: false });
  // The check can fail: the envelope is recognised where it is.
  expect(containsSecret(secrets[0].inputs)).toBe(true);
});
