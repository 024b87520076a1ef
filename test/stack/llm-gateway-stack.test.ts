/**
 * The LLM gateway in the whole program under mocks: one per region the agent API runs in, every
 * object valid for Kubernetes 1.33, the chain with its keys only in Secrets (as Pulumi secrets),
 * the hardening and network shape the stack applies elsewhere, the budget row read back from the
 * resources (the llm-gateway-chain policy's plans are in test/policies/rules/llm-gateway-chain.test.ts).
 */
import { CONFIG_HEADER } from "../../components/llm-gateway/render/names";
import { byType, childrenOf, componentsUnderMocks, runStack } from "../harness/offline";
import { validateK8sObjects } from "../harness/k8s-validate";

const COMPONENT = "agent-dr:llm-gateway:LlmGateway";


describe.each(["staging", "prod"])("the LLM gateway of %s under mocks", (stack) => {
  const mocked = componentsUnderMocks(stack, COMPONENT);

  it("runs in every region the agent API runs in", () => {
    expect(mocked.run.error).toBeUndefined();
    const regions = mocked.components.map((g) => byType(childrenOf(mocked.run.resources, g), "kubernetes:apps/v1:Deployment")[0].inputs.metadata.labels["agent-dr/region"]);
    expect(regions.sort()).toEqual(stack === "prod" ? ["us-east-1", "us-west-2"] : ["us-east-1"]);
  });

  it("declares only objects valid for Kubernetes 1.33", () => {
    for (const g of mocked.components) expect(validateK8sObjects(childrenOf(mocked.run.resources, g))).toEqual([]);
  });

  it("keeps the chain and its keys in Secrets, as Pulumi secrets, and nowhere else", () => {
    for (const g of mocked.components) {
      const rs = childrenOf(mocked.run.resources, g);
      const secrets = byType(rs, "kubernetes:core/v1:Secret");
      expect(secrets.map((s) => s.inputs.metadata.name).sort()).toEqual(["llm-gateway-handoff", "llm-gateway-route"]);
      for (const s of secrets) expect(s.secretInputs).toContain("stringData");
      const route = secrets.find((s) => s.inputs.metadata.name === "llm-gateway-route")!;
      const chain = JSON.parse(route.inputs.stringData[CONFIG_HEADER]);
      expect(chain.targets.map((t: any) => t.custom_host)).toEqual(["https://api.openai.com/v1", "https://api.mistral.ai/v1", "http://localhost:8790/v1"]);
      const keys: string[] = chain.targets.slice(0, 2).map((t: any) => t.api_key);
      // Offline the placeholders stay encrypted markers; what matters is where they go.
      const elsewhere = rs.filter((r) => r.type !== "kubernetes:core/v1:Secret").map((r) => JSON.stringify(r.inputs));
      for (const k of keys) for (const text of elsewhere) expect(text).not.toContain(k);
      for (const text of elsewhere) expect(text).not.toContain("support");
    }
  });

  it("runs hardened: two pods spread over zones, probes, a disruption budget, egress on 443 only", () => {
    for (const g of mocked.components) {
      const rs = childrenOf(mocked.run.resources, g);
      const d = byType(rs, "kubernetes:apps/v1:Deployment")[0].inputs.spec;
      expect(d.replicas).toBeGreaterThanOrEqual(2);
      expect(d.template.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" });
      for (const c of d.template.spec.containers) {
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
      }
      expect(d.template.spec.containers.map((c: any) => c.image)).toEqual(["docker.io/portkeyai/gateway:1.15.2", expect.stringMatching(/^docker\.io\/library\/node:22/), expect.stringMatching(/^docker\.io\/library\/node:22/)]);
      expect(byType(rs, "kubernetes:policy/v1:PodDisruptionBudget")[0].inputs.spec.maxUnavailable).toBe(1);
      const [gw] = byType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((n) => n.inputs.metadata.name === "llm-gateway");
      expect(gw.inputs.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] }]);
    }
  });

  it("puts the meter in front of Portkey: the Service's port is the meter's, Prometheus reaches only its metrics port, the chain's names reach it as env", () => {
    for (const g of mocked.components) {
      const rs = childrenOf(mocked.run.resources, g);
      const pod = byType(rs, "kubernetes:apps/v1:Deployment")[0].inputs.spec.template;
      const byName = Object.fromEntries(pod.spec.containers.map((c: any) => [c.name, c]));
      expect(Object.keys(byName)).toEqual(["gateway", "meter", "degraded"]);
      // The Service's targetPort names a port of the meter container, the one the meter listens on.
      const svc = byType(rs, "kubernetes:core/v1:Service")[0].inputs.spec;
      expect(svc.ports).toEqual([{ name: "http", port: 8787, targetPort: "http" }]);
      const owner = pod.spec.containers.filter((c: any) => c.ports.some((p: any) => p.name === svc.ports[0].targetPort));
      expect(owner.map((c: any) => c.name)).toEqual(["meter"]);
      const env = Object.fromEntries(byName.meter.env.map((e: any) => [e.name, e.value]));
      expect(env).toEqual({
        PORT: "8787",
        HOST: "0.0.0.0",
        UPSTREAM_URL: "http://127.0.0.1:8789",
        METRICS_PORT: "8791",
        TARGETS: "openai,mistral,degraded",
        FAILOVER_STATUS_CODES: "408,429,500,502,503,504",
        LATENCY_BUCKETS: "0.05,0.1,0.25,0.5,1,2.5,5,11,22,27,30,60",
        RELAY_METRICS_URL: "http://127.0.0.1:8790/metrics",
      });
      expect(byName.gateway.command).toContain("--port=8789");
      expect(byName.gateway.ports).toEqual([{ name: "portkey", containerPort: 8789 }]);
      expect(byName.meter.readinessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
      // Scraped through prometheus.io annotations (no Prometheus operator in these stacks), on the meter's metrics port.
      expect(pod.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": "8791", "prometheus.io/path": "/metrics" });
      const meterCm = byType(rs, "kubernetes:core/v1:ConfigMap").find((c) => c.inputs.metadata.name === "llm-gateway-meter")!;
      expect(meterCm.inputs.data["gateway-meter.mjs"]).toMatch(/x-portkey-last-used-option-index/);
      expect(pod.spec.volumes.find((v: any) => v.name === "meter").configMap.name).toBe("llm-gateway-meter");
      const [gw] = byType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((n) => n.inputs.metadata.name === "llm-gateway");
      const ingressPorts = gw.inputs.spec.ingress.map((r: any) => r.ports.map((p: any) => p.port));
      expect(ingressPorts).toEqual([[8787], [8791]]);
      expect(gw.inputs.spec.ingress[1].from[0].namespaceSelector).toBeDefined();
    }
  });
});

describe("the monthly LLM outage test (DR test schedule)", () => {
  test.each(["staging", "prod"])("%s: a CronJob in the primary region where the DR tests run by default (staging), none in prod", async (stack) => {
    const run = await runStack(stack);
    const jobs = byType(run.resources, "kubernetes:batch/v1:CronJob").filter((j) => j.inputs.metadata?.labels?.["agent-dr/dr-schedule"] === "llm-outage-test");
    if (stack === "prod") return expect(jobs).toEqual([]);
    expect(jobs).toHaveLength(1);
    const spec = jobs[0].inputs.spec;
    expect(spec.schedule).toBe("0 5 8 * *");
    expect(spec.jobTemplate.spec.backoffLimit).toBe(0);
    const pod = spec.jobTemplate.spec.template;
    // An LLM client (the gateway's NetworkPolicy admits it), with the route Secret and the bounds from the budget.
    expect(pod.metadata.labels["agent-dr/llm-client"]).toBe("true");
    const env = Object.fromEntries(pod.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ GATEWAY_URL: "http://llm-gateway.agent-dr.svc:8787", MAX_STANDBY_SECONDS: "21", MAX_DEGRADED_SECONDS: "37" });
    expect(pod.spec.volumes[0].secret.secretName).toBe("llm-gateway-route");
  }, 60_000);
});

