import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { BackupSettings, PostgresSettings } from "../../dr/settings";
import { ConfigError, DataClass } from "../../dr/targets";
import { renderWalgEnv } from "./render/env";
import { archiveMaxAgeHours, renderConfigureJob, renderLogicalBackupCronJob, renderRestoreDrillCronJob, renderRoleSynchronousCommit, restoreDrillMaxAgeHours } from "./render/jobs";
import { ClusterRole, renderPostgresql } from "./render/manifest";
import {
  clusterPodLabels,
  credentialSecretName,
  OPERATOR_CHART,
  ownerRole,
  patroniServiceName,
  REPLICATION_USER,
  SERVICE_ACCOUNTS,
  BACKUP_USER,
  EXPORTER_USER,
  stackRoleSecretName,
  SUPERUSER,
  nestedWalArchiveUrl,
  walArchiveUrl,
  walPrefix,
  JOB_KINDS,
  logicalBackupCronJobName,
  restoreDrillCronJobName,
} from "../../contract/postgres";
import {
  NetworkInput,
  renderClientNetworkPolicy,
  renderDatabaseNetworkPolicy,
  renderJobNetworkPolicies,
  renderMembersPdb,
  renderOperatorNetworkPolicy,
  renderPoolerNetworkPolicy,
  renderPoolerPdb,
  renderReplicationNetworkPolicy,
  renderSpiloNetworkPolicy,
} from "./render/network";
import { NETWORK_DEFAULTS, NetworkSettings } from "../../dr/targets/network";
import { declareNetworkPolicy, NamespaceNetwork } from "../network";
import { renderOperatorValues } from "./render/operator";
import { parameterProblems } from "./render/parameters";

/** Passwords a standby cluster must share with its source: the replication user's and the superuser's (spilo.md 3.1). */
export interface SharedCredentials {
  superuser: pulumi.Output<string>;
  replication: pulumi.Output<string>;
  /** The stack's own roles (logical backup, exporter): a standby or a clone has the primary's roles, so their passwords. */
  backup: pulumi.Output<string>;
  exporter: pulumi.Output<string>;
}

export interface PostgresClusterArgs {
  /** The region's Kubernetes cluster: provider and the tier's namespace. */
  region: string;
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  clusterName: string;
  /** primary: serves the platform; standby: follows the primary from the DR region; clone: a point-in-time copy. */
  role: ClusterRole;
  version: string;
  volumeSize: string;
  settings: PostgresSettings;
  backup: BackupSettings;
  retentionDays: number;
  /** The postgres data classes (each with a database). */
  classes: DataClass[];
  /** Extra postgresql.conf parameters (agent-dr:postgres.overrides.parameters), checked by name. */
  extraParameters: Record<string, string>;
  installOperator: boolean;
  /** This region's backup bucket and the IRSA roles of the backup component. */
  backupBucket: pulumi.Input<string>;
  /** The KMS key of backupBucket: WAL-G and the dump upload name it on every upload. */
  backupKmsKeyArn: pulumi.Input<string>;
  walgRoleArn: pulumi.Input<string>;
  logicalBackupRoleArn?: pulumi.Input<string>;
  restoreDrillRoleArn?: pulumi.Input<string>;
  /** Standby: stream from `host` and/or replay the source's archive replicated into this region's bucket. */
  standbyOf?: { clusterName: string; host?: pulumi.Input<string>; archiveBucket?: pulumi.Input<string> };
  /** Clone: restore `clusterName`'s archive (in backupBucket) up to targetTime. */
  cloneOf?: { clusterName: string; targetTime: string };
  /** Credentials shared with the source cluster (standby), instead of new random ones. */
  credentials?: SharedCredentials;
  /** Platform namespaces whose pods labelled agent-dr/postgres-client may connect (the tier's own always may). */
  clientNamespaces?: string[];
  /** Where a DR standby streams from (CIDRs admitted on 5432). */
  replicationPeerCidrs?: string[];
  /** A streaming standby: the primary region's CIDRs it connects to on 5432 (postgres.standby.primaryCidrs). */
  upstreamCidrs?: string[];
  /** What the NetworkPolicies admit besides the stack (agent-dr:network.*). */
  network?: NetworkSettings;
  labels: Record<string, string>;
  resources?: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
}

const OPERATOR_NAMESPACE = "postgres-operator";
const defaultResources = () => ({ requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } });

/**
 * A PostgreSQL cluster run by the Zalando postgres-operator (Patroni in Spilo): the operator
 * (optionally, by Helm), the `postgresql` resource with the derived Patroni timings, parameters
 * and WAL-G archiving by IRSA, credentials from random passwords, the configure Job, the logical
 * backup and restore drill CronJobs, NetworkPolicies and PodDisruptionBudgets.
 */
export class PostgresCluster extends pulumi.ComponentResource {
  /** The postgresql custom resource. */
  readonly resource: k8s.apiextensions.CustomResource;
  /** Host of the primary inside the cluster (the operator's master Service). */
  readonly primaryHost: string;
  /** Host of the pooler in front of the primary. */
  readonly poolerHost: string;
  /** Names of the backup CronJobs (primary only), for the signals' job alerts. */
  readonly cronJobNames?: { logicalBackup: string; restoreDrill: string };
  /** Passwords of postgres and standby (a standby in the DR region takes these). */
  readonly credentials: SharedCredentials;

  constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:postgres:PostgresCluster", name, {}, opts);
    const { provider, settings, clusterName } = args;
    const child = { parent: this, provider };
    // Not the operator's pod labels (application: spilo): Patroni and the operator select by those.
    const labels = { ...args.labels, "agent-dr/postgres-cluster": clusterName };
    const problems = parameterProblems(args.extraParameters);
    if (problems.length > 0) throw new pulumi.RunError(new ConfigError(problems).message);
    const databases = args.classes.filter((c) => c.database).map((c) => c.database!);
    this.primaryHost = clusterName;
    this.poolerHost = `${clusterName}-pooler`;

    const operator = args.installOperator
      ? new k8s.helm.v3.Release(
          `${name}-operator`,
          {
            name: "postgres-operator",
            chart: OPERATOR_CHART.chart,
            version: OPERATOR_CHART.version,
            repositoryOpts: { repo: OPERATOR_CHART.repo },
            namespace: OPERATOR_NAMESPACE,
            createNamespace: true,
            values: renderOperatorValues({ region: args.region, watchedNamespace: "*", settings }),
          },
          child,
        )
      : undefined;

    // ServiceAccounts the backup component's IAM roles trust (IRSA).
    const sa = (key: string, saName: string, roleArn: pulumi.Input<string>) =>
      new k8s.core.v1.ServiceAccount(
        `${name}-${key}`,
        { metadata: { name: saName, namespace: args.namespace, labels, annotations: { "eks.amazonaws.com/role-arn": roleArn } } },
        child,
      );
    // A clone runs beside its source in the same namespace and uses the source's ServiceAccount.
    const podSa = args.role === "clone" ? undefined : sa("sa-walg", SERVICE_ACCOUNTS.walg, args.walgRoleArn);

    // Credentials: the operator adopts a Secret that exists under its name (username and password from it).
    const password = (key: string) => new random.RandomPassword(`${name}-${key}`, { length: 32, special: false }, { parent: this }).result;
    this.credentials = args.credentials ?? { superuser: password("pw-postgres"), replication: password("pw-standby"), backup: password("pw-role-backup"), exporter: password("pw-role-exporter") };
    const secrets: k8s.core.v1.Secret[] = [];
    const credential = (user: string, pw: pulumi.Output<string>) =>
      secrets.push(
        new k8s.core.v1.Secret(
          `${name}-cred-${user.replace(/_/g, "-")}`,
          {
            metadata: { name: credentialSecretName(user, clusterName), namespace: args.namespace, labels: { ...labels, ...clusterPodLabels(clusterName) } },
            type: "Opaque",
            stringData: { username: user, password: pulumi.secret(pw) },
          },
          child,
        ),
      );
    credential(SUPERUSER, this.credentials.superuser);
    credential(REPLICATION_USER, this.credentials.replication);
    // Roles the configure Job creates (not the operator): their own Secret names, which the operator ignores.
    const stackRole = (user: string, pw: pulumi.Output<string>) =>
      secrets.push(
        new k8s.core.v1.Secret(
          `${name}-role-${user.replace(/_/g, "-")}`,
          { metadata: { name: stackRoleSecretName(user, clusterName), namespace: args.namespace, labels }, type: "Opaque", stringData: { username: user, password: pulumi.secret(pw) } },
          child,
        ),
      );
    stackRole(EXPORTER_USER, this.credentials.exporter);
    if (args.role !== "standby") stackRole(BACKUP_USER, this.credentials.backup);
    if (args.role !== "standby") {
      // A standby receives roles and their passwords from the source through WAL.
      for (const db of databases) credential(ownerRole(db), password(`pw-${db.replace(/_/g, "-")}`));
    }

    // A DR standby or a clone archives inside its source's prefix: the prefix its IAM role is scoped to.
    const archiveOwner = args.standbyOf?.clusterName ?? args.cloneOf?.clusterName;
    const env = pulumi
      .all([args.backupBucket, args.walgRoleArn, args.backupKmsKeyArn])
      .apply(([bucket, roleArn, kmsKeyArn]) =>
        renderWalgEnv({
          clusterName,
          region: args.region,
          bucket,
          kmsKeyArn,
          settings,
          retentionDays: args.retentionDays,
          walgRoleArn: roleArn,
          ...(archiveOwner ? { archiveUrl: nestedWalArchiveUrl(bucket, archiveOwner, clusterName, args.version) } : {}),
          ...(args.standbyOf ? { standby: { region: args.region, roleArn } } : {}),
          ...(args.cloneOf ? { clone: { region: args.region, roleArn } } : {}),
        }),
      );
    const manifest = pulumi
      .all([env, args.standbyOf?.host, args.standbyOf?.archiveBucket, args.backupBucket])
      .apply(([envVars, standbyHost, standbyBucket, bucket]) =>
        renderPostgresql({
          clusterName,
          role: args.role,
          version: args.version,
          volumeSize: args.volumeSize,
          settings,
          extraParameters: args.extraParameters,
          classes: args.classes,
          env: envVars,
          labels: args.labels,
          resources: args.resources ?? defaultResources(),
          ...(args.standbyOf
            ? {
                standby: {
                  ...(standbyHost ? { host: standbyHost } : {}),
                  ...(standbyBucket ? { s3WalPath: walArchiveUrl(standbyBucket, args.standbyOf.clusterName, args.version) } : {}),
                },
              }
            : {}),
          ...(args.cloneOf
            ? { clone: { cluster: args.cloneOf.clusterName, timestamp: args.cloneOf.targetTime, s3WalPath: walArchiveUrl(bucket, args.cloneOf.clusterName, args.version) } }
            : {}),
        }),
      );
    this.resource = new k8s.apiextensions.CustomResource(
      `${name}-postgresql`,
      {
        apiVersion: "acid.zalan.do/v1",
        kind: "postgresql",
        metadata: manifest.apply((m) => ({ ...m.metadata, namespace: args.namespace as any })),
        spec: manifest.apply((m) => m.spec),
      } as k8s.apiextensions.CustomResourceArgs,
      { ...child, dependsOn: [...(podSa ? [podSa] : []), ...secrets, ...(operator ? [operator] : [])] },
    );

    // Patroni's REST API of every member, for the configure Job (the operator publishes only 5432).
    new k8s.core.v1.Service(
      `${name}-patroni`,
      {
        metadata: { name: patroniServiceName(clusterName), namespace: args.namespace, labels },
        spec: { clusterIP: "None", selector: clusterPodLabels(clusterName), ports: [{ name: "patroni", port: 8008, targetPort: 8008 }] },
      },
      child,
    );

    const configure = renderConfigureJob({
      clusterName,
      primaryHost: this.primaryHost,
      settings,
      roleSynchronousCommit: args.role === "standby" ? [] : renderRoleSynchronousCommit(settings, args.classes),
      ...(args.role === "standby" ? {} : { backupDatabases: databases }),
      labels: args.labels,
    });
    new k8s.batch.v1.Job(
      `${name}-configure`,
      { metadata: { ...configure.metadata, namespace: args.namespace }, spec: configure.spec },
      // The cluster takes minutes to bootstrap; the Job waits for it and Pulumi waits for the Job.
      { ...child, dependsOn: [this.resource, ...secrets], deleteBeforeReplace: true, customTimeouts: { create: "40m", update: "40m" } },
    );

    if (args.role === "primary" && args.logicalBackupRoleArn && args.restoreDrillRoleArn && args.backup.logicalBackupSchedule) {
      const backupSa = sa("sa-logical-backup", SERVICE_ACCOUNTS.logicalBackup, args.logicalBackupRoleArn);
      const drillSa = sa("sa-restore-drill", SERVICE_ACCOUNTS.restoreDrill, args.restoreDrillRoleArn);
      const schedule = args.backup.logicalBackupSchedule;
      this.cronJobNames = { logicalBackup: logicalBackupCronJobName(clusterName), restoreDrill: restoreDrillCronJobName(clusterName) };
      const backupJob = pulumi.all([args.backupBucket, args.backupKmsKeyArn]).apply(([bucket, kmsKeyArn]) =>
        renderLogicalBackupCronJob({ clusterName, primaryHost: this.primaryHost, databases, bucket, kmsKeyArn, region: args.region, schedule, verifyTables: [], labels: args.labels }),
      );
      new k8s.batch.v1.CronJob(
        `${name}-logical-backup`,
        { metadata: backupJob.apply((j) => ({ ...j.metadata, namespace: args.namespace as any })), spec: backupJob.apply((j) => j.spec as any) },
        { ...child, dependsOn: [backupSa, this.resource] },
      );
      const maxAgeHours = restoreDrillMaxAgeHours(schedule);
      const drillJob = pulumi.output(args.backupBucket).apply((bucket) =>
        renderRestoreDrillCronJob({
          clusterName,
          databases,
          bucket,
          region: args.region,
          schedule: args.backup.restoreDrillSchedule,
          maxAgeHours,
          verifyTables: [],
          // A cluster that archives under its own prefix: the drill checks that archive's base backups too.
          ...(archiveOwner ? {} : { archive: { prefix: `${walPrefix(clusterName)}wal/${args.version}`, maxAgeHours: archiveMaxAgeHours(settings.baseBackupSchedule) } }),
          labels: args.labels,
        }),
      );
      new k8s.batch.v1.CronJob(
        `${name}-restore-drill`,
        { metadata: drillJob.apply((j) => ({ ...j.metadata, namespace: args.namespace as any })), spec: drillJob.apply((j) => j.spec as any) },
        { ...child, dependsOn: [drillSa] },
      );
    }

    // NetworkPolicies (components/postgres/render/network.ts) on top of the namespace's default deny.
    const network = args.network ?? NETWORK_DEFAULTS;
    const netInput: NetworkInput = {
      clusterName,
      clientNamespaces: args.clientNamespaces ?? [],
      operatorNamespace: OPERATOR_NAMESPACE,
      replicationPeerCidrs: args.replicationPeerCidrs ?? [],
      upstreamCidrs: args.role === "standby" && args.standbyOf?.host ? (args.upstreamCidrs ?? []) : [],
      pooler: settings.poolerInstances > 0,
      network,
      labels,
    };
    const netpol = (key: string, p: Parameters<typeof declareNetworkPolicy>[2]) => declareNetworkPolicy(name, args.namespace, p, child, key);
    netpol("db", renderDatabaseNetworkPolicy(netInput));
    if (netInput.pooler) netpol("pooler", renderPoolerNetworkPolicy(netInput));
    netpol("clients", renderClientNetworkPolicy(netInput));
    const replication = renderReplicationNetworkPolicy(netInput);
    if (replication) netpol("replication", replication);
    // One per namespace, from the cluster that owns it: it also covers the runbook's clones.
    if (args.role !== "clone") netpol("spilo", renderSpiloNetworkPolicy(netInput));
    const jobKinds = [JOB_KINDS.configure, ...(this.cronJobNames ? [JOB_KINDS.logicalBackup, JOB_KINDS.restoreDrill] : [])];
    for (const p of renderJobNetworkPolicies(netInput, jobKinds)) netpol(p.metadata.name.slice(clusterName.length + 1), p);
    if (operator) {
      // The chart creates the operator's namespace: the stack owns it, so it gets the baseline too.
      const opts = { parent: this, dependsOn: [operator] };
      new NamespaceNetwork(`${name}-operator-network`, { namespace: OPERATOR_NAMESPACE, provider, labels: args.labels }, opts);
      const op = pulumi.output(args.namespace).apply((ns) => renderOperatorNetworkPolicy({ operatorNamespace: OPERATOR_NAMESPACE, watchedNamespaces: [ns], network, labels: args.labels }));
      new k8s.networking.v1.NetworkPolicy(
        `${name}-netpol-operator`,
        { metadata: op.apply((p) => ({ ...p.metadata, namespace: OPERATOR_NAMESPACE })), spec: op.apply((p) => p.spec as any) },
        { ...child, dependsOn: [operator] },
      );
    }

    const pdb = (key: string, rendered: { metadata: Record<string, any>; spec: Record<string, any> }) =>
      new k8s.policy.v1.PodDisruptionBudget(`${name}-${key}`, { metadata: { ...rendered.metadata, namespace: args.namespace }, spec: rendered.spec }, child);
    pdb("pdb-members", renderMembersPdb(clusterName, labels));
    if (settings.poolerInstances > 0) pdb("pdb-pooler", renderPoolerPdb(clusterName, labels));

    this.registerOutputs({ clusterName, primaryHost: this.primaryHost, poolerHost: this.poolerHost });
  }
}
