import * as path from "path";
import * as os from "os";
import * as fs from "fs";
/**
 * The Redis tier in the whole program under mocks (staging and prod): objects, schema validation,
 * secrets, the ConfigMap the policy pack reads, the real servers on the deployed text, and the
 * budget read back from the resources. Wall time about 10-20 s.
 */
import { spawnSync } from "child_process";
import type { CapturedResource } from "../../offline/capture";
import { checkConfWithServer } from "../../testbed/redis/conf-check";
import { deriveSettings } from "../../dr/settings";
import { parseStackConfig, parseTargets, TARGETS_ANNOTATION } from "../../dr/targets";
import { observeRedis } from "../../policies/observe/redis";
import { byType, childrenOf, componentsUnderMocks, planStack, runStack } from "../harness/offline";
import { validateK8sObjects } from "../harness/k8s-validate";
import { REDIS_SCRIPTS } from "../../components/redis/scripts";

const COMPONENT = "agent-dr:redis:RedisSentinel";

const role = (rs: CapturedResource[], podRole: string) =>
  byType(rs, "kubernetes:apps/v1:StatefulSet").find((r) => r.inputs.spec.selector.matchLabels["agent-dr/redis-role"] === podRole)!;

describe.each(["staging", "prod"])("the Redis tier of %s under mocks", (stack) => {
  const mocked = componentsUnderMocks(stack, COMPONENT);

  it("runs one set in the primary region, and one in the DR region for prod", () => {
    expect(mocked.run.error).toBeUndefined();
    expect(mocked.components).toHaveLength(stack === "prod" ? 2 : 1);
    const roles = mocked.components.map((c) => byType(childrenOf(mocked.run.resources, c), "kubernetes:core/v1:ConfigMap")[0].inputs.metadata.labels["agent-dr/region-role"]);
    expect(roles.sort()).toEqual(stack === "prod" ? ["dr", "primary"] : ["primary"]);
    const out = mocked.run.outputs.redis as any;
    expect(out.masterName).toBe("agent-redis");
    expect(out.sentinels).toHaveLength(3);
    expect(out.sentinelService).toBe("agent-redis-sentinel.agent-dr.svc.cluster.local:26379");
    expect(out.secretName).toBe("agent-redis-auth");
    expect(out.drSentinels === undefined).toBe(stack !== "prod");
  });

  it("every object of the tier validates against kubernetes-models, and the tier holds what the issue asks", () => {
    for (const set of mocked.components) {
      const rs = childrenOf(mocked.run.resources, set);
      expect(validateK8sObjects(rs)).toEqual([]);
      expect(byType(rs, "kubernetes:apps/v1:StatefulSet")).toHaveLength(2);
      expect(byType(rs, "kubernetes:core/v1:Service")).toHaveLength(3);
      // The nodes, the Sentinels, and the egress of labelled clients of the namespace.
      expect(byType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy")).toHaveLength(3);
      expect(byType(rs, "kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(2);
      expect(byType(rs, "random:index/randomPassword:RandomPassword")).toHaveLength(2);
      // Children use the region's provider.
      for (const r of rs.filter((x) => x.type.startsWith("kubernetes:"))) expect(r.provider).toMatch(/pulumi:providers:kubernetes/);
    }
  });

  it("runs 3 Redis pods and 3 Sentinels from the pinned official image, spread over zones, non-root, with limits and volumes", () => {
    const rs = childrenOf(mocked.run.resources, mocked.components[0]);
    const redis = role(rs, "redis");
    const sentinel = role(rs, "sentinel");
    expect(redis.inputs.spec.replicas).toBe(3);
    expect(sentinel.inputs.spec.replicas).toBe(3);
    for (const sts of [redis, sentinel]) {
      const pod = sts.inputs.spec.template.spec;
      const c = pod.containers[0];
      expect(c.image).toMatch(/^docker\.io\/library\/redis:\d+\.\d+\.\d+(-[a-z]+)?$/);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
      expect(c.resources.requests.memory).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
      expect(pod.topologySpreadConstraints).toContainEqual(expect.objectContaining({ topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" }));
      expect(sts.inputs.spec.volumeClaimTemplates[0].metadata.name).toBe("data");
      expect(sts.inputs.spec.template.metadata.annotations["agent-dr/config-sha256"]).toMatch(/^[0-9a-f]{64}$/);
    }
    const headless = byType(rs, "kubernetes:core/v1:Service").filter((s) => s.inputs.spec.clusterIP === "None");
    expect(headless.map((s) => s.inputs.metadata.name).sort()).toEqual(["agent-redis-headless", "agent-redis-sentinel-headless"]);
    for (const s of headless) expect(s.inputs.spec.publishNotReadyAddresses).toBe(true);
    expect(redis.inputs.spec.serviceName).toBe("agent-redis-headless");
    expect(redis.inputs.spec.template.spec.containers[0].lifecycle.preStop.exec.command).toEqual(["sh", "/etc/redis-source/pre-stop.sh"]);
    const env = Object.fromEntries(redis.inputs.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.ANNOUNCE_HOST).toBe("$(POD_NAME).agent-redis-headless.agent-dr.svc.cluster.local");
    expect(env.SENTINELS.split(",")).toEqual([0, 1, 2].map((j) => `agent-redis-sentinel-${j}.agent-redis-sentinel-headless.agent-dr.svc.cluster.local:26379`));
    const pdbs = byType(rs, "kubernetes:policy/v1:PodDisruptionBudget").map((p) => p.inputs.spec);
    expect(pdbs).toContainEqual(expect.objectContaining({ maxUnavailable: 1 }));
    expect(pdbs).toContainEqual(expect.objectContaining({ minAvailable: 2 }));
  });

  it("keeps the passwords in a Secret (as Pulumi secrets), never in the ConfigMap", () => {
    for (const set of mocked.components) {
      const rs = childrenOf(mocked.run.resources, set);
      const secret = byType(rs, "kubernetes:core/v1:Secret")[0];
      expect(secret.secretInputs).toContain("stringData");
      const passwords: string[] = Object.values(secret.inputs.stringData);
      expect(passwords).toHaveLength(2);
      const cm = byType(rs, "kubernetes:core/v1:ConfigMap")[0];
      const text = JSON.stringify(cm.inputs);
      for (const p of passwords) {
        expect(p.length).toBeGreaterThan(0);
        expect(text).not.toContain(p);
      }
      expect(cm.inputs.data["redis.conf"]).not.toMatch(/^(requirepass|masterauth)/m);
      expect(cm.inputs.data["sentinel.conf"]).not.toMatch(/auth-pass|requirepass/);
    }
  });

  it("labels the ConfigMap for the policy pack and annotates the targets of the Redis classes", () => {
    const cm = byType(childrenOf(mocked.run.resources, mocked.components[0]), "kubernetes:core/v1:ConfigMap")[0];
    expect(cm.inputs.metadata.labels["agent-dr/config"]).toBe("redis");
    const classes = parseTargets(cm.inputs.metadata.annotations[TARGETS_ANNOTATION]);
    expect(classes.map((c) => c.name)).toEqual(["session_state"]);
    expect(classes[0].targets["instance-loss"]).toEqual({ rpoSeconds: 15, rtoSeconds: 120 });
  });

  it("ships configs the real redis-server and redis-sentinel accept, and shellcheck-clean scripts", () => {
    const data = byType(childrenOf(mocked.run.resources, mocked.components[0]), "kubernetes:core/v1:ConfigMap")[0].inputs.data;
    expect(checkConfWithServer(data["redis.conf"], "redis").error).toBeUndefined();
    expect(checkConfWithServer(data["sentinel.conf"], "sentinel").error).toBeUndefined();
    // As mounted: every script beside the library it sources.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-scripts-"));
    try {
      for (const file of REDIS_SCRIPTS) fs.writeFileSync(path.join(dir, file), data[file]);
      for (const script of REDIS_SCRIPTS) {
        const r = spawnSync("shellcheck", ["-x", "-s", "sh", "-f", "gcc", script], { cwd: dir, encoding: "utf8" });
        if (r.error) throw new Error(`shellcheck could not run: ${r.error.message}`);
        expect(r.stdout).toBe("");
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads back exactly the derived settings from the resources", () => {
    const config = parseStackConfig(require("../../offline/plan").rawConfigOf(require("../../offline/stack-files").readStackFile(require("path").resolve(__dirname, `../../Pulumi.${stack}.yaml`))), stack);
    expect(observeRedis(mocked.run.resources)).toEqual(deriveSettings(config).redis);
  });
});

describe("overrides reach the rendered files and come back through the observer", () => {
  it("appendonly false and a longer down-after", async () => {
    const run = await runStack("prod", { "agent-dr:redis": { overrides: { appendonly: false, downAfterMilliseconds: 20000 } } });
    expect(run.error).toBeUndefined();
    const cm = byType(run.resources, "kubernetes:core/v1:ConfigMap").find((r) => r.inputs.metadata.labels?.["agent-dr/config"] === "redis")!;
    expect(cm.inputs.data["redis.conf"]).toMatch(/^appendonly no$/m);
    expect(cm.inputs.data["sentinel.conf"]).toMatch(/^sentinel down-after-milliseconds agent-redis 20000$/m);
    const observed = observeRedis(run.resources)!;
    expect(observed.appendonly).toBe(false);
    expect(observed.downAfterMilliseconds).toBe(20000);
  });

  it("an override that would stop writes is refused with the key named, before the tier exists", async () => {
    const run = await runStack("prod", { "agent-dr:redis": { overrides: { minReplicasToWrite: 3 } } });
    expect(run.error?.message).toMatch(/agent-dr:redis\.overrides\.minReplicasToWrite: got 3; expected at most replicas - 1/);
    expect(byType(run.resources, COMPONENT).filter((r) => r.inputs !== undefined).flatMap((c) => childrenOf(run.resources, c))).toEqual([]);
  });
});

describe("the budget of session_state, from the resources", () => {
  const row = (p: Awaited<ReturnType<typeof planStack>>, scenario: string) => p.budget.find((b) => b.dataClass === "session_state" && b.scenario === scenario)!;

  it("instance loss: RTO from down-after-milliseconds, RPO from replication lag and appendfsync", async () => {
    const p = await planStack("prod");
    const r = row(p, "instance-loss");
    // down-after, one split vote retried after 2 x failover-timeout (30 s), the election.
    expect(r.predicted.rtoSeconds).toBe(5 + 60 + 3);
    expect(r.rtoMechanism).toMatch(/down-after-milliseconds 5000 ms/);
    expect(r.predicted.rpoSeconds).toBe(10);
    expect(r.rpoMechanism).toMatch(/asynchronous replication.*min-replicas-max-lag 10 s/);
    expect(r.ok).toBe(true);

    const slower = row(await planStack("prod", { "agent-dr:redis": { overrides: { downAfterMilliseconds: 20000, minReplicasMaxLagSeconds: 1, appendfsync: "no" } } }), "instance-loss");
    // failover-timeout follows down-after (at least twice it): 40 s.
    expect(slower.predicted.rtoSeconds).toBe(20 + 80 + 3);
    expect(slower.predicted.rpoSeconds).toBe(30);
    expect(slower.rpoMechanism).toMatch(/appendfsync no/);
    expect(slower.ok).toBe(false);
  });

  it("flags appendonly: false for session_state, whose RPO needs AOF", async () => {
    const p = await planStack("prod", { "agent-dr:redis": { overrides: { appendonly: false } } });
    const r = row(p, "instance-loss");
    expect(r.ok).toBe(false);
    expect(r.rpoMechanism).toMatch(/appendonly off/);
    expect(r.predicted.rpoSeconds).toBe(300);
    expect(p.violations.some((v) => v.level === "mandatory" && /session_state/.test(v.message) && /appendonly|AOF/i.test(v.message))).toBe(true);
  });
});
