/**
 * A gateway's HTTP route configurations (Istio's buildGatewayHTTPRouteConfig): for each server of
 * the route, the VirtualServices bound to its Gateway whose hosts intersect the server's hosts
 * (honouring `ns/host`) contribute their routes to one virtual host per intersecting host, named
 * `HOST:SERVERPORT`; several VirtualServices on one host are merged with catch-all routes moved
 * last; httpsRedirect servers require TLS; hosts with identical routes collapse into one virtual
 * host; no virtual host at all gives Istio's 404 `blackhole:PORT`. Pure.
 */
import type { Route, RouteConfiguration, VirtualHost } from '../../api/envoy/route.js';
import { virtualHostName } from '../../api/names.js';
import { visibleFrom } from '../../common/hosts.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import type { Service } from '../../registry/types.js';
import { hashForDestination } from './hash.js';
import { hostIntersection, serverHostsForNamespace } from './hosts.js';
import { isCatchAllRoute } from './match.js';
import type { RouteOptions } from './options.js';
import { resolveVirtualService, type VirtualService } from './resolve.js';
import { MAX_DIRECT_RESPONSE_BODY_BYTES } from './sidecar.js';
import { buildVirtualServiceRoutes } from './translate.js';
import type { RoutedServer } from './gateway-servers.js';

/** Destination services as a gateway sees them: the VirtualService's namespace first, if visible. */
function gatewayServiceLookup(snapshot: Snapshot, proxy: Proxy, vs: VirtualService): (h: string) => Service | undefined {
  const cache = new Map<string, Service | undefined>();
  return (h) => {
    if (cache.has(h)) return cache.get(h);
    let svc = snapshot.servicesByHost(h).find((s) => s.namespace === vs.namespace && visibleFrom(s.exportTo, proxy.namespace));
    svc ??= snapshot.service(h, proxy.namespace);
    cache.set(h, svc);
    return svc;
  };
}

/** Istio's SortVHostRoutes: catch-all routes last, others in order. */
function sortRoutes(routes: readonly Route[]): Route[] {
  return [...routes.filter((r) => !isCatchAllRoute(r)), ...routes.filter((r) => isCatchAllRoute(r))];
}

/**
 * Istio's collapseDuplicateRoutes: hosts (in name order) with identical routes (the same Route
 * objects in the same order, same requireTls) share a vhost. Indexed by a key of route identities
 * rather than compared pairwise, which was quadratic in the number of hosts.
 */
function collapse(byHost: Map<string, VirtualHost>): VirtualHost[] {
  const kept: VirtualHost[] = [];
  const ids = new Map<Route, number>();
  const idOf = (r: Route): number => {
    let id = ids.get(r);
    if (id === undefined) ids.set(r, (id = ids.size));
    return id;
  };
  const byKey = new Map<string, VirtualHost>();
  for (const h of [...byHost.keys()].sort()) {
    const vh = byHost.get(h)!;
    if (!vh.routes) {
      kept.push(vh); // a vhost without routes never matches another
      continue;
    }
    const key = `${vh.requireTls}|${vh.includeRequestAttemptCount}|${vh.routes.map(idOf).join(',')}`;
    const into = byKey.get(key);
    if (into) into.domains.push(...vh.domains);
    else {
      byKey.set(key, vh);
      kept.push(vh);
    }
  }
  return kept;
}

export function gatewayRouteConfig(snapshot: Snapshot, proxy: Proxy, routeName: string, servers: readonly RoutedServer[]): RouteConfiguration {
  const byHost = new Map<string, VirtualHost>();
  const routeCache = new Map<string, Route[] | undefined>();
  const vsCache = new Map<string, VirtualService[]>();
  for (const { gatewayName, server, port } of servers) {
    let vss = vsCache.get(gatewayName);
    if (!vss) {
      vss = snapshot.virtualServicesFor(gatewayName, proxy.namespace).map(resolveVirtualService);
      vsCache.set(gatewayName, vss);
    }
    const redirect = server.tls?.httpsRedirect === true;
    for (const vs of vss) {
      const serverHosts = serverHostsForNamespace(server.hosts ?? [], vs.namespace);
      const hosts = hostIntersection(serverHosts, vs.spec.hosts ?? []);
      if (hosts.length === 0) continue;
      const key = `${gatewayName}|${vs.namespace}/${vs.name}`;
      if (!routeCache.has(key)) {
        const opts: RouteOptions = {
          snapshot,
          proxy,
          listenPort: port,
          gatewayNames: new Set([gatewayName]),
          isTls: !!server.tls,
          lookupService: gatewayServiceLookup(snapshot, proxy, vs),
          lookupHash: (d) => hashForDestination(snapshot, proxy, d),
        };
        routeCache.set(key, buildVirtualServiceRoutes(vs, opts));
      }
      const routes = routeCache.get(key);
      if (!routes) continue;
      for (const raw of hosts) {
        const h = raw.toLowerCase();
        const existing = byHost.get(h);
        if (existing) {
          // appended in place (the array is this vhost's own): re-spreading it per VirtualService was quadratic
          if (existing.routes) for (const r of routes) existing.routes.push(r);
          else existing.routes = [...routes];
          if (redirect) existing.requireTls = 'ALL';
        } else {
          const vh: VirtualHost = { name: virtualHostName(h, port), domains: [h], routes: [...routes], includeRequestAttemptCount: true };
          if (redirect) vh.requireTls = 'ALL';
          byHost.set(h, vh);
        }
      }
    }
    if (redirect) {
      for (const raw of server.hosts ?? []) {
        const slash = raw.indexOf('/');
        const h = (slash === -1 ? raw : raw.slice(slash + 1)).toLowerCase();
        const existing = byHost.get(h);
        if (existing) existing.requireTls = 'ALL';
        else byHost.set(h, { name: virtualHostName(h, port), domains: [h], includeRequestAttemptCount: true, requireTls: 'ALL' });
      }
    }
  }
  let vhosts: VirtualHost[];
  if (byHost.size === 0) {
    vhosts = [{ name: virtualHostName('blackhole', servers[0]?.port ?? 0), domains: ['*'], routes: [] }];
  } else {
    vhosts = collapse(byHost).map((v) => (v.routes ? { ...v, routes: sortRoutes(v.routes) } : v));
    vhosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return {
    name: routeName,
    virtualHosts: vhosts,
    validateClusters: false,
    ignorePortInHostMatching: proxy.generator !== 'grpc',
    maxDirectResponseBodySizeBytes: MAX_DIRECT_RESPONSE_BODY_BYTES,
  };
}
