import { getDenialReasons, getGrantReasons, runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import * as path from "node:path";
import type { IamCheck } from "./s3-operations";

/**
 * One authorization judged by a real IAM policy evaluator (@cloud-copilot/iam-simulate, which
 * follows AWS's documented evaluation logic: explicit deny, identity and resource policies, same-
 * and cross-account rules, every condition operator). Nothing here decides allow or deny itself.
 */

export type Verdict = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export interface NamedPolicy {
  name: string;
  policy: object;
}

/** Everything in the path of one request: who signs it and every policy that applies. */
export interface PolicyPath {
  /** Role ARN, or a service principal such as s3.amazonaws.com when a service acts with its own trust. */
  principal: string;
  identityPolicies: NamedPolicy[];
  /** The bucket policy, key policy or topic policy of the resource, when it has one. */
  resourcePolicy?: NamedPolicy;
  /** Account that owns the resource. */
  resourceAccount: string;
}

export interface Judgement {
  verdict: Verdict;
  /** The statements that decided: "bucket policy <name>: DenyNonKmsUploads", "identity <name>: ReadWriteOwnArchive". */
  deciding: string[];
}

export class EvaluatorInputError extends Error {
  override name = "EvaluatorInputError";
}

/**
 * The evaluator (0.1.x) resolves variable context keys only when the variable follows a slash
 * (aws:PrincipalTag/x). kms:EncryptionContext:aws:s3:arn has it after a colon, so the request's key
 * is dropped as unknown and every condition on it reads as missing (a KMS call S3 makes would be
 * denied whatever the policy says). Teach its two lookups the colon form, on the pinned version's
 * own module objects; evaluator.test.ts proves conditions on the key are then honoured both ways.
 */
const ENCRYPTION_CONTEXT = /^kms:encryptioncontext:(?!\$\{)/i;
let encryptionContextTaught = false;
function teachEncryptionContextKeys(): void {
  if (encryptionContextTaught) return;
  const dist = path.dirname(require.resolve("@cloud-copilot/iam-simulate"));
  const allowed = require(path.join(dist, "simulation_engine", "contextKeys.js"));
  const names = require(path.join(dist, "context_keys", "contextKeys.js"));
  const allowedFor = allowed.allowedContextKeysForRequest;
  const normalize = names.normalizeContextKeyCase;
  if (typeof allowedFor !== "function" || typeof normalize !== "function") {
    throw new EvaluatorInputError("@cloud-copilot/iam-simulate changed its internals: review access/evaluator.ts for this version");
  }
  allowed.allowedContextKeysForRequest = async (...args: unknown[]) => {
    const keys: string[] = await allowedFor(...args);
    return keys.includes("kms:encryptioncontext:${encryptioncontextkey}") ? [...keys, "kms:encryptioncontext:aws:s3:arn"] : keys;
  };
  names.normalizeContextKeyCase = async (key: string) => (ENCRYPTION_CONTEXT.test(key) ? `kms:EncryptionContext:${key.slice("kms:EncryptionContext:".length)}` : normalize(key));
  encryptionContextTaught = true;
}

function principalContext(principal: string): Record<string, string> {
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal);
  return m ? { "aws:PrincipalArn": principal, "aws:PrincipalAccount": m[1] } : {};
}

export async function judge(check: IamCheck, path: PolicyPath): Promise<Judgement> {
  const simulation: Simulation = {
      request: {
        principal: path.principal,
        action: check.action,
        resource: { resource: check.resource, accountId: path.resourceAccount },
        // AWS adds the signer's ARN and account to every request of an IAM principal.
        contextVariables: { ...principalContext(path.principal), ...check.context },
      },
      identityPolicies: path.identityPolicies.map((p) => ({ name: p.name, policy: p.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(path.resourcePolicy ? { resourcePolicy: path.resourcePolicy.policy } : {}),
  };
  teachEncryptionContextKeys();
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") {
    // A policy the evaluator can not parse, an unknown action or a context key the action does not take.
    throw new EvaluatorInputError(`${check.action} on ${check.resource}: the evaluator refused the input: ${JSON.stringify(result.errors)}`);
  }
  if (result.resultType !== "single") throw new EvaluatorInputError(`${check.action} on ${check.resource}: expected one resource, got a wildcard result`);
  // A key the evaluator drops would silently turn a condition into "missing": refuse instead.
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length) throw new EvaluatorInputError(`${check.action} on ${check.resource}: the evaluator ignored context keys ${ignored.join(", ")} (not valid for this action)`);
  const analysis = result.result.analysis;
  const verdict = result.overallResult as Verdict;
  const resourceName = path.resourcePolicy?.name ?? "resource policy";
  const label = (type: string, policy?: string) => (type === "resource" ? resourceName : `${type === "identity" ? "identity policy" : type} ${policy ?? ""}`.trim());
  if (!analysis) return { verdict, deciding: [] };
  if (verdict === "Allowed") {
    return { verdict, deciding: getGrantReasons(analysis).map((g) => `${label(g.policyType, "policyIdentifier" in g ? g.policyIdentifier : undefined)}: ${g.statementId ?? `#${g.statementIndex}`} allows`) };
  }
  return {
    verdict,
    deciding: getDenialReasons(analysis).map((d) =>
      d.denialType === "Explicit"
        ? `${label(d.policyType, d.policyIdentifier)}: ${d.statementId ?? `#${d.statementIndex}`} denies`
        : `${label(d.policyType, d.identifier ?? (d.policyType === "identity" ? path.identityPolicies.map((p) => p.name).join(", ") || "(none)" : undefined))}: no statement allows`,
    ),
  };
}
