import type { CapturedResource } from "../../offline/capture";
import { evaluatePack } from "../../offline/violations";
import { runStack } from "../harness/offline";
import { NP, DR, netpol, namespace, pg, ROLE } from "./k8s-fixtures";
import { DR_TESTS_NAME } from "../../components/controller/render";

describe("the whole plans", () => {
  const stacks: Record<string, CapturedResource[]> = {};
  const MINE = ["network-default-deny", "network-ingress-scope", "workload-hardening", "rbac-least-privilege", "network-exposure"];
  beforeAll(async () => {
    stacks.prod = (await runStack("prod")).resources;
    stacks.staging = (await runStack("staging")).resources;
  }, 120_000);
  const mine = async (stack: string, resources: CapturedResource[]) => (await evaluatePack(stack, resources)).filter((v) => MINE.includes(v.policy)).map((v) => `${v.level} ${v.policy}: ${v.message}`);

  test.each(["prod", "staging"])("%s as shipped: none of these policies reports", async (stack) => {
    expect(await mine(stack, stacks[stack])).toEqual([]);
  });
  test("prod without the default deny of its DR namespace: network-default-deny fails naming it", async () => {
    const rs = structuredClone(stacks.prod).filter((r) => !(r.type === NP && r.name === "agent-dr-dr-network-netpol-default-deny"));
    expect(await mine("prod", rs)).toEqual([expect.stringMatching(/^mandatory network-default-deny: Namespace agent-dr \(provider agent-dr-dr-k8s\) has no default deny of ingress and egress/)]);
  });
  test("staging with the exporter open to every namespace again: network-ingress-scope fails", async () => {
    const rs = structuredClone(stacks.staging);
    const spilo = rs.find((r) => r.type === NP && r.inputs.metadata.name === "postgres-spilo")!;
    spilo.inputs.spec.ingress.push({ from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 9187 }] });
    expect(await mine("staging", rs)).toEqual([expect.stringMatching(/^mandatory network-ingress-scope: NetworkPolicy postgres-spilo: ingress on 9187 \(postgres_exporter\) from every pod of every namespace/)]);
  });
  test("staging with the Redis primary kill's delete widened to the Postgres pods, or to every pod: rbac-least-privilege fails", async () => {
    const widen = (rule: any) => {
      const rs = structuredClone(stacks.staging);
      const role = rs.find((r) => r.type === ROLE && r.inputs.metadata.name === DR_TESTS_NAME)!;
      const i = role.inputs.rules.findIndex((r: any) => r.resources.includes("pods") && r.verbs.includes("delete"));
      expect(role.inputs.rules[i].resourceNames).toEqual(["agent-redis-0", "agent-redis-1", "agent-redis-2"]);
      role.inputs.rules[i] = rule;
      return rs;
    };
    expect(await mine("staging", widen({ apiGroups: [""], resources: ["pods"], resourceNames: ["agent-redis-0", "agent-pg-staging-0"], verbs: ["delete"] }))).toEqual([
      expect.stringMatching(/^mandatory rbac-least-privilege: Role agent-dr-dr-tests: delete on pods: agent-pg-staging-0 is not a pod of a Redis StatefulSet of the stack in agent-dr \(agent-redis-0, agent-redis-1, agent-redis-2\)/),
    ]);
    expect(await mine("staging", widen({ apiGroups: [""], resources: ["pods"], verbs: ["delete"] }))).toEqual([
      expect.stringMatching(/^mandatory rbac-least-privilege: Role agent-dr-dr-tests: delete on pods: delete without resourceNames reaches every pods of the namespace/),
    ]);
  });
  test("staging without the admission policy of the DR tests' Jobs: rbac-least-privilege fails", async () => {
    const rs = structuredClone(stacks.staging).filter((r) => !r.name.endsWith("jobs-from-cronjob"));
    expect(await mine("staging", rs)).toEqual([expect.stringMatching(/^mandatory rbac-least-privilege: Role agent-dr-dr-tests: get, create on batch\/jobs: RBAC can not narrow create by name/)]);
  });
  test("prod with a backup container writing to its root filesystem: workload-hardening fails", async () => {
    const rs = structuredClone(stacks.prod);
    const cj = rs.find((r) => r.type === "kubernetes:batch/v1:CronJob" && r.inputs.metadata?.labels?.["agent-dr/job"] === "logical-backup")!;
    cj.inputs.spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    expect(await mine("prod", rs)).toEqual([expect.stringMatching(/^mandatory workload-hardening: CronJob agent-pg-prod-logical-backup, container upload: readOnlyRootFilesystem is not true/)]);
  });
});
