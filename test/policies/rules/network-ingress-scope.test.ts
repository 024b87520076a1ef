import { NETWORK_DEFAULTS } from "../../../dr/targets/network";
import { renderNamespaceBaseline } from "../../../components/network/render";
import { renderClientNetworkPolicy, renderDatabaseNetworkPolicy, renderJobNetworkPolicies, renderOperatorNetworkPolicy, renderPoolerNetworkPolicy, renderReplicationNetworkPolicy, renderSpiloNetworkPolicy } from "../../../components/postgres/render/network";
import { networkPolicySpecs } from "../../../components/redis/render/network";
import { redisNames } from "../../../contract/redis";
import { runResource } from "../../harness/policy-run";
import { netpol, namespace, netInput, pg } from "../k8s-fixtures";

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
