/**
 * Route destinations → Envoy clusters (Istio's GetDestinationCluster, processDestination and
 * processWeightedDestination): the port is the destination's, else the service's only port, else
 * the listener port; one destination routes to its cluster, several to weightedClusters with the
 * weights as written (zero weights dropped; Envoy sums them, Istio no longer normalises);
 * per-destination header operations and the consistent-hash policy. Pure.
 */
import type { ClusterWeight, Route, RouteAction } from '../../api/envoy/route.js';
import type { Destination, HTTPRouteDestination } from '../../api/istio/virtual-service.js';
import { outboundCluster } from '../../api/names.js';
import type { Service } from '../../registry/types.js';
import { consistentHashToHashPolicy } from './hash.js';
import { applyHeaderOps, translateHeaders } from './headers.js';
import type { RouteOptions } from './options.js';

export const UNKNOWN_SERVICE_CLUSTER = 'UnknownService';

/** Istio's GetDestinationCluster for a resolved destination. */
export function destinationCluster(dest: Destination, service: Service | undefined, listenPort: number): string {
  if (!dest.host) return UNKNOWN_SERVICE_CLUSTER;
  let port = listenPort;
  if (dest.port?.number) port = dest.port.number;
  else if (service && service.ports.length === 1) port = service.ports[0]!.port;
  return outboundCluster(dest.host, port, dest.subset ?? '');
}

function addHash(action: RouteAction, opts: RouteOptions, dest: Destination | null | undefined): boolean {
  if (!dest) return false;
  const ch = opts.lookupHash(dest);
  const hp = consistentHashToHashPolicy(ch);
  if (hp) action.hashPolicy = [...(action.hashPolicy ?? []), hp];
  return ch !== undefined;
}

/** Sets the cluster of a single-destination route; returns whether consistent hashing applies. */
export function applySingleDestination(out: Route, action: RouteAction, dst: HTTPRouteDestination, opts: RouteOptions): boolean {
  const dest = dst.destination ?? {};
  action.cluster = destinationCluster(dest, dest.host ? opts.lookupService(dest.host) : undefined, opts.listenPort);
  if (dst.headers) {
    const ops = translateHeaders(dst.headers);
    applyHeaderOps(out, ops);
    if (ops.authority !== '' && action.hostRewriteLiteral === undefined) action.hostRewriteLiteral = ops.authority;
  }
  return addHash(action, opts, dst.destination);
}

/** Sets weightedClusters from several destinations. */
export function applyWeightedDestinations(action: RouteAction, dsts: readonly HTTPRouteDestination[], opts: RouteOptions): void {
  const clusters: ClusterWeight[] = [];
  for (const dst of dsts) {
    if (!dst.weight) continue;
    const dest = dst.destination ?? {};
    const cw: ClusterWeight = {
      name: destinationCluster(dest, dest.host ? opts.lookupService(dest.host) : undefined, opts.listenPort),
      weight: dst.weight,
    };
    if (dst.headers) {
      const ops = translateHeaders(dst.headers);
      applyHeaderOps(cw, ops);
      if (ops.authority !== '') cw.hostRewriteLiteral = ops.authority;
    }
    addHash(action, opts, dst.destination);
    clusters.push(cw);
  }
  action.weightedClusters = { clusters };
}
