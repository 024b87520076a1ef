import * as ipaddr from "ipaddr.js";
import type { ObservedResource } from "../observe";
import { objectName } from "../lib/resources";
import { typePolicy } from "../lib/define";
import { TYPES } from "../../contract/resource-types";

/** Address space a VPC's pods can have: RFC 1918, and the shared range EKS custom networking uses (RFC 6598). */
const PRIVATE_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((c) => ipaddr.IPv4.parseCIDR(c));
/** IPv4 ranges that are neither private nor public Internet (RFC 6890). */
const SPECIAL_V4: Array<[ipaddr.IPv4, number, string]> = [
  [ipaddr.IPv4.parse("127.0.0.0"), 8, "loopback"],
  [ipaddr.IPv4.parse("169.254.0.0"), 16, "link-local"],
  [ipaddr.IPv4.parse("224.0.0.0"), 4, "multicast"],
  [ipaddr.IPv4.parse("240.0.0.0"), 4, "reserved"],
  [ipaddr.IPv4.parse("0.0.0.0"), 8, "this-network"],
];

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
    if (inside) return undefined;
    // A block inside a special-purpose range is no VPC's address space either, but it is not the public Internet: name it for what it is.
    const special = SPECIAL_V4.find(([p, plen]) => len >= plen && (net as ipaddr.IPv4).match(p, plen));
    if (special) return `${cidr} is ${special[2]} space (${special[0].toString()}/${special[1]}), not a VPC's private range (10/8, 172.16/12, 192.168/16 or 100.64/10): no peer pod sends from it`;
    return `${cidr} reaches public IPv4 space (not inside 10/8, 172.16/12, 192.168/16 or 100.64/10)`;
  }
  const v6 = net as ipaddr.IPv6;
  for (const e of IPV4_IN_IPV6) {
    const [prefix, plen] = e.range;
    // The block holds the whole translation range, or lies inside it: judge the IPv4 space it reaches.
    if (len <= plen && prefix.match(v6, len)) return `${cidr} contains ${e.name} ${prefix.toString()}/${plen}, which reaches all of IPv4`;
    if (len > plen && v6.match(prefix, plen)) {
      const v4len = Math.max(0, Math.min(32, len - e.v4Offset));
      const bytes = v6.toByteArray().slice(e.v4Offset / 8, e.v4Offset / 8 + 4);
      const v4 = `${bytes.join(".")}/${v4len}`;
      const problem = openRange(v4);
      if (problem) return `${cidr} is ${e.name} of ${v4}, which ${problem.slice(v4.length + 1)}`;
      return undefined;
    }
  }
  return len < WIDEST_V6_PREFIX ? `${cidr} is wider than a VPC's /${WIDEST_V6_PREFIX}` : undefined;
}

/**
 * IPv6 ranges that carry IPv4 addresses (a dual-stack node or a NAT64 gateway delivers them as
 * IPv4 traffic): IPv4-mapped (RFC 4291), the NAT64 well-known and local-use prefixes (RFC 6052,
 * RFC 8215), 6to4 (RFC 3056). v4Offset: the bit where the IPv4 address starts.
 */
const IPV4_IN_IPV6: Array<{ name: string; range: [ipaddr.IPv6, number]; v4Offset: number }> = [
  { name: "IPv4-mapped", range: ipaddr.IPv6.parseCIDR("::ffff:0:0/96"), v4Offset: 96 },
  { name: "NAT64", range: ipaddr.IPv6.parseCIDR("64:ff9b::/96"), v4Offset: 96 },
  { name: "local NAT64", range: ipaddr.IPv6.parseCIDR("64:ff9b:1::/48"), v4Offset: 96 },
  { name: "6to4", range: ipaddr.IPv6.parseCIDR("2002::/16"), v4Offset: 16 },
];

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

export const networkExposure = typePolicy(TYPES.networkPolicy, checkNetworkExposure, {
  name: "network-exposure",
  severity: "critical",
  description: "NetworkPolicy ipBlocks admit only private peer ranges (RFC 1918/6598 IPv4, at most a VPC-sized IPv6 block); egress to public space only on TCP 443.",
});
