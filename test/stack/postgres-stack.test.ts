/**
 * The PostgreSQL tier in mock runs of the shipped staging and prod stacks: every object it creates
 * validates (the postgresql resource against the operator's vendored CRD, built-in kinds against
 * kubernetes-models), the derived settings reach the resources, secrets stay in Secrets, and the
 * policy pack's observer reads the same settings back. Wall time about 10-20 s.
 */
import type { CapturedResource } from "../../offline/capture";
import { deriveSettings } from "../../dr/settings";
import { parseStackConfig } from "../../dr/targets";
import { readStackFile } from "../../offline/stack-files";
import { rawConfigOf } from "../../offline/plan";
import { observePostgres, POSTGRESQL_CR_TYPE } from "../../policies/observe/postgres";
import { observeBackup } from "../../policies/observe/backup";
import { byType, runStack, stackFileWith } from "../harness/offline";
import { validateK8sObject, validateK8sObjects } from "../harness/k8s-validate";
import { SHIPPED_PATRONI } from "../harness/prod-config";
import { TYPES } from "../../contract/resource-types";

function configOf(stack: string, patch: Record<string, unknown> = {}) {
  const file = readStackFile(stackFileWith(stack, patch));
  const config = parseStackConfig(rawConfigOf(file), stack);
  return { config, settings: deriveSettings(config) };
}

/** Resources the PostgreSQL tier registered (children of a PostgresCluster or the tier's own). */
function tierResources(resources: CapturedResource[]): CapturedResource[] {
  return resources.filter((r) => r.urn.includes("agent-dr:postgres:PostgresCluster") || r.name.includes("-postgres-"));
}

/** One mock run per shipped stack, shared by the tests (each run takes seconds). */
const runs = new Map<string, Promise<CapturedResource[]>>();
function shipped(stack: string): Promise<CapturedResource[]> {
  if (!runs.has(stack)) {
    runs.set(
      stack,
      runStack(stack).then((r) => {
        if (r.error) throw r.error;
        return r.resources;
      }),
    );
  }
  return runs.get(stack)!;
}

const env = (list: Array<{ name: string; value?: string }>): Record<string, string> => Object.fromEntries(list.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));

describe.each(["staging", "prod"])("%s", (stack) => {
  let resources: CapturedResource[];
  const { config, settings } = configOf(stack);
  const pg = settings.postgres!;

  beforeAll(async () => {
    resources = await shipped(stack);
  });

  const crs = () => byType(resources, POSTGRESQL_CR_TYPE);
  const primaryCr = () => crs().find((r) => r.inputs.metadata.labels["agent-dr/postgres-role"] === "primary")!;

  test("every object of the tier validates: postgresql against the operator's CRD, the rest against kubernetes-models", () => {
    const tier = tierResources(resources);
    expect(tier.filter((r) => r.type === POSTGRESQL_CR_TYPE).length).toBeGreaterThan(0);
    expect(validateK8sObjects(tier)).toEqual([]);
    // The validator must be able to fail: a CR missing a required field and a bad CronJob are refused.
    const broken = { ...primaryCr(), inputs: { ...primaryCr().inputs, spec: { ...primaryCr().inputs.spec, teamId: undefined, patroni: { ttl: "30" } } } };
    expect(validateK8sObject(broken).join("\n")).toMatch(/teamId|ttl/);
  });

  test("the derived Patroni timings, parameters and backup schedule reach the postgresql resource", () => {
    const spec = primaryCr().inputs.spec;
    expect(spec.numberOfInstances).toBe(config.postgres.instances);
    // primary_start_timeout is no CR field: the configure Job sets it.
    const { primary_start_timeout: _notInCr, ...inCr } = SHIPPED_PATRONI;
    expect(spec.patroni).toMatchObject(inCr);
    expect(spec.postgresql.parameters).toMatchObject({
      wal_level: "replica",
      max_wal_senders: "5",
      wal_keep_size: "2GB",
      archive_mode: "on",
      archive_timeout: `${pg.archiveTimeoutSeconds}s`,
    });
    const e = env(spec.env);
    expect(e).toMatchObject({
      USE_WALG_BACKUP: "true",
      USE_WALG_RESTORE: "true",
      AWS_REGION: config.regions.primary,
      BACKUP_SCHEDULE: pg.baseBackupSchedule,
      AWS_ROLE_SESSION_NAME: `${config.postgres.clusterName}-walg`,
    });
    expect(e.WAL_S3_BUCKET).toMatch(new RegExp(`-backups-.*${config.regions.primary}$`));
    expect(Number(e.BACKUP_NUM_TO_RETAIN)).toBeGreaterThanOrEqual(2);
    expect(spec.enableConnectionPooler).toBe(true);
    expect(spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" });
    // A database and owner role per postgres class; the targets annotation names the classes.
    const pgClasses = config.dataClasses.filter((c) => c.store === "postgres");
    expect(Object.keys(spec.databases).sort()).toEqual(pgClasses.map((c) => c.database).sort());
    const annotated = JSON.parse(primaryCr().inputs.metadata.annotations["agent-dr/recovery-targets"]);
    expect(annotated.map((c: any) => c.name).sort()).toEqual(pgClasses.map((c) => c.name).sort());
  });

  test("primary_start_timeout and per-role synchronous_commit are applied by the configure Job", () => {
    const job = byType(resources, "kubernetes:batch/v1:Job").find((j) => j.inputs.metadata.name === `${config.postgres.clusterName}-configure`)!;
    const e = env(job.inputs.spec.template.spec.containers[0].env);
    expect(JSON.parse(e.PATRONI_CONFIG_PATCH)).toEqual({ primary_start_timeout: pg.primaryStartTimeoutSeconds });
    const entries = e.ROLE_SYNCHRONOUS_COMMIT.split(" ");
    expect(entries).toContain("agent_config_owner:agent_config:on");
    expect(entries).toContain("conversations_owner:conversations:local");
    expect(primaryCr().inputs.spec.postgresql.parameters.synchronous_commit).toBe("local");
  });

  test("logical backup and restore drill CronJobs: schedules from the settings, Forbid, labels, images that hold their tools", () => {
    const jobs = byType(resources, TYPES.cronJob).filter((c) => c.inputs.metadata.labels["agent-dr/job"]?.match(/logical-backup|restore-drill/));
    const backup = jobs.find((c) => c.inputs.metadata.labels["agent-dr/job"] === "logical-backup")!;
    const drill = jobs.find((c) => c.inputs.metadata.labels["agent-dr/job"] === "restore-drill")!;
    expect(backup.inputs.spec).toMatchObject({ schedule: settings.backup.logicalBackupSchedule, concurrencyPolicy: "Forbid" });
    expect(drill.inputs.spec).toMatchObject({ schedule: settings.backup.restoreDrillSchedule, concurrencyPolicy: "Forbid" });
    const pod = backup.inputs.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe("pg-logical-backup");
    const byName = Object.fromEntries([...pod.initContainers, ...pod.containers].map((c: any) => [c.name, c]));
    expect(byName.dump.image).toMatch(/^postgres:17/);
    expect(byName.dump.command.slice(-2)).toEqual(["logical-backup.sh", "dump"]);
    expect(byName.verify.command.slice(-2)).toEqual(["restore-verify.sh", "verify"]);
    expect(byName.upload.image).toMatch(/^amazon\/aws-cli:/);
    expect(env(byName.upload.env).BACKUP_PREFIX).toBe(`logical-backups/${config.postgres.clusterName}/`);
    expect(drill.inputs.spec.jobTemplate.spec.template.spec.serviceAccountName).toBe("pg-restore-drill");
  });

  test("ServiceAccounts carry the backup component's IRSA roles", () => {
    const sas = byType(resources, "kubernetes:core/v1:ServiceAccount").filter((s) => ["postgres-pod", "pg-logical-backup", "pg-restore-drill"].includes(s.inputs.metadata.name));
    const primarySas = sas.filter((s) => !s.urn.includes("postgres-dr"));
    expect(primarySas.map((s) => s.inputs.metadata.name).sort()).toEqual(["pg-logical-backup", "pg-restore-drill", "postgres-pod"]);
    for (const s of sas) expect(s.inputs.metadata.annotations["eks.amazonaws.com/role-arn"]).toMatch(/^arn:aws:iam::\d{12}:role\/agent-dr-/);
  });

  test("passwords live only in Secrets; jobs and the cluster reference them", () => {
    const passwords = byType(resources, "random:index/randomPassword:RandomPassword").filter((r) => r.urn.includes("PostgresCluster")).map((r) => `mock-${r.name}-random-value`);
    expect(passwords.length).toBeGreaterThanOrEqual(2);
    for (const r of resources) {
      const text = JSON.stringify(r.inputs);
      const leaked = passwords.filter((p) => text.includes(p));
      if (r.type === "kubernetes:core/v1:Secret") continue;
      expect({ resource: r.name, leaked }).toEqual({ resource: r.name, leaked: [] });
    }
    const secrets = byType(resources, "kubernetes:core/v1:Secret").filter((s) => s.inputs.metadata.name?.endsWith(".credentials.postgresql.acid.zalan.do"));
    expect(secrets.map((s) => s.inputs.metadata.name)).toContain(`postgres.${config.postgres.clusterName}.credentials.postgresql.acid.zalan.do`);
  });

  test("the exporter sidecar mounts the signals' queries ConfigMap, which exists in the same cluster", () => {
    for (const cr of crs()) {
      expect(cr.inputs.spec.sidecars.map((c: any) => c.name)).toEqual(["postgres-exporter"]);
      const cm = cr.inputs.spec.additionalVolumes[0].volumeSource.configMap.name;
      const provided = byType(resources, "kubernetes:core/v1:ConfigMap").filter((c) => c.inputs.metadata.name === cm && c.provider === cr.provider);
      expect({ cr: cr.inputs.metadata.name, configMaps: provided.length }).toEqual({ cr: cr.inputs.metadata.name, configMaps: 1 });
    }
  });

  test("the observer reads back the derived settings", () => {
    const observed = observePostgres(resources, config, observeBackup(resources, config))!;
    // Without a standby resource there is nothing to stream; the config's default says nothing then.
    expect(observed).toEqual({ ...pg, standby: { ...pg.standby, streaming: pg.standby.enabled && pg.standby.streaming } });
  });
});

test("prod: a standby cluster in the DR region streams from the primary and falls back to the replicated archive", async () => {
  const resources = await shipped("prod");
  const { config } = configOf("prod");
  const standby = byType(resources, POSTGRESQL_CR_TYPE).find((r) => r.inputs.metadata.labels["agent-dr/postgres-role"] === "standby")!;
  expect(standby.inputs.metadata.name).toBe(`${config.postgres.clusterName}-dr`);
  expect(standby.provider).toContain("agent-dr-dr-k8s");
  expect(standby.inputs.spec.standby.standby_host).toMatch(/\.pg\.agent-dr\.internal$/);
  expect(standby.inputs.spec.standby.s3_wal_path).toMatch(new RegExp(`^s3://agent-dr-prod-backups-.*us-west-2/spilo/${config.postgres.clusterName}/wal/15$`));
  const e = env(standby.inputs.spec.env);
  expect(e.STANDBY_AWS_REGION).toBe("us-west-2");
  expect(e.STANDBY_AWS_ROLE_ARN).toMatch(/role\/agent-dr-prod-postgres-pod-dr$/);
  // Its own archive stays inside the prefix its role may write: spilo/<primary>/<standby>/.
  expect(e.WALG_S3_PREFIX).toMatch(new RegExp(`/spilo/${config.postgres.clusterName}/${config.postgres.clusterName}-dr/wal/15$`));
  const secrets = byType(resources, "kubernetes:core/v1:Secret").filter((s) => s.inputs.metadata.name?.startsWith("standby."));
  // Same replication password in both regions (Spilo requires the source's).
  expect(new Set(secrets.map((s) => s.inputs.stringData.password)).size).toBe(1);
  expect(secrets.length).toBe(2);
});

test("prod: the operator is installed by its pinned chart in both regions, configured for this use", async () => {
  const releases = byType(await shipped("prod"), "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "postgres-operator");
  expect(releases.map((r) => r.inputs.values.configAwsOrGcp.aws_region).sort()).toEqual(["us-east-1", "us-west-2"]);
  for (const r of releases) {
    expect(r.inputs).toMatchObject({ version: "2.0.1", repositoryOpts: { repo: "https://opensource.zalando.com/postgres-operator/charts/postgres-operator" } });
    expect(r.inputs.values.podServiceAccount.name).toBe("postgres-pod");
    expect(r.inputs.values.configGeneral.docker_image).toMatch(/^ghcr\.io\/zalando\/spilo-\d+:/);
  }
});

test("staging: no standby cluster", async () => {
  expect(byType(await shipped("staging"), POSTGRESQL_CR_TYPE).map((r) => r.inputs.metadata.labels["agent-dr/postgres-role"])).toEqual(["primary"]);
});

test("the clone option creates a point-in-time clone that validates against the CRD", async () => {
  const run = await runStack("staging", { "agent-dr:postgres": { clone: { sourceCluster: "agent-pg-staging", targetTime: "2026-11-26T10:00:00Z" } } });
  if (run.error) throw run.error;
  const clone = byType(run.resources, POSTGRESQL_CR_TYPE).find((r) => r.inputs.metadata.labels["agent-dr/postgres-role"] === "clone")!;
  expect(clone.inputs.metadata.name).toBe("agent-pg-staging-pitr");
  expect(clone.inputs.spec.clone).toEqual({
    cluster: "agent-pg-staging",
    timestamp: "2026-11-26T10:00:00+00:00",
    s3_wal_path: expect.stringMatching(/^s3:\/\/agent-dr-staging-backups-.*\/spilo\/agent-pg-staging\/wal\/15$/),
  });
  expect(validateK8sObject(clone)).toEqual([]);
  // One ServiceAccount object per name and namespace: the clone uses its source's.
  const sas = byType(run.resources, "kubernetes:core/v1:ServiceAccount").map((s) => `${s.provider}/${s.inputs.metadata.name}`);
  expect(sas.length).toBe(new Set(sas).size);
  expect(env(clone.inputs.spec.env)).toMatchObject({ CLONE_USE_WALG_RESTORE: "true", CLONE_AWS_REGION: "us-east-1" });
});

test("overrides reach the resources and come back through the observer (archive_timeout 1800)", async () => {
  const patch = { "agent-dr:postgres": { overrides: { archiveTimeoutSeconds: 1800, ttlSeconds: 25, parameters: { work_mem: "16MB" } } } };
  const run = await runStack("prod", patch);
  if (run.error) throw run.error;
  const { config } = configOf("prod", patch);
  const cr = byType(run.resources, POSTGRESQL_CR_TYPE).find((r) => r.inputs.metadata.labels["agent-dr/postgres-role"] === "primary")!;
  expect(cr.inputs.spec.postgresql.parameters).toMatchObject({ archive_timeout: "1800s", work_mem: "16MB" });
  const observed = observePostgres(run.resources, config, observeBackup(run.resources, config))!;
  expect(observed.archiveTimeoutSeconds).toBe(1800);
  expect(observed.patroni.ttlSeconds).toBe(25);
});
