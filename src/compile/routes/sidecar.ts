/**
 * A sidecar's outbound HTTP route configurations (Istio's buildSidecarOutboundHTTPRouteConfig):
 * one per HTTP port, named by the port (`8080`), holding the port's virtual hosts sorted by name
 * and then the `allow_any`/`block_all` catch-all; ports are ignored in host matching (Istio sets
 * this even for proxyless gRPC, whose domains carry ports). A route
 * name of the form `HOST:PORT` (proxyless gRPC, sniffed listeners) yields just that host's
 * virtual host, answering to `*`. Pure.
 */
import type { RouteConfiguration, VirtualHost } from '../../api/envoy/route.js';
import { sidecarRouteName } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { catchAllVirtualHost } from './catch-all.js';
import { egressServices, isHttpOrSniffed } from './egress.js';
import { sidecarVirtualHosts } from './sidecar-vhosts.js';

/** Envoy's direct-response body limit as Istio raises it (1 MiB). */
export const MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;

function byName(a: VirtualHost, b: VirtualHost): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Route names (ports) of a sidecar's outbound HTTP routes, in port order. */
export function sidecarRouteNames(snapshot: Snapshot, proxy: Proxy): string[] {
  const ports = new Set<number>();
  for (const s of snapshot.visibleServices(proxy)) for (const p of s.ports) if (isHttpOrSniffed(p.protocol)) ports.add(p.port);
  const out: number[] = [];
  for (const port of [...ports].sort((a, b) => a - b)) {
    const reachable = egressServices(snapshot, proxy, port).some((s) =>
      s.ports.some((p) => p.port === port && isHttpOrSniffed(p.protocol)),
    );
    if (reachable) out.push(port);
  }
  return out.map(sidecarRouteName);
}

function emptyRoute(name: string): RouteConfiguration {
  return { name, virtualHosts: [], validateClusters: false };
}

/** The route configuration named `routeName` for a sidecar. */
export function sidecarRouteConfig(snapshot: Snapshot, proxy: Proxy, routeName: string): RouteConfiguration {
  const grpc = proxy.generator === 'grpc';
  const colon = routeName.lastIndexOf(':');
  const sniffed = colon !== -1;
  const portText = sniffed ? routeName.slice(colon + 1) : routeName;
  if (!/^\d+$/.test(portText)) return emptyRoute(routeName);
  const port = Number(portText);
  let vhosts = sidecarVirtualHosts(snapshot, proxy, port, grpc).sort(byName);
  if (sniffed) {
    const host = routeName.slice(0, colon);
    vhosts = vhosts.filter((v) => v.domains.includes(routeName) || v.domains.includes(host));
    if (vhosts.length === 1) vhosts = [{ ...vhosts[0]!, domains: ['*'] }];
  } else {
    vhosts.push(catchAllVirtualHost(snapshot.sidecarScope(proxy).outboundTrafficPolicy));
  }
  const out: RouteConfiguration = {
    name: routeName,
    virtualHosts: vhosts,
    validateClusters: false,
    maxDirectResponseBodySizeBytes: MAX_DIRECT_RESPONSE_BODY_BYTES,
    ignorePortInHostMatching: true,
  };
  return out;
}
