import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, rawConfigFrom, StackConfig } from "../dr/targets";

/**
 * Every `agent-dr:*` key of the stack, structured values parsed. Read through the runtime rather
 * than pulumi.Config so that a secret nested in `clusters` (a kubeconfig) is read without the
 * "use getSecret" warning; the component wraps it in pulumi.secret before use.
 */
export function readRawStackConfig(): Record<string, unknown> {
  return rawConfigFrom(pulumi.runtime.allConfig());
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
