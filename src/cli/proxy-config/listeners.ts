/**
 * `trellis proxy-config listeners`: istioctl's listener table. One row per filter chain (the
 * default filter chain last): ADDRESS, PORT, MATCH (`ALL`, `SNI: x`, `Trans: raw_buffer; App:
 * http/1.1,h2c`, `Addr: *:15001`…) and DESTINATION (`Route: 8080`, `Cluster: outbound|…`,
 * `PassthroughCluster`, `Inline Route: /*`, `Non-HTTP/Non-TCP` for BlackHoleCluster chains),
 * listeners sorted by port, address and type, chains by destination descending. `--verbose=false`
 * gives istioctl's short form (ADDRESS PORT TYPE). Filters: --port, --address, --type, and
 * (Trellis) --name for the listener name.
 */
import { BLACKHOLE_CLUSTER } from '../../api/names.js';
import type { FilterChain, FilterChainMatch, HttpConnectionManager, Listener, NetworkFilter, TcpProxy } from '../../api/envoy/listener.js';
import { FilterName } from '../../api/envoy/listener.js';
import type { RouteConfiguration, VirtualHost } from '../../api/envoy/route.js';
import { describeMatch } from './describe.js';
import { LISTENER_PADDING, tabulate } from './tabwriter.js';

export interface ListenerFilter {
  port?: number;
  address?: string;
  type?: string;
  name?: string;
}

function chains(l: Listener): FilterChain[] {
  return [...(l.filterChains ?? []), ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])];
}

function mentionsBlackHole(f: NetworkFilter): boolean {
  return JSON.stringify(f.typedConfig).includes(BLACKHOLE_CLUSTER);
}

/** HTTP, TCP, HTTP+TCP or UNKNOWN (tcp_proxy chains to BlackHoleCluster do not count). */
export function listenerType(l: Listener): string {
  let http = 0;
  let tcp = 0;
  for (const fc of chains(l)) {
    for (const f of fc.filters) {
      if (f.name === FilterName.HttpConnectionManager) http++;
      else if (f.name === FilterName.TcpProxy && !mentionsBlackHole(f)) tcp++;
    }
  }
  if (http > 0) return tcp === 0 ? 'HTTP' : 'HTTP+TCP';
  return tcp > 0 ? 'TCP' : 'UNKNOWN';
}

function address(l: Listener): string {
  return l.address.socketAddress?.address ?? l.address.pipe?.path ?? '';
}

function port(l: Listener): number {
  return l.address.socketAddress?.portValue ?? 0;
}

const PROTOCOL_NAMES: readonly [string, readonly string[]][] = [
  ['App: HTTP TLS', ['http/1.0', 'http/1.1', 'h2c', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: Istio HTTP Plain', ['istio', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: TCP TLS', ['istio-peer-exchange', 'istio']],
  ['App: HTTP', ['http/1.0', 'http/1.1', 'h2c']],
];

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The MATCH cell of one filter chain. */
export function describeChainMatch(m: FilterChainMatch | undefined): string {
  const d: string[] = [];
  if (m?.serverNames?.length) d.push(`SNI: ${m.serverNames.join(',')}`);
  if (m?.transportProtocol) d.push(`Trans: ${m.transportProtocol}`);
  if (m?.applicationProtocols?.length) {
    const known = PROTOCOL_NAMES.find(([, list]) => sameList(list, m.applicationProtocols!));
    d.push(known ? known[0] : `App: ${m.applicationProtocols.join(',')}`);
  }
  const p = m?.destinationPort !== undefined ? `:${m.destinationPort}` : '';
  if (m?.prefixRanges?.length) d.push(`Addr: ${m.prefixRanges.map((r) => `${r.addressPrefix}/${r.prefixLen ?? 0}`).join(',')}${p}`);
  else if (p) d.push(`Addr: *${p}`);
  return d.length ? d.join('; ') : 'ALL';
}

function clusterCell(cluster: string): string {
  return cluster.includes('Cluster') ? cluster : `Cluster: ${cluster}`;
}

/** A route configuration that sends everything to one cluster, reported as that cluster. */
function matchAllCluster(rc: RouteConfiguration): string {
  const vhs = rc.virtualHosts ?? [];
  if (vhs.length !== 1) return '';
  const vh = vhs[0]!;
  if (!sameList(vh.domains, ['*']) || (vh.routes ?? []).length !== 1) return '';
  const r = vh.routes![0]!;
  if (r.match.prefix !== '/' || !r.route?.cluster) return '';
  return clusterCell(r.route.cluster);
}

function describeVirtualHost(vh: VirtualHost): string {
  const routes = (vh.routes ?? []).map((r) => describeMatch(r.match)).join(', ');
  const domains = sameList(vh.domains, ['*']) ? '' : vh.domains.join('/');
  return domains ? `${domains} ${routes}` : routes;
}

function describeRouteConfig(rc: RouteConfiguration): string {
  return matchAllCluster(rc) || `Inline Route: ${(rc.virtualHosts ?? []).map(describeVirtualHost).join('; ')}`;
}

/** The DESTINATION cell: the first HTTP or (non-blackhole) TCP filter of the chain. */
export function describeDestination(filters: readonly NetworkFilter[]): string {
  for (const f of filters) {
    if (f.name === FilterName.HttpConnectionManager) {
      const hcm = f.typedConfig as HttpConnectionManager;
      if (hcm.routeConfig) return describeRouteConfig(hcm.routeConfig);
      if (hcm.rds?.routeConfigName) return `Route: ${hcm.rds.routeConfigName}`;
      return 'HTTP';
    }
    if (f.name === FilterName.TcpProxy && !mentionsBlackHole(f)) {
      return clusterCell((f.typedConfig as TcpProxy).cluster ?? '');
    }
  }
  return 'Non-HTTP/Non-TCP';
}

export function filterListeners(listeners: readonly Listener[], f: ListenerFilter): Listener[] {
  return listeners.filter((l) =>
    (f.address === undefined || address(l).toLowerCase() === f.address.toLowerCase()) &&
    (f.port === undefined || port(l) === f.port) &&
    (f.type === undefined || listenerType(l).toLowerCase() === f.type.toLowerCase()) &&
    (f.name === undefined || l.name === f.name));
}

function sorted(listeners: readonly Listener[]): Listener[] {
  return [...listeners].sort((a, b) =>
    port(a) - port(b) || (address(a) < address(b) ? -1 : address(a) > address(b) ? 1 : 0) ||
    (listenerType(a) < listenerType(b) ? -1 : listenerType(a) > listenerType(b) ? 1 : 0));
}

/** Rows of the table, header first; `prefixName` adds istioctl's `all` NAME column. */
export function listenerRows(listeners: readonly Listener[], verbose: boolean, prefixName = false): string[][] {
  const head = ['ADDRESS', 'PORT', ...(verbose ? ['MATCH', 'DESTINATION'] : ['TYPE'])];
  const rows: string[][] = [prefixName ? ['NAME', ...head] : head];
  for (const l of sorted(listeners)) {
    const lead = [...(prefixName ? [`listener/${l.name}`] : []), address(l), String(port(l))];
    if (!verbose) {
      rows.push([...lead, listenerType(l)]);
      continue;
    }
    const matches = chains(l).map((fc) => ({ match: describeChainMatch(fc.filterChainMatch), destination: describeDestination(fc.filters) }));
    matches.sort((a, b) => (a.destination > b.destination ? -1 : a.destination < b.destination ? 1 : 0));
    for (const m of matches) rows.push([...lead, m.match, m.destination]);
  }
  return rows;
}

export function renderListeners(listeners: readonly Listener[], verbose: boolean, prefixName = false): string {
  return tabulate(listenerRows(listeners, verbose, prefixName), LISTENER_PADDING);
}
