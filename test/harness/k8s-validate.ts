import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { CapturedResource } from "../../offline/capture";

/** apiVersions removed from Kubernetes (deprecation guide); an object using one would not apply. */
export const REMOVED_API_VERSIONS: Record<string, string> = {
  "extensions/v1beta1": "1.22",
  "apps/v1beta1": "1.16",
  "apps/v1beta2": "1.16",
  "batch/v1beta1": "1.25",
  "batch/v2alpha1": "1.21",
  "policy/v1beta1": "1.25",
  "networking.k8s.io/v1beta1": "1.22",
  "rbac.authorization.k8s.io/v1beta1": "1.22",
  "apiextensions.k8s.io/v1beta1": "1.22",
  "admissionregistration.k8s.io/v1beta1": "1.22",
  "autoscaling/v2beta1": "1.25",
  "autoscaling/v2beta2": "1.26",
  "storage.k8s.io/v1beta1": "1.22",
  "scheduling.k8s.io/v1beta1": "1.22",
  "coordination.k8s.io/v1beta1": "1.22",
  "flowcontrol.apiserver.k8s.io/v1beta2": "1.29",
};

/** Kinds Pulumi types as `kubernetes:<group>/<version>:<Kind>` that are not API objects to validate. */
const NOT_API_OBJECTS = new Set(["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart", "kubernetes:yaml/v2:ConfigGroup", "kubernetes:yaml/v2:ConfigFile"]);

/** Vendored CRD schemas: apiVersion/kind -> openAPIV3Schema. */
const CRD_FILES = [
  "postgresql.acid.zalan.do.crd.yaml",
  "operatorconfiguration.acid.zalan.do.crd.yaml",
  "chaos-mesh/chaos-mesh.org_schedules.yaml",
  "chaos-mesh/chaos-mesh.org_podchaos.yaml",
  "chaos-mesh/chaos-mesh.org_networkchaos.yaml",
];
let crdValidators: Map<string, (o: unknown) => string[]> | undefined;

function crdSchemas(): Map<string, (o: unknown) => string[]> {
  if (crdValidators) return crdValidators;
  crdValidators = new Map();
  // The CRD patterns are Go regexps; some escapes are invalid in JavaScript's unicode mode.
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    unicodeRegExp: false,
    // The OpenAPI formats the CRDs use; ajv knows none of them by default and would only warn.
    formats: {
      int32: { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
      int64: { type: "number", validate: (n: number) => Number.isInteger(n) },
      uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
      // Chaos Mesh's status fields.
      "date-time": { type: "string", validate: (s: string) => !Number.isNaN(Date.parse(s)) },
      byte: /^[A-Za-z0-9+/]*={0,2}$/,
    },
  });
  for (const file of CRD_FILES) {
    const crd = YAML.parse(fs.readFileSync(path.resolve(__dirname, "../../schemas", file), "utf8"));
    for (const v of crd.spec.versions) {
      const validate = ajv.compile(stripK8sExtensions(v.schema.openAPIV3Schema));
      crdValidators.set(`${crd.spec.group}/${v.name}:${crd.spec.names.kind}`, (o) =>
        validate(o) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`),
      );
    }
  }
  return crdValidators;
}

/** ajv does not know x-kubernetes-* keywords; int-or-string is expressed as a plain union. */
function stripK8sExtensions(schema: any): any {
  if (Array.isArray(schema)) return schema.map(stripK8sExtensions);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith("x-kubernetes-")) continue;
    out[k] = stripK8sExtensions(v);
  }
  // OpenAPI 3.0's boolean exclusiveMinimum/Maximum (Chaos Mesh's CRDs) is a number in ajv's JSON Schema.
  for (const [exclusive, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]] as const) {
    if (typeof schema[exclusive] !== "boolean") continue;
    delete out[exclusive];
    if (schema[exclusive] && typeof schema[bound] === "number") {
      out[exclusive] = schema[bound];
      delete out[bound];
    }
  }
  if (schema["x-kubernetes-int-or-string"]) {
    delete out.type;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (schema["x-kubernetes-preserve-unknown-fields"] && !out.type) out.type = "object";
  return out;
}

/**
 * Validate one captured Kubernetes object: removed apiVersions are refused, built-in kinds are
 * checked by kubernetes-models (Kubernetes 1.33 schemas), custom resources by their vendored CRD.
 * Returns the problems found (empty when valid).
 */
export function validateK8sObject(r: CapturedResource): string[] {
  if (!r.type.startsWith("kubernetes:") || NOT_API_OBJECTS.has(r.type)) return [];
  const obj: Record<string, any> = { ...r.inputs, metadata: { name: r.name, ...(r.inputs.metadata ?? {}) } };
  const apiVersion: string = obj.apiVersion;
  const kind: string = obj.kind;
  if (!apiVersion || !kind) return [`${r.type} ${r.name}: apiVersion and kind are required`];
  if (REMOVED_API_VERSIONS[apiVersion]) return [`${kind} ${r.name}: apiVersion ${apiVersion} was removed in Kubernetes ${REMOVED_API_VERSIONS[apiVersion]}`];
  const crd = crdSchemas().get(`${apiVersion}:${kind}`);
  if (crd) return crd(obj).map((e) => `${kind} ${r.name}: ${e}`);
  const modelPath = `kubernetes-models/${apiVersion}/${kind}`;
  let Model: any;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Model = require(modelPath)[kind];
  } catch {
    return [`${kind} ${r.name}: no schema for ${apiVersion} ${kind} (neither built in nor a vendored CRD)`];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (e: any) {
    const errors: any[] = e.errors ?? [];
    return errors.length ? errors.map((x) => `${kind} ${r.name}: ${x.instancePath || "/"} ${x.message}`) : [`${kind} ${r.name}: ${e.message}`];
  }
}

/** Validate a plain object (apiVersion, kind, metadata, spec) against its vendored CRD; undefined when no CRD is vendored for it. */
export function validateCustomObject(obj: { apiVersion: string; kind: string }): string[] | undefined {
  return crdSchemas().get(`${obj.apiVersion}:${obj.kind}`)?.(obj);
}

export function validateK8sObjects(resources: CapturedResource[]): string[] {
  return resources.flatMap(validateK8sObject);
}
