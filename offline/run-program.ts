import * as pulumi from "@pulumi/pulumi";
import { CapturedResource, installCapturingMocks, MOCK_ACCOUNT, unwrapSecrets } from "./capture";
import type { StackConfigFile } from "./stack-files";

export const PROJECT_NAME = "agent-dr";

export interface OfflineRun {
  stack: string;
  resources: CapturedResource[];
  outputs: Record<string, unknown>;
  /** The program's own error (invalid config stops it before any resource). */
  error?: Error;
}

/** The account the stack deploys to, as its OIDC provider ARN names it (the mock default otherwise). */
export function stackAccount(file: StackConfigFile): string {
  let oidc: { providerArn?: unknown } | undefined;
  try {
    oidc = JSON.parse(file.config["agent-dr:oidc"] ?? "null") ?? undefined;
  } catch {
    // Malformed config is reported by the config parser, with the key; the mocks need no account from it.
  }
  const m = typeof oidc?.providerArn === "string" ? /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(oidc.providerArn) : null;
  return m ? m[1] : MOCK_ACCOUNT;
}

/**
 * Run the Pulumi program under the mock runtime, as `pulumi preview` would run it but offline:
 * config set first, mocks second, program loaded last (each step depends on the one before).
 * `load` returns the program (index.ts: a function; run once per call, so one process can run
 * many configurations without reloading the Pulumi SDK).
 */
export async function runOffline(stack: string, stackConfig: StackConfigFile, load: () => unknown): Promise<OfflineRun> {
  pulumi.runtime.setAllConfig(stackConfig.config, stackConfig.secretKeys);
  const resources = await installCapturingMocks(pulumi.runtime, PROJECT_NAME, stack, stackAccount(stackConfig));
  let exportsOfProgram: Record<string, unknown> = {};
  try {
    // The program is a function (index.ts), as `pulumi` runs it: each run declares its resources anew.
    const loaded = load();
    exportsOfProgram = ((typeof loaded === "function" ? await (loaded as () => unknown)() : loaded) ?? {}) as Record<string, unknown>;
  } catch (e) {
    // Resources declared before the error still have registrations in flight: let them finish
    // against these mocks, or they land on the next run's and name resources it never saw.
    await waitForRegistrations().catch(() => undefined);
    return { stack, resources, outputs: {}, error: e as Error };
  }
  const outputs = await resolveOutputs(exportsOfProgram);
  await waitForRegistrations();
  return { stack, resources, outputs };
}

async function resolveOutputs(exported: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(exported)) {
    if (k === "__esModule") continue;
    out[k] = unwrapSecrets(await settle(v));
  }
  return out;
}

function settle(v: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(v)) return new Promise((resolve) => (v as pulumi.Output<unknown>).apply((x) => resolve(x)));
  return Promise.resolve(v);
}

/** Wait until every outstanding registration RPC has finished (the SDK tracks them). */
async function waitForRegistrations(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
  if (settings.waitForRPCs) await settings.waitForRPCs();
}
