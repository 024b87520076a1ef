import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterAccess } from "../dr/targets";

/**
 * A Kubernetes provider for one region's cluster: a kubeconfig held as a Pulumi secret, or a
 * context of the ambient kubeconfig. Server-side apply stays on (the provider default).
 */
export function clusterProvider(name: string, access: ClusterAccess, parent: pulumi.Resource): k8s.Provider {
  return new k8s.Provider(
    name,
    {
      ...(access.kubeconfig ? { kubeconfig: pulumi.secret(access.kubeconfig) } : {}),
      ...(access.context ? { context: access.context } : {}),
      namespace: access.namespace,
    },
    { parent },
  );
}
