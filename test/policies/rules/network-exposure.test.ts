import { runResource, type Res } from "../../harness/policy-run";
import { netpol as namespacedNetpol } from "../k8s-fixtures";

describe("network-exposure", () => {
  const netpol = (cidr: string): Res => ({
    type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    name: "db",
    inputs: { metadata: { name: "agent-pg-prod-db" }, spec: { ingress: [{ from: [{ ipBlock: { cidr } }], ports: [{ port: 5432 }] }] } },
  });
  it.each(["10.20.0.0/16", "172.16.0.0/12", "192.168.1.0/24", "100.64.0.0/16", "2600:1f14:abc:de00::/56"])("passes the private peer range %s", async (cidr) => {
    expect((await runResource("network-exposure", netpol(cidr))).messages).toEqual([]);
  });
  it.each(["0.0.0.0/0", "10.0.0.0/7", "172.15.0.0/16", "8.8.8.0/24", "::/0", "2600::/32"])("flags %s", async (cidr) => {
    expect((await runResource("network-exposure", netpol(cidr))).messages).toEqual([expect.stringMatching(new RegExp(`ipBlock ${cidr.replace(/[./]/g, "\\$&")} .* on 5432`))]);
  });
});

describe("network-exposure, egress side", () => {
  const egress = (rule: any) => namespacedNetpol("out", "agent-dr", { podSelector: {}, policyTypes: ["Egress"], egress: [rule] });
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
