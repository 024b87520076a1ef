import { isIP } from "net";
import { podLabels, REDIS_PORT, redisNames, redisPodNames } from "../../../contract/redis";
import { split } from "../sentinel";

/** The Redis tier in a namespace: its object name prefix and how many Redis pods it runs. */
export interface RedisTier {
  prefix: string;
  namespace: string;
  servers: number;
}

/** A label selector (`k=v,...`) for the tier's pods of one role, URL-encoded. */
export function redisPodSelector(prefix: string, role: "redis" | "sentinel"): string {
  return encodeURIComponent(
    Object.entries(podLabels(prefix, role))
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
  );
}

/**
 * The pod of the Redis server at `address`, as Sentinel reports it: the pod's announced DNS name
 * (`<statefulset>-<ordinal>.<headless>.<namespace>.svc...`, what the tier announces) or its pod IP.
 * Only a pod of the Redis StatefulSet (ordinal below its replicas: what the DR tests' Role may
 * delete) is returned; anything else throws, naming what it found.
 */
export function redisPodOfAddress(address: string, pods: any[], tier: RedisTier): any {
  const [host, port] = split(address);
  const names = redisNames(tier.prefix);
  const allowed = redisPodNames(tier.prefix, tier.servers);
  if (port !== REDIS_PORT) throw new Error(`${address}: port ${port} is not the Redis pods' ${REDIS_PORT}`);
  let name: string;
  if (isIP(host)) {
    const byIp = pods.filter((p) => p.status?.podIP === host || (p.status?.podIPs ?? []).some((x: { ip?: string }) => x.ip === host));
    if (byIp.length !== 1) throw new Error(`${address}: ${byIp.length} Redis pods have IP ${host} (pods: ${pods.map((p) => `${p.metadata?.name}=${p.status?.podIP ?? "?"}`).join(", ") || "none"})`);
    name = byIp[0].metadata.name;
  } else {
    const [pod, service, namespace, svc] = host.split(".");
    if (service !== names.redisHeadless || namespace !== tier.namespace || svc !== "svc") {
      throw new Error(`${address} is not a pod name under the ${names.redisHeadless} Service of namespace ${tier.namespace} (<pod>.${names.redisHeadless}.${tier.namespace}.svc...)`);
    }
    name = pod;
  }
  if (!allowed.includes(name)) throw new Error(`${address} is pod ${name}, not one of the Redis StatefulSet's pods (${allowed.join(", ")}); not deleting it`);
  const found = pods.find((p) => p.metadata?.name === name);
  if (!found) throw new Error(`${address} is pod ${name}, which is not among the Redis pods of ${tier.namespace} (${pods.map((p) => p.metadata?.name).join(", ") || "none"})`);
  if (found.metadata.deletionTimestamp) throw new Error(`pod ${name} is already being deleted (since ${found.metadata.deletionTimestamp})`);
  return found;
}
