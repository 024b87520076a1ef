import * as ipaddr from "ipaddr.js";
import { domainToASCII } from "url";

/** RFC 1918: where a VPC's own addresses (its API server endpoints, load balancers, peered VPCs) are, unless config narrows it. */
export const PRIVATE_IPV4_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

/** What the stack's NetworkPolicies admit besides the stack itself (config keys agent-dr:network.*). */
export interface NetworkSettings {
  /** Namespace of the Prometheus that scrapes the exporters (network.monitoringNamespace). */
  monitoringNamespace: string;
  /** Labels of its Prometheus pods (network.monitoringPodLabels); never empty. */
  monitoringPodLabels: Record<string, string>;
  /** The kubernetes Service's endpoints, reached on 443 and 6443 (network.apiServerCidrs). */
  apiServerCidrs: string[];
  /** S3, STS, KMS and Route53 on 443 (network.awsApiCidrs). */
  awsApiCidrs: string[];
}

/**
 * Defaults: Prometheus as kube-prometheus-stack runs it; the API server and peers in private space
 * (an EKS cluster's API endpoints are ENIs in its VPC); AWS APIs anywhere on 443, because S3, STS
 * and KMS publish no fixed address ranges to a NetworkPolicy (ip-ranges.json changes weekly) unless
 * the VPC has interface/gateway endpoints, whose CIDRs then go in network.awsApiCidrs.
 */
export const NETWORK_DEFAULTS: NetworkSettings = {
  monitoringNamespace: "monitoring",
  monitoringPodLabels: { "app.kubernetes.io/name": "prometheus" },
  apiServerCidrs: [...PRIVATE_IPV4_CIDRS],
  awsApiCidrs: ["0.0.0.0/0"],
};

/**
 * Network names and addresses in stack config, judged by real parsers (ipaddr.js for addresses,
 * the WHATWG URL parser for URLs and international names) plus the rules of the system that
 * consumes each value; a string for what is wrong, undefined when the value is fine.
 */

/**
 * A CIDR as Kubernetes NetworkPolicy ipBlock.cidr takes it: IPv4 in dotted-quad or IPv6, a prefix
 * length within the family, and no host bits set (10.20.0.1/16 is almost always a typo for
 * 10.20.0.0/16, and the API server would reject or rewrite it).
 */
export function cidrProblem(text: string): string | undefined {
  const expected = 'expected a CIDR such as "10.20.0.0/16" or "fd00:10:20::/48"';
  const slash = text.indexOf("/");
  if (slash < 0) return `${expected} (no "/prefix-length")`;
  const [address, prefix] = [text.slice(0, slash), text.slice(slash + 1)];
  if (!ipaddr.isValid(address) || address.includes("%")) return `${expected} ("${address}" is not an IP address)`;
  const ip = ipaddr.parse(address);
  // ipaddr.js also reads "10.1" and "0x0a.0.0.1" (inet_aton forms); NetworkPolicy wants four decimal parts.
  if (ip.kind() === "ipv4" && !ipaddr.IPv4.isValidFourPartDecimal(address)) return `${expected} ("${address}" is not a dotted-quad IPv4 address)`;
  const maxPrefix = ip.kind() === "ipv4" ? 32 : 128;
  if (!/^(0|[1-9]\d{0,2})$/.test(prefix) || Number(prefix) > maxPrefix) {
    return `${expected} (the prefix length "${prefix}" is not a whole number from 0 to ${maxPrefix} for ${ip.kind() === "ipv4" ? "IPv4" : "IPv6"})`;
  }
  const network = ipaddr.IPv4.isValid(address)
    ? ipaddr.IPv4.networkAddressFromCIDR(text)
    : ipaddr.IPv6.networkAddressFromCIDR(text);
  if (network.toString() !== ip.toString()) return `${expected} (host bits are set; the network is "${network.toString()}/${prefix}")`;
  return undefined;
}

/**
 * A DNS host name (RFC 1123: labels of letters, digits and '-', 1-63 characters, not starting or
 * ending with '-', 253 characters in all, an optional final dot), international names through
 * their ASCII form. An IP address is refused: these keys become CNAME targets and Route53 health
 * check FQDNs, which must be names.
 */
export function hostnameProblem(text: string): string | undefined {
  const expected = "expected a DNS host name such as api.example.com";
  if (ipaddr.isValid(text)) return `${expected}, not an IP address (it becomes a CNAME target / health-check FQDN)`;
  const ascii = domainToASCII(text.replace(/\.$/, ""));
  if (ascii === "") return `${expected} ("${text}" is not a valid domain name)`;
  if (ascii.length > 253) return `${expected} (at most 253 characters; this is ${ascii.length})`;
  const labels = ascii.split(".");
  if (labels.length < 2) return `${expected} (a fully qualified name has at least two labels)`;
  const bad = labels.find((l) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l));
  if (bad !== undefined) return `${expected} (the label "${bad}" is not 1-63 letters, digits or '-', starting and ending with a letter or digit)`;
  if (/^\d+$/.test(labels[labels.length - 1])) return `${expected} (the last label "${labels[labels.length - 1]}" is all digits)`;
  return undefined;
}

/**
 * A Route53 hosted zone id as the API returns it (upper-case letters and digits, at most 32
 * characters), bare: the stack builds arn:aws:route53:::hostedzone/<id> from it, so the
 * "/hostedzone/" prefix some APIs print must not be part of it.
 */
export function hostedZoneIdProblem(text: string): string | undefined {
  const expected = 'expected a Route53 hosted zone id such as "Z0123456789ABCDEFGHIJ" (upper-case letters and digits, at most 32)';
  if (/^\/?hostedzone\//.test(text)) return `${expected}, without the "/hostedzone/" prefix`;
  if (!/^[A-Z0-9]{1,32}$/.test(text)) return expected;
  return undefined;
}

/** An https URL, parsed by the WHATWG URL parser (what Node's fetch and SNS would use). */
export function httpsUrlProblem(text: string, requireTrailingSlash = false, allowHttp = false): string | undefined {
  const scheme = allowHttp ? "an http(s)" : "an https";
  const expected = `expected ${scheme} URL${requireTrailingSlash ? " ending in /" : ""}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${expected} ("${text}" is not a URL)`;
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) return `${expected} (the scheme is "${url.protocol.replace(/:$/, "")}")`;
  if (url.hostname === "") return `${expected} (no host)`;
  if (/\s/.test(text)) return `${expected} (it contains white space)`;
  if (requireTrailingSlash && !text.endsWith("/")) return expected;
  return undefined;
}
