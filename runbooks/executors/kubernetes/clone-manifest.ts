import type { CloneSpec } from "../types";

/**
 * The operator's clone timestamp pattern wants a numeric offset (RFC 3339 with +hh:mm; "Z" is
 * refused by the CRD), so normalise Z and +hhmm.
 */
export function operatorTimestamp(iso: string): string {
  const t = iso.replace(" ", "T");
  if (/[Zz]$/.test(t)) return t.slice(0, -1) + "+00:00";
  return t.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
}

/**
 * A postgresql resource that restores `spec.source` as of `spec.targetTime` under a new name:
 * same team, version, volume and resources as the source, one instance (a restore copy for
 * inspection, not a second production cluster), clone.uid so the operator finds the source's
 * WAL path in S3.
 */
export function renderCloneManifest(source: { metadata: { name: string; namespace?: string; uid?: string }; spec: Record<string, any> }, spec: CloneSpec): Record<string, any> {
  const s = source.spec;
  return {
    apiVersion: "acid.zalan.do/v1",
    kind: "postgresql",
    metadata: {
      name: spec.name,
      ...(source.metadata.namespace ? { namespace: source.metadata.namespace } : {}),
      labels: { "app.kubernetes.io/part-of": "agent-dr", "app.kubernetes.io/component": "pitr-clone", "agent-dr/clone-of": spec.source },
      annotations: { "agent-dr/clone-target-time": spec.targetTime },
    },
    spec: {
      teamId: s.teamId,
      numberOfInstances: 1,
      postgresql: s.postgresql,
      volume: s.volume,
      ...(s.resources ? { resources: s.resources } : {}),
      ...(s.users ? { users: s.users } : {}),
      ...(s.env ? { env: s.env } : {}),
      clone: {
        cluster: spec.source,
        timestamp: operatorTimestamp(spec.targetTime),
        ...(source.metadata.uid ? { uid: source.metadata.uid } : {}),
      },
    },
  };
}
