import { containsSecret } from "../../offline/capture";
import { byType, planStack, runStack } from "../harness/offline";
import { validateK8sObjects } from "../harness/k8s-validate";

describe.each(["staging", "prod"])("the %s stack under mocks", (stack) => {
  let run: Awaited<ReturnType<typeof runStack>>;
  beforeAll(async () => {
    run = await runStack(stack);
  });

  it("runs without error and registers the platform component", () => {
    expect(run.error).toBeUndefined();
    expect(byType(run.resources, "agent-dr:platform:AgentPlatform")).toHaveLength(1);
  });

  it("creates an explicit Kubernetes provider per region", () => {
    const providers = byType(run.resources, "pulumi:providers:kubernetes");
    expect(providers).toHaveLength(stack === "prod" ? 2 : 1);
    for (const p of providers) expect(p.inputs.namespace).toBe("agent-dr");
  });

  it("gives every resource but the platform a parent", () => {
    const orphans = run.resources.filter((r) => r.type !== "agent-dr:platform:AgentPlatform" && !r.parent);
    expect(orphans.map((r) => `${r.type} ${r.name}`)).toEqual([]);
  });

  it("validates every Kubernetes object against its schema", () => {
    expect(validateK8sObjects(run.resources)).toEqual([]);
  });

  it("exports the derived settings and the regions", () => {
    expect(run.outputs.environment).toBe(stack);
    expect((run.outputs.derivedSettings as any).postgres.archiveTimeoutSeconds).toBe(55);
  });
});

describe("secrets", () => {
  it("passes a kubeconfig from config to the provider as a secret", async () => {
    const run = await runStack("staging", { "agent-dr:clusters": { primary: { kubeconfig: "apiVersion: v1\nkind: Config\n", context: null } } });
    expect(run.error).toBeUndefined();
    const provider = byType(run.resources, "pulumi:providers:kubernetes")[0];
    expect(provider.inputs.kubeconfig).toContain("kind: Config");
    expect(provider.secretInputs).toContain("kubeconfig");
  });
});

describe("invalid config", () => {
  it("stops the program before any resource is created", async () => {
    const run = await runStack("prod", { "agent-dr:redis": { overrides: { appendonly: "no" } } });
    expect(run.error?.message).toMatch(/agent-dr:redis\.overrides\.appendonly: got "no"; expected a boolean/);
    expect(run.resources).toEqual([]);
  });
});

describe("the offline plan", () => {
  it("reports the budget for every data class and scenario of prod", async () => {
    const p = await planStack("prod");
    // 5 data classes x 5 data scenarios, and agent_responses x llm-provider-outage (the gateway's only scenario).
    expect(p.budget).toHaveLength(5 * 5 + 1);
    for (const b of p.budget) {
      expect(Object.keys(b)).toEqual(expect.arrayContaining(["dataClass", "scenario", "target", "predicted", "ok", "limitedBy"]));
    }
    expect(p.resources.some((r) => r.type === "pulumi:providers:kubernetes")).toBe(true);
  });
});

// Guard the helper that the secret checks rely on.
test("containsSecret finds a nested envelope", () => {
  expect(containsSecret({ a: [{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "x" }] })).toBe(true);
  expect(containsSecret({ a: "x" })).toBe(false);
});
