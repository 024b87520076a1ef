/**
 * ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1, GA in Kubernetes 1.30) for what
 * RBAC can not narrow. RBAC can not limit `create` by name (the name may not exist yet) nor say
 * what a created or patched object may contain; a `jobs create` or a `postgresqls create` is then
 * a path to any ServiceAccount of the namespace (and its IAM role) and any Secret a pod can mount.
 * Each policy here matches only the requests of one ServiceAccount (matchConditions on the
 * username) in one namespace, and says what that ServiceAccount's requests must look like:
 *
 * - jobs: only an instance of the fixed CronJob (`kubectl create job --from=cronjob/<name>`, or
 *   the runbook's verifyRestore, which does the same): owned by that CronJob, pod spec identical
 *   to its jobTemplate's (so its ServiceAccount, images, commands and volumes), no other labels;
 * - postgresqls (create): only the restore test's clone, by name, cloning the source cluster,
 *   with the source's PostgreSQL settings, Spilo's environment from an allow-list, and none of
 *   the fields that run code or mount Secrets (sidecars, init containers, volumes, image...);
 * - postgresqls (update): only spec.standby may change, and only by going away (promotion);
 * - pods/eviction: only the named Deployments' pods (the pooler restart).
 *
 * Pure: the component declares what these return; the tests validate them against the
 * Kubernetes 1.33 schemas, and the pack's rbac-least-privilege policy checks that every `create`
 * a Role grants is matched by one of them (its resource rule, the ServiceAccount in its match
 * condition, failurePolicy Fail, a binding that denies).
 */

/** Spec fields of the postgresql CRD (schemas/postgresql.acid.zalan.do.crd.yaml; a test holds this list to it). */
export const POSTGRESQL_SPEC_FIELDS = [
  "additionalVolumes", "allowedSourceRanges", "clone", "connectionPooler", "databases", "dockerImage", "enableConnectionPooler",
  "enableLogicalBackup", "enableMasterLoadBalancer", "enableMasterNodePort", "enableMasterPoolerLoadBalancer", "enableMasterPoolerNodePort",
  "enableReplicaConnectionPooler", "enableReplicaLoadBalancer", "enableReplicaNodePort", "enableReplicaPoolerLoadBalancer",
  "enableReplicaPoolerNodePort", "enableShmVolume", "env", "envFrom", "initContainers", "livenessProbe", "logicalBackupRetention",
  "logicalBackupSchedule", "maintenanceWindows", "masterNodePort", "masterPoolerNodePort", "masterServiceAnnotations", "nodeAffinity",
  "numberOfInstances", "patroni", "podAnnotations", "podPriorityClassName", "postgresql", "preparedDatabases", "replicaNodePort",
  "replicaPoolerNodePort", "replicaServiceAnnotations", "resources", "schedulerName", "serviceAnnotations", "sidecars", "spiloFSGroup",
  "spiloRunAsGroup", "spiloRunAsUser", "standby", "streams", "teamId", "tls", "tolerations", "topologySpreadConstraints", "users",
  "usersIgnoringSecretRotation", "usersWithInPlaceSecretRotation", "usersWithSecretRotation", "volume",
] as const;

/** What the runbook's clone manifest sets (runbooks/executors/kubernetes/clone-manifest.ts); every other field must be absent. */
export const CLONE_SPEC_FIELDS = ["teamId", "numberOfInstances", "postgresql", "volume", "resources", "users", "env", "clone"] as const;

/**
 * Spilo environment a clone may carry: WAL-G's archive settings (components/postgres/render/env.ts)
 * and the CLONE_ read credentials. Anything else (SPILO_CONFIGURATION, a CALLBACK_SCRIPT, an
 * archive command of one's own) would let the creator run code in the pod under the WAL-G role.
 */
export const CLONE_ENV_ALLOWED = [
  "USE_WALG_BACKUP", "USE_WALG_RESTORE", "AWS_REGION", "WAL_S3_BUCKET", "WAL_BUCKET_SCOPE_PREFIX", "WAL_BUCKET_SCOPE_SUFFIX",
  "WALE_S3_PREFIX", "WALG_S3_PREFIX", "WALG_COMPRESSION_METHOD", "WALG_S3_SSE", "WALG_S3_SSE_KMS_ID", "BACKUP_SCHEDULE",
  "BACKUP_NUM_TO_RETAIN", "AWS_ROLE_SESSION_NAME", "AWS_STS_REGIONAL_ENDPOINTS", "WALG_DELETE_RETAIN_FULL", "WALG_RETENTION_DISABLED",
  "CLONE_USE_WALG_RESTORE", "CLONE_AWS_REGION", "CLONE_AWS_ROLE_ARN", "CLONE_AWS_WEB_IDENTITY_TOKEN_FILE", "CLONE_AWS_ROLE_SESSION_NAME",
] as const;

export interface AdmissionSubject {
  namespace: string;
  /** The ServiceAccount whose requests the policy judges. */
  serviceAccount: string;
  labels: Record<string, string>;
}

const API = "admissionregistration.k8s.io/v1";
const quote = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const list = (xs: readonly string[]) => `[${xs.map(quote).join(", ")}]`;
const username = (s: AdmissionSubject) => `system:serviceaccount:${s.namespace}:${s.serviceAccount}`;
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

interface Rendered {
  apiVersion: string;
  kind: "ValidatingAdmissionPolicy" | "ValidatingAdmissionPolicyBinding";
  metadata: { name: string; labels: Record<string, string> };
  spec: Record<string, any>;
}

function policyAndBinding(
  s: AdmissionSubject,
  purpose: string,
  rule: { apiGroup: string; resource: string; operation: "CREATE" | "UPDATE" },
  validations: Array<{ expression: string; message: string }>,
  param?: { apiVersion: string; kind: string; name: string },
): Rendered[] {
  const name = `agent-dr-${s.namespace}-${purpose}`;
  const match = { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: s.namespace } } };
  return [
    {
      apiVersion: API,
      kind: "ValidatingAdmissionPolicy",
      metadata: { name, labels: s.labels },
      spec: {
        failurePolicy: "Fail",
        ...(param ? { paramKind: { apiVersion: param.apiVersion, kind: param.kind } } : {}),
        matchConstraints: { ...match, resourceRules: [{ apiGroups: [rule.apiGroup], apiVersions: ["v1"], operations: [rule.operation], resources: [rule.resource] }] },
        matchConditions: [{ name: "only-this-service-account", expression: `request.userInfo.username == ${quote(username(s))}` }],
        validations,
      },
    },
    {
      apiVersion: API,
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name, labels: s.labels },
      spec: {
        policyName: name,
        validationActions: ["Deny"],
        matchResources: match,
        ...(param ? { paramRef: { name: param.name, namespace: s.namespace, parameterNotFoundAction: "Deny" } } : {}),
      },
    },
  ];
}

/**
 * Jobs of this ServiceAccount only as instances of `cronJob`: the DR tests run the restore drill's
 * pod, under its own ServiceAccount, and nothing else. The API server adds the controller-uid
 * and job-name labels itself; any other label must be the template's.
 */
export function renderJobFromCronJobAdmission(s: AdmissionSubject, cronJob: string): Rendered[] {
  const labels = "object.spec.template.metadata.labels";
  const template = "params.spec.jobTemplate.spec.template";
  return policyAndBinding(
    s,
    "jobs-from-cronjob",
    { apiGroup: "batch", resource: "jobs", operation: "CREATE" },
    [
      {
        expression:
          "has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(r, r.apiVersion == 'batch/v1' && r.kind == 'CronJob' && r.name == params.metadata.name && r.uid == params.metadata.uid)",
        message: `${s.serviceAccount} may create a Job only as an instance of CronJob ${cronJob} (kubectl create job --from=cronjob/${cronJob})`,
      },
      {
        expression: `object.spec.template.spec == ${template}.spec`,
        message: `the Job's pod must be CronJob ${cronJob}'s, unchanged (ServiceAccount, images, commands, volumes)`,
      },
      {
        expression: `!has(${labels}) || ${labels}.all(k, k.startsWith('batch.kubernetes.io/') || k == 'controller-uid' || k == 'job-name' || (has(${template}.metadata.labels) && k in ${template}.metadata.labels && ${template}.metadata.labels[k] == ${labels}[k]))`,
        message: `the Job's pod carries only CronJob ${cronJob}'s labels (labels select NetworkPolicies)`,
      },
    ],
    { apiVersion: "batch/v1", kind: "CronJob", name: cronJob },
  );
}

/**
 * postgresqls created by this ServiceAccount: the restore test's clone only (`cloneName`, a
 * clone of `source`, PostgreSQL settings and team as the source's), and nothing in its spec that
 * could run code or mount a Secret in a pod that runs under the WAL-G ServiceAccount.
 */
export function renderCloneAdmission(s: AdmissionSubject, source: string, cloneName: string): Rendered[] {
  const forbidden = POSTGRESQL_SPEC_FIELDS.filter((f) => !(CLONE_SPEC_FIELDS as readonly string[]).includes(f));
  return policyAndBinding(
    s,
    "restore-test-clone",
    { apiGroup: "acid.zalan.do", resource: "postgresqls", operation: "CREATE" },
    [
      { expression: `object.metadata.name == ${quote(cloneName)}`, message: `${s.serviceAccount} may create only the postgresql ${cloneName} (the restore test's clone)` },
      { expression: `has(object.spec.clone) && object.spec.clone.cluster == ${quote(source)}`, message: `the clone must clone ${source}` },
      { expression: "object.spec.postgresql == params.spec.postgresql && object.spec.teamId == params.spec.teamId", message: `the clone keeps ${source}'s PostgreSQL version, parameters and team` },
      {
        expression: `!has(object.spec.env) || object.spec.env.all(e, e.name in ${list(CLONE_ENV_ALLOWED)} && !has(e.valueFrom))`,
        message: "the clone's environment holds WAL-G's archive settings and the CLONE_ credentials only, as values",
      },
      ...forbidden.map((f) => ({ expression: `!has(object.spec.${f})`, message: `the clone may not set spec.${f}` })),
    ],
    { apiVersion: "acid.zalan.do/v1", kind: "postgresql", name: source },
  );
}

/**
 * postgresql updates by this ServiceAccount: every spec field but standby as it was, and standby
 * only removed (the promotion), never added or changed: a patch right on the resource is not a
 * way to new sidecars, images or parameters in the pods it renders.
 */
export function renderStandbyRemovalAdmission(s: AdmissionSubject): Rendered[] {
  const keep = POSTGRESQL_SPEC_FIELDS.filter((f) => f !== "standby");
  return policyAndBinding(
    s,
    "postgresql-promotion-only",
    { apiGroup: "acid.zalan.do", resource: "postgresqls", operation: "UPDATE" },
    [
      {
        expression: "!has(object.spec.standby) || (has(oldObject.spec.standby) && object.spec.standby == oldObject.spec.standby)",
        message: `${s.serviceAccount} may only remove spec.standby (promote), not add or change it`,
      },
      ...keep.map((f) => ({
        expression: `has(object.spec.${f}) == has(oldObject.spec.${f}) && (!has(object.spec.${f}) || object.spec.${f} == oldObject.spec.${f})`,
        message: `${s.serviceAccount} may not change spec.${f}`,
      })),
    ],
  );
}

/** Evictions by this ServiceAccount only of pods of the named Deployments (their pods are `<deployment>-<hash>-<id>`). */
export function renderEvictionAdmission(s: AdmissionSubject, deployments: string[]): Rendered[] {
  return policyAndBinding(
    s,
    "evictions",
    { apiGroup: "", resource: "pods/eviction", operation: "CREATE" },
    [
      {
        expression: `${list(deployments.map((d) => `${d}-`))}.exists(p, request.name.startsWith(p))`,
        message: `${s.serviceAccount} may evict only pods of ${deployments.join(", ") || "no Deployment"} (the pooler restart)`,
      },
    ],
  );
}
