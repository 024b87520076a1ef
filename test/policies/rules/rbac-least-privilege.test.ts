import { CONTROLLER_NAME, type ControllerRenderInput, DR_TESTS_NAME, renderControllerAdmission, renderControllerRole, renderDrTestCronJob, renderDrTestsAdmission, renderDrTestsRole, renderRoleBinding } from "../../../components/controller/render";
import { drTestSchedule } from "../../../components/controller/schedule";
import { drTestCloneName } from "../../../contract/postgres";
import { Res, runStackPolicy } from "../../harness/policy-run";
import { DR, PRIMARY, namespace, pg, controllerInput, asRes, redisInput } from "../k8s-fixtures";
import { redisStatefulSetSpec, sentinelStatefulSetSpec } from "../../../components/redis/render/workloads";

describe("rbac-least-privilege", () => {
  const drTests = () => [asRes(renderDrTestsRole(controllerInput)), asRes(renderRoleBinding(DR_TESTS_NAME, controllerInput)), ...renderDrTestsAdmission(controllerInput).map((o) => asRes(o))];
  const controller = () => [asRes(renderControllerRole(controllerInput)), asRes(renderRoleBinding(CONTROLLER_NAME, controllerInput)), ...renderControllerAdmission(controllerInput).map((o) => asRes(o))];
  test("compliant: the DR tests' and the controller's Roles with their admission policies", async () => {
    expect(await runStackPolicy("rbac-least-privilege", [...drTests(), ...controller()])).toEqual({ messages: [], urns: [], notApplicable: false });
  });
  test("violating: the DR tests' Role as it was (any postgresql deleted, any Job created, the pooler Deployment patched), without admission policies", async () => {
    const before = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: DR_TESTS_NAME, namespace: "agent-dr" },
      rules: [
        { apiGroups: ["acid.zalan.do"], resources: ["postgresqls"], verbs: ["get", "create", "delete"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
        { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["agent-pg-staging-pooler"], verbs: ["get", "patch"] },
        { apiGroups: ["batch"], resources: ["cronjobs"], resourceNames: ["agent-pg-staging-restore-drill"], verbs: ["get"] },
        { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "create"] },
      ],
    };
    const r = await runStackPolicy("rbac-least-privilege", [asRes(before), asRes(renderRoleBinding(DR_TESTS_NAME, controllerInput))]);
    expect(r.messages).toEqual([
      expect.stringMatching(/^Role agent-dr-dr-tests: get, create, delete on acid.zalan.do\/postgresqls: delete without resourceNames reaches every postgresqls of the namespace/),
      expect.stringMatching(/^Role agent-dr-dr-tests: get, create, delete on acid.zalan.do\/postgresqls: RBAC can not narrow create by name, and no ValidatingAdmissionPolicy of the stack judges the creates of agent-dr\/agent-dr-dr-tests .*running under any ServiceAccount of the namespace and mounting any Secret/),
      expect.stringMatching(/^Role agent-dr-dr-tests: get, patch on apps\/deployments: a patch may rewrite the pod template/),
      expect.stringMatching(/^Role agent-dr-dr-tests: get, create on batch\/jobs: RBAC can not narrow create by name/),
    ]);
  });
  test("violating: an admission policy that fails open, is bound to no Deny, names another ServiceAccount, or sits in another cluster does not cover a create", async () => {
    const isJobsPolicy = (o: Res) => o.name.endsWith("jobs-from-cronjob") && o.type.endsWith(":ValidatingAdmissionPolicy");
    const isJobsBinding = (o: Res) => o.name.endsWith("jobs-from-cronjob") && o.type.endsWith(":ValidatingAdmissionPolicyBinding");
    const variants: Array<[string, (os: Res[]) => void]> = [
      ["fails open", (os) => (os.find(isJobsPolicy)!.inputs.spec.failurePolicy = "Ignore")],
      ["warns only", (os) => (os.find(isJobsBinding)!.inputs.spec.validationActions = ["Warn"])],
      ["another account", (os) => (os.find(isJobsPolicy)!.inputs.spec.matchConditions[0].expression = "request.userInfo.username == 'system:serviceaccount:agent-dr:someone-else'")],
      ["another cluster", (os) => (os.find(isJobsPolicy)!.provider = DR)],
      ["no validations", (os) => (os.find(isJobsPolicy)!.inputs.spec.validations = [])],
    ];
    for (const [what, edit] of variants) {
      const os = structuredClone(drTests());
      edit(os);
      const r = await runStackPolicy("rbac-least-privilege", os);
      expect({ what, messages: r.messages }).toEqual({ what, messages: [expect.stringMatching(/get, create on batch\/jobs: RBAC can not narrow create by name/)] });
    }
  });
  test("violating: wildcards, escalating verbs, exec into pods", async () => {
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "too-much", namespace: "agent-dr" }, rules: [{ apiGroups: [""], resources: ["*"], verbs: ["get"] }, { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["bind", "escalate"], resourceNames: ["x"] }, { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }] };
    expect((await runStackPolicy("rbac-least-privilege", [asRes(role)])).messages).toEqual([
      expect.stringMatching(/get on \*: a wildcard grants every verb/),
      expect.stringMatching(/bind, escalate on rbac.authorization.k8s.io\/roles: bind, escalate grants more than the Role holds/),
      expect.stringMatching(/create on pods\/exec: runs commands in/),
    ]);
  });
  describe("the Redis primary kill's pod delete", () => {
    const killInput: ControllerRenderInput = { ...controllerInput, redisKillPods: ["agent-redis-0", "agent-redis-1", "agent-redis-2"] };
    const statefulSet = (name: string, role: "redis" | "sentinel", provider = PRIMARY): Res => ({
      type: "kubernetes:apps/v1:StatefulSet",
      name,
      provider,
      inputs: { metadata: { name, namespace: "agent-dr" }, spec: role === "redis" ? redisStatefulSetSpec(redisInput as any) : sentinelStatefulSetSpec(redisInput as any) },
    });
    const tier = () => [statefulSet("agent-redis", "redis"), statefulSet("agent-redis-sentinel", "sentinel")];
    const withPodRule = (rule: any) => {
      const role = renderDrTestsRole(killInput);
      role.rules = role.rules.map((r: any) => (r.verbs.includes("delete") && r.resources.includes("pods") ? rule : r));
      return [asRes(role), asRes(renderRoleBinding(DR_TESTS_NAME, killInput)), ...renderDrTestsAdmission(killInput).map((o) => asRes(o)), ...tier()];
    };
    const podDelete = (resourceNames?: string[]) => ({ apiGroups: [""], resources: ["pods"], ...(resourceNames ? { resourceNames } : {}), verbs: ["delete"] });

    test("compliant: delete named to the Redis StatefulSet's pods, as rendered", async () => {
      const rules = renderDrTestsRole(killInput).rules;
      expect(rules.filter((r: any) => r.resources.includes("pods"))).toEqual([
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
        podDelete(["agent-redis-0", "agent-redis-1", "agent-redis-2"]),
      ]);
      expect(await runStackPolicy("rbac-least-privilege", withPodRule(podDelete(["agent-redis-0", "agent-redis-1", "agent-redis-2"])))).toEqual({ messages: [], urns: [], notApplicable: false });
    });

    test.each<[string, any, RegExp]>([
      ["without resourceNames (every pod of the namespace)", podDelete(), /^Role agent-dr-dr-tests: delete on pods: delete without resourceNames reaches every pods of the namespace/],
      [
        "on the Postgres pods",
        podDelete(["agent-pg-staging-0", "agent-pg-staging-1"]),
        /^Role agent-dr-dr-tests: delete on pods: agent-pg-staging-0, agent-pg-staging-1 are not a pod of a Redis StatefulSet of the stack in agent-dr \(agent-redis-0, agent-redis-1, agent-redis-2\): .*Fix: resourceNames of the Redis StatefulSet's pods only/,
      ],
      ["on a Sentinel's pod", podDelete(["agent-redis-0", "agent-redis-sentinel-0"]), /^Role agent-dr-dr-tests: delete on pods: agent-redis-sentinel-0 is not a pod of a Redis StatefulSet/],
      ["beyond the StatefulSet's replicas", podDelete(["agent-redis-3"]), /^Role agent-dr-dr-tests: delete on pods: agent-redis-3 is not a pod of a Redis StatefulSet/],
    ])("violating: delete %s", async (_what, rule, message) => {
      expect((await runStackPolicy("rbac-least-privilege", withPodRule(rule))).messages).toEqual([expect.stringMatching(message)]);
    });

    test("violating: the right names, but the Redis StatefulSet is in another cluster (or absent)", async () => {
      const os = withPodRule(podDelete(["agent-redis-0"]));
      os.find((o) => o.name === "agent-redis")!.provider = DR;
      expect((await runStackPolicy("rbac-least-privilege", os)).messages).toEqual([expect.stringMatching(/^Role agent-dr-dr-tests: delete on pods: agent-redis-0 is not a pod of a Redis StatefulSet of the stack in agent-dr \(none\)/)]);
    });
  });

  test("the Roles the stack renders: no delete but of the restore test's clone, no Job but the restore drill's", () => {
    const rules = renderDrTestsRole(controllerInput).rules;
    const deletes = rules.filter((r: any) => r.verbs.includes("delete"));
    expect(deletes).toEqual([{ apiGroups: ["acid.zalan.do"], resources: ["postgresqls"], resourceNames: [drTestCloneName("agent-pg-staging")], verbs: ["delete"] }]);
    expect(rules.filter((r: any) => r.verbs.some((v: string) => v === "patch" || v === "update"))).toEqual([]);
    expect(renderControllerRole({ ...controllerInput, regionRole: "primary" }).rules.filter((r: any) => r.resources.includes("deployments"))).toEqual([
      { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["agent-pg-staging-pooler"], verbs: ["get"] },
    ]);
    // The restore test runs under the fixed clone name the Role and the admission policy know.
    const test = drTestSchedule().find((t) => t.runbook === "restore-point-in-time")!;
    expect(renderDrTestCronJob(test, controllerInput).spec.jobTemplate.spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(["--clone-name", "agent-pg-staging-restore-test"]));
  });
});
