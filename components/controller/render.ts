import { CLIENT_LABEL, podLabels as redisPodLabels, REDIS_PORT, SENTINEL_PORT } from "../../contract/redis";
import { CHAOS_FAULTS } from "../../contract/probe";
import { FAULT_LABEL } from "../chaos/render";
import type { RegionRole, RunbookTargets } from "../../contract/runbooks";
import { drTestCloneName, SERVICE_ACCOUNTS } from "../../contract/postgres";
import { DR_TEST_LABEL, FAILOVER_CONTROLLER_POD } from "../network/labels";
import { apiServerEgressRule, awsApiEgressRule, RenderedNetworkPolicy, tcp } from "../network/render";
import { AdmissionSubject, renderCloneAdmission, renderEvictionAdmission, renderJobFromCronJobAdmission, renderStandbyRemovalAdmission } from "./admission";
import { FAULT_TEST_STARTING_DEADLINE_SECONDS, type DrTest } from "./schedule";
import { singletonDeployment } from "../singleton-deployment";

export const CONTROLLER_COMPONENT = "failover-controller";
export const CONTROLLER_NAME = "agent-dr-failover-controller";
export const DR_TESTS_NAME = "agent-dr-dr-tests";
export const CONTROLLER_PORT = 8080;
/** Secret (created by the operator of the platform, not by the stack) holding the alert webhook URL under `url`. */
export const WEBHOOK_SECRET = "agent-dr-alert-webhook";
const TARGETS_DIR = "/etc/agent-dr";

export interface ControllerRenderInput {
  namespace: string;
  image: string;
  /** Region the workloads run in (the controller: DR when there is one, so it survives the primary region). */
  regionRole: RegionRole;
  regionPromotion: "automatic" | "manual";
  intervalSeconds: number;
  failureThreshold: number;
  targets: RunbookTargets;
  labels: Record<string, string>;
  /** IRSA role (Route53 access), when the stack has a failover endpoint. */
  roleArn?: string;
  /** The Redis tier's Secret (keys redis-password, sentinel-password). */
  redisSecret?: string;
  /** Where the API server and the AWS APIs are (agent-dr:network.apiServerCidrs, awsApiCidrs). */
  network: { apiServerCidrs: string[]; awsApiCidrs: string[] };
  /** The Redis tier's object name prefix (its pod labels), when the stack runs Redis. */
  redisPrefix?: string;
  /** The Redis StatefulSet's pods, when the stack schedules the Redis primary kill (its DR test deletes one of them). */
  redisKillPods?: string[];
}

const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key, optional: true } } });

function podSecurity() {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
  };
}

function containerSecurity() {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
}

function commonEnv(i: ControllerRenderInput) {
  return [
    { name: "REGION_ROLE", value: i.regionRole },
    { name: "RUNBOOK_TARGETS_FILE", value: `${TARGETS_DIR}/targets.json` },
    secretEnv("ALERT_WEBHOOK_URL", WEBHOOK_SECRET, "url"),
    ...(i.redisSecret ? [secretEnv("REDIS_PASSWORD", i.redisSecret, "redis-password"), secretEnv("SENTINEL_PASSWORD", i.redisSecret, "sentinel-password")] : []),
  ];
}

const volumes = (configMap: string) => [
  { name: "targets", configMap: { name: configMap } },
  { name: "tmp", emptyDir: {} },
];
const mounts = () => [
  { name: "targets", mountPath: TARGETS_DIR, readOnly: true },
  { name: "tmp", mountPath: "/tmp" },
];

/** The targets the runbooks work on, as the in-cluster CLI reads them (names only, no secrets). */
export function renderTargetsConfigMap(i: ControllerRenderInput) {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${CONTROLLER_NAME}-targets`, namespace: i.namespace, labels: i.labels },
    data: { "targets.json": JSON.stringify(i.targets, null, 2) },
  };
}

export function renderServiceAccount(name: string, i: ControllerRenderInput) {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name, namespace: i.namespace, labels: i.labels, ...(i.roleArn ? { annotations: { "eks.amazonaws.com/role-arn": i.roleArn } } : {}) },
    automountServiceAccountToken: true,
  };
}

/** Names of the Postgres objects the runbooks touch in this region. */
function postgresNames(t: RunbookTargets, region: RegionRole): { clusters: string[]; poolers: string[] } {
  if (!t.postgres) return { clusters: [], poolers: [] };
  const clusters = region === "dr" ? (t.postgres.standbyCluster ? [t.postgres.standbyCluster] : []) : [t.postgres.cluster];
  return { clusters, poolers: clusters.map((c) => `${c}${t.postgres!.poolerSuffix}`) };
}

/**
 * The controller's Role: read its clusters' postgresql resources and patch them (promotion
 * removes spec.standby; renderControllerAdmission refuses any other change), find Spilo pods,
 * read its poolers' Deployments and evict their pods (the pooler restart: an eviction honours the
 * pooler's PodDisruptionBudget and can not change a pod template, which a Deployment patch could).
 * Mutating verbs are scoped by resourceNames; `create` of an eviction can not be (RBAC never
 * narrows create by name), so an admission policy limits it to the poolers' pods. No Secrets
 * (they come through the environment), no create or delete of anything else.
 */
export function renderControllerRole(i: ControllerRenderInput) {
  const pg = postgresNames(i.targets, i.regionRole);
  const rules: any[] = [];
  if (pg.clusters.length > 0) {
    rules.push({ apiGroups: ["acid.zalan.do"], resources: ["postgresqls"], resourceNames: pg.clusters, verbs: ["get", "patch"] });
    rules.push({ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] });
    rules.push({ apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] });
    rules.push({ apiGroups: ["apps"], resources: ["deployments"], resourceNames: pg.poolers, verbs: ["get"] });
  }
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: CONTROLLER_NAME, namespace: i.namespace, labels: i.labels }, rules };
}

/**
 * The DR tests' Role: exactly what the scheduled runbooks call (runbooks/executors/kubernetes).
 * restore-point-in-time reads its source and the WAL-G ServiceAccount's role annotation, creates
 * and deletes one clone of a fixed name (drTestCloneName); postgres-switchover restarts the pooler
 * by eviction; verify-backups instantiates the restore drill CronJob; redis-primary-kill lists the
 * Redis and Sentinel pods (the Sentinels are asked by pod IP, the primary's address is mapped to
 * its pod) and deletes one pod, named: only the Redis StatefulSet's (`<prefix>-<ordinal>`), never a
 * Sentinel's, a Patroni member's or anyone else's. The `create`s (clone, Job, eviction) are
 * limited by renderDrTestsAdmission to that clone, that CronJob's Job and the poolers' pods: no
 * postgresql can be deleted but the clone, no Job runs under another ServiceAccount or with
 * another pod spec. The sentinel-failover test needs no rule: it talks to the Sentinels only.
 */
export function renderDrTestsRole(i: ControllerRenderInput) {
  const pg = postgresNames(i.targets, "primary");
  const rules: any[] = [];
  if (i.targets.postgres || i.redisKillPods?.length) rules.push({ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] });
  if (i.redisKillPods?.length) rules.push({ apiGroups: [""], resources: ["pods"], resourceNames: [...i.redisKillPods], verbs: ["delete"] });
  if (i.targets.postgres) {
    const source = i.targets.postgres.cluster;
    const clone = drTestCloneName(source);
    rules.push({ apiGroups: ["acid.zalan.do"], resources: ["postgresqls"], resourceNames: [source, clone], verbs: ["get"] });
    rules.push({ apiGroups: ["acid.zalan.do"], resources: ["postgresqls"], verbs: ["create"] });
    rules.push({ apiGroups: ["acid.zalan.do"], resources: ["postgresqls"], resourceNames: [clone], verbs: ["delete"] });
    rules.push({ apiGroups: [""], resources: ["serviceaccounts"], resourceNames: [SERVICE_ACCOUNTS.walg], verbs: ["get"] });
    rules.push({ apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] });
    rules.push({ apiGroups: ["apps"], resources: ["deployments"], resourceNames: pg.poolers, verbs: ["get"] });
    if (i.targets.restoreCheckCronJob) {
      rules.push({ apiGroups: ["batch"], resources: ["cronjobs"], resourceNames: [i.targets.restoreCheckCronJob], verbs: ["get"] });
      // Job names carry the time, so get can not be scoped; create is held to the CronJob's template by admission.
      rules.push({ apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "create"] });
    }
  }
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: DR_TESTS_NAME, namespace: i.namespace, labels: i.labels }, rules };
}

/** The admission policies that hold the controller's `patch` of its clusters and its evictions to what it needs. */
export function renderControllerAdmission(i: ControllerRenderInput) {
  const pg = postgresNames(i.targets, i.regionRole);
  if (pg.clusters.length === 0) return [];
  const s: AdmissionSubject = { namespace: i.namespace, serviceAccount: CONTROLLER_NAME, labels: i.labels };
  return [...renderStandbyRemovalAdmission(s), ...renderEvictionAdmission(s, pg.poolers)];
}

/** The admission policies behind the DR tests' `create`s: the restore test's clone, the restore drill's Job, the poolers' evictions. */
export function renderDrTestsAdmission(i: ControllerRenderInput) {
  if (!i.targets.postgres) return [];
  const pg = postgresNames(i.targets, "primary");
  const s: AdmissionSubject = { namespace: i.namespace, serviceAccount: DR_TESTS_NAME, labels: i.labels };
  const source = i.targets.postgres.cluster;
  return [
    ...renderCloneAdmission(s, source, drTestCloneName(source)),
    ...renderEvictionAdmission(s, pg.poolers),
    ...(i.targets.restoreCheckCronJob ? renderJobFromCronJobAdmission(s, i.targets.restoreCheckCronJob) : []),
  ];
}

/**
 * Where the controller's and the DR tests' pods may connect: the API server, the AWS APIs on 443
 * (Route53, STS, the alert webhook), Patroni on the Spilo pods (8008 only), Redis and the
 * Sentinels. Nothing connects to them (kubelet probes and port-forward do not pass NetworkPolicies).
 */
function runbookPodsNetworkPolicy(name: string, podSelector: RenderedNetworkPolicy["spec"]["podSelector"], i: ControllerRenderInput): RenderedNetworkPolicy {
  const egress: NonNullable<RenderedNetworkPolicy["spec"]["egress"]> = [
    apiServerEgressRule(i.network.apiServerCidrs),
    awsApiEgressRule(i.network.awsApiCidrs),
    ...(i.targets.postgres ? [{ to: [{ podSelector: { matchLabels: { application: "spilo" } } }], ports: tcp(8008) }] : []),
    ...(i.redisPrefix
      ? [
          { to: [{ podSelector: { matchLabels: redisPodLabels(i.redisPrefix, "redis") } }], ports: tcp(REDIS_PORT) },
          { to: [{ podSelector: { matchLabels: redisPodLabels(i.redisPrefix, "sentinel") } }], ports: tcp(SENTINEL_PORT) },
        ]
      : []),
  ];
  return { metadata: { name, labels: i.labels }, spec: { podSelector, policyTypes: ["Egress"], egress } };
}

export function renderControllerNetworkPolicy(i: ControllerRenderInput): RenderedNetworkPolicy {
  return runbookPodsNetworkPolicy(CONTROLLER_NAME, { matchLabels: { ...FAILOVER_CONTROLLER_POD } }, i);
}

export function renderDrTestsNetworkPolicy(i: ControllerRenderInput): RenderedNetworkPolicy {
  return runbookPodsNetworkPolicy(DR_TESTS_NAME, { matchExpressions: [{ key: DR_TEST_LABEL, operator: "Exists" }] }, i);
}

export function renderRoleBinding(name: string, i: ControllerRenderInput) {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name, namespace: i.namespace, labels: i.labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace: i.namespace }],
  };
}

/**
 * One replica with the Recreate strategy: two controllers could start two failovers of one
 * component, which is exactly what the controller exists to prevent.
 */
export function renderControllerDeployment(i: ControllerRenderInput) {
  const selector = { "app.kubernetes.io/name": CONTROLLER_NAME };
  const podLabels = { ...i.labels, ...selector, [CLIENT_LABEL.key]: CLIENT_LABEL.value };
  return singletonDeployment({
    name: CONTROLLER_NAME,
    namespace: i.namespace,
    labels: i.labels,
    selector,
    pod: {
      labels: podLabels,
      spec: {
        serviceAccountName: CONTROLLER_NAME,
        ...podSecurity(),
        containers: [
          {
            name: "controller",
            image: i.image,
            args: ["controller", "--in-cluster", "--listen", `0.0.0.0:${CONTROLLER_PORT}`],
            env: [
              // policies/observe/failover.ts reads these three back to compute the region-loss RTO.
              { name: "REGION_PROMOTION", value: i.regionPromotion },
              { name: "CHECK_INTERVAL_SECONDS", value: String(i.intervalSeconds) },
              { name: "FAILURE_THRESHOLD", value: String(i.failureThreshold) },
              ...commonEnv(i),
              { name: "JOURNAL_FILE", value: "/tmp/journal.jsonl" },
            ],
            ports: [{ name: "http", containerPort: CONTROLLER_PORT }],
            livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
            readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 },
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            securityContext: containerSecurity(),
            volumeMounts: mounts(),
          },
        ],
        volumes: volumes(`${CONTROLLER_NAME}-targets`),
      },
    },
  });
}

/**
 * A CronJob that runs one runbook; the journal (JSON lines with the run's RTO) goes to the pod log,
 * failures to the webhook. A test that injects a scheduled fault carries the fault's label (the
 * plan lists it with the faults the probe measures) and gives up on a late start after
 * FAULT_TEST_STARTING_DEADLINE_SECONDS rather than an hour.
 */
export function renderDrTestCronJob(test: DrTest, i: ControllerRenderInput) {
  const labels = { ...i.labels, [DR_TEST_LABEL]: test.name, ...(test.fault ? { [FAULT_LABEL]: test.fault } : {}) };
  // The restore test's clone has a fixed name: the Role may delete that postgresql and no other.
  const extra = test.runbook === "restore-point-in-time" && i.targets.postgres ? ["--clone-name", drTestCloneName(i.targets.postgres.cluster)] : [];
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: {
      name: `dr-test-${test.name}`,
      namespace: i.namespace,
      labels,
      annotations: { "agent-dr/description": test.description, ...(test.fault ? { "agent-dr/fault-scenario": CHAOS_FAULTS[test.fault].scenario } : {}) },
    },
    spec: {
      schedule: test.schedule,
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: test.fault ? FAULT_TEST_STARTING_DEADLINE_SECONDS : 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      jobTemplate: {
        metadata: { labels },
        spec: {
          // A failed DR test is a finding to look at, not something to retry until it passes.
          backoffLimit: 0,
          activeDeadlineSeconds: 3 * 3600,
          template: {
            metadata: { labels: { ...labels, [CLIENT_LABEL.key]: CLIENT_LABEL.value } },
            spec: {
              serviceAccountName: DR_TESTS_NAME,
              restartPolicy: "Never",
              ...podSecurity(),
              containers: [
                {
                  name: "runbook",
                  image: i.image,
                  args: ["runbook", test.runbook, "--in-cluster", "--journal", "-", ...test.args, ...extra],
                  env: commonEnv(i),
                  resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                  securityContext: containerSecurity(),
                  volumeMounts: mounts(),
                },
              ],
              volumes: volumes(`${CONTROLLER_NAME}-targets`),
            },
          },
        },
      },
    },
  };
}
