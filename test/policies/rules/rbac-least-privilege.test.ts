import { CONTROLLER_NAME, DR_TESTS_NAME, renderControllerAdmission, renderControllerRole, renderDrTestCronJob, renderDrTestsAdmission, renderDrTestsRole, renderRoleBinding } from "../../../components/controller/render";
import { drTestSchedule } from "../../../components/controller/schedule";
import { drTestCloneName } from "../../../contract/postgres";
import { Res, runStackPolicy } from "../../harness/policy-run";
import { DR, namespace, pg, controllerInput, asRes } from "../k8s-fixtures";

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
