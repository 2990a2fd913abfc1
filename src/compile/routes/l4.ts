/**
 * Destination choice for TCP and TLS VirtualService routes, for the listener compiler (the
 * routes become tcp_proxy filters there): whether a TCP/TLS match applies to this proxy and port
 * (`l4MatchApplies`: port, gateways, sourceLabels, sourceNamespace), a route's destinations as
 * clusters (`l4Destinations`, Istio's GetDestinationCluster, with weights: a single destination
 * weighs 100, zero weights are dropped); and, built on both, the first TCP route whose match
 * applies, or the first TLS route with a match whose SNI hosts cover `sni`. Destinations and
 * gateway names must already be resolved (`resolveVirtualService`). Pure.
 */
import type { L4MatchAttributes, RouteDestination, TLSMatchAttributes } from '../../api/istio/virtual-service.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { destinationCluster } from './destination.js';
import { hostMatches } from './hosts.js';
import { selects } from '../../common/hosts.js';
import { resolveVirtualService, type VirtualService } from './resolve.js';

export interface WeightedDestination {
  cluster: string;
  weight: number;
  hostname: string;
  subset: string;
}

export interface L4RouteChoice {
  /** Index of the chosen route in `spec.tcp` / `spec.tls`. */
  index: number;
  clusters: WeightedDestination[];
}

/** The static part of a TCP/TLS match (Istio's matchTCP / matchTLS); an absent match applies. */
export function l4MatchApplies(
  m: L4MatchAttributes | TLSMatchAttributes | null | undefined, proxy: Proxy, port: number, gatewayNames: ReadonlySet<string>,
): boolean {
  if (!m) return true;
  if (m.port && m.port !== port) return false;
  if (m.gateways?.length && !m.gateways.some((g) => gatewayNames.has(g))) return false;
  if (!selects(m.sourceLabels, proxy.labels)) return false;
  return !m.sourceNamespace || m.sourceNamespace === proxy.namespace;
}

/** The clusters a route's destinations send to, seen from `proxy` on listener `port`. */
export function l4Destinations(
  snapshot: Snapshot, proxy: Proxy, routes: readonly (RouteDestination | null)[], port: number,
): WeightedDestination[] {
  const dests = routes.filter((r): r is RouteDestination => !!r?.destination);
  const one = dests.length === 1;
  const out: WeightedDestination[] = [];
  for (const r of dests) {
    if (!one && !r.weight) continue;
    const d = r.destination!;
    const svc = d.host ? snapshot.service(d.host, proxy.namespace) : undefined;
    out.push({ cluster: destinationCluster(d, svc, port), weight: one ? 100 : r.weight!, hostname: d.host ?? '', subset: d.subset ?? '' });
  }
  return out;
}

/** The TCP route of `vs` serving `port` for this proxy (`mesh` or `ns/gateway` in gatewayNames). */
export function tcpRouteClusters(
  snapshot: Snapshot, proxy: Proxy, vs: VirtualService, port: number, gatewayNames: ReadonlySet<string>,
): L4RouteChoice | undefined {
  const spec = resolveVirtualService(vs).spec;
  const routes = spec.tcp ?? [];
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i];
    if (!r?.route?.length) continue;
    const matches = (r.match ?? []).filter((m): m is L4MatchAttributes => !!m);
    if (matches.length === 0 || matches.some((m) => l4MatchApplies(m, proxy, port, gatewayNames))) {
      return { index: i, clusters: l4Destinations(snapshot, proxy, r.route, port) };
    }
  }
  return undefined;
}

/** The TLS route of `vs` for `port` and SNI `sni` (any SNI when undefined). */
export function tlsRouteClusters(
  snapshot: Snapshot, proxy: Proxy, vs: VirtualService, port: number, sni: string | undefined, gatewayNames: ReadonlySet<string>,
): L4RouteChoice | undefined {
  const spec = resolveVirtualService(vs).spec;
  const routes = spec.tls ?? [];
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i];
    if (!r?.route?.length) continue;
    const hit = (r.match ?? []).some(
      (m) => !!m && l4MatchApplies(m, proxy, port, gatewayNames) && (sni === undefined || (m.sniHosts ?? []).some((h) => hostMatches(h, sni))),
    );
    if (hit) return { index: i, clusters: l4Destinations(snapshot, proxy, r.route, port) };
  }
  return undefined;
}
