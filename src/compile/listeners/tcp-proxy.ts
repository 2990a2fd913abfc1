/**
 * TCP and TLS VirtualService routes as network filters (Istio's networkfilter.go): the clusters a
 * route's destinations send to come from the routes compiler (`l4Destinations`, Istio's
 * GetDestinationCluster), and become a tcp_proxy to one cluster (stat prefix = cluster name) or to
 * weighted clusters (stat prefix `VSNAME.NAMESPACE`); the DestinationRule adds the tcp idle
 * timeout, max connection duration and a source-IP hash policy. Routes must come from a
 * VirtualService resolved by `resolveVirtualService`. Pure.
 */
import type { NetworkFilter, TcpProxy } from '../../api/envoy/listener.js';
import type { RouteDestination } from '../../api/istio/virtual-service.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { toDuration } from '../duration.js';
import { l4Destinations } from '../routes/l4.js';
import type { VirtualService } from '../routes/resolve.js';
import { tcpProxyFilter } from './filters.js';

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
 * buildOutboundNetworkFilters): one destination → a single cluster, several → weighted
 * clusters (if every weight is zero, the first destination alone). `listenerPort` is the port
 * the route is served on.
 */
export function routeNetworkFilters(
  snapshot: Snapshot, proxy: Proxy, routes: readonly (RouteDestination | null)[], listenerPort: number, vs: VirtualService,
): NetworkFilter[] {
  const dests = routes.filter((r): r is RouteDestination => !!r?.destination);
  if (dests.length === 0) return [];
  const weighted = l4Destinations(snapshot, proxy, dests, listenerPort);
  if (dests.length === 1 || weighted.length === 0) {
    const [one] = l4Destinations(snapshot, proxy, dests.slice(0, 1), listenerPort);
    return singleDestinationFilters(snapshot, proxy, one!.cluster, one!.hostname, one!.subset);
  }
  const tcp: TcpProxy = {
    statPrefix: `${vs.name}.${vs.namespace}`,
    weightedClusters: { clusters: weighted.map((w) => ({ name: w.cluster, weight: w.weight })) },
  };
  applyDestinationRule(tcp, snapshot, proxy, dests[0]!.destination!.host ?? '', '');
  return [tcpProxyFilter(tcp)];
}
