/**
 * The pack config as the CLI reconciles it (offline/violations.ts): schema defaults, "all", levels
 * and properties per policy, clear errors; and the whole-pack evaluation honouring them.
 */
import { evaluatePack, reconcilePackConfig } from "../../offline/violations";
import type { CapturedResource } from "../../offline/capture";
import { policies } from "../../policies/pack";
import { parsePlanning } from "../../dr/targets/planning";

describe("reconcilePackConfig", () => {
  it("fills schema defaults and keeps each policy's own level without config", () => {
    const c = reconcilePackConfig(policies, {});
    expect(c["backup-cronjob"]).toEqual({ enforcementLevel: "mandatory", properties: { logicalBackupRpoSeconds: 86400 } });
    expect(c["recovery-targets"].properties.scenarios).toEqual(["instance-loss", "zone-loss", "region-loss", "logical-corruption", "credential-compromise", "llm-provider-outage"]);
    expect(c["failover-health-check"]).toEqual({ enforcementLevel: "mandatory", properties: {} });
  });
  it("applies all, then the policy's entry (a level or an object)", () => {
    const c = reconcilePackConfig(policies, { all: "advisory", "patroni-timing": "disabled", "backup-cronjob": { enforcementLevel: "mandatory", logicalBackupRpoSeconds: 3600 } });
    expect(c["bucket-protection"].enforcementLevel).toBe("advisory");
    expect(c["patroni-timing"].enforcementLevel).toBe("disabled");
    expect(c["backup-cronjob"]).toEqual({ enforcementLevel: "mandatory", properties: { logicalBackupRpoSeconds: 3600 } });
  });
  it("refuses an unknown policy, an unknown level and a property against the schema, naming them", () => {
    expect(() => reconcilePackConfig(policies, { "recovery-target": "advisory" })).toThrow(/unknown policy "recovery-target"/);
    expect(() => reconcilePackConfig(policies, { "bucket-protection": "strict" })).toThrow(/bucket-protection is "strict"; expected one of advisory, mandatory, remediate, disabled/);
    expect(() => reconcilePackConfig(policies, { "recovery-targets": { scenarios: ["meteor"] } })).toThrow(/recovery-targets\.scenarios\.0: must be equal to one of the allowed values/);
    expect(() => reconcilePackConfig(policies, { "backup-cronjob": { logicalBackupRpoSeconds: -1 } })).toThrow(/backup-cronjob\.logicalBackupRpoSeconds/);
  });
});

describe("evaluatePack", () => {
  const record = (healthCheckId?: string): CapturedResource => ({
    type: "aws:route53/record:Record",
    name: "api-primary",
    urn: "urn:pulumi:prod::agent-dr::aws:route53/record:Record::api-primary",
    custom: true,
    secretInputs: [],
    inputs: { name: "api.example.com", failoverRoutingPolicies: [{ type: "PRIMARY" }], ...(healthCheckId ? { healthCheckId } : {}) },
  } as CapturedResource);
  it("reports a resource policy's violation with its level and the resource", async () => {
    const v = await evaluatePack("prod", [record()], {});
    expect(v).toEqual([{ policy: "failover-health-check", level: "mandatory", resource: record().urn, message: expect.stringMatching(/has no healthCheckId/) }]);
    expect(await evaluatePack("prod", [record("hc")], {})).toEqual([]);
  });
  it("takes levels from the config: advisory reports as advisory, disabled does not run", async () => {
    expect((await evaluatePack("prod", [record()], { "failover-health-check": "advisory" }))[0].level).toBe("advisory");
    expect(await evaluatePack("prod", [record()], { "failover-health-check": "disabled" })).toEqual([]);
  });
  it("reports a policy that throws as a mandatory violation naming it (the CLI would fail the preview)", async () => {
    const cr = { ...record(), type: "kubernetes:acid.zalan.do/v1:postgresql", inputs: { metadata: { annotations: { "agent-dr/recovery-targets": "[{" } } } } as CapturedResource;
    const v = await evaluatePack("prod", [cr], { all: "disabled", "recovery-targets": "mandatory" });
    expect(v).toEqual([{ policy: "recovery-targets", level: "mandatory", resource: "urn:pulumi:prod::agent-dr::pulumi:pulumi:Stack::agent-dr-prod", message: expect.stringMatching(/policy failed to run.*not valid targets JSON/) }]);
  });
});

it("parsePlanning names the annotation on bad input", () => {
  expect(() => parsePlanning("{")).toThrow(/annotation agent-dr\/planning: expected JSON/);
  expect(() => parsePlanning("{}")).toThrow(/annotation agent-dr\/planning: missing "environment"/);
});

describe("the pack's budget is the plan's budget", () => {
  // The plan computes the budget from stack config + resources; the pack only sees resources (the
  // targets and planning annotations). Same rows, or one of them is reading something the other is not.
  it.each(["staging", "prod"])("%s: recovery-targets computes the same rows from the resources alone", async (stack) => {
    const { planStack } = require("../harness/offline") as typeof import("../harness/offline");
    const { checkRecoveryTargets } = require("../../policies/rules/recovery-targets") as typeof import("../../policies/rules/recovery-targets");
    const plan = await planStack(stack);
    const resources = plan.resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs as Record<string, any> }));
    const rows = checkRecoveryTargets(resources, { scenarios: ["instance-loss", "zone-loss", "region-loss", "logical-corruption"] }, () => undefined);
    const fin = (n: number) => (Number.isFinite(n) ? n : null);
    const packRows = rows.map((r) => `${r.dataClass}/${r.scenario} ${fin(r.predicted.rpoSeconds)} ${fin(r.predicted.rtoSeconds)} ${r.ok}`).sort();
    const planRows = plan.budget.map((b) => `${b.dataClass}/${b.scenario} ${b.predicted.rpoSeconds} ${b.predicted.rtoSeconds} ${b.ok}`).sort();
    expect(packRows).toEqual(planRows);
    // 5 data classes x 5 data scenarios, and agent_responses x llm-provider-outage.
    expect(planRows).toHaveLength(26);
  }, 120_000);
});
