/**
 * Host names as Istio treats them in routing: short-name resolution against a config's namespace,
 * wildcard matching (`host.Name.Matches` / `SubsetOf`), gateway-name resolution (`name` →
 * `ns/name`), and the domains a sidecar virtual host answers to (FQDN, its absolute form, the
 * Kubernetes short forms seen from the proxy's namespace, the VIPs). Pure string logic.
 */
import { isIP } from 'node:net';
import { SVC_DOMAIN, hostSubsetOf, toFqdn } from '../../common/hosts.js';
import type { Service } from '../../registry/types.js';

export { resolveGatewayName } from '../../model/gateway-names.js';

export function isIpAddress(h: string): boolean {
  return isIP(h) !== 0;
}

/**
 * Istio's ResolveShortnameToFQDN: `reviews` in `default` → `reviews.default.svc.cluster.local`
 * (common/hosts.ts `toFqdn`), IP addresses and the empty name kept as written.
 */
export function resolveShortname(hostname: string, namespace: string): string {
  return hostname === '' || isIpAddress(hostname) ? hostname : toFqdn(hostname, namespace);
}

export { isWildcard, hostsMatch as hostMatches, hostSubsetOf } from '../../common/hosts.js';

/** host.Names.Intersection: the more specific name of each overlapping pair, deduplicated. */
export function hostIntersection(left: readonly string[], right: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of left) {
    for (const r of right) {
      const pick = hostSubsetOf(l, r) ? l : hostSubsetOf(r, l) ? r : undefined;
      if (pick !== undefined && !out.includes(pick)) out.push(pick);
    }
  }
  return out;
}

/** Gateway server hosts (`ns/host` with ns a namespace or `*`, or bare `host`) that apply to config in `namespace`. */
export function serverHostsForNamespace(hosts: readonly string[], namespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf('/');
    if (slash === -1) out.push(h);
    else {
      const ns = h.slice(0, slash);
      if (ns === namespace || ns === '*') out.push(h.slice(slash + 1));
    }
  }
  return out;
}

/** The proxy's DNS domain as Istio computes it for Kubernetes: `NS.svc.cluster.local`. */
export function proxyDnsDomain(namespace: string): string {
  return `${namespace}.${SVC_DOMAIN}`;
}

/** `host:port`, or `host` alone when port is 0 (Istio's appendDomainPort with portNoAppendPortSuffix). */
function withPort(host: string, port: number): string[] {
  const h = bracketIpv6(host);
  return port === 0 ? [h] : [h, `${h}:${port}`];
}

/**
 * Alternate Host headers for a service seen from `proxyDomain` (Istio's GenerateAltVirtualHosts):
 * the absolute `FQDN.`, then for Kubernetes services `NAME`, `NAME.NS.svc`, `NAME.NS` from the same
 * namespace, or `NAME.NS`, `NAME.NS.svc` from another. `port` 0 leaves ports off (sidecars set
 * ignorePortInHostMatching); otherwise each name also comes with `:PORT`.
 */
export function altHosts(hostname: string, proxyDomain: string, port = 0): string[] {
  const out: string[] = [];
  if (!isIpAddress(hostname)) out.push(`${hostname}.`);
  if (port !== 0) out.push(`${hostname}.:${port}`);
  const svcSuffix = proxyDomain.slice(proxyDomain.indexOf('.svc.'));
  if (!hostname.endsWith(svcSuffix)) return out;
  const ih = hostname.indexOf('.svc.');
  if (ih <= 0) return out;
  const ns = hostname.indexOf('.');
  if (ns + 1 >= hostname.length || ns + 1 > ih) return out;
  const proxyNs = proxyDomain.slice(0, proxyDomain.indexOf('.svc.'));
  const names =
    hostname.slice(ns + 1, ih) === proxyNs
      ? [hostname.slice(0, ns), `${hostname.slice(0, ih)}.svc`, hostname.slice(0, ih)]
      : [hostname.slice(0, ih), `${hostname.slice(0, ih)}.svc`];
  for (const n of names) out.push(...withPort(n, port));
  return out;
}

/** Domains of a service's sidecar virtual host (generateVirtualHostDomains), and its alternates. */
export function serviceDomains(svc: Service, proxyNamespace: string, port = 0): { domains: string[]; alt: string[] } {
  const alt = altHosts(svc.hostname, proxyDnsDomain(proxyNamespace), port);
  const domains = [...withPort(svc.hostname, port), ...alt];
  if (svc.resolution === 'PASSTHROUGH' && svc.origin.kind === 'Service') {
    for (const d of [...domains]) domains.push(`*.${d}`);
  }
  for (const a of svc.addresses) {
    if (a !== '' && a !== '0.0.0.0' && !a.includes('/')) domains.push(...withPort(a, port));
  }
  return { domains, alt };
}

function bracketIpv6(h: string): string {
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}
