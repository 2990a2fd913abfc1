/**
 * Filter-chain options and their translation into Envoy filter chains, following Istio's
 * filterChainOpts (listener.go): the runtime match criteria (SNI hosts, destination CIDRs,
 * application and transport protocols), `isMatchAll`, `toFilterChainMatch` (a `*` SNI means no
 * SNI match; SNI hosts and CIDRs sorted), the conflict test used when TCP chains are merged, and
 * the CIDR parsing behind `prefixRanges`. Pure data shaping; no knowledge of services.
 */
import type {
  CidrRange,
  DownstreamTlsContext,
  DownstreamTransportSocket,
  FilterChain,
  FilterChainMatch,
  NetworkFilter,
} from '../../api/envoy/listener.js';
import { FilterName, ListenerTypeUrl } from '../../api/envoy/listener.js';
import type { Metadata } from '../../api/envoy/common.js';

export interface FilterChainOpts {
  sniHosts?: readonly string[];
  destinationCidrs?: readonly string[];
  applicationProtocols?: readonly string[];
  transportProtocol?: string;
  tlsContext?: DownstreamTlsContext;
  /** The chain's network filters, HTTP connection manager included when it is an HTTP chain. */
  filters: NetworkFilter[];
  /** True for chains ending in an HTTP connection manager (drives the http_inspector). */
  http?: boolean;
  name?: string;
  metadata?: Metadata;
}

const UNSPECIFIED_IP = '0.0.0.0';

/** Istio's isMatchAll: no SNI (or `*`), no ALPN, no transport protocol, no CIDR. */
export function isMatchAll(opt: FilterChainOpts): boolean {
  return (
    (!opt.sniHosts || opt.sniHosts.length === 0 || opt.sniHosts.includes('*')) &&
    (!opt.applicationProtocols || opt.applicationProtocols.length === 0) &&
    !opt.transportProtocol &&
    (!opt.destinationCidrs || opt.destinationCidrs.length === 0)
  );
}

/** `10.0.0.0/8` or `10.1.2.3` (→ /32, /128 for IPv6) as a CidrRange. */
export function toCidrRange(cidr: string): CidrRange | undefined {
  const [address, len] = cidr.split('/');
  if (!address) return undefined;
  const max = address.includes(':') ? 128 : 32;
  const prefixLen = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > max) return undefined;
  return { addressPrefix: address, prefixLen };
}

export function toFilterChainMatch(opt: FilterChainOpts): FilterChainMatch | undefined {
  if (isMatchAll(opt)) return undefined;
  const match: FilterChainMatch = {};
  if (opt.sniHosts && opt.sniHosts.length > 0 && !opt.sniHosts.includes('*')) {
    match.serverNames = [...opt.sniHosts].sort();
  }
  if (opt.destinationCidrs && opt.destinationCidrs.length > 0) {
    const ranges = [...opt.destinationCidrs]
      .sort()
      .map(toCidrRange)
      .filter((r): r is CidrRange => r !== undefined && r.addressPrefix !== UNSPECIFIED_IP);
    if (ranges.length > 0) match.prefixRanges = ranges;
  }
  if (opt.transportProtocol) match.transportProtocol = opt.transportProtocol;
  if (opt.applicationProtocols && opt.applicationProtocols.length > 0) {
    match.applicationProtocols = [...opt.applicationProtocols];
  }
  return match;
}

export function tlsTransportSocket(ctx: DownstreamTlsContext | undefined): DownstreamTransportSocket | undefined {
  if (!ctx) return undefined;
  return {
    name: FilterName.TlsTransportSocket,
    typedConfig: { '@type': ListenerTypeUrl.DownstreamTlsContext, ...ctx },
  };
}

/** One Envoy filter chain from its options (the match is set by the caller). */
export function buildChain(opt: FilterChainOpts, match: FilterChainMatch | undefined): FilterChain {
  const chain: FilterChain = {
    ...(opt.name ? { name: opt.name } : {}),
    ...(match ? { filterChainMatch: match } : {}),
    filters: opt.filters,
  };
  const ts = tlsTransportSocket(opt.tlsContext);
  if (ts) chain.transportSocket = ts;
  if (opt.metadata) chain.metadata = opt.metadata;
  return chain;
}

function setOf(values: readonly string[] | undefined, drop: (v: string) => boolean): string {
  return [...new Set((values ?? []).filter((v) => !drop(v)))].sort().join(',');
}

/** Istio's filterChainOpts.conflictsWith: same runtime match (SNI `*` and 0.0.0.0 ignored). */
export function chainsConflict(a: FilterChainOpts, b: FilterChainOpts): boolean {
  if ((a.transportProtocol ?? '') !== (b.transportProtocol ?? '')) return false;
  if ((a.applicationProtocols ?? []).join(',') !== (b.applicationProtocols ?? []).join(',')) return false;
  if (setOf(a.sniHosts, (s) => s === '*') !== setOf(b.sniHosts, (s) => s === '*')) return false;
  const cidrs = (v: readonly string[] | undefined): string =>
    setOf(
      (v ?? []).map((c) => {
        const r = toCidrRange(c);
        return r ? `${r.addressPrefix}/${r.prefixLen}` : c;
      }),
      (c) => c.startsWith(`${UNSPECIFIED_IP}/`) || c === '*',
    );
  return cidrs(a.destinationCidrs) === cidrs(b.destinationCidrs);
}
