import { GetHealthCheckCommand, GetHealthCheckStatusCommand, ListResourceRecordSetsCommand, Route53Client, UpdateHealthCheckCommand } from "@aws-sdk/client-route-53";
import type { RegionRole } from "../../../contract/runbooks";
import { killPrimaryAndAwaitFailover, SentinelAccess, sentinelFailover, sentinelStatus, sentinelWriteProbe } from "../sentinel";
import type { CloneSpec, DrExecutor, EndpointState, PgRef, PostgresStatus, RedisRef, RedisStatus } from "../types";
import { SERVICE_ACCOUNTS } from "../../../contract/postgres";
import { SENTINEL_PORT } from "../../../contract/redis";
import { archiveOfSource, renderCloneManifest } from "./clone-manifest";
import { KubeClient, KubeError } from "./kube-client";
import { FailoverSide, failoverDecision, forceAction } from "./route53-state";
import { redisPodOfAddress, redisPodSelector } from "./redis-pods";

export interface KubernetesExecutorOptions {
  /** API access per region; a controller in the DR region has only its own. */
  clusters: Partial<Record<RegionRole, { client: KubeClient; namespace: string }>>;
  route53?: { client: Route53Client; recordName: string; zoneId: string };
  /** Sentinel access per region (in-cluster Service names). */
  redis?: Partial<Record<RegionRole, SentinelAccess>>;
  /** The Redis tier's object name prefix and server count (same in every region): its pods for the primary kill. */
  redisTier?: { prefix: string; servers: number };
  /** The backup tier's restore-check CronJob (in the primary region). */
  restoreCheckCronJob?: string;
  /** Patroni REST port on the Spilo pods. */
  patroniPort?: number;
  /** Reach Patroni on pod IPs (in-cluster); otherwise through the API server's pod proxy. */
  podNetwork?: boolean;
}

const PG = "/apis/acid.zalan.do/v1";

/**
 * Runbook operations on Kubernetes (the Zalando operator's postgresql resources, Spilo pods,
 * the pooler Deployment, batch Jobs) and AWS (Route53 failover records and health checks).
 */
export class KubernetesExecutor implements DrExecutor {
  readonly kind = "kubernetes" as const;
  constructor(readonly opts: KubernetesExecutorOptions) {}

  private cluster(region: RegionRole) {
    const c = this.opts.clusters[region];
    if (!c) throw new Error(`no Kubernetes access to the ${region} region's cluster (configure agent-dr:clusters.${region})`);
    return c;
  }

  private crPath(region: RegionRole, name: string) {
    return `${PG}/namespaces/${this.cluster(region).namespace}/postgresqls/${name}`;
  }

  private async pods(ref: PgRef, signal: AbortSignal): Promise<any[]> {
    const { client, namespace } = this.cluster(ref.region);
    const sel = encodeURIComponent(`cluster-name=${ref.cluster},application=spilo`);
    return (await client.get(`/api/v1/namespaces/${namespace}/pods?labelSelector=${sel}`, signal)).items ?? [];
  }

  /**
   * Patroni's REST API on a Spilo pod: straight to the pod IP in-cluster, otherwise through the
   * API server's pod proxy (RBAC pods/proxy), so a run from a laptop can verify writes too.
   */
  private async patroni(ref: PgRef, pod: any, path: string, signal: AbortSignal, init: { method?: "GET" | "POST"; body?: unknown } = {}): Promise<{ status: number; text: string }> {
    const port = this.opts.patroniPort ?? 8008;
    const method = init.method ?? "GET";
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(method === "POST" ? 60_000 : 3000)]);
    if (this.opts.podNetwork) {
      const ip = pod.status?.podIP;
      if (!ip) throw new Error(`pod ${pod.metadata.name} has no IP`);
      const r = await fetch(`http://${ip}:${port}${path}`, {
        method,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body), headers: { "content-type": "application/json" } } : {}),
        signal: timeout,
      });
      return { status: r.status, text: await r.text() };
    }
    const { client, namespace } = this.cluster(ref.region);
    return client.requestText({ method, path: `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}:${port}/proxy${path}`, ...(init.body !== undefined ? { body: init.body } : {}), signal: timeout });
  }

  async postgresStatus(ref: PgRef, signal: AbortSignal): Promise<PostgresStatus> {
    const { client } = this.cluster(ref.region);
    const cr = await client.find(this.crPath(ref.region, ref.cluster), signal);
    if (!cr) throw new Error(`postgresql ${ref.cluster} not found in the ${ref.region} region`);
    const pods = await this.pods(ref, signal);
    const ready = (p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
    // Spilo labels the leader `master`, the standby leader too (spilo.md 3.1).
    const leaderPod = pods.find((p) => p.metadata.labels?.["spilo-role"] === "master" && ready(p));
    let standby = cr.spec?.standby != null;
    if (leaderPod) {
      try {
        const r = await this.patroni(ref, leaderPod, "/patroni", signal);
        const body = JSON.parse(r.text) as { role?: string };
        standby = standby || body.role === "standby_leader";
      } catch {
        // Patroni unreachable: the resource's spec is the best we know.
      }
    }
    return {
      reachable: true,
      standby,
      ...(leaderPod ? { leader: leaderPod.metadata.name } : {}),
      members: pods.map((p) => ({ name: p.metadata.name, role: p.metadata.labels?.["spilo-role"] ?? "unknown", state: ready(p) ? "running" : (p.status?.phase ?? "unknown").toLowerCase() })),
    };
  }

  async promoteStandby(ref: PgRef, signal: AbortSignal): Promise<string> {
    const { client } = this.cluster(ref.region);
    const path = this.crPath(ref.region, ref.cluster);
    const cr = await client.get(path, signal);
    if (cr.spec?.standby == null) return `postgresql ${ref.cluster} has no spec.standby; the operator promotes it on its next sync`;
    await client.request({ method: "PATCH", path, body: [{ op: "remove", path: "/spec/standby" }], contentType: "application/json-patch+json", signal });
    return `removed spec.standby from postgresql ${ref.cluster} (${ref.region} region); the operator sets standby_cluster to null in Patroni`;
  }

  async writeProbe(ref: PgRef, signal: AbortSignal): Promise<string> {
    const pods = await this.pods(ref, signal);
    const leader = pods.find((p) => p.metadata.labels?.["spilo-role"] === "master");
    if (!leader) throw new Error(`no pod of ${ref.cluster} is labelled spilo-role=master`);
    const r = await this.patroni(ref, leader, "/patroni", signal);
    if (r.status !== 200) throw new Error(`Patroni on ${leader.metadata.name}: HTTP ${r.status}`);
    const body = JSON.parse(r.text) as { role?: string; state?: string; timeline?: number };
    // Patroni reports role primary/master only once pg_is_in_recovery() is false.
    if ((body.role === "master" || body.role === "primary") && body.state === "running") {
      return `leader ${leader.metadata.name} runs as primary (timeline ${body.timeline ?? "?"})`;
    }
    throw new Error(`leader ${leader.metadata.name} reports role ${body.role}, state ${body.state}`);
  }

  async switchover(ref: PgRef, candidate: string | undefined, signal: AbortSignal): Promise<string> {
    const pods = await this.pods(ref, signal);
    const leader = pods.find((p) => p.metadata.labels?.["spilo-role"] === "master");
    if (!leader) throw new Error(`no leader pod for ${ref.cluster}`);
    const r = await this.patroni(ref, leader, "/switchover", signal, { method: "POST", body: { leader: leader.metadata.name, ...(candidate ? { candidate } : {}) } });
    const text = r.text.trim();
    if (r.status !== 200) throw new Error(`POST /switchover on ${leader.metadata.name}: HTTP ${r.status} ${text}`);
    return text;
  }

  private poolerPath(ref: PgRef) {
    return `/apis/apps/v1/namespaces/${this.cluster(ref.region).namespace}/deployments/${ref.cluster}-pooler`;
  }

  /**
   * Restart the pooler by evicting its pods one by one (RBAC pods/eviction; the controller may not
   * patch the Deployment, whose pod template a patch could rewrite). An eviction honours the
   * pooler's PodDisruptionBudget: refused (429) while a replacement is not ready, so this waits
   * and retries, and the pooler never loses more than the budget allows.
   */
  async restartPooler(ref: PgRef, signal: AbortSignal): Promise<string> {
    const { client, namespace } = this.cluster(ref.region);
    const d = await client.find(this.poolerPath(ref), signal);
    if (!d) return `no pooler Deployment ${ref.cluster}-pooler; clients connect to the leader Service`;
    const labels: Record<string, string> = d.spec?.selector?.matchLabels ?? {};
    const sel = encodeURIComponent(Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(","));
    const pods: any[] = (await client.get(`/api/v1/namespaces/${namespace}/pods?labelSelector=${sel}`, signal)).items ?? [];
    let evicted = 0;
    for (const pod of pods.filter((p) => !p.metadata.deletionTimestamp)) {
      const podName: string = pod.metadata.name;
      for (;;) {
        try {
          await client.request({
            method: "POST",
            path: `/api/v1/namespaces/${namespace}/pods/${podName}/eviction`,
            body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: podName, namespace } },
            signal,
          });
          evicted++;
          break;
        } catch (e) {
          if (e instanceof KubeError && e.status === 404) break;
          if (!(e instanceof KubeError && e.status === 429)) throw e;
          await new Promise<void>((resolve, reject) => {
            const t = setTimeout(resolve, 2000);
            signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
          });
        }
      }
    }
    return `evicted ${evicted} pod(s) of Deployment ${ref.cluster}-pooler (one at a time, within its disruption budget)`;
  }

  async poolerReady(ref: PgRef, signal: AbortSignal): Promise<{ ready: boolean; detail: string }> {
    const d = await this.cluster(ref.region).client.find(this.poolerPath(ref), signal);
    if (!d) return { ready: true, detail: "no pooler" };
    const want = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    const ready = (s.observedGeneration ?? 0) >= d.metadata.generation && s.updatedReplicas === want && s.availableReplicas === want && (s.replicas ?? want) === want;
    return { ready, detail: `pooler ${s.updatedReplicas ?? 0}/${want} updated, ${s.availableReplicas ?? 0} available` };
  }

  private route53() {
    if (!this.opts.route53) throw new Error("no failover endpoint configured (agent-dr:endpoints.api with a drTarget)");
    return this.opts.route53;
  }

  private async sides(signal: AbortSignal): Promise<{ primary: FailoverSide; secondary: FailoverSide }> {
    const { client, recordName, zoneId } = this.route53();
    const name = recordName.endsWith(".") ? recordName : `${recordName}.`;
    const out = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, MaxItems: 10 }), { abortSignal: signal });
    const records = (out.ResourceRecordSets ?? []).filter((r) => r.Name === name && r.Failover);
    const side = async (kind: "PRIMARY" | "SECONDARY"): Promise<FailoverSide> => {
      const rec = records.find((r) => r.Failover === kind);
      if (!rec) throw new Error(`Route53 zone ${zoneId} has no ${kind} failover record for ${name}`);
      if (!rec.HealthCheckId) return {};
      const [status, check] = await Promise.all([
        client.send(new GetHealthCheckStatusCommand({ HealthCheckId: rec.HealthCheckId }), { abortSignal: signal }),
        client.send(new GetHealthCheckCommand({ HealthCheckId: rec.HealthCheckId }), { abortSignal: signal }),
      ]);
      const obs = status.HealthCheckObservations ?? [];
      const ok = obs.filter((o) => o.StatusReport?.Status?.startsWith("Success")).length;
      return { healthCheckId: rec.HealthCheckId, successRatio: obs.length ? ok / obs.length : 0, inverted: check.HealthCheck?.HealthCheckConfig?.Inverted === true };
    };
    const [primary, secondary] = await Promise.all([side("PRIMARY"), side("SECONDARY")]);
    return { primary, secondary };
  }

  async endpointState(signal: AbortSignal): Promise<EndpointState> {
    const { primary, secondary } = await this.sides(signal);
    return failoverDecision(primary, secondary);
  }

  async forceEndpoint(to: RegionRole, signal: AbortSignal): Promise<string> {
    const { primary } = await this.sides(signal);
    const action = forceAction(to, primary);
    if (!action) return to === "dr" ? "Route53 already fails over by health; nothing to force" : "primary health check is not inverted; nothing to undo";
    await this.route53().client.send(new UpdateHealthCheckCommand({ HealthCheckId: primary.healthCheckId, Inverted: action.invert }), { abortSignal: signal });
    return action.invert ? `inverted primary health check ${primary.healthCheckId} to force failover` : `restored primary health check ${primary.healthCheckId} (not inverted)`;
  }

  private sentinel(region: RegionRole): SentinelAccess {
    const s = this.opts.redis?.[region];
    if (!s) throw new Error(`no Sentinel access for the ${region} region`);
    return s;
  }

  redisStatus(ref: RedisRef): Promise<RedisStatus> {
    return sentinelStatus(this.sentinel(ref.region), ref.master);
  }

  redisFailover(ref: RedisRef, signal: AbortSignal): Promise<string> {
    return sentinelFailover(this.sentinel(ref.region), ref.master, signal, (ms) => new Promise((r) => setTimeout(r, ms)));
  }

  redisWriteProbe(ref: RedisRef): Promise<string> {
    return sentinelWriteProbe(this.sentinel(ref.region), ref.master);
  }

  private redisTier() {
    if (!this.opts.redisTier) throw new Error("no Redis tier in the targets (agent-dr:redis.enabled)");
    return this.opts.redisTier;
  }

  private async redisPods(region: RegionRole, role: "redis" | "sentinel", signal: AbortSignal): Promise<any[]> {
    const { client, namespace } = this.cluster(region);
    return (await client.get(`/api/v1/namespaces/${namespace}/pods?labelSelector=${redisPodSelector(this.redisTier().prefix, role)}`, signal)).items ?? [];
  }

  /**
   * Each Sentinel by its pod IP: a quorum needs every Sentinel's answer, not the one the Service
   * picks. Pod IPs are reached from inside the cluster only (the DR test pods).
   */
  private async sentinelPodsAccess(region: RegionRole, signal: AbortSignal): Promise<SentinelAccess> {
    if (!this.opts.podNetwork) throw new Error("the Redis primary kill asks each Sentinel pod by its IP: run it in the cluster (--in-cluster, as the DR test CronJob does)");
    const pods = await this.redisPods(region, "sentinel", signal);
    const sentinels = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP).map((p) => ({ host: p.status.podIP as string, port: SENTINEL_PORT }));
    if (sentinels.length === 0) throw new Error(`no Sentinel pod of ${this.redisTier().prefix} has an IP in ${this.cluster(region).namespace}`);
    return { ...this.sentinel(region), sentinels };
  }

  async redisKillPrimary(ref: RedisRef, signal: AbortSignal): Promise<string> {
    const access = await this.sentinelPodsAccess(ref.region, signal);
    return killPrimaryAndAwaitFailover(access, ref.master, (address, s) => this.killRedisServer(ref.region, address, s), signal, (ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Delete the pod of the Redis server at `address` (redisPodOfAddress) with grace period 0, as
   * Chaos Mesh's pod-kill does: the API server removes the pod at once and the kubelet stops the
   * container within a second or two. Kubelets since 1.27 still run the preStop hook then, which
   * would hand over by SENTINEL FAILOVER; the server is marked first (UNPLANNED_KILL_KEY), so its
   * hook hands nothing over. The uid precondition deletes exactly the pod looked at, never a
   * replacement of the same name.
   */
  async killRedisServer(region: RegionRole, address: string, signal: AbortSignal): Promise<string> {
    const { client, namespace } = this.cluster(region);
    const pod = redisPodOfAddress(address, await this.redisPods(region, "redis", signal), { prefix: this.redisTier().prefix, namespace, servers: this.redisTier().servers });
    const { name, uid } = pod.metadata;
    await client.request({
      method: "DELETE",
      path: `/api/v1/namespaces/${namespace}/pods/${name}`,
      body: { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0, preconditions: { uid } },
      signal,
    });
    return `deleted pod ${name} (uid ${uid}, node ${pod.spec?.nodeName ?? "?"}) with grace period 0`;
  }

  async cloneExists(spec: CloneSpec, signal: AbortSignal): Promise<boolean> {
    return (await this.cluster(spec.region).client.find(this.crPath(spec.region, spec.name), signal)) !== undefined;
  }

  async applyClone(spec: CloneSpec, signal: AbortSignal): Promise<string> {
    const { client, namespace } = this.cluster(spec.region);
    const source = await client.get(this.crPath(spec.region, spec.source), signal);
    // The clone runs under the source's WAL-G ServiceAccount; its IRSA role reads the source archive.
    const sa = await client.get(`/api/v1/namespaces/${namespace}/serviceaccounts/${SERVICE_ACCOUNTS.walg}`, signal);
    const roleArn = sa.metadata?.annotations?.["eks.amazonaws.com/role-arn"];
    if (!roleArn) throw new Error(`ServiceAccount ${SERVICE_ACCOUNTS.walg} has no eks.amazonaws.com/role-arn annotation: the clone could not read the archive`);
    const manifest = renderCloneManifest(source, spec, archiveOfSource(source, roleArn));
    await client.request({ method: "POST", path: `${PG}/namespaces/${namespace}/postgresqls`, body: manifest, signal });
    return `created postgresql ${spec.name} cloning ${spec.source} at ${manifest.spec.clone.timestamp}`;
  }

  async deleteClone(spec: CloneSpec, signal: AbortSignal): Promise<string> {
    try {
      await this.cluster(spec.region).client.request({ method: "DELETE", path: this.crPath(spec.region, spec.name), signal });
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return `postgresql ${spec.name} does not exist`;
      throw e;
    }
    return `deleted postgresql ${spec.name}`;
  }

  /** Start a Job from the restore-check CronJob (what `kubectl create job --from=cronjob/...` does) and wait for its verdict. */
  async verifyRestore(ref: PgRef, signal: AbortSignal): Promise<string> {
    const cronJob = this.opts.restoreCheckCronJob;
    if (!cronJob) throw new Error("no restore-check CronJob configured");
    const { client, namespace } = this.cluster(ref.region);
    const cj = await client.get(`/apis/batch/v1/namespaces/${namespace}/cronjobs/${cronJob}`, signal);
    const name = `${cronJob.slice(0, 40)}-manual-${Date.now().toString(36)}`;
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name,
        namespace,
        labels: { ...(cj.spec.jobTemplate.metadata?.labels ?? {}), "agent-dr/triggered-by": "runbook" },
        annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
        ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cronJob, uid: cj.metadata.uid, controller: true }],
      },
      spec: cj.spec.jobTemplate.spec,
    };
    await client.request({ method: "POST", path: `/apis/batch/v1/namespaces/${namespace}/jobs`, body: job, signal });
    for (;;) {
      const j = await client.get(`/apis/batch/v1/namespaces/${namespace}/jobs/${name}`, signal);
      const cond = (t: string) => (j.status?.conditions ?? []).find((c: any) => c.type === t && c.status === "True");
      if (cond("Complete")) return `Job ${name} from CronJob ${cronJob} completed`;
      const failed = cond("Failed");
      if (failed) throw new Error(`Job ${name} from CronJob ${cronJob} failed: ${failed.reason ?? ""} ${failed.message ?? ""}`.trim());
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, 5000);
        signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
      });
    }
  }

  async close(): Promise<void> {
    this.opts.route53?.client.destroy();
  }
}
