import type { PolicyPath } from "./evaluator";
import { iamChecksOf, kmsChecksOf, resultingKey, takesSseHeaders, type IamCheck, type S3Call } from "./s3-operations";
import { accountOfResource, keyPolicyOf, type RoleModel, type StackModel } from "./stack-model";

/** One request a workload sends (or must never be able to send), with every policy in its path. */
export interface AccessCase {
  workload: string;
  /** What the request is, in the client's terms: "wal-push: PutObject s3://b/k (sse aws:kms, key ...)". */
  request: string;
  expect: "Allowed" | "Denied";
  /** For a Denied case: what it protects. */
  protects?: string;
  check: IamCheck;
  path: PolicyPath;
}

/** A request that passes IAM but breaks the client contract (an upload that does not name the bucket's key). */
export interface ContractFinding {
  workload: string;
  request: string;
  problem: string;
}

export interface WorkloadRequests {
  cases: AccessCase[];
  contract: ContractFinding[];
}

const describeCall = (call: S3Call): string => {
  const where = call.key !== undefined ? `s3://${call.bucket}/${call.key}` : call.keys ? `s3://${call.bucket} [${call.keys.join(", ")}]` : `s3://${call.bucket}${call.prefix !== undefined ? ` prefix=${call.prefix}` : ""}`;
  const h = call.headers ?? {};
  const sse = takesSseHeaders(call.api) ? ` (${h.sse ? `sse ${h.sse}${h.kmsKeyId ? `, key ${h.kmsKeyId}` : ""}` : "no sse header"})` : "";
  return `${call.api} ${where}${sse}${call.tls ? "" : " over plain HTTP"}`;
};

/** Collects the cases of one workload signed by one role. */
export class WorkloadCases {
  readonly out: WorkloadRequests = { cases: [], contract: [] };
  constructor(
    private readonly model: StackModel,
    readonly workload: string,
    private readonly role: RoleModel | undefined,
  ) {}

  private identity(): PolicyPath["identityPolicies"] {
    return (this.role?.policies ?? []).map((p) => ({ name: `${this.role!.name}/${p.name}`, policy: p.policy }));
  }

  private principal(): string {
    // A workload whose role the plan does not create signs with nothing: every request is implicitly denied.
    return this.role?.arn ?? `arn:aws:iam::${this.model.account}:role/missing-role-of-${this.workload.replace(/[^A-Za-z0-9+=,.@_-]/g, "-")}`;
  }

  private s3Path(bucket: string): PolicyPath {
    const b = this.model.buckets.get(bucket);
    return { principal: this.principal(), identityPolicies: this.identity(), ...(b?.policy ? { resourcePolicy: b.policy } : {}), resourceAccount: b?.account ?? this.model.account };
  }

  /** An S3 call the workload's client sends: S3's authorization, the KMS calls S3 makes for it, and the encryption contract. */
  needs(operation: string, call: S3Call): void {
    const request = `${operation}: ${describeCall(call)}`;
    for (const check of iamChecksOf(call)) this.out.cases.push({ workload: this.workload, request, expect: "Allowed", check, path: this.s3Path(call.bucket) });
    const bucket = this.model.buckets.get(call.bucket);
    if (!bucket) {
      this.out.contract.push({ workload: this.workload, request, problem: `bucket ${call.bucket} is not one the plan creates` });
      return;
    }
    for (const check of kmsChecksOf(call, bucket)) {
      this.out.cases.push({
        workload: this.workload,
        request: `${request} -> S3 calls ${check.action} on the caller's behalf`,
        expect: "Allowed",
        check,
        path: { principal: this.principal(), identityPolicies: this.identity(), resourcePolicy: keyPolicyOf(this.model, check.resource), resourceAccount: accountOfResource(this.model, check.resource) },
      });
    }
    if (takesSseHeaders(call.api)) {
      const { keyArn, problem } = resultingKey(call, bucket);
      const h = call.headers ?? {};
      if (problem) this.out.contract.push({ workload: this.workload, request, problem });
      else if (keyArn !== bucket.keyArn) this.out.contract.push({ workload: this.workload, request, problem: `names key ${keyArn}, not the bucket's key ${bucket.keyArn}` });
      else if (h.sse === undefined) {
        // Allowed, but the object's key would follow whatever the bucket default is at the time of the upload.
        this.out.contract.push({ workload: this.workload, request, problem: `sends no SSE header: the object's key is whatever the bucket default is at upload time, not pinned to ${bucket.keyArn}` });
      }
    }
  }

  /** An S3 call the workload must never be able to make. */
  never(protects: string, call: S3Call): void {
    const request = describeCall(call);
    for (const check of iamChecksOf(call)) this.out.cases.push({ workload: this.workload, request, expect: "Denied", protects, check, path: this.s3Path(call.bucket) });
  }

  /** A raw IAM request (non-S3 services, or S3 actions that only a service sends, such as replication). */
  raw(expect: "Allowed" | "Denied", request: string, check: IamCheck, resourcePolicy?: PolicyPath["resourcePolicy"], protects?: string): void {
    this.out.cases.push({
      workload: this.workload,
      request,
      expect,
      ...(protects ? { protects } : {}),
      check,
      path: { principal: this.principal(), identityPolicies: this.identity(), ...(resourcePolicy ? { resourcePolicy } : {}), resourceAccount: accountOfResource(this.model, check.resource) },
    });
  }

  contract(request: string, problem: string): void {
    this.out.contract.push({ workload: this.workload, request, problem });
  }
}
