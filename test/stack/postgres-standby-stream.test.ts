import { parseStackConfig } from "../../dr/targets";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile } from "../../offline/stack-files";
import { observeSettings } from "../../policies/observe";
import { computeBudget } from "../../dr/budget";
import { runStack, stackFileWith } from "../harness/offline";

/** The standby's stream is credited only when the primary's NetworkPolicy admits the DR peers. */
describe("cross-region stream of the DR standby", () => {
  let run: Awaited<ReturnType<typeof runStack>>;
  const config = parseStackConfig(rawConfigOf(readStackFile(stackFileWith("prod"))), "prod");
  beforeAll(async () => {
    run = await runStack("prod");
  });

  it("admits the configured peer CIDRs on 5432 of the primary cluster (its replication policy, on the leader)", () => {
    const np = run.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.inputs.metadata?.name === `${config.postgres.clusterName}-replication`);
    expect(np).toBeDefined();
    const peers = np!.inputs.spec.ingress.filter((rule: any) => rule.from.some((f: any) => f.ipBlock));
    expect(peers).toEqual([{ from: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] }]);
    expect(observeSettings(run.resources, config).postgres!.standby.streaming).toBe(true);
  });

  it("falls back to the replicated archive in the budget when the policy does not admit the stream", () => {
    const blocked = run.resources.map((r) =>
      r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy"
        ? { ...r, inputs: { ...r.inputs, spec: { ...r.inputs.spec, ingress: (r.inputs.spec.ingress ?? []).filter((rule: any) => !(rule.from ?? []).some((f: any) => f.ipBlock)) } } }
        : r,
    );
    const observed = observeSettings(blocked, config);
    expect(observed.postgres!.standby.streaming).toBe(false);
    const row = computeBudget(config.dataClasses, observed).rows.find((r) => r.dataClass === "conversation_history" && r.scenario === "region-loss")!;
    expect(row.ok).toBe(false);
    expect(row.limitedBy).toMatch(/S3 replication with RTC/);
  });
});
