/**
 * A resource as the mock runtime (offline/capture.ts) captures it, with its inputs. Here because
 * the plan (offline/) and the IAM request matrix (access/) both read it, and the plan runs the
 * matrix: neither may import the other's home for it.
 */
export interface CapturedResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  provider?: string;
  custom: boolean;
  inputs: Record<string, any>;
  /** Top-level input keys that arrived as Pulumi secrets (before unwrapping). */
  secretInputs: string[];
}

/** The key id the mocks give a KMS key resource (its ARN ends in key/<this>). */
export function mockKeyId(resourceName: string): string {
  return `${resourceName}-key-id`;
}
