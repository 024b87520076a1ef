import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, ConfigError, parseStackConfig, StackConfig } from "../dr/targets";

/**
 * Every `agent-dr:*` key of the stack, structured values parsed. Read through the runtime rather
 * than pulumi.Config so that a secret nested in `clusters` (a kubeconfig) is read without the
 * "use getSecret" warning; the component wraps it in pulumi.secret before use.
 */
export function readRawStackConfig(): Record<string, unknown> {
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(prefix)) continue;
    raw[key.slice(prefix.length)] = parseValue(value);
  }
  return raw;
}

function parseValue(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

/** Validate the stack config; on error stop the program before any resource exists. */
export function loadStackConfig(): StackConfig {
  try {
    return parseStackConfig(readRawStackConfig(), pulumi.getStack());
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}
