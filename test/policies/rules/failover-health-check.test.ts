import { runResource, type Res } from "../../harness/policy-run";

describe("failover-health-check", () => {
  const record = (healthCheckId?: string): Res => ({
    type: "aws:route53/record:Record",
    name: "api-primary",
    inputs: { name: "api.example.com", type: "CNAME", ttl: 30, setIdentifier: "primary", failoverRoutingPolicies: [{ type: "PRIMARY" }], records: ["p.example.com"], ...(healthCheckId ? { healthCheckId } : {}) },
  });
  it("passes a PRIMARY record with a health check", async () => {
    expect((await runResource("failover-health-check", record("hc-1"))).messages).toEqual([]);
  });
  it("flags a PRIMARY record without one", async () => {
    expect((await runResource("failover-health-check", record())).messages).toEqual([expect.stringMatching(/PRIMARY failover record api.example.com has no healthCheckId/)]);
  });
  it("ignores SECONDARY records", async () => {
    const r = record();
    r.inputs.failoverRoutingPolicies = [{ type: "SECONDARY" }];
    expect((await runResource("failover-health-check", r)).messages).toEqual([]);
  });
});
