import type { CapturedResource } from "../contract/captured-resource";
import type { AccessCase, ContractFinding } from "./cases";
import { judge, type Judgement } from "./evaluator";
import { readStackModel } from "./stack-model";
import { workloadRequests } from "./workloads";

/**
 * The request matrix of a plan: every request each credential holder sends, and every request it
 * must never be able to send, judged against all the policies in its path together.
 */

export interface CaseResult {
  case: AccessCase;
  judgement: Judgement;
  ok: boolean;
}

export interface AccessMatrix {
  stack: string;
  results: CaseResult[];
  /** Results whose verdict is not the expected one. */
  unexpected: CaseResult[];
  /** Uploads that IAM lets through but that do not name the bucket's own key. */
  contract: ContractFinding[];
}

const matches = (expect: AccessCase["expect"], verdict: Judgement["verdict"]) => (expect === "Allowed" ? verdict === "Allowed" : verdict !== "Allowed");

export async function accessMatrix(stack: string, account: string, resources: CapturedResource[]): Promise<AccessMatrix> {
  const model = readStackModel(stack, account, resources);
  const { cases, contract } = workloadRequests(model);
  const results: CaseResult[] = [];
  for (const c of cases) {
    const judgement = await judge(c.check, c.path);
    results.push({ case: c, judgement, ok: matches(c.expect, judgement.verdict) });
  }
  const unexpected = results.filter((r) => !r.ok);
  // A request IAM already refuses is reported once, by the evaluator's verdict.
  const refused = new Set(unexpected.map((r) => `${r.case.workload}\n${r.case.request}`));
  return { stack, results, unexpected, contract: contract.filter((f) => !refused.has(`${f.workload}\n${f.request}`)) };
}

/** "postgres pods of agent-pg-prod (us-east-1): wal-push: PutObject s3://... -> s3:PutObject ExplicitlyDenied (expected Allowed) by bucket policy of b: DenyNonKmsUploads denies" */
export function describeResult(r: CaseResult): string {
  const c = r.case;
  const by = r.judgement.deciding.length ? ` by ${r.judgement.deciding.join("; ")}` : "";
  return `${c.workload}: ${c.request} -> ${c.check.action} on ${c.check.resource} ${r.judgement.verdict} (expected ${c.expect}${c.protects ? `: protects ${c.protects}` : ""})${by}`;
}

export function describeFinding(f: ContractFinding): string {
  return `${f.workload}: ${f.request}: ${f.problem}`;
}

export function matrixSummary(m: AccessMatrix): string {
  const bad = m.unexpected.length + m.contract.length;
  return `IAM: ${m.results.length} requests judged, ${m.unexpected.length} unexpected${m.contract.length ? `, ${m.contract.length} client contract finding(s)` : ""}${bad ? "" : " (evaluator: @cloud-copilot/iam-simulate)"}`;
}
