/**
 * The NetworkPolicy evaluator (test/harness/netpol.ts) against the semantics as the Kubernetes
 * documentation writes them, example by example:
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/ (the
 * test-network-policy example, default deny / allow all, the AND and OR of selectors, endPort)
 * and https://kubernetes.io/docs/reference/kubernetes-api/networking-resources/network-policy-v1/
 * (policyTypes defaulting, empty rule lists and peer lists, protocol default, named ports).
 */
import { Endpoint, inCidr, NetworkModel, NetworkPolicy, Pod, selectorMatches } from "../harness/netpol";

const pod = (name: string, namespace: string, labels: Record<string, string>, ip: string, ports?: Pod["ports"]): { pod: Pod } => ({ pod: { name, namespace, labels, ip, ...(ports ? { ports } : {}) } });
const ip = (a: string): Endpoint => ({ ip: a });
const np = (namespace: string, name: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({ metadata: { name, namespace }, spec });

const db = pod("db", "default", { role: "db" }, "10.1.0.10", [{ name: "redis", containerPort: 6379 }]);
const frontend = pod("fe", "default", { role: "frontend" }, "10.1.0.11");
const frontendElsewhere = pod("fe2", "other", { role: "frontend" }, "10.1.0.12");
const inMyProject = pod("any", "myproject-ns", { app: "x" }, "10.1.0.13");
const stranger = pod("s", "default", { role: "stranger" }, "10.1.0.14");
const namespaces = [{ name: "default" }, { name: "other" }, { name: "myproject-ns", labels: { project: "myproject" } }];

describe("selectors and CIDRs", () => {
  test("matchLabels and matchExpressions all must hold; {} selects every pod; NotIn and DoesNotExist hold for an absent key", () => {
    expect(selectorMatches({}, { a: "1" })).toBe(true);
    expect(selectorMatches({ matchLabels: { a: "1" } }, { a: "1", b: "2" })).toBe(true);
    expect(selectorMatches({ matchLabels: { a: "1" }, matchExpressions: [{ key: "b", operator: "In", values: ["3"] }] }, { a: "1", b: "2" })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "b", operator: "NotIn", values: ["2"] }] }, { a: "1" })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "b", operator: "NotIn", values: ["2"] }] }, { b: "2" })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "b", operator: "Exists" }] }, { b: "" })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "b", operator: "DoesNotExist" }] }, { a: "1" })).toBe(true);
    expect(() => selectorMatches({ matchExpressions: [{ key: "b", operator: "Equals" }] }, {})).toThrow(/operator Equals/);
  });
  test("CIDR membership by address family", () => {
    expect(inCidr("172.17.1.5", "172.17.0.0/16")).toBe(true);
    expect(inCidr("172.18.0.1", "172.17.0.0/16")).toBe(false);
    expect(inCidr("52.216.1.1", "0.0.0.0/0")).toBe(true);
    expect(inCidr("fd00::1", "0.0.0.0/0")).toBe(false);
  });
});

describe("the documentation's test-network-policy example", () => {
  // https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource
  const policy = np("default", "test-network-policy", {
    podSelector: { matchLabels: { role: "db" } },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from: [{ ipBlock: { cidr: "172.17.0.0/16", except: ["172.17.1.0/24"] } }, { namespaceSelector: { matchLabels: { project: "myproject" } } }, { podSelector: { matchLabels: { role: "frontend" } } }],
        ports: [{ protocol: "TCP", port: 6379 }],
      },
    ],
    egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 5978 }] }],
  });
  const m = new NetworkModel([policy], namespaces);
  test.each([
    ["a frontend pod of the policy's namespace on TCP 6379", true, frontend, db, 6379, "TCP"],
    ["a frontend pod of another namespace (podSelector alone is the policy's namespace)", false, frontendElsewhere, db, 6379, "TCP"],
    ["any pod of a namespace labelled project=myproject", true, inMyProject, db, 6379, "TCP"],
    ["an address inside 172.17.0.0/16", true, ip("172.17.2.5"), db, 6379, "TCP"],
    ["an address in the except block 172.17.1.0/24", false, ip("172.17.1.5"), db, 6379, "TCP"],
    ["a frontend pod on another port", false, frontend, db, 6380, "TCP"],
    ["a frontend pod on UDP 6379", false, frontend, db, 6379, "UDP"],
    ["the db pod to 10.0.0.0/24 on TCP 5978", true, db, ip("10.0.0.5"), 5978, "TCP"],
    ["the db pod to 10.0.0.0/24 on another port", false, db, ip("10.0.0.5"), 80, "TCP"],
    ["the db pod to an address outside 10.0.0.0/24", false, db, ip("10.0.1.5"), 5978, "TCP"],
    ["a pod no policy selects, to anywhere (non-isolated for egress)", true, stranger, ip("203.0.113.1"), 443, "TCP"],
  ] as const)("%s: admitted %s", (_what, admitted, from, to, port, protocol) => {
    expect(m.evaluate({ from, to, port, protocol }).admitted).toBe(admitted);
  });
  test("a pod-to-pod flow needs the source's egress and the destination's ingress: the db pod reaching a frontend pod", () => {
    const v = m.evaluate({ from: db, to: frontend, port: 8080 });
    expect(v.egress).toMatchObject({ isolated: true, admitted: false });
    expect(v.ingress).toMatchObject({ isolated: false, admitted: true });
    expect(v.admitted).toBe(false);
  });
});

describe("default policies (the documentation's default deny and allow all)", () => {
  test("default-deny-ingress isolates every pod for ingress only", () => {
    const m = new NetworkModel([np("default", "default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] })], namespaces);
    expect(m.evaluate({ from: frontend, to: db, port: 6379 }).admitted).toBe(false);
    expect(m.evaluate({ from: db, to: ip("203.0.113.1"), port: 443 }).admitted).toBe(true);
  });
  test("allow-all-ingress: one empty rule admits every source and port", () => {
    const m = new NetworkModel([np("default", "default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] }), np("default", "allow-all-ingress", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] })], namespaces);
    expect(m.evaluate({ from: frontendElsewhere, to: db, port: 1 }).admitted).toBe(true);
  });
  test("default-deny-all: both directions, and an empty rule list admits nothing", () => {
    const m = new NetworkModel([np("default", "default-deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] })], namespaces);
    expect(m.evaluate({ from: frontend, to: db, port: 6379 })).toMatchObject({ admitted: false, egress: { isolated: true, admitted: false }, ingress: { isolated: true, admitted: false } });
    expect(m.evaluate({ from: ip("10.9.9.9"), to: db, port: 6379 }).admitted).toBe(false);
    // A namespace's policies do not isolate another namespace's pods.
    expect(m.evaluate({ from: frontendElsewhere, to: ip("203.0.113.1"), port: 443 }).admitted).toBe(true);
  });
  test("policyTypes left out: Ingress always, Egress only when there are egress rules", () => {
    const onlyEgressRules = np("default", "p", { podSelector: { matchLabels: { role: "db" } }, egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] });
    const m = new NetworkModel([onlyEgressRules], namespaces);
    expect(m.evaluate({ from: frontend, to: db, port: 6379 }).admitted).toBe(false);
    expect(m.evaluate({ from: db, to: ip("10.2.3.4"), port: 9 }).admitted).toBe(true);
    expect(m.evaluate({ from: db, to: ip("192.168.0.1"), port: 9 }).admitted).toBe(false);
    const noRules = new NetworkModel([np("default", "q", { podSelector: { matchLabels: { role: "db" } } })], namespaces);
    expect(noRules.evaluate({ from: db, to: ip("192.168.0.1"), port: 9 }).admitted).toBe(true);
    expect(noRules.evaluate({ from: frontend, to: db, port: 6379 }).admitted).toBe(false);
  });
});

describe("peers, ports and unions", () => {
  const alice = { name: "alice-ns", labels: { user: "alice" } };
  const ns = [...namespaces, alice];
  const clientOfAlice = pod("c", "alice-ns", { role: "client" }, "10.1.0.20");
  const otherOfAlice = pod("o", "alice-ns", { role: "other" }, "10.1.0.21");
  const clientOfDefault = pod("c2", "default", { role: "client" }, "10.1.0.22");
  test("one peer with namespaceSelector and podSelector is AND; two peers are OR", () => {
    const and = new NetworkModel([np("default", "and", { podSelector: { matchLabels: { role: "db" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { user: "alice" } }, podSelector: { matchLabels: { role: "client" } } }] }] })], ns);
    expect(and.evaluate({ from: clientOfAlice, to: db, port: 1 }).admitted).toBe(true);
    expect(and.evaluate({ from: otherOfAlice, to: db, port: 1 }).admitted).toBe(false);
    expect(and.evaluate({ from: clientOfDefault, to: db, port: 1 }).admitted).toBe(false);
    const or = new NetworkModel([np("default", "or", { podSelector: { matchLabels: { role: "db" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { user: "alice" } } }, { podSelector: { matchLabels: { role: "client" } } }] }] })], ns);
    expect(or.evaluate({ from: otherOfAlice, to: db, port: 1 }).admitted).toBe(true);
    expect(or.evaluate({ from: clientOfDefault, to: db, port: 1 }).admitted).toBe(true);
    expect(or.evaluate({ from: stranger, to: db, port: 1 }).admitted).toBe(false);
  });
  test("namespaceSelector {} is every namespace; an ipBlock never matches by labels", () => {
    const m = new NetworkModel([np("default", "all-ns", { podSelector: { matchLabels: { role: "db" } }, ingress: [{ from: [{ namespaceSelector: {} }] }] })], ns);
    expect(m.evaluate({ from: otherOfAlice, to: db, port: 1 }).admitted).toBe(true);
    expect(m.evaluate({ from: ip("10.1.0.21"), to: db, port: 1 }).admitted).toBe(false);
  });
  test("endPort: the documentation's 32000-32768 range", () => {
    const m = new NetworkModel([np("default", "multi-port-egress", { podSelector: { matchLabels: { role: "db" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 32000, endPort: 32768 }] }] })], ns);
    expect([31999, 32000, 32500, 32768, 32769].map((p) => m.evaluate({ from: db, to: ip("10.0.0.9"), port: p }).admitted)).toEqual([false, true, true, true, false]);
  });
  test("a named port resolves against the destination pod's container ports; protocol defaults to TCP; a port-less entry is every port of its protocol", () => {
    const m = new NetworkModel([np("default", "named", { podSelector: { matchLabels: { role: "db" } }, ingress: [{ ports: [{ port: "redis" }, { protocol: "UDP" }] }] })], ns);
    expect(m.evaluate({ from: frontend, to: db, port: 6379 }).admitted).toBe(true);
    expect(m.evaluate({ from: frontend, to: db, port: 6380 }).admitted).toBe(false);
    expect(m.evaluate({ from: frontend, to: db, port: 6379, protocol: "UDP" }).admitted).toBe(true);
    expect(m.evaluate({ from: frontend, to: db, port: 53, protocol: "UDP" }).admitted).toBe(true);
  });
  test("policies selecting the same pod add up (the union of their rules), and the verdict names them", () => {
    const m = new NetworkModel(
      [
        np("default", "web", { podSelector: { matchLabels: { role: "db" } }, ingress: [{ ports: [{ port: 80 }] }] }),
        np("default", "tls", { podSelector: { matchLabels: { role: "db" } }, ingress: [{ ports: [{ port: 443 }] }] }),
      ],
      ns,
    );
    expect(m.evaluate({ from: frontend, to: db, port: 80 }).ingress!.admittedBy).toEqual(["default/web"]);
    expect(m.evaluate({ from: frontend, to: db, port: 443 }).ingress!.admittedBy).toEqual(["default/tls"]);
    expect(m.evaluate({ from: frontend, to: db, port: 8080 }).admitted).toBe(false);
  });
  test("ipBlock matches pod addresses too (the cautious reading for proving a refusal)", () => {
    const m = new NetworkModel([np("default", "cidr", { podSelector: { matchLabels: { role: "db" } }, ingress: [{ from: [{ ipBlock: { cidr: "10.1.0.0/16" } }] }] })], ns);
    expect(m.evaluate({ from: frontend, to: db, port: 1 }).admitted).toBe(true);
  });
});
