/** Rendered and hand-made Kubernetes objects (staging settings) shared by the Kubernetes least-privilege rule tests. */
import { deriveSettings } from "../../dr/settings";
import { parseStackConfig } from "../../dr/targets";
import { NETWORK_DEFAULTS } from "../../dr/targets/network";
import { renderNamespaceBaseline } from "../../components/network/render";
import { ControllerRenderInput } from "../../components/controller/render";
import { renderWalgEnv } from "../../components/postgres/render/env";
import { renderPostgresql } from "../../components/postgres/render/manifest";
import { NetworkInput } from "../../components/postgres/render/network";
import { redisNames } from "../../contract/redis";
import { REDIS_IMAGE } from "../../components/redis/render/workloads";
import { targetsFromConfig } from "../../dr/targets/runbook-targets";
import { Res } from "../harness/policy-run";

export const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

export const PRIMARY = "urn:pulumi:prod::agent-dr::pulumi:providers:kubernetes::primary-k8s::id1";

export const DR = "urn:pulumi:prod::agent-dr::pulumi:providers:kubernetes::dr-k8s::id2";

export const config = parseStackConfig({ regions: { primary: "us-east-1" }, clusters: { primary: { context: "s" } } }, "staging");

export const settings = deriveSettings(config);

export const netpol = (name: string, namespace: string, spec: any, provider = PRIMARY): Res => ({ type: NP, name, provider, inputs: { metadata: { name, namespace }, spec } });

export const namespace = (name: string, provider = PRIMARY): Res => ({ type: "kubernetes:core/v1:Namespace", name: `ns-${name}`, provider, inputs: { metadata: { name } } });

export const baseline = (ns: string, provider = PRIMARY) => renderNamespaceBaseline({}).map((p) => netpol(`${ns}-${p.metadata.name}`, ns, p.spec, provider));

export const operatorRelease = (values: any, provider = PRIMARY): Res => ({
  type: "kubernetes:helm.sh/v3:Release",
  name: "postgres-operator",
  provider,
  inputs: { name: "postgres-operator", chart: "postgres-operator", namespace: "postgres-operator", createNamespace: true, values },
});

export const netInput: NetworkInput = { clusterName: "agent-pg-prod", clientNamespaces: ["platform"], operatorNamespace: "postgres-operator", replicationPeerCidrs: ["10.20.0.0/16"], upstreamCidrs: [], pooler: true, network: NETWORK_DEFAULTS, labels: {} };

export const pg = settings.postgres!;

export const classes = config.dataClasses.filter((c) => c.store === "postgres");

export const walgEnv = renderWalgEnv({ clusterName: "agent-pg-staging", region: "us-east-1", bucket: "b", kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k", settings: pg, retentionDays: 7, walgRoleArn: "arn:aws:iam::111122223333:role/w" });

export const postgresqlCr = renderPostgresql({ clusterName: "agent-pg-staging", role: "primary", version: "15", volumeSize: "10Gi", settings: pg, extraParameters: {}, classes, env: walgEnv, labels: {}, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } });

export const controllerInput: ControllerRenderInput = {
  namespace: "agent-dr",
  image: "ghcr.io/example/agent-dr:1",
  regionRole: "primary",
  regionPromotion: "manual",
  intervalSeconds: 10,
  failureThreshold: 3,
  targets: targetsFromConfig(config),
  labels: {},
  network: NETWORK_DEFAULTS,
  redisSecret: "agent-redis-auth",
  redisPrefix: "agent-redis",
};

export const redisInput = {
  settings: settings.redis!,
  names: redisNames("agent-redis"),
  prefix: "agent-redis",
  namespace: "agent-dr",
  clusterDomain: "cluster.local",
  image: REDIS_IMAGE,
  configChecksum: "0",
  dataVolumeSize: "8Gi",
  redisResources: {},
  sentinelResources: {},
};

export const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";

export const asRes = (o: any, provider = PRIMARY): Res => ({ type: `kubernetes:${o.apiVersion}:${o.kind}`, name: o.metadata.name, provider, inputs: o });
