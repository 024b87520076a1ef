/**
 * The pack's Kubernetes least-privilege policies (network-default-deny, network-ingress-scope,
 * workload-hardening, rbac-least-privilege), each with compliant fixtures (what the tiers render
 * today) and violating ones (among them what they rendered before issue 14), then on the whole
 * prod and staging plans and mutated copies of them (offline/violations.ts, as the plan runs the
 * pack), and the admission policies held to the CRD and the runbook's clone.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { CapturedResource } from "../offline/capture";
import { evaluatePack } from "../offline/violations";
import { deriveSettings } from "../dr/settings";
import { parseStackConfig } from "../dr/targets";
import { NETWORK_DEFAULTS } from "../dr/targets/network";
import { renderNamespaceBaseline } from "../components/network/render";
import { CLONE_ENV_ALLOWED, CLONE_SPEC_FIELDS, POSTGRESQL_SPEC_FIELDS } from "../components/controller/admission";
import {
  CONTROLLER_NAME,
  ControllerRenderInput,
  DR_TESTS_NAME,
  renderControllerAdmission,
  renderControllerDeployment,
  renderControllerRole,
  renderDrTestCronJob,
  renderDrTestsAdmission,
  renderDrTestsRole,
  renderRoleBinding,
} from "../components/controller/render";
import { drTestSchedule } from "../components/controller/schedule";
import { renderWalgEnv } from "../components/postgres/render/env";
import { renderConfigureJob, renderLogicalBackupCronJob, renderRestoreDrillCronJob } from "../components/postgres/render/jobs";
import { renderPostgresql } from "../components/postgres/render/manifest";
import {
  NetworkInput,
  renderClientNetworkPolicy,
  renderDatabaseNetworkPolicy,
  renderJobNetworkPolicies,
  renderOperatorNetworkPolicy,
  renderPoolerNetworkPolicy,
  renderReplicationNetworkPolicy,
  renderReplicationService,
  renderSpiloNetworkPolicy,
} from "../components/postgres/render/network";
import { renderOperatorValues } from "../components/postgres/render/operator";
import { networkPolicySpecs } from "../components/redis/render/network";
import { redisNames } from "../contract/redis";
import { REDIS_IMAGE, redisStatefulSetSpec, sentinelStatefulSetSpec } from "../components/redis/render/workloads";
import { renderCloneManifest } from "../runbooks/executors/kubernetes/clone-manifest";
import { drTestCloneName } from "../contract/postgres";
import { targetsFromConfig } from "../dr/targets/runbook-targets";
import { Res, runResource, runStackPolicy } from "./harness/policy-run";
import { runStack } from "./harness/offline";
import { validateK8sObject } from "./harness/k8s-validate";

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const PRIMARY = "urn:pulumi:prod::agent-dr::pulumi:providers:kubernetes::primary-k8s::id1";
const DR = "urn:pulumi:prod::agent-dr::pulumi:providers:kubernetes::dr-k8s::id2";

const config = parseStackConfig({ regions: { primary: "us-east-1" }, clusters: { primary: { context: "s" } } }, "staging");
const settings = deriveSettings(config);
const netpol = (name: string, namespace: string, spec: any, provider = PRIMARY): Res => ({ type: NP, name, provider, inputs: { metadata: { name, namespace }, spec } });
const namespace = (name: string, provider = PRIMARY): Res => ({ type: "kubernetes:core/v1:Namespace", name: `ns-${name}`, provider, inputs: { metadata: { name } } });
const baseline = (ns: string, provider = PRIMARY) => renderNamespaceBaseline({}).map((p) => netpol(`${ns}-${p.metadata.name}`, ns, p.spec, provider));
const operatorRelease = (values: any, provider = PRIMARY): Res => ({
  type: "kubernetes:helm.sh/v3:Release",
  name: "postgres-operator",
  provider,
  inputs: { name: "postgres-operator", chart: "postgres-operator", namespace: "postgres-operator", createNamespace: true, values },
});

describe("network-default-deny", () => {
  test("compliant: each owned namespace of each cluster, the chart-created one included, carries the baseline", async () => {
    const rs = [namespace("agent-dr"), ...baseline("agent-dr"), namespace("agent-dr", DR), ...baseline("agent-dr", DR), operatorRelease({}), ...baseline("postgres-operator")];
    expect(await runStackPolicy("network-default-deny", rs)).toEqual({ messages: [], urns: [], notApplicable: false });
  });
  test("violating: a namespace without it, one cluster's baseline not counting for the other's, ingress-only, a deny that selects some pods, a deny with a rule", async () => {
    const ingressOnly = netpol("deny-in", "agent-dr", { podSelector: {}, policyTypes: ["Ingress"] });
    const someDbPods = netpol("deny-db", "agent-dr", { podSelector: { matchLabels: { application: "spilo" } }, policyTypes: ["Ingress", "Egress"] }, DR);
    const withRule = netpol("deny-but", "postgres-operator", { podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] });
    const r = await runStackPolicy("network-default-deny", [namespace("agent-dr"), ingressOnly, namespace("agent-dr", DR), someDbPods, operatorRelease({}), withRule]);
    expect(r.messages).toEqual([
      expect.stringMatching(/^Namespace agent-dr \(provider primary-k8s\) has no default deny of egress: a pod no other NetworkPolicy selects connects anywhere, the internet included\. Fix: a NetworkPolicy in agent-dr with podSelector \{\}/),
      expect.stringMatching(/^Namespace agent-dr \(provider dr-k8s\) has no default deny of ingress and egress: .*accepts connections from every pod of the cluster and connects anywhere/),
      expect.stringMatching(/^namespace postgres-operator \(created by Helm release postgres-operator\) \(provider primary-k8s\) has no default deny of egress/),
    ]);
    expect(r.urns[0]).toContain("ns-agent-dr");
  });
});

const netInput: NetworkInput = { clusterName: "agent-pg-prod", clientNamespaces: ["platform"], operatorNamespace: "postgres-operator", replicationPeerCidrs: ["10.20.0.0/16"], upstreamCidrs: [], pooler: true, network: NETWORK_DEFAULTS, labels: {} };

describe("network-ingress-scope", () => {
  const rendered = [
    renderSpiloNetworkPolicy(netInput),
    renderDatabaseNetworkPolicy(netInput),
    renderDatabaseNetworkPolicy({ ...netInput, pooler: false }),
    renderReplicationNetworkPolicy(netInput)!,
    renderPoolerNetworkPolicy(netInput),
    renderClientNetworkPolicy(netInput),
    ...renderJobNetworkPolicies(netInput, ["configure-postgres", "logical-backup", "restore-drill"]),
    renderOperatorNetworkPolicy({ operatorNamespace: "postgres-operator", watchedNamespaces: ["agent-dr"], network: NETWORK_DEFAULTS, labels: {} }),
    ...renderNamespaceBaseline({}),
    ...networkPolicySpecs(redisNames("agent-redis"), "agent-redis").map((p) => ({ metadata: { name: p.name }, spec: p.spec })),
  ];
  test.each(rendered.map((p) => [p.metadata.name, p] as const))("compliant: what the tiers render (%s)", async (_name, p) => {
    expect((await runResource("network-ingress-scope", netpol(p.metadata.name, "agent-dr", p.spec))).messages).toEqual([]);
  });
  test("compliant: a whole namespace on a port that is not a database's, and a broad egress, are not this policy's business", async () => {
    const spec = { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 8080 }] }], egress: [{ to: [{ namespaceSelector: {} }] }] };
    expect((await runResource("network-ingress-scope", netpol("web", "agent-dr", spec))).messages).toEqual([]);
  });
  test("violating: the rules rendered before issue 14 (5432 to the platform namespaces, the exporter to every namespace)", async () => {
    const before = {
      podSelector: { matchLabels: { application: "spilo", "cluster-name": "agent-pg-prod" } },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 9187 }] },
        { from: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["agent-dr"] }] } }], ports: [{ protocol: "TCP", port: 5432 }] },
      ],
    };
    expect((await runResource("network-ingress-scope", netpol("agent-pg-prod-db", "agent-dr", before))).messages).toEqual([
      expect.stringMatching(/^NetworkPolicy agent-pg-prod-db: ingress on 9187 \(postgres_exporter\) from every pod of every namespace\. Fix: select the clients by label/),
      expect.stringMatching(/^NetworkPolicy agent-pg-prod-db: ingress on 5432 \(PostgreSQL\) from every pod of the namespaces matching kubernetes.io\/metadata.name In agent-dr\. Fix:.*agent-dr\/postgres-client/),
    ]);
  });
  test.each([
    ["a rule without peers", { ingress: [{ ports: [{ port: 6379 }] }] }, /6379 \(Redis\) from every source/],
    ["podSelector {} of the own namespace", { ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 8008 }] }] }, /8008 \(Patroni's REST API\) from every pod of the policy's own namespace/],
    ["labelled pods of every namespace", { ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { a: "b" } } }], ports: [{ port: 26379 }] }] }, /26379 \(Sentinel\) from pods labelled a=b in every namespace/],
    ["a rule without ports", { ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "x" } } }] }] }, /on every port from every pod of the namespaces matching team=x/],
    ["a port range over 5432", { ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 5000, endPort: 6000 }] }] }, /on 5432 \(PostgreSQL\) from/],
    ["a named database port", { ingress: [{ from: [{ podSelector: {} }], ports: [{ port: "postgresql" }] }] }, /on the port named postgresql from/],
  ])("violating: %s", async (_what, spec, message) => {
    const r = await runResource("network-ingress-scope", netpol("x", "agent-dr", { podSelector: {}, policyTypes: ["Ingress"], ...spec }));
    expect(r.messages).toEqual([expect.stringMatching(message)]);
  });
  test("not applicable to other kinds", async () => {
    expect((await runResource("network-ingress-scope", namespace("agent-dr"))).notApplicable).toBe(true);
  });
});

describe("network-exposure, egress side", () => {
  const egress = (rule: any) => netpol("out", "agent-dr", { podSelector: {}, policyTypes: ["Egress"], egress: [rule] });
  test("compliant: public space on TCP 443 only (the AWS APIs have no fixed CIDRs), private space on any port", async () => {
    expect((await runResource("network-exposure", egress({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] }))).messages).toEqual([]);
    expect((await runResource("network-exposure", egress({ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ port: 5432 }] }))).messages).toEqual([]);
  });
  test.each([
    ["port 80", { ports: [{ protocol: "TCP", port: 80 }] }, /egress ipBlock 0\.0\.0\.0\/0 reaches public IPv4 space.*on 80\. Fix: open public space only on TCP 443/],
    ["every port", {}, /on every port\. Fix: open public space only on TCP 443/],
    ["UDP 443", { ports: [{ protocol: "UDP", port: 443 }] }, /on 443\. Fix/],
    ["a range from 443", { ports: [{ port: 443, endPort: 450 }] }, /on 443\. Fix/],
  ])("violating: public space on %s", async (_what, ports, message) => {
    expect((await runResource("network-exposure", egress({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ...ports }))).messages).toEqual([expect.stringMatching(message)]);
  });
});

const pg = settings.postgres!;
const classes = config.dataClasses.filter((c) => c.store === "postgres");
const walgEnv = renderWalgEnv({ clusterName: "agent-pg-staging", region: "us-east-1", bucket: "b", kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k", settings: pg, retentionDays: 7, walgRoleArn: "arn:aws:iam::111122223333:role/w" });
const postgresqlCr = renderPostgresql({ clusterName: "agent-pg-staging", role: "primary", version: "15", volumeSize: "10Gi", settings: pg, extraParameters: {}, classes, env: walgEnv, labels: {}, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } });
const controllerInput: ControllerRenderInput = {
  namespace: "agent-dr",
  image: "ghcr.io/example/agent-dr:1",
  regionRole: "primary",
  regionPromotion: "manual",
  intervalSeconds: 10,
  failureThreshold: 3,
  targets: targetsFromConfig(config),
  labels: {},
  network: NETWORK_DEFAULTS,
  redisSecret: "agent-redis-auth",
  redisPrefix: "agent-redis",
};
const redisInput = {
  settings: settings.redis!,
  names: redisNames("agent-redis"),
  prefix: "agent-redis",
  namespace: "agent-dr",
  clusterDomain: "cluster.local",
  image: REDIS_IMAGE,
  configChecksum: "0",
  dataVolumeSize: "8Gi",
  redisResources: {},
  sentinelResources: {},
};

describe("workload-hardening", () => {
  const jobInput = { clusterName: "agent-pg-staging", primaryHost: "agent-pg-staging", databases: ["conversations"], bucket: "b", kmsKeyArn: "arn:k", region: "us-east-1", schedule: "0 2 * * *", verifyTables: [], labels: {} };
  const compliant: Array<[string, Res]> = [
    ["the logical backup CronJob", { type: "kubernetes:batch/v1:CronJob", name: "lb", inputs: renderLogicalBackupCronJob(jobInput) }],
    ["the restore drill CronJob", { type: "kubernetes:batch/v1:CronJob", name: "rd", inputs: renderRestoreDrillCronJob({ ...jobInput, maxAgeHours: 48 }) }],
    ["the configure Job", { type: "kubernetes:batch/v1:Job", name: "cf", inputs: renderConfigureJob({ clusterName: "agent-pg-staging", primaryHost: "h", settings: pg, roleSynchronousCommit: [], backupDatabases: ["conversations"], labels: {} }) }],
    ["a DR test CronJob", { type: "kubernetes:batch/v1:CronJob", name: "dt", inputs: renderDrTestCronJob(drTestSchedule()[0], controllerInput) }],
    ["the failover controller", { type: "kubernetes:apps/v1:Deployment", name: "fc", inputs: renderControllerDeployment(controllerInput) }],
    ["the Redis nodes", { type: "kubernetes:apps/v1:StatefulSet", name: "r", inputs: { spec: redisStatefulSetSpec(redisInput as any) } }],
    ["the Sentinels", { type: "kubernetes:apps/v1:StatefulSet", name: "s", inputs: { spec: sentinelStatefulSetSpec(redisInput as any) } }],
    ["the postgresql resource (Spilo and its exporter)", { type: "kubernetes:acid.zalan.do/v1:postgresql", name: "pg", inputs: postgresqlCr }],
    ["the operator's Helm values", operatorRelease(renderOperatorValues({ region: "us-east-1", watchedNamespace: "*", settings: pg }))],
  ];
  test.each(compliant)("compliant: %s", async (_what, r) => {
    expect(await runResource("workload-hardening", r)).toEqual({ messages: [], notApplicable: false });
  });
  test("violating: the logical backup's containers as they were (no read-only root), a pod without seccomp, a privileged container with capabilities, host networking", async () => {
    const before = renderLogicalBackupCronJob(jobInput) as any;
    const pod = before.spec.jobTemplate.spec.template.spec;
    for (const c of [...pod.initContainers, ...pod.containers]) c.securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
    delete pod.securityContext.seccompProfile;
    pod.hostNetwork = true;
    pod.containers[0].securityContext = { privileged: true, capabilities: { add: ["NET_ADMIN"] } };
    const r = await runResource("workload-hardening", { type: "kubernetes:batch/v1:CronJob", name: "lb", inputs: before });
    expect(r.messages).toEqual([
      expect.stringMatching(/^CronJob agent-pg-staging-logical-backup: the pod's hostNetwork is true; no RuntimeDefault \(or Localhost\) seccomp profile\. Fix: securityContext \{ runAsNonRoot: true/),
      expect.stringMatching(/container scratch-postgres: readOnlyRootFilesystem is not true\. Fix: securityContext \{ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true/),
      expect.stringMatching(/container dump: readOnlyRootFilesystem is not true/),
      expect.stringMatching(/container verify: readOnlyRootFilesystem is not true/),
      expect.stringMatching(/container upload: runs privileged; allowPrivilegeEscalation is not false; readOnlyRootFilesystem is not true; capabilities do not drop ALL; adds capabilities NET_ADMIN/),
    ]);
  });
  test("violating: a Deployment running as root without runAsNonRoot", async () => {
    const d = renderControllerDeployment(controllerInput) as any;
    d.spec.template.spec.securityContext = { runAsUser: 0 };
    const r = await runResource("workload-hardening", { type: "kubernetes:apps/v1:Deployment", name: "fc", inputs: d });
    expect(r.messages).toEqual([expect.stringMatching(/the pod's runAsNonRoot is not true; runs as uid 0; no RuntimeDefault/)]);
  });
  test("violating: Spilo as root (no spiloRunAsUser), and the operator chart's defaults", async () => {
    const { spiloRunAsUser, spiloRunAsGroup, spiloFSGroup, ...spec } = postgresqlCr.spec;
    expect([spiloRunAsUser, spiloRunAsGroup, spiloFSGroup]).toEqual([101, 103, 103]);
    expect((await runResource("workload-hardening", { type: "kubernetes:acid.zalan.do/v1:postgresql", name: "pg", inputs: { ...postgresqlCr, spec } })).messages).toEqual([
      expect.stringMatching(/^postgresql agent-pg-staging: spiloRunAsUser is not a non-root uid; spiloRunAsGroup is not set; spiloFSGroup is not set: Spilo and its sidecars run as root\. Fix: spiloRunAsUser 101/),
    ]);
    const chartDefaults = { configKubernetes: { spilo_privileged: false, spilo_allow_privilege_escalation: true }, securityContext: { runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } };
    expect((await runResource("workload-hardening", operatorRelease(chartDefaults))).messages).toEqual([
      expect.stringMatching(/spilo_allow_privilege_escalation is not false \(the chart's default is true\); spilo_runasuser is not a non-root uid; the operator container capabilities do not drop ALL\. Fix: configKubernetes/),
    ]);
  });
  test("not applicable to other kinds and other charts", async () => {
    expect((await runResource("workload-hardening", namespace("x"))).notApplicable).toBe(true);
    expect((await runResource("workload-hardening", { ...operatorRelease({}), inputs: { chart: "ingress-nginx", values: {} } })).notApplicable).toBe(true);
  });
});

const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const asRes = (o: any, provider = PRIMARY): Res => ({ type: `kubernetes:${o.apiVersion}:${o.kind}`, name: o.metadata.name, provider, inputs: o });

describe("rbac-least-privilege", () => {
  const drTests = () => [asRes(renderDrTestsRole(controllerInput)), asRes(renderRoleBinding(DR_TESTS_NAME, controllerInput)), ...renderDrTestsAdmission(controllerInput).map((o) => asRes(o))];
  const controller = () => [asRes(renderControllerRole(controllerInput)), asRes(renderRoleBinding(CONTROLLER_NAME, controllerInput)), ...renderControllerAdmission(controllerInput).map((o) => asRes(o))];
  test("compliant: the DR tests' and the controller's Roles with their admission policies", async () => {
    expect(await runStackPolicy("rbac-least-privilege", [...drTests(), ...controller()])).toEqual({ messages: [], urns: [], notApplicable: false });
  });
  test("violating: the DR tests' Role as it was (any postgresql deleted, any Job created, the pooler Deployment patched), without admission policies", async () => {
    const before = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: DR_TESTS_NAME, namespace: "agent-dr" },
      rules: [
        { apiGroups: ["acid.zalan.do"], resources: ["postgresqls"], verbs: ["get", "create", "delete"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
        { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["agent-pg-staging-pooler"], verbs: ["get", "patch"] },
        { apiGroups: ["batch"], resources: ["cronjobs"], resourceNames: ["agent-pg-staging-restore-drill"], verbs: ["get"] },
        { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "create"] },
      ],
    };
    const r = await runStackPolicy("rbac-least-privilege", [asRes(before), asRes(renderRoleBinding(DR_TESTS_NAME, controllerInput))]);
    expect(r.messages).toEqual([
      expect.stringMatching(/^Role agent-dr-dr-tests: get, create, delete on acid.zalan.do\/postgresqls: delete without resourceNames reaches every postgresqls of the namespace/),
      expect.stringMatching(/^Role agent-dr-dr-tests: get, create, delete on acid.zalan.do\/postgresqls: RBAC can not narrow create by name, and no ValidatingAdmissionPolicy of the stack judges the creates of agent-dr\/agent-dr-dr-tests .*running under any ServiceAccount of the namespace and mounting any Secret/),
      expect.stringMatching(/^Role agent-dr-dr-tests: get, patch on apps\/deployments: a patch may rewrite the pod template/),
      expect.stringMatching(/^Role agent-dr-dr-tests: get, create on batch\/jobs: RBAC can not narrow create by name/),
    ]);
  });
  test("violating: an admission policy that fails open, is bound to no Deny, names another ServiceAccount, or sits in another cluster does not cover a create", async () => {
    const isJobsPolicy = (o: Res) => o.name.endsWith("jobs-from-cronjob") && o.type.endsWith(":ValidatingAdmissionPolicy");
    const isJobsBinding = (o: Res) => o.name.endsWith("jobs-from-cronjob") && o.type.endsWith(":ValidatingAdmissionPolicyBinding");
    const variants: Array<[string, (os: Res[]) => void]> = [
      ["fails open", (os) => (os.find(isJobsPolicy)!.inputs.spec.failurePolicy = "Ignore")],
      ["warns only", (os) => (os.find(isJobsBinding)!.inputs.spec.validationActions = ["Warn"])],
      ["another account", (os) => (os.find(isJobsPolicy)!.inputs.spec.matchConditions[0].expression = "request.userInfo.username == 'system:serviceaccount:agent-dr:someone-else'")],
      ["another cluster", (os) => (os.find(isJobsPolicy)!.provider = DR)],
      ["no validations", (os) => (os.find(isJobsPolicy)!.inputs.spec.validations = [])],
    ];
    for (const [what, edit] of variants) {
      const os = structuredClone(drTests());
      edit(os);
      const r = await runStackPolicy("rbac-least-privilege", os);
      expect({ what, messages: r.messages }).toEqual({ what, messages: [expect.stringMatching(/get, create on batch\/jobs: RBAC can not narrow create by name/)] });
    }
  });
  test("violating: wildcards, escalating verbs, exec into pods", async () => {
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "too-much", namespace: "agent-dr" }, rules: [{ apiGroups: [""], resources: ["*"], verbs: ["get"] }, { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["bind", "escalate"], resourceNames: ["x"] }, { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }] };
    expect((await runStackPolicy("rbac-least-privilege", [asRes(role)])).messages).toEqual([
      expect.stringMatching(/get on \*: a wildcard grants every verb/),
      expect.stringMatching(/bind, escalate on rbac.authorization.k8s.io\/roles: bind, escalate grants more than the Role holds/),
      expect.stringMatching(/create on pods\/exec: runs commands in/),
    ]);
  });
  describe("the Redis primary kill's pod delete", () => {
    const killInput: ControllerRenderInput = { ...controllerInput, redisKillPods: ["agent-redis-0", "agent-redis-1", "agent-redis-2"] };
    const statefulSet = (name: string, role: "redis" | "sentinel", provider = PRIMARY): Res => ({
      type: "kubernetes:apps/v1:StatefulSet",
      name,
      provider,
      inputs: { metadata: { name, namespace: "agent-dr" }, spec: role === "redis" ? redisStatefulSetSpec(redisInput as any) : sentinelStatefulSetSpec(redisInput as any) },
    });
    const tier = () => [statefulSet("agent-redis", "redis"), statefulSet("agent-redis-sentinel", "sentinel")];
    const withPodRule = (rule: any) => {
      const role = renderDrTestsRole(killInput);
      role.rules = role.rules.map((r: any) => (r.verbs.includes("delete") && r.resources.includes("pods") ? rule : r));
      return [asRes(role), asRes(renderRoleBinding(DR_TESTS_NAME, killInput)), ...renderDrTestsAdmission(killInput).map((o) => asRes(o)), ...tier()];
    };
    const podDelete = (resourceNames?: string[]) => ({ apiGroups: [""], resources: ["pods"], ...(resourceNames ? { resourceNames } : {}), verbs: ["delete"] });

    test("compliant: delete named to the Redis StatefulSet's pods, as rendered", async () => {
      const rules = renderDrTestsRole(killInput).rules;
      expect(rules.filter((r: any) => r.resources.includes("pods"))).toEqual([
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
        podDelete(["agent-redis-0", "agent-redis-1", "agent-redis-2"]),
      ]);
      expect(await runStackPolicy("rbac-least-privilege", withPodRule(podDelete(["agent-redis-0", "agent-redis-1", "agent-redis-2"])))).toEqual({ messages: [], urns: [], notApplicable: false });
    });

    test.each<[string, any, RegExp]>([
      ["without resourceNames (every pod of the namespace)", podDelete(), /^Role agent-dr-dr-tests: delete on pods: delete without resourceNames reaches every pods of the namespace/],
      [
        "on the Postgres pods",
        podDelete(["agent-pg-staging-0", "agent-pg-staging-1"]),
        /^Role agent-dr-dr-tests: delete on pods: agent-pg-staging-0, agent-pg-staging-1 are not a pod of a Redis StatefulSet of the stack in agent-dr \(agent-redis-0, agent-redis-1, agent-redis-2\): .*Fix: resourceNames of the Redis StatefulSet's pods only/,
      ],
      ["on a Sentinel's pod", podDelete(["agent-redis-0", "agent-redis-sentinel-0"]), /^Role agent-dr-dr-tests: delete on pods: agent-redis-sentinel-0 is not a pod of a Redis StatefulSet/],
      ["beyond the StatefulSet's replicas", podDelete(["agent-redis-3"]), /^Role agent-dr-dr-tests: delete on pods: agent-redis-3 is not a pod of a Redis StatefulSet/],
    ])("violating: delete %s", async (_what, rule, message) => {
      expect((await runStackPolicy("rbac-least-privilege", withPodRule(rule))).messages).toEqual([expect.stringMatching(message)]);
    });

    test("violating: the right names, but the Redis StatefulSet is in another cluster (or absent)", async () => {
      const os = withPodRule(podDelete(["agent-redis-0"]));
      os.find((o) => o.name === "agent-redis")!.provider = DR;
      expect((await runStackPolicy("rbac-least-privilege", os)).messages).toEqual([expect.stringMatching(/^Role agent-dr-dr-tests: delete on pods: agent-redis-0 is not a pod of a Redis StatefulSet of the stack in agent-dr \(none\)/)]);
    });
  });

  test("the Roles the stack renders: no delete but of the restore test's clone, no Job but the restore drill's", () => {
    const rules = renderDrTestsRole(controllerInput).rules;
    const deletes = rules.filter((r: any) => r.verbs.includes("delete"));
    expect(deletes).toEqual([{ apiGroups: ["acid.zalan.do"], resources: ["postgresqls"], resourceNames: [drTestCloneName("agent-pg-staging")], verbs: ["delete"] }]);
    expect(rules.filter((r: any) => r.verbs.some((v: string) => v === "patch" || v === "update"))).toEqual([]);
    expect(renderControllerRole({ ...controllerInput, regionRole: "primary" }).rules.filter((r: any) => r.resources.includes("deployments"))).toEqual([
      { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["agent-pg-staging-pooler"], verbs: ["get"] },
    ]);
    // The restore test runs under the fixed clone name the Role and the admission policy know.
    const test = drTestSchedule().find((t) => t.runbook === "restore-point-in-time")!;
    expect(renderDrTestCronJob(test, controllerInput).spec.jobTemplate.spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(["--clone-name", "agent-pg-staging-restore-test"]));
  });
});

describe("the admission policies", () => {
  const objects = [...renderDrTestsAdmission(controllerInput), ...renderControllerAdmission(controllerInput)];
  test("are valid Kubernetes 1.33 objects, fail closed, and each binding denies", () => {
    for (const o of objects) expect(validateK8sObject({ type: `kubernetes:${o.apiVersion}:${o.kind}`, name: o.metadata.name, inputs: o } as any)).toEqual([]);
    for (const p of objects.filter((o) => o.kind === "ValidatingAdmissionPolicy")) expect(p.spec.failurePolicy).toBe("Fail");
    for (const b of objects.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding")) expect(b.spec.validationActions).toEqual(["Deny"]);
    expect(objects.map((o) => `${o.kind} ${o.metadata.name}`).sort()).toEqual([
      "ValidatingAdmissionPolicy agent-dr-agent-dr-evictions",
      "ValidatingAdmissionPolicy agent-dr-agent-dr-evictions",
      "ValidatingAdmissionPolicy agent-dr-agent-dr-jobs-from-cronjob",
      "ValidatingAdmissionPolicy agent-dr-agent-dr-postgresql-promotion-only",
      "ValidatingAdmissionPolicy agent-dr-agent-dr-restore-test-clone",
      "ValidatingAdmissionPolicyBinding agent-dr-agent-dr-evictions",
      "ValidatingAdmissionPolicyBinding agent-dr-agent-dr-evictions",
      "ValidatingAdmissionPolicyBinding agent-dr-agent-dr-jobs-from-cronjob",
      "ValidatingAdmissionPolicyBinding agent-dr-agent-dr-postgresql-promotion-only",
      "ValidatingAdmissionPolicyBinding agent-dr-agent-dr-restore-test-clone",
    ]);
  });
  test("know every spec field of the vendored postgresql CRD, so a field the clone or the promotion patch may not set can not slip past", () => {
    const crd = YAML.parse(fs.readFileSync(path.resolve(__dirname, "../schemas/postgresql.acid.zalan.do.crd.yaml"), "utf8"));
    expect([...POSTGRESQL_SPEC_FIELDS].sort()).toEqual(Object.keys(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties).sort());
  });
  test("admit the clone the runbook renders: its fields and its environment are on the allow-lists", () => {
    const source = { metadata: { name: "agent-pg-staging", namespace: "agent-dr" }, spec: postgresqlCr.spec };
    const clone = renderCloneManifest(source, { region: "primary", source: "agent-pg-staging", name: drTestCloneName("agent-pg-staging"), targetTime: "2026-11-26T10:00:00Z" }, { bucket: "b", region: "us-east-1", roleArn: "arn:aws:iam::1:role/w" });
    expect(Object.keys(clone.spec).filter((k) => !(CLONE_SPEC_FIELDS as readonly string[]).includes(k))).toEqual([]);
    expect(clone.spec.env.map((e: any) => e.name).filter((n: string) => !(CLONE_ENV_ALLOWED as readonly string[]).includes(n))).toEqual([]);
    expect(clone.spec.env.every((e: any) => e.valueFrom === undefined)).toBe(true);
  });
  test("the replication load balancer without source ranges is refused, naming the key, the value and what is expected", () => {
    expect(() => renderReplicationService({ clusterName: "agent-pg-prod", host: "h.example.internal", sourceRanges: [], labels: {} })).toThrow(
      /agent-dr:postgres\.standby\.peerCidrs: got \[\]; expected the DR cluster's pod CIDRs \(e\.g\. \["10\.20\.0\.0\/16"\]\) as the replication load balancer's loadBalancerSourceRanges/,
    );
  });
});

describe("the whole plans", () => {
  const stacks: Record<string, CapturedResource[]> = {};
  const MINE = ["network-default-deny", "network-ingress-scope", "workload-hardening", "rbac-least-privilege", "network-exposure"];
  beforeAll(async () => {
    stacks.prod = (await runStack("prod")).resources;
    stacks.staging = (await runStack("staging")).resources;
  }, 120_000);
  const mine = async (stack: string, resources: CapturedResource[]) => (await evaluatePack(stack, resources)).filter((v) => MINE.includes(v.policy)).map((v) => `${v.level} ${v.policy}: ${v.message}`);

  test.each(["prod", "staging"])("%s as shipped: none of these policies reports", async (stack) => {
    expect(await mine(stack, stacks[stack])).toEqual([]);
  });
  test("prod without the default deny of its DR namespace: network-default-deny fails naming it", async () => {
    const rs = structuredClone(stacks.prod).filter((r) => !(r.type === NP && r.name === "agent-dr-dr-network-netpol-default-deny"));
    expect(await mine("prod", rs)).toEqual([expect.stringMatching(/^mandatory network-default-deny: Namespace agent-dr \(provider agent-dr-dr-k8s\) has no default deny of ingress and egress/)]);
  });
  test("staging with the exporter open to every namespace again: network-ingress-scope fails", async () => {
    const rs = structuredClone(stacks.staging);
    const spilo = rs.find((r) => r.type === NP && r.inputs.metadata.name === "postgres-spilo")!;
    spilo.inputs.spec.ingress.push({ from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 9187 }] });
    expect(await mine("staging", rs)).toEqual([expect.stringMatching(/^mandatory network-ingress-scope: NetworkPolicy postgres-spilo: ingress on 9187 \(postgres_exporter\) from every pod of every namespace/)]);
  });
  test("staging with the Redis primary kill's delete widened to the Postgres pods, or to every pod: rbac-least-privilege fails", async () => {
    const widen = (rule: any) => {
      const rs = structuredClone(stacks.staging);
      const role = rs.find((r) => r.type === ROLE && r.inputs.metadata.name === DR_TESTS_NAME)!;
      const i = role.inputs.rules.findIndex((r: any) => r.resources.includes("pods") && r.verbs.includes("delete"));
      expect(role.inputs.rules[i].resourceNames).toEqual(["agent-redis-0", "agent-redis-1", "agent-redis-2"]);
      role.inputs.rules[i] = rule;
      return rs;
    };
    expect(await mine("staging", widen({ apiGroups: [""], resources: ["pods"], resourceNames: ["agent-redis-0", "agent-pg-staging-0"], verbs: ["delete"] }))).toEqual([
      expect.stringMatching(/^mandatory rbac-least-privilege: Role agent-dr-dr-tests: delete on pods: agent-pg-staging-0 is not a pod of a Redis StatefulSet of the stack in agent-dr \(agent-redis-0, agent-redis-1, agent-redis-2\)/),
    ]);
    expect(await mine("staging", widen({ apiGroups: [""], resources: ["pods"], verbs: ["delete"] }))).toEqual([
      expect.stringMatching(/^mandatory rbac-least-privilege: Role agent-dr-dr-tests: delete on pods: delete without resourceNames reaches every pods of the namespace/),
    ]);
  });
  test("staging without the admission policy of the DR tests' Jobs: rbac-least-privilege fails", async () => {
    const rs = structuredClone(stacks.staging).filter((r) => !r.name.endsWith("jobs-from-cronjob"));
    expect(await mine("staging", rs)).toEqual([expect.stringMatching(/^mandatory rbac-least-privilege: Role agent-dr-dr-tests: get, create on batch\/jobs: RBAC can not narrow create by name/)]);
  });
  test("prod with a backup container writing to its root filesystem: workload-hardening fails", async () => {
    const rs = structuredClone(stacks.prod);
    const cj = rs.find((r) => r.type === "kubernetes:batch/v1:CronJob" && r.inputs.metadata?.labels?.["agent-dr/job"] === "logical-backup")!;
    cj.inputs.spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    expect(await mine("prod", rs)).toEqual([expect.stringMatching(/^mandatory workload-hardening: CronJob agent-pg-prod-logical-backup, container upload: readOnlyRootFilesystem is not true/)]);
  });
});
