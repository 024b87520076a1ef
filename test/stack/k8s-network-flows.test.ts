/**
 * The NetworkPolicies of the prod and staging plans, flow by flow: the whole program runs under
 * mocks (offline/run-program.ts), every rendered NetworkPolicy of a region's cluster goes into the
 * evaluator of test/harness/netpol.ts (tested against the Kubernetes documentation's examples in
 * test/unit/k8s-netpol-evaluator.test.ts), and the pods are those the plan renders, with the labels
 * their templates carry (Jobs, CronJobs, StatefulSets, Deployments) or the operator gives them
 * (Spilo members, poolers, the operator), plus the platform's pods around them (a labelled
 * client, an unlabelled pod, another namespace, Prometheus, CoreDNS). Each row states a flow and
 * whether it is admitted; a row that does not hold fails with the policies that decided it.
 * Wall time: about 30 s (three program runs).
 */
import type { CapturedResource } from "../../offline/capture";
import { OPERATOR_POD } from "../../components/network/labels";
import { poolerPodLabels } from "../../contract/postgres";
import { NetworkModel, NetworkPolicy, Pod } from "../harness/netpol";
import { runStack } from "../harness/offline";
import { validateK8sObjects } from "../harness/k8s-validate";

const NS = "agent-dr";
const OPERATOR_NS = "postgres-operator";

/** Addresses outside the clusters' pods. */
const S3 = "52.216.10.5";
const INTERNET = "203.0.113.9";
const API_SERVER = "10.10.0.10";
/** A DR cluster pod's address (prod's postgres.standby.peerCidrs is 10.20.0.0/16) and one outside it. */
const DR_PEER = "10.20.1.7";
const NOT_A_PEER = "10.30.0.5";
/** The primary's replication load balancer, as the DR standby dials it (inside postgres.standby.primaryCidrs). */
const PRIMARY_NLB = "10.10.200.5";

interface Region {
  model: NetworkModel;
  pods: Map<string, Pod>;
  policies: NetworkPolicy[];
  objects: CapturedResource[];
}

const templateLabels = (r: CapturedResource): Record<string, string> | undefined =>
  r.inputs.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? r.inputs.spec?.template?.metadata?.labels;

/** The cluster reached through one Kubernetes provider: its NetworkPolicies and the pods the plan runs there. */
function region(resources: CapturedResource[], provider: "primary" | "dr", subnet: string): Region {
  const providerUrn = resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name.endsWith(`-${provider}-k8s`))!.urn;
  const objects = resources.filter((r) => r.provider?.startsWith(`${providerUrn}::`));
  const policies: NetworkPolicy[] = objects
    .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    .map((r) => ({ metadata: { name: r.inputs.metadata.name, namespace: r.inputs.metadata.namespace }, spec: r.inputs.spec }));
  const pods = new Map<string, Pod>();
  let host = 10;
  const add = (name: string, namespace: string, labels: Record<string, string>, ports?: Pod["ports"]) => pods.set(name, { name, namespace, labels, ip: `${subnet}.${Math.floor(host / 250)}.${host++ % 250}`, ...(ports ? { ports } : {}) });
  for (const cr of objects.filter((r) => r.type === "kubernetes:acid.zalan.do/v1:postgresql")) {
    const name = cr.inputs.metadata.name;
    const ports = [{ containerPort: 5432 }, { containerPort: 8008 }, { name: "exporter", containerPort: 9187 }];
    // The operator's labels (cluster_labels, cluster_name_label); Patroni labels the leader master.
    add(`${name} leader`, NS, { application: "spilo", "cluster-name": name, "spilo-role": "master" }, ports);
    add(`${name} replica`, NS, { application: "spilo", "cluster-name": name, "spilo-role": "replica" }, ports);
    if (cr.inputs.spec.enableConnectionPooler) add(`${name} pooler`, NS, poolerPodLabels(name));
  }
  for (const w of objects.filter((r) => ["kubernetes:batch/v1:CronJob", "kubernetes:batch/v1:Job", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment"].includes(r.type))) {
    add(w.inputs.metadata.name, NS, templateLabels(w)!);
  }
  if (objects.some((r) => r.type === "kubernetes:helm.sh/v3:Release")) add("postgres-operator", OPERATOR_NS, { ...OPERATOR_POD });
  // The platform around the stack.
  add("app (labelled client)", NS, { app: "agent-api", "agent-dr/postgres-client": "true", "agent-dr/redis-client": "true" });
  add("app (unlabelled)", NS, { app: "agent-api" });
  add("other namespace (labelled)", "other-team", { app: "x", "agent-dr/postgres-client": "true", "agent-dr/redis-client": "true" });
  add("Prometheus", "monitoring", { "app.kubernetes.io/name": "prometheus", prometheus: "k8s" });
  add("Grafana (monitoring namespace)", "monitoring", { "app.kubernetes.io/name": "grafana" });
  add("CoreDNS", "kube-system", { "k8s-app": "kube-dns" });
  const namespaces = [NS, OPERATOR_NS, "other-team", "monitoring", "kube-system"].map((name) => ({ name }));
  return { model: new NetworkModel(policies, namespaces), pods, policies, objects };
}

type Row = [string, "admitted" | "refused", string, string, number, ("TCP" | "UDP")?];

/** Endpoint by pod name (as `region` names them) or an address. */
function endpoint(r: Region, name: string) {
  const pod = r.pods.get(name);
  if (pod) return { pod };
  if (/^[\d.]+$/.test(name)) return { ip: name };
  throw new Error(`no pod "${name}" in this region; pods: ${[...r.pods.keys()].join(", ")}`);
}

function check(r: Region, [, expected, from, to, port, protocol]: Row) {
  const v = r.model.evaluate({ from: endpoint(r, from), to: endpoint(r, to), port, protocol: protocol ?? "TCP" });
  const why = `egress ${JSON.stringify(v.egress ?? "not a pod")}, ingress ${JSON.stringify(v.ingress ?? "not a pod")}`;
  expect({ flow: `${from} -> ${to}:${port}`, verdict: v.admitted ? "admitted" : "refused", why: v.admitted === (expected === "admitted") ? "" : why }).toEqual({ flow: `${from} -> ${to}:${port}`, verdict: expected, why: "" });
}

const stacks: Record<string, CapturedResource[]> = {};
beforeAll(async () => {
  stacks.prod = (await runStack("prod")).resources;
  stacks.staging = (await runStack("staging")).resources;
  stacks.prodController = (await runStack("prod", { "agent-dr:failover": { controller: { enabled: true } } })).resources;
}, 180_000);

const PG = "agent-pg-prod";
const PRIMARY_FLOWS: Row[] = [
  // Clients reach PostgreSQL through the pooler only, by label, from the platform's namespace.
  ["a labelled app pod reaches the pooler", "admitted", "app (labelled client)", `${PG} pooler`, 5432],
  ["a labelled app pod can not bypass the pooler", "refused", "app (labelled client)", `${PG} leader`, 5432],
  ["an unlabelled pod of the namespace does not reach the pooler", "refused", "app (unlabelled)", `${PG} pooler`, 5432],
  ["a labelled pod of another namespace does not reach the pooler", "refused", "other namespace (labelled)", `${PG} pooler`, 5432],
  ["the pooler reaches the leader", "admitted", `${PG} pooler`, `${PG} leader`, 5432],
  ["the pooler reaches nothing else", "refused", `${PG} pooler`, INTERNET, 443],
  // Patroni peers: replication and the REST API between the cluster's own members.
  ["a replica streams from the leader", "admitted", `${PG} replica`, `${PG} leader`, 5432],
  ["members reach each other's Patroni API", "admitted", `${PG} leader`, `${PG} replica`, 8008],
  ["an app pod does not reach Patroni's API", "refused", "app (labelled client)", `${PG} leader`, 8008],
  // The exporter: Prometheus in the monitoring namespace only.
  ["Prometheus scrapes the exporter", "admitted", "Prometheus", `${PG} replica`, 9187],
  ["another pod of the monitoring namespace does not", "refused", "Grafana (monitoring namespace)", `${PG} replica`, 9187],
  ["a pod of another namespace does not", "refused", "other namespace (labelled)", `${PG} replica`, 9187],
  ["an app pod of the stack's namespace does not", "refused", "app (labelled client)", `${PG} replica`, 9187],
  // Spilo's way out: DNS, the API server (Patroni's DCS), S3/STS/KMS on 443 only.
  ["a Spilo pod resolves names (UDP)", "admitted", `${PG} leader`, "CoreDNS", 53, "UDP"],
  ["a Spilo pod resolves names (TCP)", "admitted", `${PG} leader`, "CoreDNS", 53, "TCP"],
  ["a Spilo pod reaches the API server", "admitted", `${PG} leader`, API_SERVER, 443],
  ["a Spilo pod reaches S3 on 443", "admitted", `${PG} leader`, S3, 443],
  ["a Spilo pod reaches no public address on 80", "refused", `${PG} leader`, S3, 80],
  ["a Spilo pod opens no other port to the internet", "refused", `${PG} leader`, INTERNET, 22],
  ["a Spilo pod does not reach the app pods", "refused", `${PG} leader`, "app (unlabelled)", 8080],
  // The DR standby's stream, through the load balancer that keeps the client address.
  ["the DR peer CIDR reaches the leader on 5432", "admitted", DR_PEER, `${PG} leader`, 5432],
  ["the DR peer CIDR does not reach a replica", "refused", DR_PEER, `${PG} replica`, 5432],
  ["the DR peer CIDR does not reach Patroni", "refused", DR_PEER, `${PG} leader`, 8008],
  ["an address outside the peer CIDRs does not reach the leader", "refused", NOT_A_PEER, `${PG} leader`, 5432],
  // The tier's Jobs.
  ["the logical backup reaches the leader", "admitted", `${PG}-logical-backup`, `${PG} leader`, 5432],
  ["the logical backup uploads to S3", "admitted", `${PG}-logical-backup`, S3, 443],
  ["the logical backup does not reach Patroni", "refused", `${PG}-logical-backup`, `${PG} leader`, 8008],
  ["the restore drill downloads from S3", "admitted", `${PG}-restore-drill`, S3, 443],
  ["the restore drill does not reach the production cluster", "refused", `${PG}-restore-drill`, `${PG} leader`, 5432],
  ["the configure Job reaches Patroni", "admitted", `${PG}-configure`, `${PG} replica`, 8008],
  ["the configure Job reaches PostgreSQL", "admitted", `${PG}-configure`, `${PG} leader`, 5432],
  ["the configure Job reaches nothing outside", "refused", `${PG}-configure`, S3, 443],
  // The operator's namespace.
  ["the operator reaches PostgreSQL", "admitted", "postgres-operator", `${PG} leader`, 5432],
  ["the operator reaches Patroni", "admitted", "postgres-operator", `${PG} replica`, 8008],
  ["the operator reaches the API server", "admitted", "postgres-operator", API_SERVER, 443],
  ["the operator reaches no AWS API", "refused", "postgres-operator", S3, 443],
  ["nothing reaches the operator", "refused", "app (labelled client)", "postgres-operator", 8080],
  // Redis and the Sentinels: the tier itself and labelled clients of the namespace.
  ["a labelled app pod reaches Redis", "admitted", "app (labelled client)", "agent-redis", 6379],
  ["a labelled app pod reaches the Sentinels", "admitted", "app (labelled client)", "agent-redis-sentinel", 26379],
  ["an unlabelled pod does not reach Redis", "refused", "app (unlabelled)", "agent-redis", 6379],
  ["a labelled pod of another namespace does not reach Redis", "refused", "other namespace (labelled)", "agent-redis", 6379],
  ["a Redis node replicates from another", "admitted", "agent-redis", "agent-redis", 6379],
  ["a Redis node asks the Sentinels", "admitted", "agent-redis", "agent-redis-sentinel", 26379],
  ["a Sentinel monitors Redis", "admitted", "agent-redis-sentinel", "agent-redis", 6379],
  ["Redis reaches nothing outside", "refused", "agent-redis", S3, 443],
  ["a Redis pod does not reach PostgreSQL", "refused", "agent-redis", `${PG} leader`, 5432],
];

const DR_FLOWS: Row[] = [
  ["the DR standby's leader dials the primary's load balancer", "admitted", `${PG}-dr leader`, PRIMARY_NLB, 5432],
  ["the DR standby does not dial public space on 5432", "refused", `${PG}-dr leader`, INTERNET, 5432],
  ["the DR standby replays the archive from S3", "admitted", `${PG}-dr leader`, S3, 443],
  ["a DR replica streams from the standby leader", "admitted", `${PG}-dr replica`, `${PG}-dr leader`, 5432],
  ["a labelled app pod of the DR region reaches its pooler", "admitted", "app (labelled client)", `${PG}-dr pooler`, 5432],
  ["a labelled app pod of the DR region can not bypass its pooler", "refused", "app (labelled client)", `${PG}-dr leader`, 5432],
];

const CONTROLLER_FLOWS: Row[] = [
  ["the controller asks Patroni on the DR standby", "admitted", "agent-dr-failover-controller", `${PG}-dr leader`, 8008],
  ["the controller does not open PostgreSQL", "refused", "agent-dr-failover-controller", `${PG}-dr leader`, 5432],
  ["the controller reaches the API server", "admitted", "agent-dr-failover-controller", API_SERVER, 6443],
  ["the controller reaches Route53 on 443", "admitted", "agent-dr-failover-controller", INTERNET, 443],
  ["the controller reaches the DR Sentinels", "admitted", "agent-dr-failover-controller", "agent-redis-sentinel", 26379],
  ["the controller reaches the DR Redis nodes", "admitted", "agent-dr-failover-controller", "agent-redis", 6379],
  ["nothing reaches the controller", "refused", "app (labelled client)", "agent-dr-failover-controller", 8080],
];

const STG = "agent-pg-staging";
const STAGING_FLOWS: Row[] = [
  ["a labelled app pod reaches the pooler", "admitted", "app (labelled client)", `${STG} pooler`, 5432],
  ["a labelled app pod can not bypass the pooler", "refused", "app (labelled client)", `${STG} leader`, 5432],
  ["other namespace -> exporter", "refused", "other namespace (labelled)", `${STG} leader`, 9187],
  ["monitoring namespace (Prometheus) -> exporter", "admitted", "Prometheus", `${STG} leader`, 9187],
  ["a Spilo pod -> 0.0.0.0/0 on 443", "admitted", `${STG} leader`, S3, 443],
  ["a Spilo pod -> 0.0.0.0/0 on 80", "refused", `${STG} leader`, S3, 80],
  ["no DR peer: no address reaches the leader's 5432", "refused", DR_PEER, `${STG} leader`, 5432],
  ["the DR test switchover asks Patroni", "admitted", "dr-test-postgres-switchover", `${STG} leader`, 8008],
  ["the DR tests do not open PostgreSQL", "refused", "dr-test-backup-restore", `${STG} leader`, 5432],
  ["the DR tests reach the API server", "admitted", "dr-test-dump-restore", API_SERVER, 443],
  ["the Sentinel failover test reaches the Sentinels", "admitted", "dr-test-sentinel-failover", "agent-redis-sentinel", 26379],
  ["the Sentinel failover test writes through Redis", "admitted", "dr-test-sentinel-failover", "agent-redis", 6379],
  // The Redis primary kill: each Sentinel by pod IP, the servers' ROLE/INFO and the write probe, the pod delete through the API server.
  ["the Redis primary kill asks each Sentinel", "admitted", "dr-test-redis-primary-kill", "agent-redis-sentinel", 26379],
  ["the Redis primary kill asks the Redis servers and writes through them", "admitted", "dr-test-redis-primary-kill", "agent-redis", 6379],
  ["the Redis primary kill deletes the pod through the API server", "admitted", "dr-test-redis-primary-kill", API_SERVER, 443],
  ["the Redis primary kill does not open PostgreSQL", "refused", "dr-test-redis-primary-kill", `${STG} leader`, 5432],
  ["the Redis primary kill opens nothing else to the internet", "refused", "dr-test-redis-primary-kill", INTERNET, 22],
  ["the restore drill (the Job the dump-restore test starts) reaches only S3", "refused", `${STG}-restore-drill`, `${STG} leader`, 5432],
  // The recovery probe (on by default in staging): writes where the agents write, reports to S3, scraped by Prometheus only.
  ["the probe writes through the pooler", "admitted", "agent-dr-recovery-probe", `${STG} pooler`, 5432],
  ["the probe can not bypass the pooler", "refused", "agent-dr-recovery-probe", `${STG} leader`, 5432],
  ["the probe finds the primary through the Sentinels", "admitted", "agent-dr-recovery-probe", "agent-redis-sentinel", 26379],
  ["the probe writes to the Redis primary", "admitted", "agent-dr-recovery-probe", "agent-redis", 6379],
  ["the probe puts its reports to S3 on 443", "admitted", "agent-dr-recovery-probe", S3, 443],
  ["the probe opens nothing else to the internet", "refused", "agent-dr-recovery-probe", INTERNET, 22],
  ["the probe does not reach the app pods", "refused", "agent-dr-recovery-probe", "app (unlabelled)", 8080],
  ["Prometheus scrapes the probe", "admitted", "Prometheus", "agent-dr-recovery-probe", 9464],
  ["another pod of the monitoring namespace does not", "refused", "Grafana (monitoring namespace)", "agent-dr-recovery-probe", 9464],
  ["an app pod does not reach the probe", "refused", "app (labelled client)", "agent-dr-recovery-probe", 9464],
];

describe("prod, primary region's cluster", () => {
  let r: Region;
  beforeAll(() => (r = region(stacks.prod, "primary", "10.10")));
  test.each(PRIMARY_FLOWS)("%s: %s", (...row) => check(r, row as Row));
});

describe("prod, DR region's cluster", () => {
  let r: Region;
  beforeAll(() => (r = region(stacks.prod, "dr", "10.20")));
  test.each(DR_FLOWS)("%s: %s", (...row) => check(r, row as Row));
});

describe("prod with the failover controller (DR region's cluster)", () => {
  let r: Region;
  beforeAll(() => (r = region(stacks.prodController, "dr", "10.20")));
  test.each(CONTROLLER_FLOWS)("%s: %s", (...row) => check(r, row as Row));
});

describe("staging", () => {
  let r: Region;
  beforeAll(() => (r = region(stacks.staging, "primary", "10.10")));
  test.each(STAGING_FLOWS)("%s: %s", (...row) => check(r, row as Row));
});

describe.each(["prod", "staging"])("%s: every namespace the stack owns", (stack) => {
  test("has a default deny of ingress and egress, and every NetworkPolicy and Service is valid against the Kubernetes schemas", () => {
    const resources = stacks[stack];
    for (const provider of stack === "prod" ? (["primary", "dr"] as const) : (["primary"] as const)) {
      const r = region(resources, provider, "10.10");
      const owned = [NS, ...(r.objects.some((o) => o.type === "kubernetes:helm.sh/v3:Release") ? [OPERATOR_NS] : [])];
      for (const ns of owned) {
        const deny = r.policies.filter((p) => p.metadata.namespace === ns && Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress);
        expect({ ns, deny: deny.map((p) => p.spec.policyTypes) }).toEqual({ ns, deny: [["Ingress", "Egress"]] });
      }
    }
    const checked = resources.filter((x) => ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "kubernetes:core/v1:Service"].includes(x.type));
    expect(checked.length).toBeGreaterThan(10);
    expect(validateK8sObjects(checked)).toEqual([]);
  });
});

test("prod's replication load balancer takes the DR peer CIDRs only, and keeps the client address for the NetworkPolicy", () => {
  const svc = stacks.prod.find((r) => r.type === "kubernetes:core/v1:Service" && r.inputs.metadata?.name === `${PG}-replication`)!;
  expect(svc.inputs.spec).toMatchObject({ type: "LoadBalancer", loadBalancerSourceRanges: ["10.20.0.0/16"], externalTrafficPolicy: "Local" });
  expect(svc.inputs.metadata.annotations).toMatchObject({ "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal", "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "instance" });
});
