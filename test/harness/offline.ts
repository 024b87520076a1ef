import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { CapturedResource } from "../../offline/capture";
import type { OfflineRun } from "../../offline/run-program";

const ROOT = path.resolve(__dirname, "../..");

/** Deep-merge `patch` into a copy of `base` (objects merge, `null` deletes a key, everything else replaces). */
export function deepMerge(base: any, patch: any): any {
  if (patch === undefined) return base;
  if (base && typeof base === "object" && !Array.isArray(base) && patch && typeof patch === "object" && !Array.isArray(patch)) {
    const out: Record<string, any> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = deepMerge(base[k], v);
    }
    return out;
  }
  return patch;
}

const scratch: string[] = [];

/**
 * A temporary directory removed when the test file ends (the harness is loaded once per test
 * file, so each file cleans up after itself; thousands of stack files piled up in /tmp before).
 */
export function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
// Registered when a test file imports the harness (hooks can not be added from inside a test).
// Registered when a test file loads the harness at its top. A test that loads it again from inside
// a test (where hooks can not be added) leaves its few files to the OS's temp directory.
if (typeof afterAll === "function" && expect.getState().currentTestName === undefined) {
  afterAll(() => {
    for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
}

/**
 * Write a stack file: the shipped Pulumi.<stack>.yaml with `patch` (keys like "agent-dr:postgres")
 * deep-merged in. Returns its path.
 */
export function stackFileWith(stack: string, patch: Record<string, unknown> = {}): string {
  const doc = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  doc.config = deepMerge(doc.config, patch);
  const dir = scratchDir("agent-dr-stack-");
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

/**
 * Run the whole program under mocks for a stack (each call sets the config anew and runs the
 * program function again). `patch` deep-merges config keys into the shipped stack file.
 */
export async function runStack(stack: string, patch: Record<string, unknown> = {}): Promise<OfflineRun> {
  const file = stackFileWith(stack, patch);
  const { runOffline } = require("../../offline/run-program");
  const { readStackFile } = require("../../offline/stack-files");
  return runOffline(stack, readStackFile(file), () => require("../../index"));
}

/** The offline plan (resources, budget, violations) for a stack with `patch` applied. */
export async function planStack(stack: string, patch: Record<string, unknown> = {}) {
  const file = stackFileWith(stack, patch);
  const { plan } = require("../../offline/plan");
  return (await plan(stack, file, () => require("../../index"))) as import("../../offline/plan").PlanResult;
}

export function byType(resources: CapturedResource[], type: string): CapturedResource[] {
  return resources.filter((r) => r.type === type);
}

/** Resources below a component, by URN ancestry. */
export function childrenOf(resources: CapturedResource[], component: CapturedResource): CapturedResource[] {
  const out: CapturedResource[] = [];
  const walk = (urn: string) => {
    for (const r of resources) if (r.parent === urn) (out.push(r), walk(r.urn));
  };
  walk(component.urn);
  return out;
}

/**
 * runStack and planStack that run each distinct (stack, patch) once per test file: mock runs cost
 * seconds each on a loaded machine, and a file asks for the same one in several tests.
 */
export function runsOncePerFile() {
  const memo = <T>(fn: (stack: string, patch?: Record<string, unknown>) => Promise<T>) => {
    const cache = new Map<string, Promise<T>>();
    return (stack: string, patch: Record<string, unknown> = {}) => {
      const key = `${stack} ${JSON.stringify(patch)}`;
      if (!cache.has(key)) cache.set(key, fn(stack, patch));
      return cache.get(key)!;
    };
  };
  return { runStack: memo(runStack), planStack: memo(planStack) };
}

/**
 * The stack run once under mocks before a describe's tests, and its components of one type: call
 * inside the describe; `run` and `components` are there from its first test on.
 */
export function componentsUnderMocks(stack: string, componentType: string, timeoutMs = 60_000): { readonly run: OfflineRun; readonly components: CapturedResource[] } {
  let run: OfflineRun | undefined;
  beforeAll(async () => {
    run = await runStack(stack);
  }, timeoutMs);
  return {
    get run() {
      if (!run) throw new Error(`the ${stack} mock run has not happened (componentsUnderMocks belongs inside a describe)`);
      return run;
    },
    get components() {
      return byType(this.run.resources, componentType);
    },
  };
}
