import type { PostgresSettings } from "../../../dr/settings";
import { SERVICE_ACCOUNTS, SPILO_GID, SPILO_IMAGE, SPILO_UID } from "../../../contract/postgres";

export interface OperatorValuesInput {
  region: string;
  /** Namespaces whose postgresql resources the operator manages. */
  watchedNamespace: string;
  settings: PostgresSettings;
}

/**
 * Helm values for the postgres-operator chart. WAL-G's bucket and credentials are per cluster
 * (spec.env, which the operator ranks above these), so a primary and its DR standby can archive to
 * their own region's bucket; here only what every cluster shares.
 */
export function renderOperatorValues(input: OperatorValuesInput) {
  return {
    // The pods' ServiceAccount: IRSA for WAL-G hangs on it. The component creates it with the
    // role annotation; the operator finds it present and leaves it alone.
    podServiceAccount: { name: SERVICE_ACCOUNTS.walg },
    configGeneral: {
      docker_image: SPILO_IMAGE,
      // Operator v2 default; Endpoints are deprecated since Kubernetes 1.33 (spilo.md section 6).
      kubernetes_use_configmaps: true,
    },
    configKubernetes: {
      watched_namespace: input.watchedNamespace,
      enable_pod_disruption_budget: true,
      // Patroni >= 4.1 answers /readiness with replication lag in mind: lagging replicas leave the replica Service.
      enable_readiness_probe: true,
      enable_cross_namespace_secret: false,
      // Harden every Spilo pod the operator runs (clones included), as far as the operator offers:
      // Spilo's postgres user and group instead of root (Spilo runs cron unprivileged then), no
      // privileged mode, no privilege escalation (Spilo skips only its renice job without it).
      spilo_runasuser: SPILO_UID,
      spilo_runasgroup: SPILO_GID,
      spilo_fsgroup: SPILO_GID,
      spilo_privileged: false,
      spilo_allow_privilege_escalation: false,
    },
    configAwsOrGcp: {
      aws_region: input.region,
    },
    configPatroni: {
      enable_patroni_failsafe_mode: input.settings.failsafeMode,
    },
    configConnectionPooler: {
      connection_pooler_mode: "transaction",
      connection_pooler_number_of_instances: Math.max(1, input.settings.poolerInstances),
    },
    configTeamsApi: { enable_teams_api: false },
    // The stack runs its own logical backup and restore drill (components/postgres/scripts).
    configLogicalBackup: {},
    // The operator's own container (the chart's default plus what it leaves out).
    securityContext: {
      runAsUser: 1000,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
}
