import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../dr/targets";
import { stackRunbookTargets } from "./targets";
import { irsaTrustPolicy } from "../backup/iam-documents";
import { partitionOf } from "../backup/names";
import type { RegionCluster } from "../../contract/region-cluster";
import { redisNames, redisPodNames, REDIS_PREFIX } from "../../contract/redis";
import { baseLabels, baseTags } from "../tags";
import { route53ControllerPolicy } from "./iam";
import { declareNetworkPolicy } from "../network";
import {
  CONTROLLER_NAME,
  ControllerRenderInput,
  DR_TESTS_NAME,
  renderControllerAdmission,
  renderControllerDeployment,
  renderControllerNetworkPolicy,
  renderControllerRole,
  renderDrTestCronJob,
  renderDrTestsAdmission,
  renderDrTestsNetworkPolicy,
  renderDrTestsRole,
  renderRoleBinding,
  renderServiceAccount,
  renderTargetsConfigMap,
} from "./render";
import { drTestSchedule } from "./schedule";
import { CONTROLLER_IMAGE } from "./image";

export interface FailoverControllerArgs {
  config: StackConfig;
  primary: RegionCluster;
  dr?: RegionCluster;
  /** Deploy the controller Deployment (agent-dr:failover.controller.enabled). */
  controller: boolean;
  /** Deploy the DR test CronJobs (default: staging only). */
  drTests: boolean;
  /** Image built from runbooks/Containerfile. */
  image?: string;
}

/**
 * The failover controller (in the DR region when there is one: it must outlive the primary
 * region) and the scheduled DR tests (in the primary region, where the tested systems run),
 * each with its own ServiceAccount and a Role holding only what its runbooks call.
 */
export class FailoverController extends pulumi.ComponentResource {
  readonly controllerNamespace?: pulumi.Output<string>;
  readonly cronJobNames: string[] = [];

  constructor(name: string, args: FailoverControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agent-dr:controller:FailoverController", name, {}, opts);
    const { config } = args;
    // With the scheduled faults: the fault-injecting DR tests check they run inside their window.
    const targets = stackRunbookTargets(config);
    const scheduledFaults = new Set((targets.faults ?? []).map((f) => f.fault));
    const redisKill = args.drTests && targets.redis !== undefined && scheduledFaults.has("redis-primary-kill");
    const image = args.image ?? CONTROLLER_IMAGE;
    const labels = baseLabels(config, "failover-controller");
    const redisSecret = config.redis.enabled ? redisNames(REDIS_PREFIX).secret : undefined;
    const base = (namespace: string, regionRole: "primary" | "dr", roleArn?: string): ControllerRenderInput => ({
      namespace,
      image,
      regionRole,
      regionPromotion: config.failover.regionPromotion,
      intervalSeconds: config.failover.controller.intervalSeconds,
      failureThreshold: config.failover.controller.failureThreshold,
      targets,
      labels,
      ...(roleArn ? { roleArn } : {}),
      ...(redisSecret ? { redisSecret, redisPrefix: REDIS_PREFIX } : {}),
      ...(redisKill && targets.redis ? { redisKillPods: redisPodNames(targets.redis.prefix, targets.redis.servers) } : {}),
      network: config.network,
    });
    // Cluster-scoped admission policies and their bindings (components/controller/admission.ts),
    // rendered with the namespace from config (the Namespace resource takes that name).
    const admission = (objects: ReturnType<typeof renderControllerAdmission>, opts: pulumi.CustomResourceOptions): pulumi.Resource[] =>
      objects.map((o) =>
        o.kind === "ValidatingAdmissionPolicy"
          ? new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(`${name}-vap-${o.metadata.name}`, { metadata: o.metadata, spec: o.spec as any }, opts)
          : new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(`${name}-vapb-${o.metadata.name}`, { metadata: o.metadata, spec: o.spec as any }, opts),
      );
    const configNamespace = (role: "primary" | "dr") => (role === "dr" ? config.clusters.dr?.namespace : undefined) ?? config.clusters.primary.namespace;

    const configMaps = new Map<string, k8s.core.v1.ConfigMap>();
    const targetsConfigMap = (region: RegionCluster, role: "primary" | "dr") => {
      const existing = configMaps.get(role);
      if (existing) return existing;
      const cm = pulumi.output(region.namespace).apply((ns) => renderTargetsConfigMap(base(ns, role)));
      const created = new k8s.core.v1.ConfigMap(`${name}-${role}-targets`, { metadata: cm.metadata, data: cm.data }, { parent: this, provider: region.provider });
      configMaps.set(role, created);
      return created;
    };

    if (args.controller) {
      const role: "primary" | "dr" = args.dr ? "dr" : "primary";
      const region = args.dr ?? args.primary;
      const oidc = config.oidc && (role === "dr" ? (config.oidc.drProviderArn && config.oidc.drIssuerUrl ? { providerArn: config.oidc.drProviderArn, issuerUrl: config.oidc.drIssuerUrl } : undefined) : { providerArn: config.oidc.providerArn, issuerUrl: config.oidc.issuerUrl });
      let roleArn: pulumi.Output<string> | undefined;
      if (targets.failoverEndpoint && oidc) {
        const ns = (role === "dr" ? config.clusters.dr?.namespace : config.clusters.primary.namespace) ?? config.clusters.primary.namespace;
        const iamRole = new aws.iam.Role(
          `${name}-route53`,
          {
            description: "Failover controller: read Route53 failover records and health checks, invert the primary check to force a failover",
            assumeRolePolicy: JSON.stringify(irsaTrustPolicy(oidc, ns, CONTROLLER_NAME)),
            tags: baseTags(config),
          },
          { parent: this },
        );
        new aws.iam.RolePolicy(`${name}-route53-policy`, { role: iamRole.name, policy: JSON.stringify(route53ControllerPolicy(targets.failoverEndpoint.zoneId, partitionOf(config.regions.primary))) }, { parent: this });
        roleArn = iamRole.arn;
      }
      const child = { parent: this, provider: region.provider };
      const input = pulumi.all([region.namespace, roleArn ?? pulumi.output("")]).apply(([ns, arn]) => base(ns, role, arn || undefined));
      const sa = input.apply((i) => renderServiceAccount(CONTROLLER_NAME, i));
      const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: sa.metadata, automountServiceAccountToken: sa.automountServiceAccountToken }, child);
      const r = input.apply((i) => renderControllerRole(i));
      const rbacRole = new k8s.rbac.v1.Role(`${name}-role`, { metadata: r.metadata, rules: r.rules }, child);
      const rb = input.apply((i) => renderRoleBinding(CONTROLLER_NAME, i));
      const binding = new k8s.rbac.v1.RoleBinding(`${name}-rolebinding`, { metadata: rb.metadata, roleRef: rb.roleRef, subjects: rb.subjects }, { ...child, dependsOn: [rbacRole, serviceAccount] });
      const guards = admission(renderControllerAdmission(base(configNamespace(role), role)), child);
      const np = input.apply((i) => renderControllerNetworkPolicy(i));
      new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: np.apply((p) => ({ ...p.metadata, namespace: region.namespace as any })), spec: np.apply((p) => p.spec as any) }, child);
      const cm = targetsConfigMap(region, role);
      const d = input.apply((i) => renderControllerDeployment(i));
      new k8s.apps.v1.Deployment(`${name}-deployment`, { metadata: d.metadata, spec: d.spec as any }, { ...child, dependsOn: [binding, cm, ...guards] });
      this.controllerNamespace = pulumi.output(region.namespace);
    }

    if (args.drTests) {
      const region = args.primary;
      const child = { parent: this, provider: region.provider };
      const input = pulumi.output(region.namespace).apply((ns) => base(ns, "primary"));
      const sa = input.apply((i) => renderServiceAccount(DR_TESTS_NAME, i));
      const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-dr-tests-sa`, { metadata: sa.metadata, automountServiceAccountToken: sa.automountServiceAccountToken }, child);
      const r = input.apply((i) => renderDrTestsRole(i));
      const rbacRole = new k8s.rbac.v1.Role(`${name}-dr-tests-role`, { metadata: r.metadata, rules: r.rules }, child);
      const rb = input.apply((i) => renderRoleBinding(DR_TESTS_NAME, i));
      const binding = new k8s.rbac.v1.RoleBinding(`${name}-dr-tests-rolebinding`, { metadata: rb.metadata, roleRef: rb.roleRef, subjects: rb.subjects }, { ...child, dependsOn: [rbacRole, serviceAccount] });
      const guards = admission(renderDrTestsAdmission(base(configNamespace("primary"), "primary")), child);
      const np = input.apply((i) => renderDrTestsNetworkPolicy(i));
      new k8s.networking.v1.NetworkPolicy(`${name}-dr-tests-netpol`, { metadata: np.apply((p) => ({ ...p.metadata, namespace: region.namespace as any })), spec: np.apply((p) => p.spec as any) }, child);
      const cm = targetsConfigMap(region, "primary");
      for (const test of drTestSchedule()) {
        // A test of a tier the stack does not run would only fail; a fault the stack does not schedule
        // (agent-dr:chaos.enabled false) is not injected, or the probe would call its outage unplanned.
        const redisTest = test.runbook === "redis-failover" || test.runbook === "redis-primary-kill";
        if ((redisTest && !targets.redis) || (!redisTest && !targets.postgres)) continue;
        if (test.fault && !scheduledFaults.has(test.fault)) continue;
        const cj = input.apply((i) => renderDrTestCronJob(test, i));
        new k8s.batch.v1.CronJob(`${name}-dr-test-${test.name}`, { metadata: cj.metadata, spec: cj.spec as any }, { ...child, dependsOn: [binding, cm, ...guards] });
        this.cronJobNames.push(`dr-test-${test.name}`);
      }
    }

    this.registerOutputs({ controllerNamespace: this.controllerNamespace, cronJobs: this.cronJobNames });
  }
}
