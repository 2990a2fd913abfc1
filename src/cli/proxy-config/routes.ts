/**
 * `trellis proxy-config routes`: istioctl's route table over the RDS route configurations. One row
 * per route: NAME (route configuration), VHOST NAME, DOMAINS (abbreviated), MATCH (`/*`,
 * `/canary*`, `/exact`) and VIRTUAL SERVICE (`name.namespace` from the route's metadata); routes
 * to PassthroughCluster are left out and a virtual host without routes is `/*` → `404`, as
 * istioctl prints them. `--verbose=false` gives NAME / VIRTUAL HOSTS. Filter: --name.
 */
import type { Route, RouteConfiguration } from '../../api/envoy/route.js';
import { PASSTHROUGH_CLUSTER } from '../../api/names.js';
import { describeManagement, describeMatch, describeRouteDomains } from './describe.js';
import { TABLE_PADDING, tabulate } from './tabwriter.js';

export interface RouteFilter {
  name?: string;
}

export function filterRoutes(routes: readonly RouteConfiguration[], f: RouteFilter): RouteConfiguration[] {
  return routes.filter((r) => f.name === undefined || r.name === f.name);
}

function isPassthrough(r: Route): boolean {
  return r.route?.cluster === PASSTHROUGH_CLUSTER;
}

/** Numeric names (sidecar ports) in numeric order first, then the others as given. */
function sorted(routes: readonly RouteConfiguration[]): RouteConfiguration[] {
  const num = (n: string) => (/^\d+$/.test(n) ? Number(n) : Number.POSITIVE_INFINITY);
  return routes.map((r, i) => ({ r, i })).sort((a, b) => num(a.r.name) - num(b.r.name) || a.i - b.i).map((x) => x.r);
}

export function routeRows(routes: readonly RouteConfiguration[], verbose: boolean, prefixName = false): string[][] {
  const rows: string[][] = [verbose ? ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'] : ['NAME', 'VIRTUAL HOSTS']];
  for (const rc of sorted(routes)) {
    const name = prefixName ? `route/${rc.name}` : rc.name;
    const vhosts = rc.virtualHosts ?? [];
    if (!verbose) {
      rows.push([name, String(vhosts.length)]);
      continue;
    }
    for (const vh of vhosts) {
      const domains = describeRouteDomains(vh.domains);
      for (const r of vh.routes ?? []) {
        if (!isPassthrough(r)) rows.push([name, vh.name, domains, describeMatch(r.match), describeManagement(r.metadata)]);
      }
      if ((vh.routes ?? []).length === 0) rows.push([name, vh.name, domains, '/*', '404']);
    }
  }
  return rows;
}

export function renderRoutes(routes: readonly RouteConfiguration[], verbose: boolean, prefixName = false): string {
  return tabulate(routeRows(routes, verbose, prefixName), TABLE_PADDING);
}
