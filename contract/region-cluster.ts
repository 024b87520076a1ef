import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** Which of the stack's regions: the primary, or the DR region that takes over when it is lost. */
export type RegionRole = "primary" | "dr";

/**
 * One region's Kubernetes cluster as the tiers see it. Here, not in components/platform.ts, so
 * the tiers the platform composes can take it without importing the platform back.
 */
export interface RegionCluster {
  region: string;
  provider: k8s.Provider;
  namespace: pulumi.Output<string>;
}
