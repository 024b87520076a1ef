import * as pulumi from "@pulumi/pulumi";
import { assumedAccount } from "../dr/targets/aws";
import { mockKeyId, type CapturedResource } from "../contract/captured-resource";

// The plan's callers and the tests take both from here, where the capture happens.
export { mockKeyId, type CapturedResource };

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** Replace Pulumi's secret envelopes by their values, recursively. */
export function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    if (value[SECRET_SIG] === SECRET_VALUE) return unwrapSecrets(value.value);
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrapSecrets(v);
    return out;
  }
  return value;
}

/** Does a value contain a secret envelope anywhere? Used to check secrets stay secrets. */
export function containsSecret(value: any): boolean {
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value && typeof value === "object") {
    if (value[SECRET_SIG] === SECRET_VALUE) return true;
    return Object.values(value).some(containsSecret);
  }
  return false;
}

/** Account of computed ARNs when the stack declares none (through its OIDC provider ARN). */
export const MOCK_ACCOUNT = "123456789012";

/**
 * Outputs a real provider would compute, so programs that read them (arn, bucket, name) work under
 * mocks. ARNs carry the stack's own account and AWS's resource-type layout (key/<id>, role/<name>),
 * so that an IAM evaluator judging the plan sees the same ARNs the policies name in production.
 */
function computedState(type: string, name: string, inputs: Record<string, any>, account: string): Record<string, any> {
  const state: Record<string, any> = { ...inputs };
  if (type.startsWith("aws:")) {
    const service = type.split(":")[1].split("/")[0];
    state.arn = inputs.arn ?? `arn:aws:${service}:${inputs.region ?? "us-east-1"}:${account}:${name}`;
    if (type === "aws:s3/bucket:Bucket") {
      state.bucket = inputs.bucket ?? name;
      state.arn = `arn:aws:s3:::${state.bucket}`;
      state.bucketRegionalDomainName = `${state.bucket}.s3.amazonaws.com`;
    }
    if (type === "aws:iam/role:Role") {
      // AWS names a role without a name input after the resource (plus a random suffix, left out here).
      state.name = inputs.name ?? name;
      state.arn = `arn:aws:iam::${account}:role/${state.name}`;
    }
    if (type === "aws:kms/key:Key") {
      state.keyId = mockKeyId(name);
      state.arn = `arn:aws:kms:${inputs.region ?? "us-east-1"}:${account}:key/${state.keyId}`;
    }
    if (type === "aws:route53/healthCheck:HealthCheck") state.id = `${name}-hc`;
    if (type === "aws:sns/topic:Topic") state.arn = `arn:aws:sns:${inputs.region ?? "us-east-1"}:${account}:${inputs.name ?? name}`;
  }
  if (type.startsWith("kubernetes:") && type !== "kubernetes:helm.sh/v3:Release") {
    state.metadata = { ...(inputs.metadata ?? {}), name: inputs.metadata?.name ?? name };
  }
  if (type === "kubernetes:helm.sh/v3:Release") state.status = { name: inputs.name ?? name, namespace: inputs.namespace };
  if (type.startsWith("random:")) state.result = `mock-${name}-random-value`;
  return state;
}

/** Invoke results the program may ask for. Anything else fails loudly, so a silent undefined never reaches a resource. */
function invokeResult(token: string, inputs: Record<string, any>, account: string): Record<string, any> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: account, arn: `arn:aws:iam::${account}:user/mock`, userId: "mock" };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:index/getRegion:getRegion":
      return { region: inputs.region ?? "us-east-1", name: inputs.region ?? "us-east-1" };
    default:
      throw new Error(`offline run: no mock result for invoke ${token}; build the value in a pure function instead`);
  }
}

/**
 * Install Pulumi mocks that record every registered resource. The mock monitor does not pass the
 * parent to newResource, so its registerResource is wrapped to read it from the request.
 */
export async function installCapturingMocks(
  runtime: typeof pulumi.runtime,
  project: string,
  stack: string,
  account = MOCK_ACCOUNT,
): Promise<CapturedResource[]> {
  const captured: CapturedResource[] = [];
  const registrations = new Map<string, { parent?: string; urn: string }>();
  // Resources deployed through a provider that assumes a role in another account get that account's ARNs.
  const providerAccounts = new Map<string, string>();
  await runtime.setMocks(
    {
      newResource(args) {
        const reg = registrations.get(`${args.type}::${args.name}`);
        const parent = reg?.parent;
        const urn = reg?.urn ?? `urn:pulumi:${stack}::${project}::${args.type}::${args.name}`;
        const inputs = unwrapSecrets(args.inputs ?? {});
        captured.push({
          type: args.type,
          name: args.name,
          urn,
          ...(parent ? { parent } : {}),
          ...(args.provider ? { provider: args.provider } : {}),
          custom: args.custom !== false,
          inputs,
          secretInputs: Object.entries(args.inputs ?? {}).filter(([, v]) => containsSecret(v)).map(([k]) => k),
        });
        const id = args.custom === false ? undefined : `${args.name}-id`;
        if (args.type.startsWith("pulumi:providers:")) {
          const assumed = assumedAccount(inputs);
          if (assumed) providerAccounts.set(`${urn}::${id}`, assumed);
        }
        const owner = (args.provider && providerAccounts.get(args.provider)) || account;
        return { id, state: computedState(args.type, args.name, args.inputs ?? {}, owner) };
      },
      call(args) {
        return invokeResult(args.token, args.inputs ?? {}, account);
      },
    },
    project,
    stack,
    false,
  );
  const monitor = runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const parent: string = req.getParent();
    registrations.set(`${req.getType()}::${req.getName()}`, {
      ...(parent ? { parent } : {}),
      urn: monitor.newUrn(parent, req.getType(), req.getName()),
    });
    return register(req, callback);
  };
  return captured;
}
