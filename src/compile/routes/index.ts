/**
 * The route compiler's entry point: (snapshot, proxy) → the Envoy RouteConfigurations Istio
 * would send it. Sidecars get one outbound route per HTTP port (`8080`); gateways one per HTTP
 * route name (`http.8080`, `https.443.https.GW.NS`). With `routeNames` (what a proxy asked for
 * over RDS), exactly those, unknown ones as empty configurations. Pure: no I/O, clocks or
 * randomness.
 */
import type { RouteConfiguration } from '../../api/envoy/route.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { gatewayRouteConfig } from './gateway.js';
import { gatewayRoutedServers } from './gateway-servers.js';
import { sidecarRouteConfig, sidecarRouteNames, type SidecarRouteOptions } from './sidecar.js';

export { sidecarRouteNames, type SidecarRouteOptions } from './sidecar.js';
export { sidecarVirtualHosts } from './sidecar-vhosts.js';
export { gatewayRoutedServers } from './gateway-servers.js';
export { resolveGatewayPorts } from './gateway-ports.js';
export { l4Destinations, l4MatchApplies, tcpRouteClusters, tlsRouteClusters } from './l4.js';
export type { WeightedDestination, L4RouteChoice } from './l4.js';
export { destinationCluster } from './destination.js';
export { resolveVirtualService } from './resolve.js';

/**
 * `options` only matter without `routeNames`: they say which listeners the sidecar has (see
 * `sidecarRouteNames`), so that the configurations offered are the ones they ask for.
 */
export function compileRoutes(
  snapshot: Snapshot, proxy: Proxy, routeNames?: readonly string[], options: SidecarRouteOptions = {},
): RouteConfiguration[] {
  if (proxy.type === 'router') {
    const servers = gatewayRoutedServers(snapshot, proxy);
    const names = routeNames ?? [...servers.keys()];
    return names.map((name) => {
      const s = servers.get(name);
      return s ? gatewayRouteConfig(snapshot, proxy, name, s) : { name, virtualHosts: [], validateClusters: false };
    });
  }
  const names = routeNames ?? sidecarRouteNames(snapshot, proxy, options);
  return names.map((name) => sidecarRouteConfig(snapshot, proxy, name));
}
