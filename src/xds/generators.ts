/**
 * The default generator per type URL, on the compiler (src/compile): LDS and CDS for the whole
 * proxy, RDS and EDS for the names the client subscribed to (all the proxy needs on a wildcard
 * subscription). Also the push order of types and which types are wildcard by default. Pure.
 */
import { TypeUrl } from '../api/envoy/common.js';
import { compileClusters, compileEndpoints, compileListeners, compileRoutes } from '../compile/index.js';
import type { GeneratorSet } from './types.js';

export const defaultGenerators: GeneratorSet = {
  [TypeUrl.Listener]: (snapshot, proxy) => compileListeners(snapshot, proxy),
  [TypeUrl.RouteConfiguration]: (snapshot, proxy, names) => compileRoutes(snapshot, proxy, names),
  [TypeUrl.Cluster]: (snapshot, proxy) => compileClusters(snapshot, proxy),
  [TypeUrl.ClusterLoadAssignment]: (snapshot, proxy, names) => compileEndpoints(snapshot, proxy, names),
};

/**
 * Order of a full push, as Envoy recommends for ADS (make before break): clusters before the
 * endpoints they use, listeners before their routes. Other type URLs follow in request order.
 */
export const PUSH_ORDER: readonly string[] = [
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.Listener,
  TypeUrl.RouteConfiguration,
];

/** The name of a resource: `name`, or `clusterName` for a ClusterLoadAssignment. */
export function resourceName(resource: object): string {
  const r = resource as { name?: unknown; clusterName?: unknown };
  if (typeof r.name === 'string') return r.name;
  if (typeof r.clusterName === 'string') return r.clusterName;
  return '';
}
