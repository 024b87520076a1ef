import * as fs from "fs";
import { parseStackConfig, StackConfig, CONFIG_NAMESPACE } from "../dr/targets";
import { readStackFile, stackFilePath } from "../offline/stack-files";
import type { RunbookTargets } from "../contract/runbooks";
import { stackRunbookTargets } from "../components/controller/targets";

/** The validated config of a stack file (Pulumi.<stack>.yaml unless a file is given). */
export function stackConfig(stack: string, file?: string): StackConfig {
  const path = file ?? stackFilePath(stack);
  if (!fs.existsSync(path)) throw new Error(`--stack ${stack}: no stack file ${path}; expected one of the Pulumi.<stack>.yaml files or --config-file`);
  const { config } = readStackFile(path);
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    const v = value.trim();
    raw[key.slice(CONFIG_NAMESPACE.length + 1)] = v.startsWith("{") || v.startsWith("[") ? JSON.parse(v) : value;
  }
  return parseStackConfig(raw, stack);
}

/** The stack's runbook targets, with its scheduled faults, as the stack writes them into the targets ConfigMap. */
export function targetsForStack(stack: string, file?: string): RunbookTargets {
  return stackRunbookTargets(stackConfig(stack, file));
}

/** The targets file the stack mounts into the controller and DR test pods (components/controller/render.ts). */
export function targetsFromFile(file: string): RunbookTargets {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as RunbookTargets;
  } catch (e) {
    throw new Error(`RUNBOOK_TARGETS_FILE ${file}: expected the JSON the stack writes into the targets ConfigMap (${(e as Error).message})`);
  }
}
