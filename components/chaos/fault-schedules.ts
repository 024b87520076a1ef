import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { FaultScheduleEntry } from "../../contract/probe";
import { chaosMeshValues, FaultTargets, renderFaultSchedules } from "./render";

/** Chaos Mesh's chart repository. */
export const CHAOS_MESH_REPO = "https://charts.chaos-mesh.org";

export interface FaultSchedulesArgs {
  provider: k8s.Provider;
  /** The scheduled faults (faultSchedule): the same list the recovery probe's config carries; those Chaos Mesh can not inject (faultChaos) get no Schedule. */
  faults: FaultScheduleEntry[];
  targets: FaultTargets;
  /** Install Chaos Mesh by its Helm chart, namespace-scoped to targets.namespace. */
  install?: { chartVersion: string; namespace: string };
  labels: Record<string, string>;
}

/**
 * The in-cluster measured DR tests: one Chaos Mesh Schedule per scheduled fault in the primary
 * region's tier namespace, and optionally Chaos Mesh itself. The recovery probe measures each.
 */
export class FaultSchedules extends pulumi.ComponentResource {
  readonly scheduleNames: string[];

  constructor(name: string, args: FaultSchedulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:chaos:FaultSchedules", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const chart = args.install
      ? new k8s.helm.v3.Release(
          `${name}-chaos-mesh`,
          {
            name: "chaos-mesh",
            chart: "chaos-mesh",
            version: args.install.chartVersion,
            repositoryOpts: { repo: CHAOS_MESH_REPO },
            namespace: args.install.namespace,
            createNamespace: true,
            values: chaosMeshValues(args.targets.namespace),
          },
          child,
        )
      : undefined;
    const schedules = renderFaultSchedules(args.faults, args.targets, args.labels);
    for (const s of schedules) {
      // The CRDs come with the chart: a Schedule applied before them would be refused.
      new k8s.apiextensions.CustomResource(`${name}-${s.metadata.name}`, s as k8s.apiextensions.CustomResourceArgs, { ...child, ...(chart ? { dependsOn: [chart] } : {}) });
    }
    this.scheduleNames = schedules.map((s) => s.metadata.name as string);
    this.registerOutputs({ scheduleNames: this.scheduleNames });
  }
}
