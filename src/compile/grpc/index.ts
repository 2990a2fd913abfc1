/**
 * What Trellis serves a proxyless gRPC client (node metadata `GENERATOR: grpc`), as Istio's
 * grpcgen does: LDS api_listeners `HOST:PORT` for the names the client dials, RDS
 * `outbound|PORT||FQDN` with the sidecar virtual hosts of that port, CDS EDS clusters
 * `outbound|PORT|SUBSET|FQDN`, and EDS load assignments. gRPC subscribes to every type by name;
 * a wildcard (names undefined) gets everything the client could ask for (debug dumps); an empty
 * list, nothing. `grpcGenerators`
 * plugs into the ADS server by type URL. Pure: same snapshot, proxy and names, same output.
 */
import { TypeUrl } from '../../api/envoy/common.js';
import type { Cluster } from '../../api/envoy/cluster.js';
import type { ClusterLoadAssignment } from '../../api/envoy/endpoint.js';
import type { RouteConfiguration } from '../../api/envoy/route.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { grpcClusters } from './clusters.js';
import { grpcEndpoints } from './endpoints.js';
import { grpcListeners } from './listeners.js';
import { grpcRoutes } from './routes.js';
import type { GrpcListener } from './types.js';

export { grpcClusters, grpcCluster } from './clusters.js';
export { grpcEndpoints, adaptAssignment } from './endpoints.js';
export { grpcListeners, grpcHttpFilters, grpcRouteName } from './listeners.js';
export { grpcRoutes, grpcRouteConfig, adaptVirtualHost } from './routes.js';
export { listenerNameFilter, tryFindFqdn, SERVER_LISTENER_PREFIX } from './names.js';
export type { GrpcApiListener, GrpcListener, GrpcServerListener } from './types.js';

/** Whether a proxy is a proxyless gRPC client (Istio's `IsProxylessGrpc`). */
export function isProxylessGrpc(proxy: Proxy): boolean {
  return proxy.generator === 'grpc';
}

/** Route configuration names the client listeners point at (their RDS names). */
export function grpcRdsNames(listeners: readonly GrpcListener[]): string[] {
  const names = new Set<string>();
  for (const l of listeners) {
    if ('apiListener' in l && l.apiListener.apiListener.rds) names.add(l.apiListener.apiListener.rds.routeConfigName);
  }
  return [...names];
}

/** The ADS server's generator shape (src/xds/types.ts `Generator`), restated here: compile/ may not import xds/. */
export type GrpcGenerator = (snapshot: Snapshot, proxy: Proxy, requestedNames?: readonly string[]) => object[];

function routesFor(snapshot: Snapshot, proxy: Proxy, names?: readonly string[]): RouteConfiguration[] {
  const wanted = names ?? grpcRdsNames(grpcListeners(snapshot, proxy));
  return grpcRoutes(snapshot, proxy, wanted);
}

/** Generators by type URL for proxies with `GENERATOR: grpc`. */
export const grpcGenerators: Readonly<Record<string, GrpcGenerator>> = {
  [TypeUrl.Listener]: (snapshot, proxy, names) => grpcListeners(snapshot, proxy, names),
  [TypeUrl.RouteConfiguration]: routesFor,
  [TypeUrl.Cluster]: (snapshot, proxy, names) => grpcClusters(snapshot, proxy, names),
  [TypeUrl.ClusterLoadAssignment]: (snapshot, proxy, names) => grpcEndpoints(snapshot, proxy, names),
};

export interface GrpcProxyConfig {
  listeners: GrpcListener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
}

/** Everything a gRPC client could be sent (config_dump): all listeners, their routes, all clusters and endpoints. */
export function compileGrpc(snapshot: Snapshot, proxy: Proxy): GrpcProxyConfig {
  const listeners = grpcListeners(snapshot, proxy);
  return {
    listeners,
    routes: grpcRoutes(snapshot, proxy, grpcRdsNames(listeners)),
    clusters: grpcClusters(snapshot, proxy),
    endpoints: grpcEndpoints(snapshot, proxy),
  };
}
