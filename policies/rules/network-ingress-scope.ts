import type { ObservedResource } from "../observe";
import { objectName } from "../lib/resources";
import { EXPORTER_PORT, PATRONI_PORT, POSTGRES_PORT } from "../../contract/postgres";
import { REDIS_PORT, SENTINEL_PORT } from "../../contract/redis";
import { typePolicy } from "../lib/define";
import { TYPES } from "../../contract/resource-types";

/** Ports that carry data or control: a whole namespace reaching one of them bypasses the tier's gate (the pooler, Sentinel auth, the monitoring namespace). */
export const SENSITIVE_PORTS: Record<number, string> = {
  [POSTGRES_PORT]: "PostgreSQL",
  6432: "PgBouncer",
  [PATRONI_PORT]: "Patroni's REST API",
  [REDIS_PORT]: "Redis",
  [SENTINEL_PORT]: "Sentinel",
  [EXPORTER_PORT]: "postgres_exporter",
  9121: "redis_exporter",
};
/** Container port names that name such ports. */
const SENSITIVE_PORT_NAMES = ["postgresql", "postgres", "pgbouncer", "patroni", "redis", "sentinel", "exporter", "metrics"];

const emptySelector = (s: any) => !s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0);
const selectorText = (s: any) =>
  [...Object.entries(s?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`), ...(s?.matchExpressions ?? []).map((e: any) => `${e.key} ${e.operator} ${(e.values ?? []).join("|")}`.trim())].join(", ");

/** The database or exporter ports a rule's port list opens ("every port" when it names none). */
export function sensitivePorts(ports: any[] | undefined): string[] {
  if (!ports || ports.length === 0) return ["every port"];
  const out: string[] = [];
  for (const p of ports) {
    if ((p.protocol ?? "TCP") !== "TCP") continue;
    if (p.port === undefined) {
      out.push("every TCP port");
    } else if (typeof p.port === "string") {
      if (SENSITIVE_PORT_NAMES.includes(p.port)) out.push(`the port named ${p.port}`);
    } else {
      const end = p.endPort ?? p.port;
      for (const [port, what] of Object.entries(SENSITIVE_PORTS)) if (Number(port) >= p.port && Number(port) <= end) out.push(`${port} (${what})`);
    }
  }
  return out;
}

/** Why a peer admits a whole namespace or every namespace, or undefined for a peer that selects pods by label (or an ipBlock). */
export function broadPeer(peer: any): string | undefined {
  if (peer?.ipBlock) return undefined;
  const ns = peer?.namespaceSelector;
  if (ns !== undefined && emptySelector(ns)) {
    return emptySelector(peer.podSelector) ? "every pod of every namespace" : `pods labelled ${selectorText(peer.podSelector)} in every namespace (anyone who can start a pod anywhere can carry the label)`;
  }
  if (emptySelector(peer?.podSelector)) return ns !== undefined ? `every pod of the namespaces matching ${selectorText(ns)}` : "every pod of the policy's own namespace";
  return undefined;
}

/**
 * No ingress rule opens a database, Patroni or exporter port to a whole namespace or to every
 * namespace: clients are selected by label (and by namespace), so a pod that is not a client does
 * not reach PostgreSQL past the pooler, Patroni's API (which can switch over or rewrite the
 * configuration), Redis, or the exporters' view of the cluster.
 */
export function checkIngressScope(r: ObservedResource, report: (m: string) => void): void {
  const rules = r.inputs.spec?.ingress;
  for (const rule of Array.isArray(rules) ? rules : []) {
    const ports = sensitivePorts(rule.ports);
    if (ports.length === 0) continue;
    const peers: any[] = rule.from ?? [];
    const broad = peers.length === 0 ? ["every source (the rule names no peer)"] : peers.map(broadPeer).filter((w): w is string => w !== undefined);
    for (const who of broad) {
      report(
        `NetworkPolicy ${objectName(r)}: ingress on ${ports.join(", ")} from ${who}. Fix: select the clients by label as well, in the same peer as the namespaceSelector (e.g. podSelector { agent-dr/postgres-client: "true" } for PostgreSQL clients through the pooler, the Prometheus pods' labels for the exporter: agent-dr:network.monitoringPodLabels).`,
      );
    }
  }
}

export const networkIngressScope = typePolicy(TYPES.networkPolicy, checkIngressScope, {
  name: "network-ingress-scope",
  severity: "high",
  description: "No NetworkPolicy ingress rule opens a database, Patroni or exporter port to a whole namespace, to every namespace or to every source.",
});
