/**
 * TCP and TLS VirtualService routes as network filters (Istio's networkfilter.go and tls.go):
 * a route's destinations become a tcp_proxy to one cluster (stat prefix = cluster name) or to
 * weighted clusters (stat prefix `VSNAME.NAMESPACE`); the DestinationRule adds the tcp idle
 * timeout, max connection duration and a source-IP hash policy; `matchL4` evaluates the static
 * predicates of a TCP/TLS match (gateways, port, source labels, source namespace) for one proxy.
 *
 * INTEGRATION POINT: the routes compiler was to expose `tcpRouteClusters` / `tlsRouteClusters`
 * in src/compile/routes/; they were not there when this was written, so the destination → cluster
 * mapping (Istio's GetDestinationCluster) lives here in `destinationCluster`.
 */
import type { NetworkFilter, TcpProxy } from '../../api/envoy/listener.js';
import type { Destination, L4MatchAttributes, RouteDestination, TLSMatchAttributes } from '../../api/istio/virtual-service.js';
import { outboundCluster } from '../../api/names.js';
import { toFqdn } from '../../common/hosts.js';
import type { ConfigObject, Proxy, Snapshot } from '../../model/types.js';
import type { Service } from '../../registry/types.js';
import type { VirtualServiceSpec } from '../../api/istio/virtual-service.js';
import { toDuration } from '../routes/duration.js';
import { tcpProxyFilter } from './filters.js';

export type VirtualServiceObject = ConfigObject<VirtualServiceSpec>;

/** Istio's GetDestinationCluster: explicit port, else the service's only port, else the listener port. */
export function destinationCluster(dest: Destination, hostname: string, service: Service | undefined, listenerPort: number): string {
  let port = listenerPort;
  if (dest.port?.number) port = dest.port.number;
  else if (service && service.ports.length === 1) port = service.ports[0]!.port;
  return outboundCluster(hostname, port, dest.subset ?? '');
}

function l4Static(
  m: { gateways?: string[] | null; port?: number | null; sourceLabels?: Record<string, string> | null; sourceNamespace?: string | null },
  proxy: Proxy,
  gateways: ReadonlySet<string>,
  port: number,
  vsNamespace: string,
): boolean {
  const gws = (m.gateways ?? []).map((g) => resolveGatewayRef(g, vsNamespace));
  const gatewayOk = gws.length === 0 || gws.some((g) => gateways.has(g));
  const labelsOk = Object.entries(m.sourceLabels ?? {}).every(([k, v]) => proxy.labels[k] === v);
  const portOk = !m.port || m.port === port;
  const nsOk = !m.sourceNamespace || m.sourceNamespace === proxy.namespace;
  return gatewayOk && labelsOk && portOk && nsOk;
}

/** `gw` → `ns/gw`, `mesh` kept (Istio's resolveGatewayName for the common forms). */
export function resolveGatewayRef(name: string, namespace: string): string {
  if (name === 'mesh' || name.includes('/')) return name;
  if (!name.includes('.')) return `${namespace}/${name}`;
  const [gw, ns] = name.split('.');
  return `${ns}/${gw}`;
}

/** Static part of a TCP match (Istio's matchTCP); an absent match matches. */
export function matchTcp(m: L4MatchAttributes | null | undefined, proxy: Proxy, gateways: ReadonlySet<string>, port: number, vsNamespace: string): boolean {
  return !m || l4Static(m, proxy, gateways, port, vsNamespace);
}

/** Static part of a TLS match (Istio's matchTLS). */
export function matchTls(m: TLSMatchAttributes | null | undefined, proxy: Proxy, gateways: ReadonlySet<string>, port: number, vsNamespace: string): boolean {
  return !m || l4Static(m, proxy, gateways, port, vsNamespace);
}

/** Idle timeout, max connection duration and source-IP hashing from the DestinationRule. */
function applyDestinationRule(tcp: TcpProxy, snapshot: Snapshot, proxy: Proxy, hostname: string, subset: string): void {
  const dr = snapshot.destinationRule(hostname, proxy);
  if (!dr) return;
  const pool = dr.trafficPolicy?.connectionPool?.tcp;
  const idle = toDuration(pool?.idleTimeout);
  if (idle) tcp.idleTimeout = idle;
  const maxDur = toDuration(pool?.maxConnectionDuration);
  if (maxDur) tcp.maxDownstreamConnectionDuration = maxDur;
  let useSourceIp = dr.trafficPolicy?.loadBalancer?.consistentHash?.useSourceIp ?? false;
  const sub = dr.subsets.find((s) => s.name === subset);
  const subLb = sub?.trafficPolicy?.loadBalancer;
  if (subLb) useSourceIp = subLb.consistentHash?.useSourceIp ?? false;
  if (useSourceIp) tcp.hashPolicy = [{ sourceIp: {} }];
}

/** tcp_proxy for one destination cluster (Istio's buildOutboundNetworkFiltersWithSingleDestination). */
export function singleDestinationFilters(
  snapshot: Snapshot, proxy: Proxy, cluster: string, hostname: string, subset: string,
): NetworkFilter[] {
  const tcp: TcpProxy = { statPrefix: cluster, cluster };
  applyDestinationRule(tcp, snapshot, proxy, hostname, subset);
  return [tcpProxyFilter(tcp)];
}

/**
 * The network filters for the destinations of one TCP/TLS route of `vs` (Istio's
 * buildOutboundNetworkFilters). `listenerPort` is the port the route is served on.
 */
export function routeNetworkFilters(
  snapshot: Snapshot, proxy: Proxy, routes: readonly (RouteDestination | null)[], listenerPort: number, vs: VirtualServiceObject,
): NetworkFilter[] {
  const dests = routes.filter((r): r is RouteDestination & { destination: Destination } => !!r?.destination?.host);
  if (dests.length === 0) return [];
  const resolve = (d: Destination): { host: string; service: Service | undefined } => {
    const host = toFqdn(d.host!, vs.namespace);
    return { host, service: snapshot.service(host, proxy.namespace) };
  };
  if (dests.length === 1) {
    const d = dests[0]!.destination;
    const { host, service } = resolve(d);
    return singleDestinationFilters(snapshot, proxy, destinationCluster(d, host, service, listenerPort), host, d.subset ?? '');
  }
  const clusters = dests
    .filter((r) => (r.weight ?? 0) > 0)
    .map((r) => {
      const { host, service } = resolve(r.destination);
      return { name: destinationCluster(r.destination, host, service, listenerPort), weight: r.weight! };
    });
  if (clusters.length === 0) {
    const d = dests[0]!.destination;
    const { host, service } = resolve(d);
    return singleDestinationFilters(snapshot, proxy, destinationCluster(d, host, service, listenerPort), host, d.subset ?? '');
  }
  const first = resolve(dests[0]!.destination);
  const tcp: TcpProxy = { statPrefix: `${vs.name}.${vs.namespace}`, weightedClusters: { clusters } };
  applyDestinationRule(tcp, snapshot, proxy, first.host, '');
  return [tcpProxyFilter(tcp)];
}
