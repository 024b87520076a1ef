import type { PostgresSettings } from "../../../dr/settings";
import { DataClass, serializeTargets, TARGETS_ANNOTATION } from "../../../dr/targets";
import type { EnvVar } from "./env";
import { clusterPodLabels, EXPORTER_IMAGE, EXPORTER_PORT, EXPORTER_QUERIES_CONFIGMAP, EXPORTER_USER, ownerRole, SPILO_GID, SPILO_UID, stackRoleSecretName } from "../../../contract/postgres";
import { renderPostgresParameters } from "./parameters";
import { renderCrPatroni } from "./patroni";

/** What a postgresql resource is for; the policy pack reads the primary's settings. */
export type ClusterRole = "primary" | "standby" | "clone";
export const CLUSTER_ROLE_LABEL = "agent-dr/postgres-role";

export interface PostgresqlInput {
  clusterName: string;
  role: ClusterRole;
  version: string;
  volumeSize: string;
  settings: PostgresSettings;
  extraParameters: Record<string, string>;
  /** The postgres data classes this cluster serves (databases, owner roles, targets annotation). */
  classes: DataClass[];
  env: EnvVar[];
  labels: Record<string, string>;
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  /** Standby cluster: stream from the source's primary and/or replay its archive. */
  standby?: { host?: string; port?: number; s3WalPath?: string };
  /** Point-in-time clone of another cluster from its archive. */
  clone?: { cluster: string; timestamp: string; s3WalPath: string };
}

/** Team the operator files the clusters under (the CRD requires one). */
export const TEAM_ID = "agent";

/**
 * The `postgresql` custom resource (acid.zalan.do/v1) for a cluster. Pure: the component passes
 * resolved values, the tests validate the result against the operator's CRD schema.
 */
export function renderPostgresql(input: PostgresqlInput): { metadata: Record<string, any>; spec: Record<string, any> } {
  const { settings } = input;
  const databases: Record<string, string> = {};
  const users: Record<string, string[]> = {};
  for (const c of input.classes) {
    if (!c.database) continue;
    databases[c.database] = ownerRole(c.database);
    users[ownerRole(c.database)] = [];
  }
  const spec: Record<string, any> = {
    teamId: TEAM_ID,
    numberOfInstances: settings.instances,
    postgresql: { version: input.version, parameters: renderPostgresParameters(settings, input.extraParameters) },
    patroni: renderCrPatroni(settings),
    volume: { size: input.volumeSize },
    resources: input.resources,
    users,
    databases,
    enableConnectionPooler: settings.poolerInstances > 0,
    ...(settings.poolerInstances > 0 ? { connectionPooler: { numberOfInstances: settings.poolerInstances, mode: "transaction" } } : {}),
    env: input.env,
    // The pod's securityContext, which the operator builds from these: every container of the pod,
    // Spilo and the exporter, runs as Spilo's postgres user and group, never as root. (The CRD's
    // Sidecar type has no securityContext of its own; the operator's spilo_* settings harden the
    // Spilo container: components/postgres/render/operator.ts.)
    spiloRunAsUser: SPILO_UID,
    spiloRunAsGroup: SPILO_GID,
    spiloFSGroup: SPILO_GID,
    // postgres_exporter beside each member: the signals' alert rules read its custom queries
    // (archive age, replication and standby lag, base backup age). It connects as the exporter
    // role (pg_monitor, created by the configure Job), not as the superuser the operator also
    // injects into sidecars (POSTGRES_USER / POSTGRES_PASSWORD).
    sidecars: [
      {
        name: "postgres-exporter",
        image: EXPORTER_IMAGE,
        ports: [{ name: "exporter", containerPort: EXPORTER_PORT, protocol: "TCP" }],
        env: [
          { name: "DATA_SOURCE_URI", value: "localhost:5432/postgres?sslmode=require" },
          { name: "DATA_SOURCE_USER", value: EXPORTER_USER },
          { name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: stackRoleSecretName(EXPORTER_USER, input.clusterName), key: "password" } } },
          { name: "PG_EXPORTER_EXTEND_QUERY_PATH", value: "/etc/postgres-exporter/queries.yaml" },
        ],
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
      },
    ],
    additionalVolumes: [
      {
        name: "exporter-queries",
        mountPath: "/etc/postgres-exporter",
        targetContainers: ["postgres-exporter"],
        volumeSource: { configMap: { name: EXPORTER_QUERIES_CONFIGMAP } },
      },
    ],
  };
  if (settings.spreadAcrossZones) {
    // One member per zone at most (skew 1): losing a zone takes at most one member with it.
    spec.topologySpreadConstraints = [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: clusterPodLabels(input.clusterName) },
      },
    ];
  }
  if (input.standby) {
    spec.standby = {
      ...(input.standby.host ? { standby_host: input.standby.host, standby_port: String(input.standby.port ?? 5432) } : {}),
      ...(input.standby.s3WalPath ? { s3_wal_path: input.standby.s3WalPath } : {}),
    };
  }
  if (input.clone) {
    spec.clone = { cluster: input.clone.cluster, timestamp: normaliseTimestamp(input.clone.timestamp), s3_wal_path: input.clone.s3WalPath };
  }
  return {
    metadata: {
      name: input.clusterName,
      labels: { ...input.labels, [CLUSTER_ROLE_LABEL]: input.role },
      annotations: { [TARGETS_ANNOTATION]: serializeTargets(input.classes) },
    },
    spec,
  };
}

/** The CRD wants RFC 3339 with a numeric offset (no "Z", no space): 2026-11-26T10:00:00+00:00. */
export function normaliseTimestamp(t: string): string {
  let out = t.replace(" ", "T").replace(/Z$/, "+00:00");
  out = out.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  return out;
}
