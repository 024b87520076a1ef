import * as policy from "@pulumi/policy";

const UnknownValueError: new (...args: any[]) => Error = (policy as any).UnknownValueError;

/**
 * Read a value that may still be unknown in a preview (computed by the provider, e.g. a new
 * bucket's ARN). The runtime's proxy throws on such a read, which would turn the whole policy into
 * an advisory "can't run during preview"; instead the caller gets `undefined` and skips only the
 * check that needs the value (it runs again at `pulumi up`, when the value is known).
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (UnknownValueError && e instanceof UnknownValueError) return undefined;
    throw e;
  }
}
