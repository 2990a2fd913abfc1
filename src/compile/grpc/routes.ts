/**
 * RDS for proxyless gRPC (Istio's grpcgen rds.go): a route configuration named as the client's
 * listener names it, `outbound|PORT||FQDN` (also `HOST:PORT`), holding the sidecar virtual hosts
 * of that port built exactly as for sidecars (route compiler's `sidecarVirtualHosts`, with `:PORT`
 * domain variants since gRPC matches the authority with its port), so subsets, weights, header
 * matches, retries, timeouts and fault injection mean the same. Then only what a gRPC client
 * would reject or misread is adapted, following gRFC A28: per-filter configs other than fault
 * (CORS) are dropped, routes with query-parameter matchers are skipped (gRPC has no query), and a
 * redirect or direct response (no gRPC equivalent; gRPC fails such RPCs with UNAVAILABLE) becomes
 * a route whose RPCs are aborted with UNAVAILABLE by the fault filter. Unknown names are left out,
 * as Istio does. Pure.
 */
import type { Any } from '../../api/envoy/common.js';
import { HttpFilterName, RouteTypeUrl, type Route, type RouteConfiguration, type VirtualHost } from '../../api/envoy/route.js';
import { parseClusterName, outboundCluster } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { sidecarVirtualHosts } from '../routes/index.js';
import { splitHostPort } from './names.js';

const UNAVAILABLE = 14;

/** The port a gRPC route name denotes: `outbound|PORT|SUBSET|HOST` or `HOST:PORT`. */
export function grpcRoutePort(name: string): number | undefined {
  const parsed = parseClusterName(name);
  if (parsed) return parsed.hostname !== '' && parsed.port > 0 ? parsed.port : undefined;
  const hp = splitHostPort(name);
  return hp && /^\d+$/.test(hp.port) && Number(hp.port) > 0 ? Number(hp.port) : undefined;
}

function onlyFault(cfg: Record<string, Any> | undefined): Record<string, Any> | undefined {
  const fault = cfg?.[HttpFilterName.Fault];
  return fault ? { [HttpFilterName.Fault]: fault } : undefined;
}

function withPerFilter<T extends { typedPerFilterConfig?: Record<string, Any> }>(x: T): T {
  if (!x.typedPerFilterConfig) return x;
  const { typedPerFilterConfig, ...rest } = x;
  const kept = onlyFault(typedPerFilterConfig);
  return (kept ? { ...rest, typedPerFilterConfig: kept } : rest) as T;
}

/** The cluster a virtual host named `HOST:PORT` stands for (needed to give an aborting route a cluster). */
function vhostCluster(vh: VirtualHost): string {
  const hp = splitHostPort(vh.name);
  return hp ? outboundCluster(hp.host, Number(hp.port)) : vh.name;
}

/** A redirect or direct response as gRPC treats actions it does not support: the RPC fails with UNAVAILABLE. */
function abortingRoute(r: Route, cluster: string): Route {
  const { redirect: _r, directResponse: _d, typedPerFilterConfig: _t, ...rest } = r;
  return {
    ...rest,
    route: { cluster },
    typedPerFilterConfig: {
      [HttpFilterName.Fault]: {
        '@type': RouteTypeUrl.HTTPFault,
        abort: { grpcStatus: UNAVAILABLE, percentage: { numerator: 100, denominator: 'HUNDRED' } },
      },
    },
  };
}

function adaptRoute(r: Route, vh: VirtualHost): Route | undefined {
  if (r.match.queryParameters?.length) return undefined;
  if (r.redirect || r.directResponse) return abortingRoute(r, vhostCluster(vh));
  const out = withPerFilter(r);
  const wc = out.route?.weightedClusters;
  if (wc) out.route = { ...out.route, weightedClusters: { ...wc, clusters: wc.clusters.map(withPerFilter) } };
  return out;
}

/** A sidecar virtual host made acceptable to a gRPC client (see the file comment). */
export function adaptVirtualHost(vh: VirtualHost): VirtualHost {
  const out = withPerFilter(vh);
  if (vh.routes) out.routes = vh.routes.map((r) => adaptRoute(r, vh)).filter((r): r is Route => !!r);
  return out;
}

function byName(a: VirtualHost, b: VirtualHost): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The route configuration `name` for a gRPC client, or undefined when the name denotes no port. */
export function grpcRouteConfig(snapshot: Snapshot, proxy: Proxy, name: string): RouteConfiguration | undefined {
  const port = grpcRoutePort(name);
  if (port === undefined) return undefined;
  const vhosts = sidecarVirtualHosts(snapshot, proxy, port, true).sort(byName).map(adaptVirtualHost);
  return { name, virtualHosts: vhosts };
}

/** RDS for a gRPC client: the requested configurations in request order (each name once); names denoting no port are left out. */
export function grpcRoutes(snapshot: Snapshot, proxy: Proxy, names: readonly string[]): RouteConfiguration[] {
  const out: RouteConfiguration[] = [];
  for (const name of new Set(names)) {
    const rc = grpcRouteConfig(snapshot, proxy, name);
    if (rc) out.push(rc);
  }
  return out;
}
