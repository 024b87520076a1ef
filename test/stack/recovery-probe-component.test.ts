import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { byType, runStack } from "../harness/offline";
import { validateK8sObjects } from "../harness/k8s-validate";
import { loadDrillStack } from "../../testbed/stack";
import { parseProbeConfig } from "../../probe/config-file";
import { attributeOutage, UNPLANNED } from "../../probe/attribution";
import { CONTROLLER_IMAGE } from "../../components/controller/image";
import { stackFaultSchedule } from "../../components/chaos";
import { PROBE_APP_LABEL, PROBE_ENV, PROBE_METRICS_PORT, PROBE_NAME, PROBE_REPORT_PREFIX, probePostgresPasswordEnv } from "../../contract/probe";
import { credentialSecretName, ownerRole } from "../../contract/postgres";
import type { CapturedResource } from "../../offline/capture";
import { TYPES } from "../../contract/resource-types";

// The whole program under Pulumi mocks (offline/run-program.ts), three runs: about 15 s.
const PROBE = "agent-dr:probe:RecoveryProbe";

const children = (resources: CapturedResource[]) => {
  const parent = resources.find((r) => r.type === PROBE);
  return parent ? resources.filter((r) => r.parent === parent.urn) : [];
};

let staging: CapturedResource[];
beforeAll(async () => {
  const run = await runStack("staging");
  if (run.error) throw run.error;
  staging = run.resources;
}, 60_000);

test("prod by default has no probe; staging has one, every Kubernetes object valid against the 1.33 schemas", async () => {
  const prod = await runStack("prod");
  expect(prod.error).toBeUndefined();
  expect(prod.resources.filter((r) => r.type === PROBE)).toHaveLength(0);
  const mine = children(staging);
  expect(mine.map((r) => r.type).sort()).toEqual([
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:Service",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  ]);
  expect(validateK8sObjects(mine)).toEqual([]);
});

test("the ConfigMap is a ProbeConfig the CLI accepts: the pooler and Sentinel endpoints, the budget's own predictions, no secret", () => {
  const [cm] = byType(children(staging), "kubernetes:core/v1:ConfigMap");
  const text: string = cm.inputs.data["probe.json"];
  const probe = parseProbeConfig(text, "configmap");
  const stack = loadDrillStack("staging");
  // The same schedule the Chaos Mesh Schedules run, so an outage in a fault's window is attributed to it.
  expect(probe.faults).toEqual(stackFaultSchedule(stack.config));
  expect(probe.faults.map((f) => f.fault)).toEqual(expect.arrayContaining(["postgres-leader-kill", "postgres-leader-partition", "redis-primary-kill"]));
  // The Redis primary kill (a DR test CronJob, Fridays 02:00): an outage of the Redis class in its
  // window is that fault's, instance-loss, not unplanned; after the window it is unplanned again.
  expect(attributeOutage(new Date("2026-12-11T02:03:10Z"), "redis", probe.faults)).toEqual({ scenario: "instance-loss", fault: "redis-primary-kill" });
  expect(attributeOutage(new Date("2026-12-11T02:11:00Z"), "redis", probe.faults)).toEqual({ scenario: UNPLANNED });
  expect(attributeOutage(new Date("2026-12-11T02:03:10Z"), "postgres", probe.faults)).toEqual({ scenario: UNPLANNED });
  expect(probe).toMatchObject({ environment: "staging", region: "us-east-1", writeIntervalMs: 1000, reportBucket: expect.stringMatching(/^agent-dr-staging-backups-/), reportKmsKeyArn: expect.stringMatching(/^arn:aws:kms:us-east-1:/) });
  const pgClasses = stack.config.dataClasses.filter((c) => c.store === "postgres");
  expect(probe.classes.map((c) => c.class).sort()).toEqual([...pgClasses.map((c) => c.name), "session_state"].sort());
  for (const c of probe.classes) {
    if (c.store === "postgres") {
      const dc = pgClasses.find((d) => d.name === c.class)!;
      expect(c.endpoint).toEqual({ host: "agent-pg-staging-pooler.agent-dr.svc", port: 5432, database: dc.database, user: ownerRole(dc.database!) });
    } else {
      expect(c.endpoint).toEqual({ host: "agent-redis-sentinel.agent-dr.svc", port: 26379, masterName: "agent-redis" });
    }
    // The budget's rows, not a recomputation: the same numbers `npm run plan` prints.
    const row = stack.budget.find((r) => r.dataClass === c.class && r.scenario === "instance-loss")!;
    expect(c.scenarios).toEqual({ "instance-loss": { targetRtoSeconds: row.target.rtoSeconds, targetRpoSeconds: row.target.rpoSeconds, predictedRtoSeconds: row.predicted.rtoSeconds, predictedRpoSeconds: row.predicted.rpoSeconds } });
  }
  expect(text).not.toMatch(/password|secret/i);
  // No secret value of the plan appears in it (user names are not secret: the owner role is named on purpose).
  for (const s of byType(staging, "kubernetes:core/v1:Secret")) {
    for (const [k, v] of Object.entries({ ...(s.inputs.stringData ?? {}), ...(s.inputs.data ?? {}) })) if (!/^user(name)?$/.test(k) && typeof v === "string" && v.length >= 8) expect(text).not.toContain(v);
  }
});

test("the Deployment: one replica of the controller image running `probe`, hardened, ready on /healthz, credentials only by secretKeyRef from the tiers' Secrets", () => {
  const [dep] = byType(children(staging), "kubernetes:apps/v1:Deployment");
  expect(dep.inputs.spec.replicas).toBe(1);
  expect(dep.inputs.spec.strategy.type).toBe("Recreate");
  const pod = dep.inputs.spec.template.spec;
  const [c] = pod.containers;
  expect(c.image).toBe(CONTROLLER_IMAGE);
  expect(c.args).toEqual(["probe", "--config", "/etc/agent-dr/probe.json", "--listen", `0.0.0.0:${PROBE_METRICS_PORT}`]);
  expect(c.readinessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
  expect(c.ports).toEqual([{ name: "metrics", containerPort: PROBE_METRICS_PORT }]);
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
  expect(dep.inputs.spec.template.metadata.labels).toMatchObject({ "app.kubernetes.io/name": PROBE_APP_LABEL, "agent-dr/postgres-client": "true", "agent-dr/redis-client": "true" });
  const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
  expect(Object.values(env).filter((e: any) => "value" in e).map((e: any) => e.name)).toEqual(["AWS_REGION"]);
  const stack = loadDrillStack("staging");
  for (const dc of stack.config.dataClasses.filter((d) => d.store === "postgres")) {
    expect(env[probePostgresPasswordEnv(dc.name)].valueFrom.secretKeyRef).toEqual({ name: credentialSecretName(ownerRole(dc.database!), "agent-pg-staging"), key: "password" });
  }
  expect(env[PROBE_ENV.redisPassword].valueFrom.secretKeyRef).toEqual({ name: "agent-redis-auth", key: "redis-password" });
  expect(env[PROBE_ENV.sentinelPassword].valueFrom.secretKeyRef).toEqual({ name: "agent-redis-auth", key: "sentinel-password" });
  // The Redis Secret it names is the one the Redis tier creates.
  expect(byType(staging, "kubernetes:core/v1:Secret").map((s) => s.inputs.metadata?.name)).toContain("agent-redis-auth");
  // Without the prometheus-operator CRDs, Prometheus finds it by annotation.
  expect(dep.inputs.spec.template.metadata.annotations).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/port": String(PROBE_METRICS_PORT), "prometheus.io/path": "/metrics" });
});

test("the IRSA role: trusted by the probe's ServiceAccount only, allowed PutObject under recovery-probe/staging/ and the key through S3 only", () => {
  const mine = children(staging);
  const [role] = byType(mine, "aws:iam/role:Role");
  const trust = JSON.parse(role.inputs.assumeRolePolicy);
  expect(JSON.stringify(trust)).toContain(`system:serviceaccount:agent-dr:${PROBE_NAME}`);
  const [policy] = byType(mine, "aws:iam/rolePolicy:RolePolicy");
  const doc = JSON.parse(policy.inputs.policy);
  expect(doc.Statement).toEqual([
    { Sid: "WriteProbeReports", Effect: "Allow", Action: ["s3:PutObject"], Resource: [expect.stringMatching(new RegExp(`^arn:aws:s3:::agent-dr-staging-backups-[^/]+/${PROBE_REPORT_PREFIX}staging/\\*$`))] },
    {
      Sid: "EncryptProbeReports",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey"],
      Resource: [expect.stringMatching(/^arn:aws:kms:us-east-1:/)],
      Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" }, StringLike: { "kms:EncryptionContext:aws:s3:arn": [expect.stringMatching(/^arn:aws:s3:::agent-dr-staging-backups-[^/]+$/), expect.stringMatching(/\/recovery-probe\/staging\/\*$/)] } },
    },
  ]);
  const [sa] = byType(mine, "kubernetes:core/v1:ServiceAccount");
  expect(sa.inputs.metadata.annotations["eks.amazonaws.com/role-arn"]).toBeTruthy();
});

test("the NetworkPolicy: metrics in from the monitoring namespace's Prometheus only; out to the pooler, Sentinel, Redis and the AWS APIs on 443", () => {
  const [np] = byType(children(staging), "kubernetes:networking.k8s.io/v1:NetworkPolicy");
  expect(np.inputs.spec.policyTypes).toEqual(["Ingress", "Egress"]);
  expect(np.inputs.spec.ingress).toEqual([
    { from: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["monitoring"] }] }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }], ports: [{ protocol: "TCP", port: PROBE_METRICS_PORT }] },
  ]);
  expect(np.inputs.spec.egress.map((e: any) => e.ports.map((p: any) => p.port))).toEqual([[5432], [26379], [6379], [443]]);
});

test("with signals.prometheusOperator and a 250 ms interval: a valid PodMonitor instead of annotations, the interval in the ConfigMap; disabled: nothing", async () => {
  const run = await runStack("staging", { "agent-dr:signals": { prometheusOperator: true }, "agent-dr:probe": { enabled: true, writeIntervalMs: 250 } });
  expect(run.error).toBeUndefined();
  const mine = children(run.resources);
  const [pm] = byType(mine, TYPES.podMonitor);
  const obj = { ...pm.inputs, metadata: { name: pm.name, ...pm.inputs.metadata } };
  expect(() => new PodMonitor(obj as any).validate()).not.toThrow();
  expect(pm.inputs.spec).toMatchObject({ selector: { matchLabels: { "app.kubernetes.io/name": PROBE_APP_LABEL } }, podMetricsEndpoints: [{ port: "metrics", path: "/metrics" }] });
  // The same schema refuses a broken one (the check can fail).
  expect(() => new PodMonitor({ ...obj, spec: { ...pm.inputs.spec, podMetricsEndpoints: "metrics" } } as any).validate()).toThrow();
  expect(validateK8sObjects(mine.filter((r) => r.type !== TYPES.podMonitor))).toEqual([]);
  const [dep] = byType(mine, "kubernetes:apps/v1:Deployment");
  expect(dep.inputs.spec.template.metadata.annotations).toBeUndefined();
  expect(JSON.parse(byType(mine, "kubernetes:core/v1:ConfigMap")[0].inputs.data["probe.json"]).writeIntervalMs).toBe(250);

  const off = await runStack("staging", { "agent-dr:probe": { enabled: false } });
  expect(off.error).toBeUndefined();
  expect(off.resources.filter((r) => r.type === PROBE)).toHaveLength(0);
}, 60_000);
