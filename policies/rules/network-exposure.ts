import type { ResourceValidationPolicy } from "@pulumi/policy";
import * as ipaddr from "ipaddr.js";
import type { ObservedResource } from "../observe";
import { objectName } from "../lib/resources";

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Address space a VPC's pods can have: RFC 1918, and the shared range EKS custom networking uses (RFC 6598). */
const PRIVATE_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((c) => ipaddr.IPv4.parseCIDR(c));
/** An EKS IPv6 VPC gets a /56; a wider block reaches beyond any one VPC. */
const WIDEST_V6_PREFIX = 56;

/** Why an ipBlock reaches beyond the peers it is meant for, or undefined when it does not. */
export function openRange(cidr: string): string | undefined {
  let net: ipaddr.IPv4 | ipaddr.IPv6;
  let len: number;
  try {
    [net, len] = ipaddr.parseCIDR(cidr);
  } catch {
    return `"${cidr}" is not a CIDR`;
  }
  if (net.kind() === "ipv4") {
    const inside = PRIVATE_V4.some(([p, plen]) => len >= plen && (net as ipaddr.IPv4).match(p, plen));
    return inside ? undefined : `${cidr} reaches public IPv4 space (not inside 10/8, 172.16/12, 192.168/16 or 100.64/10)`;
  }
  return len < WIDEST_V6_PREFIX ? `${cidr} is wider than a VPC's /${WIDEST_V6_PREFIX}` : undefined;
}

/** An egress rule that opens only TCP 443 (HTTPS to the AWS APIs): the one way out to public space the stack needs. */
function httpsOnly(rule: any): boolean {
  const ports: any[] = rule.ports ?? [];
  return ports.length > 0 && ports.every((p) => (p.protocol ?? "TCP") === "TCP" && Number(p.port) === 443 && p.endPort === undefined);
}

/**
 * Ingress rules of the stack's NetworkPolicies admit only in-cluster selectors or private peer
 * ranges. An ipBlock open to public space exposes PostgreSQL or Redis (and the replication stream,
 * which carries every row) to anything that can route to the node. Egress reaches public space
 * only on TCP 443: S3, STS and KMS have no fixed CIDRs a NetworkPolicy could name without VPC
 * endpoints, and HTTPS to them is all the pods need; any other port to public space is a way out
 * for data.
 */
export function checkNetworkExposure(r: ObservedResource, report: (m: string) => void): void {
  for (const [direction, rules] of [["ingress", r.inputs.spec?.ingress], ["egress", r.inputs.spec?.egress]] as const) {
    for (const rule of Array.isArray(rules) ? rules : []) {
      const peers: any[] = (direction === "ingress" ? rule.from : rule.to) ?? [];
      for (const peer of peers) {
        const cidr = peer?.ipBlock?.cidr;
        if (typeof cidr !== "string") continue;
        const why = openRange(cidr);
        if (!why) continue;
        if (direction === "egress" && httpsOnly(rule)) continue;
        const ports = (rule.ports ?? []).map((p: any) => p.port).join(", ") || "every port";
        const fix =
          direction === "ingress"
            ? "set postgres.standby.peerCidrs to the DR cluster's pod or VPC CIDRs (private ranges only, e.g. [\"10.20.0.0/16\"])"
            : "open public space only on TCP 443 (network.awsApiCidrs); set network.apiServerCidrs and postgres.standby.primaryCidrs to private ranges (e.g. [\"10.10.0.0/16\"])";
        report(`NetworkPolicy ${objectName(r)}: ${direction} ipBlock ${why}, on ${ports}. Fix: ${fix}.`);
      }
    }
  }
}

export const networkExposure: ResourceValidationPolicy = {
  name: "network-exposure",
  description: "NetworkPolicy ipBlocks admit only private peer ranges (RFC 1918/6598 IPv4, at most a VPC-sized IPv6 block); egress to public space only on TCP 443.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, report) => {
    if (args.type !== NETWORK_POLICY) args.notApplicable(`only ${NETWORK_POLICY}`);
    checkNetworkExposure({ type: args.type, name: args.name, inputs: args.props }, report);
  },
};
