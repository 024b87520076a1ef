import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import { KubernetesExecutor } from "../../runbooks/executors/kubernetes/executor";
import { KubeClient, kubeconfigAccess } from "../../runbooks/executors/kubernetes/kube-client";
import { operatorTimestamp, renderCloneManifest } from "../../runbooks/executors/kubernetes/clone-manifest";
import { failoverDecision, forceAction } from "../../runbooks/executors/kubernetes/route53-state";
import { validateK8sObject } from "../harness/k8s-validate";

// No Kubernetes runs here, so the API server is an in-process HTTP server that records requests
// and answers like the API does for the few paths the executor uses.
interface Seen {
  method: string;
  url: string;
  contentType?: string;
  auth?: string;
  body?: any;
}

let server: http.Server;
let base: string;
const seen: Seen[] = [];
const objects = new Map<string, any>();
/** Evictions the server refuses with 429 before it accepts one (a PodDisruptionBudget at its limit). */
let evictionRefusals = 0;

const NS = "agent-dr";
const PGS = `/apis/acid.zalan.do/v1/namespaces/${NS}/postgresqls`;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      const body = data ? JSON.parse(data) : undefined;
      seen.push({ method: req.method!, url: req.url!, contentType: req.headers["content-type"], auth: req.headers.authorization, body });
      const url = req.url!.split("?")[0];
      const reply = (status: number, obj: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(obj));
      };
      if (req.method === "GET" && url.endsWith("/pods")) return reply(200, objects.get(url) ?? { items: [] });
      if (req.method === "GET" && objects.has(url)) {
        const o = objects.get(url);
        // A Job completes once it has been read once.
        if (o.kind === "Job") o.status = { conditions: [{ type: "Complete", status: "True" }] };
        return reply(200, o);
      }
      if (req.method === "PATCH" && objects.has(url)) {
        const o = objects.get(url);
        if (req.headers["content-type"] === "application/json-patch+json") {
          for (const op of body) if (op.op === "remove" && op.path === "/spec/standby") delete o.spec.standby;
        }
        return reply(200, o);
      }
      if (req.method === "POST" && url.endsWith("/eviction")) {
        if (evictionRefusals > 0) {
          evictionRefusals--;
          return reply(429, { kind: "Status", message: "Cannot evict pod as it would violate the pod's disruption budget." });
        }
        return reply(201, { kind: "Status", status: "Success" });
      }
      if (req.method === "POST" && (url === PGS || url.endsWith("/jobs"))) {
        objects.set(`${url}/${body.metadata.name}`, body);
        return reply(201, body);
      }
      if (req.method === "DELETE" && objects.has(url)) {
        objects.delete(url);
        return reply(200, {});
      }
      reply(404, { kind: "Status", message: `${url} not found` });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  seen.length = 0;
  objects.clear();
  objects.set(`${PGS}/agent-pg-prod-dr`, {
    apiVersion: "acid.zalan.do/v1",
    kind: "postgresql",
    metadata: { name: "agent-pg-prod-dr", namespace: NS, uid: "0f3c6c52-1c1e-4d7e-9a57-2b3c4d5e6f70" },
    spec: { teamId: "agent", numberOfInstances: 3, postgresql: { version: "17" }, volume: { size: "20Gi" }, standby: { s3_wal_path: "s3://b/spilo/x/wal/17" } },
  });
  objects.set(`${PGS}/agent-pg-prod`, {
    apiVersion: "acid.zalan.do/v1",
    kind: "postgresql",
    metadata: { name: "agent-pg-prod", namespace: NS, uid: "9a3c6c52-1c1e-4d7e-9a57-2b3c4d5e6f71" },
    spec: {
      teamId: "agent",
      numberOfInstances: 3,
      postgresql: { version: "17" },
      volume: { size: "20Gi" },
      env: [
        { name: "AWS_REGION", value: "us-east-1" },
        { name: "WAL_S3_BUCKET", value: "backups-use1" },
        { name: "AWS_ROLE_SESSION_NAME", value: "agent-pg-prod-walg" },
      ],
    },
  });
  objects.set(`/api/v1/namespaces/${NS}/serviceaccounts/postgres-pod`, {
    kind: "ServiceAccount",
    metadata: { name: "postgres-pod", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/walg" } },
  });
  objects.set(`/apis/batch/v1/namespaces/${NS}/cronjobs/agent-pg-prod-restore-drill`, {
    kind: "CronJob",
    metadata: { name: "agent-pg-prod-restore-drill", uid: "c1" },
    spec: { jobTemplate: { metadata: { labels: { app: "restore-check" } }, spec: { template: { spec: { containers: [{ name: "c", image: "i" }], restartPolicy: "Never" } } } } },
  });
});

function executor(): KubernetesExecutor {
  const client = new KubeClient({ server: base, token: async () => "t0ken" });
  return new KubernetesExecutor({ clusters: { dr: { client, namespace: NS }, primary: { client, namespace: NS } }, restoreCheckCronJob: "agent-pg-prod-restore-drill" });
}

const signal = () => AbortSignal.timeout(10_000);

test("promoteStandby removes spec.standby with a JSON patch, and a second call changes nothing", async () => {
  const ex = executor();
  expect((await ex.postgresStatus({ region: "dr", cluster: "agent-pg-prod-dr" }, signal())).standby).toBe(true);
  const out = await ex.promoteStandby({ region: "dr", cluster: "agent-pg-prod-dr" }, signal());
  expect(out).toMatch(/removed spec.standby/);
  const patch = seen.find((s) => s.method === "PATCH")!;
  expect(patch.url).toBe(`${PGS}/agent-pg-prod-dr`);
  expect(patch.contentType).toBe("application/json-patch+json");
  expect(patch.body).toEqual([{ op: "remove", path: "/spec/standby" }]);
  expect(patch.auth).toBe("Bearer t0ken");
  expect((await ex.postgresStatus({ region: "dr", cluster: "agent-pg-prod-dr" }, signal())).standby).toBe(false);
  seen.length = 0;
  expect(await ex.promoteStandby({ region: "dr", cluster: "agent-pg-prod-dr" }, signal())).toMatch(/has no spec.standby/);
  expect(seen.filter((s) => s.method === "PATCH")).toHaveLength(0);
});

test("from outside the cluster Patroni is reached through the API server's pod proxy: standby leader vs promoted primary", async () => {
  const ex = executor();
  const pods = `/api/v1/namespaces/${NS}/pods`;
  objects.set(pods, {
    items: [
      { metadata: { name: "agent-pg-prod-dr-0", labels: { "spilo-role": "master" } }, status: { podIP: "10.0.0.5", conditions: [{ type: "Ready", status: "True" }] } },
      { metadata: { name: "agent-pg-prod-dr-1", labels: { "spilo-role": "replica" } }, status: { podIP: "10.0.0.6", conditions: [{ type: "Ready", status: "True" }] } },
    ],
  });
  const proxy = `${pods}/agent-pg-prod-dr-0:8008/proxy/patroni`;
  objects.set(proxy, { role: "standby_leader", state: "running", timeline: 4 });
  delete objects.get(`${PGS}/agent-pg-prod-dr`).spec.standby;
  // The resource no longer says standby, but Patroni has not promoted yet: still a standby.
  const before = await ex.postgresStatus({ region: "dr", cluster: "agent-pg-prod-dr" }, signal());
  expect(before).toMatchObject({ standby: true, leader: "agent-pg-prod-dr-0" });
  await expect(ex.writeProbe({ region: "dr", cluster: "agent-pg-prod-dr" }, signal())).rejects.toThrow(/reports role standby_leader, state running/);
  objects.set(proxy, { role: "master", state: "running", timeline: 5 });
  expect((await ex.postgresStatus({ region: "dr", cluster: "agent-pg-prod-dr" }, signal())).standby).toBe(false);
  expect(await ex.writeProbe({ region: "dr", cluster: "agent-pg-prod-dr" }, signal())).toBe("leader agent-pg-prod-dr-0 runs as primary (timeline 5)");
  expect(seen.some((x) => x.url.startsWith(`${pods}?labelSelector=${encodeURIComponent("cluster-name=agent-pg-prod-dr,application=spilo")}`))).toBe(true);
});

test("restartPooler evicts the pooler's pods one by one, waiting while the disruption budget refuses; it never patches the Deployment", async () => {
  const ex = executor();
  const dep = `/apis/apps/v1/namespaces/${NS}/deployments/agent-pg-prod-pooler`;
  expect(await ex.restartPooler({ region: "primary", cluster: "agent-pg-prod" }, signal())).toMatch(/no pooler Deployment/);
  const selector = { application: "db-connection-pooler", "cluster-name": "agent-pg-prod" };
  objects.set(dep, { metadata: { generation: 2 }, spec: { replicas: 2, selector: { matchLabels: selector } }, status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 } });
  objects.set(`/api/v1/namespaces/${NS}/pods`, { items: [{ metadata: { name: "agent-pg-prod-pooler-7c9d-a" } }, { metadata: { name: "agent-pg-prod-pooler-7c9d-b" } }] });
  evictionRefusals = 1;
  expect(await ex.restartPooler({ region: "primary", cluster: "agent-pg-prod" }, signal())).toMatch(/evicted 2 pod\(s\) of Deployment agent-pg-prod-pooler/);
  const evictions = seen.filter((s) => s.method === "POST" && s.url.endsWith("/eviction"));
  // The first eviction was refused once (429) and retried.
  expect(evictions.map((e) => e.url)).toEqual([
    `/api/v1/namespaces/${NS}/pods/agent-pg-prod-pooler-7c9d-a/eviction`,
    `/api/v1/namespaces/${NS}/pods/agent-pg-prod-pooler-7c9d-a/eviction`,
    `/api/v1/namespaces/${NS}/pods/agent-pg-prod-pooler-7c9d-b/eviction`,
  ]);
  expect(evictions[0].body).toEqual({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "agent-pg-prod-pooler-7c9d-a", namespace: NS } });
  expect(seen.some((s) => s.url.includes(`labelSelector=${encodeURIComponent("application=db-connection-pooler,cluster-name=agent-pg-prod")}`))).toBe(true);
  expect(seen.filter((s) => s.method === "PATCH")).toEqual([]);
  expect((await ex.poolerReady({ region: "primary", cluster: "agent-pg-prod" }, signal())).ready).toBe(true);
  objects.get(dep).status.availableReplicas = 1;
  expect(await ex.poolerReady({ region: "primary", cluster: "agent-pg-prod" }, signal())).toEqual({ ready: false, detail: "pooler 2/2 updated, 1 available" });
});

test("applyClone creates a postgresql resource that the operator's CRD schema accepts; deleteClone removes it", async () => {
  const ex = executor();
  const spec = { region: "primary" as const, source: "agent-pg-prod", name: "agent-pg-prod-pitr-202611261000", targetTime: "2026-11-26T10:00:00Z" };
  expect(await ex.cloneExists(spec, signal())).toBe(false);
  expect(await ex.applyClone(spec, signal())).toMatch(/at 2026-11-26T10:00:00\+00:00/);
  const created = seen.find((s) => s.method === "POST")!.body;
  // Our archive has no UID suffix: the clone is given the source's archive path in full and CLONE_ credentials.
  expect(created.spec.clone).toEqual({ cluster: "agent-pg-prod", timestamp: "2026-11-26T10:00:00+00:00", s3_wal_path: "s3://backups-use1/spilo/agent-pg-prod/wal/17" });
  const env = Object.fromEntries(created.spec.env.map((e: any) => [e.name, e.value]));
  expect(env).toMatchObject({
    WAL_S3_BUCKET: "backups-use1",
    WALG_S3_PREFIX: "s3://backups-use1/spilo/agent-pg-prod/agent-pg-prod-pitr-202611261000/wal/17",
    CLONE_AWS_REGION: "us-east-1",
    CLONE_AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/walg",
    CLONE_AWS_ROLE_SESSION_NAME: "agent-pg-prod-pitr-202611261000-walg-clone",
    AWS_ROLE_SESSION_NAME: "agent-pg-prod-pitr-202611261000-walg",
  });
  expect(validateK8sObject({ type: "kubernetes:acid.zalan.do/v1:postgresql", name: spec.name, inputs: created } as any)).toEqual([]);
  expect(await ex.cloneExists(spec, signal())).toBe(true);
  expect(await ex.deleteClone(spec, signal())).toBe(`deleted postgresql ${spec.name}`);
  expect(await ex.cloneExists(spec, signal())).toBe(false);
});

test("the CRD refuses a clone timestamp in Z form, which is why it is normalised", () => {
  const m = renderCloneManifest(
    { metadata: { name: "a" }, spec: { teamId: "t", numberOfInstances: 1, postgresql: { version: "17" }, volume: { size: "1Gi" } } },
    { region: "primary", source: "a", name: "b", targetTime: "2026-11-26T10:00:00+0000" },
    { bucket: "bk", region: "us-east-1", roleArn: "arn:aws:iam::123456789012:role/walg" },
  );
  expect(m.spec.clone.timestamp).toBe("2026-11-26T10:00:00+00:00");
  m.spec.clone.timestamp = "2026-11-26T10:00:00Z";
  expect(validateK8sObject({ type: "kubernetes:acid.zalan.do/v1:postgresql", name: "b", inputs: m } as any).join()).toMatch(/clone\/timestamp must match pattern/);
  expect(operatorTimestamp("2026-11-26 10:00:00-0530")).toBe("2026-11-26T10:00:00-05:30");
});

test("verifyRestore starts a Job from the restore-check CronJob and reports its completion", async () => {
  const ex = executor();
  const out = await ex.verifyRestore({ region: "primary", cluster: "agent-pg-prod" }, signal());
  expect(out).toMatch(/^Job agent-pg-prod-restore-drill-manual-[a-z0-9]+ from CronJob agent-pg-prod-restore-drill completed$/);
  const job = seen.find((s) => s.method === "POST")!.body;
  expect(job.spec).toEqual(objects.get(`/apis/batch/v1/namespaces/${NS}/cronjobs/agent-pg-prod-restore-drill`).spec.jobTemplate.spec);
  expect(job.metadata.ownerReferences[0]).toMatchObject({ kind: "CronJob", name: "agent-pg-prod-restore-drill", uid: "c1" });
  expect(job.metadata.annotations["cronjob.kubernetes.io/instantiate"]).toBe("manual");
});

describe("the Redis primary kill deletes exactly the pod of the server the Sentinels name", () => {
  const PODS = `/api/v1/namespaces/${NS}/pods`;
  const pod = (name: string, ip: string, role = "redis") => ({
    metadata: { name, uid: `uid-${name}`, labels: { "app.kubernetes.io/name": "agent-redis", "app.kubernetes.io/instance": "agent-redis", "agent-dr/redis-role": role } },
    spec: { nodeName: "node-a" },
    status: { podIP: ip },
  });
  const redisExecutor = (podNetwork = true) =>
    new KubernetesExecutor({
      clusters: { primary: { client: new KubeClient({ server: base, token: async () => "t0ken" }), namespace: NS } },
      redis: { primary: { sentinels: [{ host: `agent-redis-sentinel.${NS}.svc`, port: 26379 }], password: "p" } },
      redisTier: { prefix: "agent-redis", servers: 3 },
      podNetwork,
    });
  beforeEach(() => {
    objects.set(PODS, { items: [pod("agent-redis-0", "10.1.0.10"), pod("agent-redis-1", "10.1.0.11"), pod("agent-redis-2", "10.1.0.12")] });
    for (const i of [0, 1, 2]) objects.set(`${PODS}/agent-redis-${i}`, pod(`agent-redis-${i}`, `10.1.0.1${i}`));
  });
  const deletes = () => seen.filter((s) => s.method === "DELETE");

  test("by the pod DNS name Sentinel announces: DELETE with grace period 0 and the pod's uid as precondition", async () => {
    const out = await redisExecutor().killRedisServer("primary", `agent-redis-1.agent-redis-headless.${NS}.svc.cluster.local:6379`, signal());
    expect(out).toBe("deleted pod agent-redis-1 (uid uid-agent-redis-1, node node-a) with grace period 0");
    expect(deletes()).toEqual([expect.objectContaining({ url: `${PODS}/agent-redis-1`, body: { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0, preconditions: { uid: "uid-agent-redis-1" } } })]);
    // The Redis pods are found by the tier's labels, role redis.
    expect(decodeURIComponent(seen.find((s) => s.method === "GET")!.url)).toBe(`${PODS}?labelSelector=app.kubernetes.io/name=agent-redis,app.kubernetes.io/instance=agent-redis,agent-dr/redis-role=redis`);
  });

  test("by pod IP, when Sentinel reports one", async () => {
    await redisExecutor().killRedisServer("primary", "10.1.0.12:6379", signal());
    expect(deletes().map((d) => d.url)).toEqual([`${PODS}/agent-redis-2`]);
  });

  test.each([
    ["a Sentinel's pod", `agent-redis-sentinel-0.agent-redis-sentinel-headless.${NS}.svc.cluster.local:6379`, /is not a pod name under the agent-redis-headless Service/],
    ["a Patroni member", `agent-pg-prod-0.agent-pg-prod.${NS}.svc.cluster.local:6379`, /is not a pod name under the agent-redis-headless Service/],
    ["an ordinal beyond the StatefulSet's replicas", `agent-redis-3.agent-redis-headless.${NS}.svc.cluster.local:6379`, /is pod agent-redis-3, not one of the Redis StatefulSet's pods \(agent-redis-0, agent-redis-1, agent-redis-2\); not deleting it/],
    ["another namespace", "agent-redis-1.agent-redis-headless.other.svc.cluster.local:6379", /namespace agent-dr/],
    ["an IP no Redis pod has", "10.9.9.9:6379", /0 Redis pods have IP 10\.9\.9\.9/],
    ["another port", `agent-redis-1.agent-redis-headless.${NS}.svc.cluster.local:26379`, /port 26379 is not the Redis pods' 6379/],
  ])("refuses %s, deleting nothing", async (_what, address, message) => {
    await expect(redisExecutor().killRedisServer("primary", address, signal())).rejects.toThrow(message);
    expect(deletes()).toEqual([]);
  });

  test("from outside the cluster it refuses before asking anything: each Sentinel pod is asked by its IP", async () => {
    await expect(redisExecutor(false).redisKillPrimary({ region: "primary", master: "agent-redis" }, signal())).rejects.toThrow(/run it in the cluster \(--in-cluster/);
    expect(seen).toEqual([]);
  });
});

test("a kubeconfig context with a token reaches the API with that token; an unknown context is named", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfig-"));
  try {
    const file = path.join(dir, "config");
    fs.writeFileSync(
      file,
      [
        "apiVersion: v1",
        "clusters: [{name: c1, cluster: {server: '" + base + "'}}]",
        "users: [{name: u1, user: {token: from-kubeconfig}}]",
        "contexts: [{name: prod-us-west-2, context: {cluster: c1, user: u1, namespace: agent-dr}}]",
        "current-context: prod-us-west-2",
      ].join("\n"),
    );
    const client = new KubeClient(kubeconfigAccess("prod-us-west-2", file));
    expect((await client.get(`${PGS}/agent-pg-prod`)).metadata.name).toBe("agent-pg-prod");
    expect(seen.pop()!.auth).toBe("Bearer from-kubeconfig");
    expect(() => kubeconfigAccess("prod-eu", file)).toThrow(/context "prod-eu": expected one of prod-us-west-2/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe("Route53 failover decision", () => {
  const healthy = { healthCheckId: "p", successRatio: 1 };
  const dead = { healthCheckId: "p", successRatio: 0 };
  test("serves the primary while healthy, the secondary when not, none when both are down", () => {
    expect(failoverDecision(healthy, { healthCheckId: "s", successRatio: 1 }).serving).toBe("primary");
    expect(failoverDecision(dead, { healthCheckId: "s", successRatio: 1 }).serving).toBe("dr");
    expect(failoverDecision(dead, { healthCheckId: "s", successRatio: 0.1 }).serving).toBe("none");
    // A secondary without a health check is always considered healthy.
    expect(failoverDecision(dead, {}).serving).toBe("dr");
    // 18% of checkers is not enough; more is.
    expect(failoverDecision({ healthCheckId: "p", successRatio: 0.18 }, {}).primaryHealthy).toBe(false);
    expect(failoverDecision({ healthCheckId: "p", successRatio: 0.19 }, {}).primaryHealthy).toBe(true);
  });
  test("forcing inverts the primary check only while it still looks healthy, and undoing un-inverts", () => {
    expect(forceAction("dr", healthy)).toEqual({ invert: true });
    expect(forceAction("dr", dead)).toBeUndefined();
    expect(failoverDecision({ ...healthy, inverted: true }, {})).toEqual({ serving: "dr", primaryHealthy: false, drHealthy: true, forced: true });
    expect(forceAction("primary", { ...healthy, inverted: true })).toEqual({ invert: false });
    expect(forceAction("primary", healthy)).toBeUndefined();
  });
});

test("a source without an S3 archive cannot be cloned, and says why", () => {
  const { archiveOfSource } = require("../../runbooks/executors/kubernetes/clone-manifest");
  expect(() => archiveOfSource({ spec: { env: [] } }, "arn:r")).toThrow(/no WAL_S3_BUCKET/);
});
