import { runStackPolicy } from "../../harness/policy-run";
import { DR, netpol, namespace, baseline, operatorRelease } from "../k8s-fixtures";

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
