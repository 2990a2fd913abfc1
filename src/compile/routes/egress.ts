/**
 * What a sidecar's outbound HTTP route for one port may see (Istio's GetEgressListenerForRDS and
 * the egress listener's Services()/VirtualServices()): the Sidecar egress listener for that port,
 * else the catch-all one; the visible services and mesh-bound VirtualServices its `ns/host`
 * entries import. Without a Sidecar resource every visible service and VirtualService applies.
 */
import type { EgressHost, Proxy, SidecarEgress, Snapshot } from '../../model/types.js';
import type { Service, ServiceProtocol } from '../../registry/types.js';
import { hostMatches } from './hosts.js';
import { MESH_GATEWAY } from './options.js';
import { resolveVirtualService, type VirtualService } from './resolve.js';

/** Protocols whose ports get HTTP routes (Istio's IsHTTPOrSniffed; HTTP_PROXY excepted). */
export function isHttpOrSniffed(p: ServiceProtocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web' || p === 'UNKNOWN';
}

export function egressListenerFor(snapshot: Snapshot, proxy: Proxy, port: number): SidecarEgress | undefined | null {
  const scope = snapshot.sidecarScope(proxy);
  if (!scope.sidecar && scope.egress.length === 0) return null; // no scoping at all
  return scope.egress.find((e) => e.port?.number === port) ?? scope.egress.find((e) => e.port === undefined);
}

function hostImported(h: EgressHost, namespace: string, hostname: string): boolean {
  if (h.namespace === '~') return false;
  if (h.namespace !== '*' && h.namespace !== namespace) return false;
  return h.host === '*' || hostMatches(h.host, hostname);
}

/** Services the route for `port` may reach (egress-listener scoped), in the snapshot's order. */
export function egressServices(snapshot: Snapshot, proxy: Proxy, port: number): Service[] {
  const visible = snapshot.visibleServices(proxy);
  const listener = egressListenerFor(snapshot, proxy, port);
  if (listener === null) return [...visible];
  if (!listener) return [];
  return visible.filter((s) => listener.hosts.some((h) => hostImported(h, s.namespace, s.hostname)));
}

/** Mesh-bound VirtualServices (names resolved) the route for `port` may use. */
export function egressVirtualServices(snapshot: Snapshot, proxy: Proxy, port: number): VirtualService[] {
  const all = snapshot.virtualServicesFor(MESH_GATEWAY, proxy.namespace).map(resolveVirtualService);
  const listener = egressListenerFor(snapshot, proxy, port);
  if (listener === null) return all;
  if (!listener) return [];
  return all.filter((vs) => (vs.spec.hosts ?? []).some((h) => listener.hosts.some((e) => hostImported(e, vs.namespace, h))));
}
