import { clusterPodLabels } from "../../contract/postgres";
import { CHAOS_FAULTS, type ChaosFault, type FaultScheduleEntry, PROBE_APP_LABEL } from "../../contract/probe";

/** Chaos Mesh's API group and version of every object rendered here (CRDs vendored in schemas/chaos-mesh). */
export const CHAOS_API_VERSION = "chaos-mesh.org/v1alpha1";
/** Label on each Schedule naming its fault (and on the chaos objects Chaos Mesh creates from it). */
export const FAULT_LABEL = "agent-dr/fault";
/** Spilo labels the Patroni leader's pod spilo-role=master and the others replica. */
const SPILO_ROLE_LABEL = "spilo-role";

/** Where the faults land: the primary region's tier namespace and what each tier is called there. */
export interface FaultTargets {
  namespace: string;
  /** The Patroni cluster's name (the operator's cluster-name label). */
  postgresCluster?: string;
  /** Where the Kubernetes API server is: Spilo's DCS (network.apiServerCidrs). The partition cuts the leader off from it too. */
  dcsCidrs?: string[];
  /** The gateway pods' labels and the primary provider's host name (first in the chain). */
  llmGateway?: { podLabels: Record<string, string>; primaryProviderHost: string };
}

/** A Chaos Mesh pod selector: the tier namespace only, and never the recovery probe's pods. */
function selector(namespace: string, labels: Record<string, string>) {
  return {
    namespaces: [namespace],
    labelSelectors: labels,
    // The probe measures the outage; a fault that took the probe down would measure nothing.
    expressionSelectors: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: [PROBE_APP_LABEL] }],
  };
}

/** The chaos spec a Schedule embeds for a fault (type and the spec under its key), or why there is none. */
export function faultChaos(entry: FaultScheduleEntry, t: FaultTargets): { type: "PodChaos" | "NetworkChaos"; key: "podChaos" | "networkChaos"; spec: Record<string, unknown> } | string {
  const duration = `${entry.durationSeconds}s`;
  switch (entry.fault) {
    case "postgres-leader-kill": {
      if (!t.postgresCluster) return "no PostgreSQL cluster in this stack";
      return {
        type: "PodChaos",
        key: "podChaos",
        // gracePeriod 0: the leader gets no chance to hand over, as when its node dies.
        spec: { action: "pod-kill", mode: "one", gracePeriod: 0, selector: selector(t.namespace, { ...clusterPodLabels(t.postgresCluster), [SPILO_ROLE_LABEL]: "master" }) },
      };
    }
    case "postgres-leader-partition": {
      if (!t.postgresCluster) return "no PostgreSQL cluster in this stack";
      return {
        type: "NetworkChaos",
        key: "networkChaos",
        spec: {
          action: "partition",
          mode: "one",
          selector: selector(t.namespace, { ...clusterPodLabels(t.postgresCluster), [SPILO_ROLE_LABEL]: "master" }),
          direction: "both",
          target: { mode: "all", selector: selector(t.namespace, { ...clusterPodLabels(t.postgresCluster), [SPILO_ROLE_LABEL]: "replica" }) },
          // The DCS too, or the isolated leader keeps its lock and nothing fails over. Chaos Mesh
          // drops partition traffic to external targets in both directions (partition/impl.go SetDrop).
          ...(t.dcsCidrs?.length ? { externalTargets: [...t.dcsCidrs] } : {}),
          // Bounded: Chaos Mesh heals the partition itself when this elapses.
          duration,
        },
      };
    }
    case "redis-primary-kill":
      return "the Redis tier labels no pod with its role, so no selector picks the primary: the DR test CronJob redis-primary-kill injects it (components/controller)";
    case "llm-provider-egress-block": {
      if (!t.llmGateway) return "no LLM gateway in this stack";
      return {
        type: "NetworkChaos",
        key: "networkChaos",
        spec: {
          action: "partition",
          mode: "all",
          selector: selector(t.namespace, t.llmGateway.podLabels),
          // externalTargets apply to direction "to" only (Chaos Mesh): the gateway's egress to the host.
          direction: "to",
          externalTargets: [t.llmGateway.primaryProviderHost],
          duration,
        },
      };
    }
  }
}

/** Object name of a fault's Schedule. */
export function faultScheduleName(fault: ChaosFault): string {
  return `agent-dr-${fault}`;
}

/**
 * The Chaos Mesh Schedule of each scheduled fault Chaos Mesh injects (faultChaos; the others are
 * the DR test CronJobs'): concurrencyPolicy Forbid (a late run never
 * stacks on a running one), a short history, and a starting deadline so a controller that was down
 * at the time does not inject hours late, outside the window the probe attributes to the fault.
 */
export function renderFaultSchedules(entries: FaultScheduleEntry[], t: FaultTargets, labels: Record<string, string>): Array<Record<string, any>> {
  return entries.flatMap((entry) => {
    const chaos = faultChaos(entry, t);
    if (typeof chaos === "string") return [];
    return [
      {
        apiVersion: CHAOS_API_VERSION,
        kind: "Schedule",
        metadata: {
          name: faultScheduleName(entry.fault),
          namespace: t.namespace,
          labels: { ...labels, [FAULT_LABEL]: entry.fault },
          annotations: { "agent-dr/fault-description": CHAOS_FAULTS[entry.fault].description, "agent-dr/fault-scenario": CHAOS_FAULTS[entry.fault].scenario },
        },
        spec: {
          schedule: entry.schedule,
          startingDeadlineSeconds: 300,
          concurrencyPolicy: "Forbid",
          historyLimit: 3,
          type: chaos.type,
          [chaos.key]: chaos.spec,
        },
      },
    ];
  });
}

/** Host name of an https base URL (the provider's API, e.g. api.openai.com). */
export function providerHost(baseUrl: string): string {
  return new URL(baseUrl).hostname;
}

/**
 * Helm values of Chaos Mesh, namespace-scoped: its controller's RBAC is a Role in the tier
 * namespace only (clusterScoped false, targetNamespace), no dashboard, and containerd, the runtime
 * of EKS nodes since 1.24.
 */
export function chaosMeshValues(targetNamespace: string): Record<string, unknown> {
  return {
    clusterScoped: false,
    timezone: "UTC",
    rbac: { create: true },
    controllerManager: { targetNamespace, enableFilterNamespace: false },
    chaosDaemon: { runtime: "containerd", socketPath: "/run/containerd/containerd.sock" },
    dashboard: { create: false },
  };
}
