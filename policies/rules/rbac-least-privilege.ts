import { StackResource } from "../lib/policy-resources";
import { known } from "../lib/unknown";
import { stackPolicyOver } from "../lib/define";
import { REDIS_ROLE_LABEL } from "../../contract/redis";
import { TYPES } from "../../contract/resource-types";

/** Verbs that change an object: RBAC narrows these by resourceNames. */
const NAMED_MUTATIONS = ["update", "patch", "delete"];
/** Verbs that grant more than they name. */
const ESCALATING = ["escalate", "bind", "impersonate"];
/** Resources whose update or patch rewrites a pod template (image, command, ServiceAccount, mounted Secrets). */
const POD_TEMPLATE_RESOURCES = ["pods", "podtemplates", "deployments", "statefulsets", "daemonsets", "replicasets", "replicationcontrollers", "jobs", "cronjobs"];
/** Subresources that run code in a running pod: no admission policy can narrow what is typed into them. */
const EXEC_SUBRESOURCES = ["pods/exec", "pods/attach", "pods/ephemeralcontainers", "serviceaccounts/token"];

interface Grant {
  role: StackResource;
  roleName: string;
  namespace?: string;
  apiGroup: string;
  resource: string;
  verbs: string[];
  resourceNames: string[];
}

function grants(role: StackResource): Grant[] {
  const out: Grant[] = [];
  for (const rule of known(() => role.inputs.rules) ?? []) {
    for (const apiGroup of rule.apiGroups ?? [""]) {
      for (const resource of rule.resources ?? []) {
        out.push({ role, roleName: role.inputs.metadata?.name ?? role.name, namespace: role.inputs.metadata?.namespace, apiGroup, resource, verbs: rule.verbs ?? [], resourceNames: rule.resourceNames ?? [] });
      }
    }
  }
  return out;
}

/** The ServiceAccounts a Role is bound to (RoleBindings of the stack in its namespace, same cluster). */
function serviceAccountsOf(role: StackResource, resources: StackResource[]): Array<{ namespace: string; name: string }> {
  const name = role.inputs.metadata?.name ?? role.name;
  const ns = known(() => role.inputs.metadata?.namespace);
  return resources
    .filter((b) => b.type === TYPES.roleBinding && b.providerUrn === role.providerUrn && known(() => b.inputs.metadata?.namespace) === ns && b.inputs.roleRef?.kind === role.type.split(":").pop() && b.inputs.roleRef?.name === name)
    .flatMap((b) => (b.inputs.subjects ?? []).filter((s: any) => s.kind === "ServiceAccount").map((s: any) => ({ namespace: s.namespace ?? ns, name: s.name })));
}

/**
 * The pods a Role may delete by name: those of the stack's Redis StatefulSets (template labelled
 * REDIS_ROLE_LABEL redis) in the Role's namespace and cluster, `<name>-<ordinal>` for ordinals
 * below its replicas. Sentinel elects the Redis primary and no label names it, so the Redis
 * primary kill deletes the pod of the server the Sentinels name; every other fault is Chaos Mesh's,
 * under its own RBAC.
 */
function deletablePods(role: StackResource, resources: StackResource[]): Set<string> {
  const ns = known(() => role.inputs.metadata?.namespace);
  const out = new Set<string>();
  for (const sts of resources) {
    if (sts.type !== TYPES.statefulSet || sts.providerUrn !== role.providerUrn) continue;
    const name = known(() => sts.inputs.metadata?.name);
    if (ns === undefined || known(() => sts.inputs.metadata?.namespace) !== ns || typeof name !== "string") continue;
    if (known(() => sts.inputs.spec?.template?.metadata?.labels?.[REDIS_ROLE_LABEL]) !== "redis") continue;
    const replicas = known(() => sts.inputs.spec?.replicas) ?? 1;
    for (let k = 0; k < replicas; k++) out.add(`${name}-${k}`);
  }
  return out;
}

/**
 * Is a `create` of apiGroup/resource by this ServiceAccount judged by an admission policy of the
 * stack: a ValidatingAdmissionPolicy (same cluster) whose resource rules cover the CREATE, whose
 * match conditions name the ServiceAccount, that fails closed, with validations, and a binding
 * that denies?
 */
function guarded(sa: { namespace: string; name: string }, apiGroup: string, resource: string, role: StackResource, resources: StackResource[]): boolean {
  const username = `system:serviceaccount:${sa.namespace}:${sa.name}`;
  return resources.some((p) => {
    if (p.type !== TYPES.admissionPolicy || p.providerUrn !== role.providerUrn) return false;
    const spec = p.inputs.spec ?? {};
    const covers = (spec.matchConstraints?.resourceRules ?? []).some(
      (r: any) => (r.apiGroups ?? []).includes(apiGroup) && (r.resources ?? []).includes(resource) && (r.operations ?? []).some((o: string) => o === "CREATE" || o === "*"),
    );
    const forThisAccount = (spec.matchConditions ?? []).some((c: any) => typeof c.expression === "string" && c.expression.includes(`'${username}'`));
    const closed = spec.failurePolicy === undefined || spec.failurePolicy === "Fail";
    const name = p.inputs.metadata?.name ?? p.name;
    const bound = resources.some((b) => b.type === TYPES.admissionPolicyBinding && b.providerUrn === role.providerUrn && b.inputs.spec?.policyName === name && (b.inputs.spec?.validationActions ?? []).includes("Deny"));
    return covers && forThisAccount && closed && (spec.validations ?? []).length > 0 && bound;
  });
}

/**
 * Roles grant no wildcard and nothing that escalates; the verbs RBAC can narrow by name (update,
 * patch, delete) name their objects, and a pod delete names only the Redis StatefulSet's pods (the
 * Redis primary kill); nothing may patch a pod template (a Deployment's, a Job's:
 * image, command, ServiceAccount, mounted Secrets); and the verb RBAC can not narrow, create, is
 * granted only where a ValidatingAdmissionPolicy judges that ServiceAccount's creates. A `jobs
 * create` or `postgresqls create` without one is a path to every ServiceAccount of the namespace
 * (their IAM roles) and every Secret a pod can mount.
 */
export function checkRbac(resources: StackResource[], report: (m: string, urn?: string) => void): void {
  for (const role of resources.filter((r) => r.type === TYPES.role || r.type === TYPES.clusterRole)) {
    const accounts = serviceAccountsOf(role, resources);
    for (const g of grants(role)) {
      const what = `${role.type.split(":").pop()} ${g.roleName}: ${g.verbs.join(", ")} on ${g.apiGroup ? `${g.apiGroup}/` : ""}${g.resource}`;
      if (g.verbs.includes("*") || g.resource === "*" || g.apiGroup === "*") {
        report(`${what}: a wildcard grants every verb, resource or API group, today's and tomorrow's. Fix: list the verbs and resources the runbooks call (components/controller/render.ts).`, role.urn);
        continue;
      }
      const escalating = g.verbs.filter((v) => ESCALATING.includes(v));
      if (escalating.length > 0) report(`${what}: ${escalating.join(", ")} grants more than the Role holds. Fix: remove ${escalating.join(", ")}.`, role.urn);
      if (g.verbs.includes("deletecollection")) report(`${what}: deletecollection can not be narrowed by name. Fix: delete with resourceNames.`, role.urn);
      if (EXEC_SUBRESOURCES.includes(g.resource) && g.verbs.some((v) => v === "create" || v === "get")) {
        report(`${what}: runs commands in (or mints the identity of) running pods. Fix: remove it; runbooks act through the API objects and Patroni's REST API.`, role.urn);
        continue;
      }
      const unnamed = g.verbs.filter((v) => NAMED_MUTATIONS.includes(v));
      if (unnamed.length > 0 && g.resourceNames.length === 0) {
        report(`${what}: ${unnamed.join(", ")} without resourceNames reaches every ${g.resource} of the namespace. Fix: resourceNames with the objects the runbooks change (a fixed name where the runbook creates one, e.g. the restore test's clone).`, role.urn);
      }
      if (g.apiGroup === "" && g.resource === "pods" && g.verbs.includes("delete") && g.resourceNames.length > 0) {
        const allowed = deletablePods(role, resources);
        const other = g.resourceNames.filter((n) => !allowed.has(n));
        if (other.length > 0) {
          report(
            `${what}: ${other.join(", ")} ${other.length > 1 ? "are" : "is"} not a pod of a Redis StatefulSet of the stack in ${g.namespace ?? "(no namespace)"} (${[...allowed].join(", ") || "none"}): a runbook deletes a pod only to kill the Redis primary the Sentinels name; a Patroni member's, a Sentinel's or another workload's pod deleted by it is an outage no fault schedule accounts for. Fix: resourceNames of the Redis StatefulSet's pods only (<name>-<ordinal>, ordinals below its replicas), or no delete.`,
            role.urn,
          );
        }
      }
      if (POD_TEMPLATE_RESOURCES.includes(g.resource) && g.verbs.some((v) => v === "patch" || v === "update")) {
        report(`${what}: a patch may rewrite the pod template (image, command, ServiceAccount, mounted Secrets), named or not. Fix: act without changing the template (evict the pods: pods/eviction create; scale: ${g.resource}/scale).`, role.urn);
      }
      if (g.verbs.includes("create")) {
        const open = accounts.filter((sa) => !guarded(sa, g.apiGroup, g.resource, role, resources));
        if (accounts.length === 0 || open.length > 0) {
          const who = open.map((sa) => `${sa.namespace}/${sa.name}`).join(", ") || "(no ServiceAccount bound in the stack)";
          report(
            `${what}: RBAC can not narrow create by name, and no ValidatingAdmissionPolicy of the stack judges the creates of ${who} (CREATE on ${g.resource}, the ServiceAccount in matchConditions, failurePolicy Fail, a Deny binding): it may create any ${g.resource}${["jobs", "cronjobs", "pods", "deployments", "statefulsets", "postgresqls"].includes(g.resource) ? ", running under any ServiceAccount of the namespace and mounting any Secret" : ""}. Fix: an admission policy that holds the creates to the fixed template (components/controller/admission.ts), or no create.`,
            role.urn,
          );
        }
      }
    }
  }
}

export const rbacLeastPrivilege = stackPolicyOver([TYPES.role, TYPES.clusterRole], "no Role in the stack", checkRbac, {
  name: "rbac-least-privilege",
  severity: "critical",
  description: "Roles: no wildcards or escalating verbs, resourceNames on update/patch/delete (pods: the Redis StatefulSet's only), no pod-template patches, and every create judged by a ValidatingAdmissionPolicy.",
});
