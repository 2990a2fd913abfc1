/**
 * The compiler's front door: everything one proxy gets, (snapshot, proxy) → LDS, RDS, CDS and
 * EDS resources. Route configurations are exactly those the listeners name (RDS), and load
 * assignments those the clusters name (EDS), so the four sets are consistent as a whole. Pure.
 */
import type { Cluster } from '../api/envoy/cluster.js';
import type { ClusterLoadAssignment } from '../api/envoy/endpoint.js';
import type { Listener } from '../api/envoy/listener.js';
import type { RouteConfiguration } from '../api/envoy/route.js';
import type { Proxy, Snapshot } from '../model/types.js';
import { compileClusters } from './clusters/index.js';
import { compileEndpoints } from './endpoints/index.js';
import { compileListeners, type ListenerOptions } from './listeners/index.js';
import { compileRoutes } from './routes/index.js';

export interface ProxyConfig {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
}

/** Route configuration names that the listeners' HttpConnectionManagers ask for over RDS. */
export function rdsNames(listeners: readonly Listener[]): string[] {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) { for (const x of v) visit(x); return; }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    const rds = o.rds as { routeConfigName?: unknown } | undefined;
    if (rds && typeof rds.routeConfigName === 'string') names.add(rds.routeConfigName);
    for (const x of Object.values(o)) if (x && typeof x === 'object') visit(x);
  };
  visit(listeners);
  return [...names];
}

/** Cluster names served over EDS (the clusters whose type is EDS). */
export function edsNames(clusters: readonly Cluster[]): string[] {
  return clusters.filter((c) => c.type === 'EDS').map((c) => c.edsClusterConfig?.serviceName ?? c.name);
}

export function compileProxy(snapshot: Snapshot, proxy: Proxy, options: ListenerOptions = {}): ProxyConfig {
  const listeners = compileListeners(snapshot, proxy, options);
  const routes = compileRoutes(snapshot, proxy, rdsNames(listeners));
  const clusters = compileClusters(snapshot, proxy);
  const endpoints = compileEndpoints(snapshot, proxy, edsNames(clusters));
  return { listeners, routes, clusters, endpoints };
}

export { compileClusters, compileEndpoints, compileListeners, compileRoutes };
