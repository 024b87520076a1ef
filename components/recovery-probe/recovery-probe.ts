import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DrSettings } from "../../dr/settings";
import type { StackConfig } from "../../dr/targets";
import { PROBE_NAME, PROBE_REPORT_PREFIX, type ProbeConfig } from "../../contract/probe";
import type { RegionCluster } from "../../contract/region-cluster";
import { REDIS_PREFIX, redisNames } from "../../contract/redis";
import { irsaTrustPolicy, probeReportPolicy } from "../backup/iam-documents";
import { roleName } from "../backup/names";
import { CONTROLLER_IMAGE } from "../controller/image";
import { baseLabels, baseTags } from "../tags";
import { probeConfig } from "./probe-config";
import { PROBE_COMPONENT, renderProbeConfigMap, renderProbeDeployment, renderProbeNetworkPolicy, renderProbePodMonitor, renderProbeService, renderProbeServiceAccount, type ProbeRenderInput } from "./render";

export interface RecoveryProbeArgs {
  config: StackConfig;
  settings: DrSettings;
  /** The primary region's cluster: the probe measures the stores clients use there. */
  cluster: RegionCluster;
  /** The primary region's backup bucket, its ARN and KMS key ARN, for the JSON reports. */
  reportBucket?: { name: pulumi.Input<string>; arn: pulumi.Input<string>; kmsKeyArn: pulumi.Input<string> };
  /** Scheduled faults to attribute outages to (fault, cron, duration); none: every outage is "unplanned". */
  faults?: ProbeConfig["faults"];
  /** Image built from runbooks/Containerfile (runs cli/*.ts). */
  image?: string;
}

/**
 * The recovery probe in the primary region (docs/DRILLS.md, "The recovery probe"): a Deployment
 * writing canaries to every Postgres and Redis class, its ConfigMap (targets and the budget's
 * predictions; no secrets), a Service and PodMonitor for its metrics, a NetworkPolicy and, with
 * IRSA, a role that may only put reports under PROBE_REPORT_PREFIX<env>/.
 */
export class RecoveryProbe extends pulumi.ComponentResource {
  readonly roleArn?: pulumi.Output<string>;

  constructor(name: string, args: RecoveryProbeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:probe:RecoveryProbe", name, {}, opts);
    const { config, settings } = args;
    const labels = baseLabels(config, PROBE_COMPONENT);
    const child = { parent: this, provider: args.cluster.provider };
    const namespace = config.clusters.primary.namespace;
    const prefix = `${PROBE_REPORT_PREFIX}${config.environment}/`;

    if (args.reportBucket && config.oidc) {
      const role = new aws.iam.Role(
        `${name}-reports`,
        {
          name: roleName(config, "recovery-probe"),
          description: `Recovery probe: put its JSON reports under ${prefix} of the backup bucket, nothing else`,
          assumeRolePolicy: JSON.stringify(irsaTrustPolicy({ providerArn: config.oidc.providerArn, issuerUrl: config.oidc.issuerUrl }, namespace, PROBE_NAME)),
          tags: baseTags(config),
        },
        { parent: this },
      );
      const access = pulumi.all([args.reportBucket.arn, args.reportBucket.kmsKeyArn]).apply(([bucketArn, keyArn]) => ({ bucketArn, keyArn, region: config.regions.primary, prefix }));
      new aws.iam.RolePolicy(`${name}-reports-policy`, { role: role.name, name: `${roleName(config, "recovery-probe")}-s3`, policy: access.apply((a) => JSON.stringify(probeReportPolicy(a))) }, { parent: this });
      this.roleArn = role.arn;
    }

    const input: pulumi.Output<ProbeRenderInput> = pulumi
      .all([args.cluster.namespace, args.reportBucket?.name ?? "", args.reportBucket?.kmsKeyArn ?? "", this.roleArn ?? ""])
      .apply(([ns, bucket, keyArn, roleArn]) => ({
        namespace: ns,
        image: args.image ?? CONTROLLER_IMAGE,
        labels,
        probe: probeConfig({ config, settings, namespace: ns, faults: args.faults ?? [], ...(bucket && roleArn ? { reportBucket: bucket, reportKmsKeyArn: keyArn } : {}) }),
        ...(settings.postgres ? { postgres: { cluster: config.postgres.clusterName, pooler: settings.postgres.poolerInstances > 0 } } : {}),
        ...(settings.redis ? { redis: { secret: redisNames(REDIS_PREFIX).secret, prefix: REDIS_PREFIX } } : {}),
        ...(roleArn ? { roleArn } : {}),
        network: { monitoringNamespace: config.network.monitoringNamespace, monitoringPodLabels: config.network.monitoringPodLabels, awsApiCidrs: config.network.awsApiCidrs },
        prometheusOperator: config.signals.prometheusOperator,
      }));

    const cm = input.apply(renderProbeConfigMap);
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: cm.metadata, data: cm.data }, child);
    const sa = input.apply(renderProbeServiceAccount);
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: sa.metadata, automountServiceAccountToken: sa.automountServiceAccountToken }, child);
    const svc = input.apply(renderProbeService);
    new k8s.core.v1.Service(`${name}-svc`, { metadata: svc.metadata, spec: svc.spec as any }, child);
    // The NetworkPolicy is rendered from names alone; its namespace is the region's.
    const np = input.apply(renderProbeNetworkPolicy);
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: pulumi.all([np, args.cluster.namespace]).apply(([p, ns]) => ({ ...p.metadata, namespace: ns })), spec: np.apply((p) => p.spec as any) }, child);
    const d = input.apply(renderProbeDeployment);
    new k8s.apps.v1.Deployment(`${name}-deployment`, { metadata: d.metadata, spec: d.spec as any }, { ...child, dependsOn: [configMap, serviceAccount] });
    if (config.signals.prometheusOperator) {
      const pm = input.apply(renderProbePodMonitor);
      new k8s.apiextensions.CustomResource(`${name}-podmonitor`, { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: pm.metadata, spec: pm.spec }, child);
    }
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
