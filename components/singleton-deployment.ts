/**
 * A Deployment of exactly one pod that is never two at once (Recreate): for a process whose
 * second copy would act twice, the failover controller, or measure twice, the recovery probe.
 */
export function singletonDeployment(i: {
  name: string;
  namespace: string;
  /** The object's labels besides the selector. */
  labels: Record<string, string>;
  selector: Record<string, string>;
  pod: { labels: Record<string, string>; annotations?: Record<string, string>; spec: Record<string, unknown> };
}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: i.name, namespace: i.namespace, labels: { ...i.labels, ...i.selector } },
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: i.selector },
      template: { metadata: { labels: i.pod.labels, ...(i.pod.annotations ? { annotations: i.pod.annotations } : {}) }, spec: i.pod.spec },
    },
  };
}
