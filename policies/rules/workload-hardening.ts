import type { ObservedResource } from "../observe";
import { objectName } from "../lib/resources";
import { resourcePolicy } from "../lib/define";
import { TYPES } from "../../contract/resource-types";

/** Where each workload kind keeps its pod spec. */
const POD_SPEC: Record<string, (spec: any) => any> = {
  "kubernetes:core/v1:Pod": (spec) => spec,
  "kubernetes:batch/v1:Job": (spec) => spec?.template?.spec,
  "kubernetes:batch/v1:CronJob": (spec) => spec?.jobTemplate?.spec?.template?.spec,
  "kubernetes:apps/v1:Deployment": (spec) => spec?.template?.spec,
  "kubernetes:apps/v1:StatefulSet": (spec) => spec?.template?.spec,
  "kubernetes:apps/v1:DaemonSet": (spec) => spec?.template?.spec,
  "kubernetes:apps/v1:ReplicaSet": (spec) => spec?.template?.spec,
};
export const HARDENED_TYPES = [...Object.keys(POD_SPEC), TYPES.postgresql, TYPES.helmRelease];

const FIX_CONTAINER = 'securityContext { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true (an emptyDir for each path it writes, /tmp included), capabilities: { drop: ["ALL"] } }';
const FIX_POD = 'securityContext { runAsNonRoot: true, runAsUser/fsGroup the image\'s non-root user, seccompProfile: { type: "RuntimeDefault" } }';

/** What a container's own securityContext lacks. */
function containerGaps(c: any): string[] {
  const sc = c.securityContext ?? {};
  const gaps: string[] = [];
  if (sc.privileged === true) gaps.push("runs privileged");
  if (sc.allowPrivilegeEscalation !== false) gaps.push("allowPrivilegeEscalation is not false");
  if (sc.readOnlyRootFilesystem !== true) gaps.push("readOnlyRootFilesystem is not true");
  if (!(sc.capabilities?.drop ?? []).includes("ALL")) gaps.push("capabilities do not drop ALL");
  if ((sc.capabilities?.add ?? []).length > 0) gaps.push(`adds capabilities ${sc.capabilities.add.join(", ")}`);
  if (sc.runAsUser === 0) gaps.push("runs as uid 0");
  return gaps;
}

/**
 * A pod spec's gaps: the pod (or every container) must refuse root and run with the runtime's
 * seccomp profile, no host namespaces; each container, native sidecars and init containers
 * included, without privilege escalation, capabilities or a writable root filesystem.
 */
export function podSpecGaps(pod: any): { pod: string[]; containers: Array<{ name: string; gaps: string[] }> } {
  const containers: any[] = [...(pod?.initContainers ?? []), ...(pod?.containers ?? []), ...(pod?.ephemeralContainers ?? [])];
  const psc = pod?.securityContext ?? {};
  const podGaps: string[] = [];
  for (const host of ["hostNetwork", "hostPID", "hostIPC"]) if (pod?.[host] === true) podGaps.push(`${host} is true`);
  if (psc.runAsNonRoot !== true && !containers.every((c) => c.securityContext?.runAsNonRoot === true)) podGaps.push("runAsNonRoot is not true");
  if (psc.runAsUser === 0) podGaps.push("runs as uid 0");
  const seccomp = (s: any) => ["RuntimeDefault", "Localhost"].includes(s?.seccompProfile?.type);
  if (!seccomp(psc) && !containers.every((c) => seccomp(c.securityContext))) podGaps.push("no RuntimeDefault (or Localhost) seccomp profile");
  return { pod: podGaps, containers: containers.map((c) => ({ name: c.name, gaps: containerGaps(c) })).filter((c) => c.gaps.length > 0) };
}

/**
 * Every Job, CronJob and workload the stack renders runs hardened: non-root, seccomp, no privilege
 * escalation, no capabilities, read-only root filesystem. For Spilo pods, what the operator offers:
 * the postgresql resource's spiloRunAsUser/Group/FSGroup (the pod securityContext the operator
 * builds, which its sidecars share; the CRD's Sidecar type has no securityContext of its own), and
 * the operator's spilo_privileged and spilo_allow_privilege_escalation, set false by its Helm values.
 */
export function checkWorkloadHardening(r: ObservedResource, report: (m: string) => void): void {
  const kind = r.type.split(":").pop();
  const name = `${kind} ${objectName(r)}`;
  if (r.type === TYPES.postgresql) {
    const s = r.inputs.spec ?? {};
    const gaps = [
      ...(typeof s.spiloRunAsUser === "number" && s.spiloRunAsUser > 0 ? [] : ["spiloRunAsUser is not a non-root uid"]),
      ...(typeof s.spiloRunAsGroup === "number" && s.spiloRunAsGroup > 0 ? [] : ["spiloRunAsGroup is not set"]),
      ...(typeof s.spiloFSGroup === "number" && s.spiloFSGroup > 0 ? [] : ["spiloFSGroup is not set"]),
    ];
    if (gaps.length > 0) report(`${name}: ${gaps.join("; ")}: Spilo and its sidecars run as root. Fix: spiloRunAsUser 101, spiloRunAsGroup 103, spiloFSGroup 103 (Spilo's postgres user; components/postgres/render/manifest.ts).`);
    return;
  }
  if (r.type === TYPES.helmRelease) {
    const values = r.inputs.values ?? {};
    const k = values.configKubernetes ?? {};
    const gaps = [
      ...(k.spilo_privileged === false ? [] : ["spilo_privileged is not false"]),
      ...(k.spilo_allow_privilege_escalation === false ? [] : ["spilo_allow_privilege_escalation is not false (the chart's default is true)"]),
      ...(typeof k.spilo_runasuser === "number" && k.spilo_runasuser > 0 ? [] : ["spilo_runasuser is not a non-root uid"]),
      ...containerGaps({ securityContext: values.securityContext }).map((g) => `the operator container ${g}`),
    ];
    if (gaps.length > 0) report(`Helm release ${objectName(r)} (postgres-operator): ${gaps.join("; ")}. Fix: configKubernetes { spilo_runasuser: 101, spilo_runasgroup: 103, spilo_fsgroup: 103, spilo_privileged: false, spilo_allow_privilege_escalation: false } and the operator's ${FIX_CONTAINER} (components/postgres/render/operator.ts).`);
    return;
  }
  const pod = POD_SPEC[r.type]?.(r.inputs.spec);
  if (!pod) return;
  const gaps = podSpecGaps(pod);
  if (gaps.pod.length > 0) report(`${name}: the pod's ${gaps.pod.join("; ")}. Fix: ${FIX_POD}.`);
  for (const c of gaps.containers) report(`${name}, container ${c.name}: ${c.gaps.join("; ")}. Fix: ${FIX_CONTAINER}.`);
}

export const workloadHardening = resourcePolicy({
  name: "workload-hardening",
  description: "Every Job, CronJob and workload runs non-root with seccomp, no privilege escalation, no capabilities and a read-only root; Spilo pods as far as the operator offers.",
  severity: "high",
  skip: (r) =>
    !HARDENED_TYPES.includes(r.type)
      ? "only Pods, Jobs, CronJobs, Deployments, StatefulSets, DaemonSets, ReplicaSets, postgresql resources and Helm releases"
      : r.type === TYPES.helmRelease && r.inputs.chart !== "postgres-operator"
        ? "only the postgres-operator chart"
        : undefined,
  check: checkWorkloadHardening,
});
