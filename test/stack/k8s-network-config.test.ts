/**
 * The config keys of the cluster's network (agent-dr:network.*, postgres.standby.primaryCidrs):
 * defaults, clear errors naming key, value and what is expected, and their way into the rendered
 * NetworkPolicies; the operator values the hardening relies on, validated against the vendored
 * OperatorConfiguration CRD as the chart renders them.
 */
import { ConfigError, parseStackConfig } from "../../dr/targets";
import { NETWORK_DEFAULTS } from "../../dr/targets/network";
import { deriveSettings } from "../../dr/settings";
import { renderOperatorValues } from "../../components/postgres/render/operator";
import { renderSpiloNetworkPolicy } from "../../components/postgres/render/network";
import { NetworkModel } from "../harness/netpol";
import { byType, runStack } from "../harness/offline";
import { validateK8sObject } from "../harness/k8s-validate";

const base = { regions: { primary: "us-east-1" }, clusters: { primary: { context: "c" } } };
const prodBase = { regions: { primary: "us-east-1", dr: "us-west-2" }, clusters: { primary: { context: "p" }, dr: { context: "d" } } };

function problems(raw: unknown, stack = "staging") {
  try {
    parseStackConfig(raw, stack);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

test("defaults: Prometheus of the monitoring namespace, the API server and the primary's VPC in private space, AWS anywhere on 443", () => {
  const c = parseStackConfig(base, "staging");
  expect(c.network).toEqual(NETWORK_DEFAULTS);
  expect(c.network).toEqual({
    monitoringNamespace: "monitoring",
    monitoringPodLabels: { "app.kubernetes.io/name": "prometheus" },
    apiServerCidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
    awsApiCidrs: ["0.0.0.0/0"],
  });
  expect(c.postgres.standby.primaryCidrs).toEqual(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
  const set = parseStackConfig({ ...base, network: { monitoringNamespace: "observability", monitoringPodLabels: { app: "prom" }, apiServerCidrs: ["10.10.0.0/16"], awsApiCidrs: ["10.10.128.0/20"] } }, "staging");
  expect(set.network).toEqual({ monitoringNamespace: "observability", monitoringPodLabels: { app: "prom" }, apiServerCidrs: ["10.10.0.0/16"], awsApiCidrs: ["10.10.128.0/20"] });
});

test.each([
  ["a CIDR with host bits", { network: { apiServerCidrs: ["10.10.0.1/16"] } }, "agent-dr:network.apiServerCidrs[0]", "10.10.0.1/16", /host bits are set; the network is "10\.10\.0\.0\/16"/],
  ["an empty CIDR list", { network: { awsApiCidrs: [] } }, "agent-dr:network.awsApiCidrs", [], /^expected at least 1 item$/],
  ["an empty Prometheus selector", { network: { monitoringPodLabels: {} } }, "agent-dr:network.monitoringPodLabels", {}, /an empty selector admits every pod of the monitoring namespace/],
  ["a label key Kubernetes refuses", { network: { monitoringPodLabels: { "bad key!": "x" } } }, "agent-dr:network.monitoringPodLabels.bad key!", "x", /^invalid key "bad key!"; expected a Kubernetes label key/],
  ["a namespace that is no Kubernetes name", { network: { monitoringNamespace: "Monitoring" } }, "agent-dr:network.monitoringNamespace", "Monitoring", /expected a Kubernetes name/],
  ["an unknown key", { network: { monitoringNamespaces: "m" } }, "agent-dr:network.monitoringNamespaces", "m", /unknown key; expected one of: monitoringNamespace, monitoringPodLabels, apiServerCidrs, awsApiCidrs/],
  ["a primary CIDR that is no CIDR", { postgres: { standby: { primaryCidrs: ["10.10.0.0"] } } }, "agent-dr:postgres.standby.primaryCidrs[0]", "10.10.0.0", /no "\/prefix-length"/],
])("refused: %s, naming key, value and what is expected", (_what, patch, key, value, expected) => {
  const found = problems({ ...base, ...patch });
  expect(found).toEqual([{ key, value, expected: expect.stringMatching(expected) }]);
});

test("a streaming standby without peer CIDRs is refused before any resource: the replication load balancer would have no source ranges", () => {
  expect(problems({ ...prodBase, postgres: { standby: { peerCidrs: [] } } }, "prod")).toEqual([
    {
      key: "agent-dr:postgres.standby.peerCidrs",
      value: undefined,
      expected: expect.stringMatching(/^expected the DR cluster's pod CIDRs \(e\.g\. \["10\.20\.0\.0\/16"\]\): they become the replication load balancer's loadBalancerSourceRanges \(it is refused without them/),
    },
  ]);
  expect(problems({ ...prodBase, postgres: { standby: { streaming: false } } }, "prod")).toEqual([]);
});

test("the keys reach the rendered policies: with VPC endpoints for the AWS APIs, a Spilo pod reaches them and no longer public space", () => {
  const network = { ...NETWORK_DEFAULTS, awsApiCidrs: ["10.10.128.0/20"], monitoringNamespace: "observability", monitoringPodLabels: { app: "prom" } };
  const np = renderSpiloNetworkPolicy({ clusterName: "c", clientNamespaces: [], operatorNamespace: "postgres-operator", replicationPeerCidrs: [], upstreamCidrs: [], pooler: true, network, labels: {} });
  const m = new NetworkModel([{ metadata: { name: "spilo", namespace: "agent-dr" }, spec: np.spec as any }], [{ name: "agent-dr" }, { name: "observability" }, { name: "monitoring" }]);
  const spilo = { pod: { name: "c-0", namespace: "agent-dr", labels: { application: "spilo", "cluster-name": "c" }, ip: "10.10.1.5" } };
  expect(m.evaluate({ from: spilo, to: { ip: "10.10.130.4" }, port: 443 }).admitted).toBe(true);
  expect(m.evaluate({ from: spilo, to: { ip: "52.216.10.5" }, port: 443 }).admitted).toBe(false);
  const prom = (ns: string) => ({ pod: { name: "p", namespace: ns, labels: { app: "prom" }, ip: "10.10.2.2" } });
  expect(m.evaluate({ from: prom("observability"), to: spilo, port: 9187 }).admitted).toBe(true);
  expect(m.evaluate({ from: prom("monitoring"), to: spilo, port: 9187 }).admitted).toBe(false);
});

test("the whole program takes the keys: prod with network.awsApiCidrs and llm.egressCidrs set renders no 0.0.0.0/0 anywhere", async () => {
  // The model providers are on the internet: without llm.egressCidrs (an egress proxy's range, say) the gateway reaches 0.0.0.0/0 on 443.
  const run = await runStack("prod", { "agent-dr:network": { awsApiCidrs: ["10.10.128.0/20"], apiServerCidrs: ["10.10.0.0/16"] }, "agent-dr:llm": { egressCidrs: ["10.10.200.0/24"] } });
  expect(run.error).toBeUndefined();
  const policies = byType(run.resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
  expect(JSON.stringify(policies.map((p) => p.inputs.spec))).not.toContain("0.0.0.0/0");
  expect(JSON.stringify(policies.map((p) => p.inputs.spec))).toContain("10.10.128.0/20");
  expect(JSON.stringify(policies.map((p) => p.inputs.spec))).toContain("10.10.200.0/24");
}, 60_000);

test("the operator values the hardening relies on are keys of the operator's configuration, as the chart renders them into its OperatorConfiguration", () => {
  const v = renderOperatorValues({ region: "us-east-1", watchedNamespace: "*", settings: deriveSettings(parseStackConfig(base, "staging")).postgres! }) as Record<string, any>;
  expect(v.configKubernetes).toMatchObject({ spilo_runasuser: 101, spilo_runasgroup: 103, spilo_fsgroup: 103, spilo_privileged: false, spilo_allow_privilege_escalation: false });
  // charts/postgres-operator/templates/operatorconfiguration.yaml (v2.0.1): configGeneral at the top, the other sections under their keys.
  const operatorConfiguration = {
    apiVersion: "acid.zalan.do/v1",
    kind: "OperatorConfiguration",
    metadata: { name: "postgres-operator" },
    configuration: {
      ...v.configGeneral,
      kubernetes: { pod_service_account_name: v.podServiceAccount.name, ...v.configKubernetes },
      aws_or_gcp: v.configAwsOrGcp,
      logical_backup: v.configLogicalBackup,
      teams_api: v.configTeamsApi,
      connection_pooler: v.configConnectionPooler,
      patroni: v.configPatroni,
    },
  };
  expect(validateK8sObject({ type: "kubernetes:acid.zalan.do/v1:OperatorConfiguration", name: "postgres-operator", inputs: operatorConfiguration } as any)).toEqual([]);
  // The schema does catch a wrong type on these keys.
  const wrong = structuredClone(operatorConfiguration);
  (wrong.configuration.kubernetes as any).spilo_runasuser = "101";
  expect(validateK8sObject({ type: "kubernetes:acid.zalan.do/v1:OperatorConfiguration", name: "postgres-operator", inputs: wrong } as any).join()).toMatch(/spilo_runasuser must be integer/);
});
