import { byType, runStack } from "../harness/offline";
import { validateK8sObjects } from "../harness/k8s-validate";
import { observeFailover } from "../../policies/observe/failover";
import { parseStackConfig } from "../../dr/targets";
import { drTestSchedule } from "../../components/controller";
import { CronExpressionParser } from "cron-parser";

// Whole program under Pulumi mocks (offline/run-program.ts); about 15 s for the four runs.
const CONTROLLER = "agent-dr:controller:FailoverController";
const failoverOn = (extra: Record<string, unknown> = {}) => ({ "agent-dr:failover": { controller: { enabled: true, ...extra } } });

const children = (run: Awaited<ReturnType<typeof runStack>>) => {
  const parent = run.resources.find((r) => r.type === CONTROLLER)!;
  return run.resources.filter((r) => r.parent === parent.urn);
};

test("prod by default: no controller and no DR test CronJobs", async () => {
  const run = await runStack("prod");
  expect(run.error).toBeUndefined();
  expect(run.resources.filter((r) => r.type === CONTROLLER)).toHaveLength(0);
  expect(byType(run.resources, "kubernetes:batch/v1:CronJob").filter((r) => r.name.includes("dr-test"))).toHaveLength(0);
});

test("staging by default: the DR test schedule as CronJobs, no controller Deployment; every object valid", async () => {
  const run = await runStack("staging");
  expect(run.error).toBeUndefined();
  const mine = children(run);
  const cronJobs = byType(mine, "kubernetes:batch/v1:CronJob");
  expect(cronJobs.map((c) => c.inputs.metadata.name).sort()).toEqual(["dr-test-backup-restore", "dr-test-dump-restore", "dr-test-postgres-switchover", "dr-test-redis-primary-kill", "dr-test-sentinel-failover"]);
  expect(byType(mine, "kubernetes:apps/v1:Deployment")).toHaveLength(0);
  expect(validateK8sObjects(mine)).toEqual([]);
  // Weekly restore and Sentinel tests, monthly switchover and dump restore.
  const every = (name: string) => {
    const cj = cronJobs.find((c) => c.inputs.metadata.name === name)!;
    const it = CronExpressionParser.parse(cj.inputs.spec.schedule, { tz: "UTC", currentDate: new Date("2026-01-01T00:00:00Z") });
    const [a, b] = [it.next().getTime(), it.next().getTime()];
    return (b - a) / 86_400_000;
  };
  expect(every("dr-test-backup-restore")).toBe(7);
  expect(every("dr-test-sentinel-failover")).toBe(7);
  expect(every("dr-test-redis-primary-kill")).toBe(7);
  expect(every("dr-test-postgres-switchover")).toBeGreaterThanOrEqual(28);
  expect(every("dr-test-dump-restore")).toBeGreaterThanOrEqual(28);
  const sentinel = cronJobs.find((c) => c.inputs.metadata.name === "dr-test-sentinel-failover")!;
  const container = sentinel.inputs.spec.jobTemplate.spec.template.spec.containers[0];
  expect(container.args).toEqual(["runbook", "redis-failover", "--in-cluster", "--journal", "-", "--planned"]);
  expect(container.env.find((e: any) => e.name === "ALERT_WEBHOOK_URL").valueFrom.secretKeyRef).toMatchObject({ name: "agent-dr-alert-webhook", key: "url", optional: true });
  expect(sentinel.inputs.spec.concurrencyPolicy).toBe("Forbid");
  expect(sentinel.inputs.spec.jobTemplate.spec.backoffLimit).toBe(0);
});

test("staging's Redis primary kill: a CronJob on the fault's cron, inside its window, listed in the probe's schedule; the Role deletes only the Redis StatefulSet's pods", async () => {
  const run = await runStack("staging");
  expect(run.error).toBeUndefined();
  const mine = children(run);
  const kill = byType(mine, "kubernetes:batch/v1:CronJob").find((c) => c.inputs.metadata.name === "dr-test-redis-primary-kill")!;
  expect(validateK8sObjects([kill])).toEqual([]);
  expect(kill.inputs.metadata.labels).toMatchObject({ "agent-dr/dr-test": "redis-primary-kill", "agent-dr/fault": "redis-primary-kill" });
  expect(kill.inputs.spec).toMatchObject({ schedule: "0 2 * * 5", timeZone: "Etc/UTC", concurrencyPolicy: "Forbid", startingDeadlineSeconds: 120 });
  const pod = kill.inputs.spec.jobTemplate.spec.template.spec;
  expect(pod.serviceAccountName).toBe("agent-dr-dr-tests");
  expect(pod.containers[0].args).toEqual(["runbook", "redis-primary-kill", "--in-cluster", "--journal", "-", "--in-fault-window"]);
  expect(pod.containers[0].env.map((e: any) => e.name)).toEqual(expect.arrayContaining(["REDIS_PASSWORD", "SENTINEL_PASSWORD", "RUNBOOK_TARGETS_FILE"]));
  // The targets the runbook reads carry the fault, as the recovery probe's config does.
  const targets = JSON.parse(byType(mine, "kubernetes:core/v1:ConfigMap")[0].inputs.data["targets.json"]);
  const probeConfig = JSON.parse(run.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.inputs.metadata?.name === "agent-dr-recovery-probe-config")!.inputs.data["probe.json"]);
  expect(targets.faults).toEqual(probeConfig.faults);
  expect(targets.faults).toContainEqual({ fault: "redis-primary-kill", schedule: "0 2 * * 5", durationSeconds: 600 });
  expect(targets.redis).toMatchObject({ prefix: "agent-redis", servers: 3 });

  const [role] = byType(mine, "kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) => r.inputs.metadata.name === "agent-dr-dr-tests");
  const podRules = role.inputs.rules.filter((r: any) => r.resources.includes("pods"));
  expect(podRules).toEqual([
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
    { apiGroups: [""], resources: ["pods"], resourceNames: ["agent-redis-0", "agent-redis-1", "agent-redis-2"], verbs: ["delete"] },
  ]);
  expect(role.inputs.rules.filter((r: any) => r.verbs.includes("delete") && r.resourceNames === undefined)).toEqual([]);
  // Those are the StatefulSet's pods: its name and replicas.
  const sts = run.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.inputs.metadata?.name === "agent-redis")!;
  expect(Array.from({ length: sts.inputs.spec.replicas }, (_, k) => `agent-redis-${k}`)).toEqual(podRules[1].resourceNames);
});

test("staging with agent-dr:chaos.enabled false: no Redis primary kill, no pod delete, and the probe lists no fault", async () => {
  const run = await runStack("staging", { "agent-dr:chaos": { enabled: false } });
  expect(run.error).toBeUndefined();
  const mine = children(run);
  expect(byType(mine, "kubernetes:batch/v1:CronJob").map((c) => c.inputs.metadata.name)).not.toContain("dr-test-redis-primary-kill");
  const [role] = byType(mine, "kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) => r.inputs.metadata.name === "agent-dr-dr-tests");
  expect(role.inputs.rules.filter((r: any) => r.resources.includes("pods") && r.verbs.includes("delete"))).toEqual([]);
  expect(JSON.parse(byType(mine, "kubernetes:core/v1:ConfigMap")[0].inputs.data["targets.json"]).faults).toBeUndefined();
});

test("prod with the controller enabled: Deployment in the DR region with the env the policies read, least-privilege RBAC, Route53 IRSA", async () => {
  const run = await runStack("prod", failoverOn({ intervalSeconds: 15, failureThreshold: 4 }));
  expect(run.error).toBeUndefined();
  const mine = children(run);
  expect(validateK8sObjects(mine)).toEqual([]);
  const [dep] = byType(mine, "kubernetes:apps/v1:Deployment");
  expect(dep.inputs.metadata.labels["app.kubernetes.io/component"]).toBe("failover-controller");
  expect(dep.inputs.spec.replicas).toBe(1);
  expect(dep.inputs.spec.strategy.type).toBe("Recreate");
  // The Deployment runs on the DR cluster's provider.
  const drProvider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name.endsWith("-dr-k8s"))!;
  expect(dep.provider?.startsWith(drProvider.urn)).toBe(true);
  const env = Object.fromEntries(dep.inputs.spec.template.spec.containers[0].env.filter((e: any) => "value" in e).map((e: any) => [e.name, e.value]));
  expect(env).toMatchObject({ REGION_PROMOTION: "manual", CHECK_INTERVAL_SECONDS: "15", FAILURE_THRESHOLD: "4", REGION_ROLE: "dr" });
  const config = parseStackConfig({ regions: { primary: "us-east-1", dr: "us-west-2" }, clusters: { primary: {}, dr: {} }, postgres: { standby: { peerCidrs: ["10.20.0.0/16"] } }, failover: { regionPromotion: "automatic", controller: { enabled: true } } }, "prod");
  expect(observeFailover(run.resources as any, config)).toMatchObject({ regionPromotion: "manual", controllerIntervalSeconds: 15, controllerFailureThreshold: 4 });

  const [role] = byType(mine, "kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) => r.inputs.metadata.name === "agent-dr-failover-controller");
  expect(role.inputs.rules).toEqual([
    { apiGroups: ["acid.zalan.do"], resources: ["postgresqls"], resourceNames: ["agent-pg-prod-dr"], verbs: ["get", "patch"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
    // The pooler restart evicts pods (within their disruption budget); a Deployment patch could rewrite the pod template.
    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
    { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["agent-pg-prod-dr-pooler"], verbs: ["get"] },
  ]);
  for (const rule of role.inputs.rules) {
    expect(rule.verbs).not.toContain("*");
    expect(rule.resources).not.toContain("secrets");
  }
  const [policy] = byType(mine, "aws:iam/rolePolicy:RolePolicy");
  const doc = JSON.parse(policy.inputs.policy);
  expect(doc.Statement.flatMap((s: any) => s.Action).sort()).toEqual(["route53:GetHealthCheck", "route53:GetHealthCheckStatus", "route53:ListResourceRecordSets", "route53:UpdateHealthCheck"]);
  expect(doc.Statement[0].Resource).toEqual(["arn:aws:route53:::hostedzone/Z0PRODZONE0000000000"]);
  const [iamRole] = byType(mine, "aws:iam/role:Role");
  const trust = JSON.parse(iamRole.inputs.assumeRolePolicy);
  expect(JSON.stringify(trust)).toContain("system:serviceaccount:agent-dr:agent-dr-failover-controller");
  expect(JSON.stringify(trust)).toContain("oidc.eks.us-west-2.amazonaws.com");
  // Secrets reach the pod through secretKeyRef only; the targets ConfigMap holds names.
  const [cm] = byType(mine, "kubernetes:core/v1:ConfigMap");
  expect(JSON.parse(cm.inputs.data["targets.json"])).toMatchObject({ postgres: { cluster: "agent-pg-prod", standbyCluster: "agent-pg-prod-dr" }, failoverEndpoint: { name: "api.agents.example.com" } });
  expect(cm.inputs.data["targets.json"]).not.toMatch(/password/i);
});

test("automatic region promotion is what the policies read back when configured", async () => {
  const run = await runStack("prod", { "agent-dr:failover": { regionPromotion: "automatic", manualResponseMinutes: 10, controller: { enabled: true } } });
  expect(run.error).toBeUndefined();
  const config = parseStackConfig({ regions: { primary: "us-east-1" }, clusters: { primary: {} } }, "prod");
  const observed = observeFailover(run.resources as any, config);
  expect(observed.regionPromotion).toBe("automatic");
  expect(observed.controllerIntervalSeconds).toBe(10);
  expect(observed.controllerFailureThreshold).toBe(3);
});

test("every scheduled test names a runbook that exists", () => {
  const { RUNBOOK_NAMES } = require("../../runbooks/definitions");
  for (const t of drTestSchedule()) expect(RUNBOOK_NAMES).toContain(t.runbook);
});

test("the PostgreSQL NetworkPolicy admits the controller's pods to Patroni, not to PostgreSQL", async () => {
  const { FAILOVER_CONTROLLER_NAME, renderSpiloNetworkPolicy } = await import("../../components/postgres/render/network");
  const { NETWORK_DEFAULTS } = await import("../../dr/targets/network");
  const { CONTROLLER_NAME } = await import("../../components/controller/render");
  expect(FAILOVER_CONTROLLER_NAME).toBe(CONTROLLER_NAME);
  const np = renderSpiloNetworkPolicy({ clusterName: "c", clientNamespaces: [], operatorNamespace: "op", replicationPeerCidrs: [], upstreamCidrs: [], pooler: true, network: NETWORK_DEFAULTS, labels: {} });
  const rule = np.spec.ingress!.find((r: any) => r.from.some((f: any) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"] === CONTROLLER_NAME));
  expect(rule?.ports!.map((p: any) => p.port)).toEqual([8008]);
});
