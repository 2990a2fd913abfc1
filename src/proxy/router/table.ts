/**
 * A RouteConfiguration compiled once into a route table — the domain index of its virtual hosts
 * and each route's compiled match — and `matchRoute`, the per-request lookup: the virtual host
 * for the authority, then the first route (in order) that matches, with, for every earlier route,
 * the reasons it did not. The data plane and `trellis explain` share it. Pure.
 */
import type { Route, RouteConfiguration, VirtualHost } from '../../api/envoy/route.js';
import { compileDomains, hostForMatching, selectVirtualHost, type DomainKind, type DomainTable } from './domains.js';
import { compileMatch, type CompiledMatch } from './route-match.js';
import { toRouterRequest, type HttpRequest, type RouterRequest } from './request.js';

export interface CompiledRoute {
  route: Route;
  index: number;
  name: string;
  match: CompiledMatch;
  /** What findRoute returns for it (made once). */
  hit: RouteHit;
}

export interface RouteTable {
  config: RouteConfiguration;
  name: string;
  domains: DomainTable;
  routes: Map<VirtualHost, CompiledRoute[]>;
  /** The same, by the virtual host's index (the data path's lookup). */
  byIndex: CompiledRoute[][];
  /** The hit for a virtual host without a matching route, made once. */
  vhostOnly: RouteHit[];
}

export interface RouteMiss {
  index: number;
  name: string;
  match: string;
  reasons: string[];
  route: Route;
}

export interface RouteMatchResult {
  request: RouterRequest;
  /** The Host as matched (lower case, port stripped under ignorePortInHostMatching). */
  host: string;
  virtualHost?: VirtualHost;
  domain?: { domain: string; kind: DomainKind };
  route?: Route;
  /** Index of the matched route in its virtual host; -1 when none matched. */
  index: number;
  routeName?: string;
  matchDescription?: string;
  /** Each earlier route (all of them when none matched) and why it did not match. */
  reasons: RouteMiss[];
  notes: string[];
}

function routeName(r: Route, i: number): string {
  return r.name ?? `routes[${i}]`;
}

export function compileRouteTable(rc: RouteConfiguration): RouteTable {
  const vhosts = rc.virtualHosts ?? [];
  const routes = new Map<VirtualHost, CompiledRoute[]>();
  const byIndex: CompiledRoute[][] = [];
  const vhostOnly: RouteHit[] = [];
  for (const vh of vhosts) {
    const compiled = (vh.routes ?? []).map((route, index) => ({ route, index, name: routeName(route, index), match: compileMatch(route.match), hit: undefined as unknown as RouteHit }));
    for (const cr of compiled) cr.hit = Object.freeze({ virtualHost: vh, route: cr.route, routeName: cr.name });
    routes.set(vh, compiled);
    byIndex.push(compiled);
    vhostOnly.push(Object.freeze({ virtualHost: vh }));
  }
  return { config: rc, name: rc.name, domains: compileDomains(vhosts, rc.ignorePortInHostMatching === true), routes, byIndex, vhostOnly };
}

/** What the data path needs from a lookup: the virtual host and the first matching route. */
export interface RouteHit {
  virtualHost?: VirtualHost;
  route?: Route;
  routeName?: string;
}

const NO_HIT: RouteHit = Object.freeze({});

/** matchRoute for the data path: the same choice, without the reasons and notes (nothing built for misses). */
export function findRoute(table: RouteTable, req: RouterRequest): RouteHit {
  const hit = selectVirtualHost(table.domains, req.authority);
  if (!hit) return NO_HIT;
  const routes = table.byIndex[hit.index]!;
  for (let i = 0; i < routes.length; i++) {
    const cr = routes[i]!;
    if (cr.match.matches(req)) return cr.hit;
  }
  return table.vhostOnly[hit.index]!;
}

export function matchRoute(table: RouteTable, request: HttpRequest | RouterRequest): RouteMatchResult {
  const req = 'pathOnly' in request ? request : toRouterRequest(request);
  const host = hostForMatching(req.authority, table.domains.ignorePort);
  const hit = selectVirtualHost(table.domains, req.authority);
  const base: RouteMatchResult = { request: req, host, index: -1, reasons: [], notes: [] };
  if (!hit) return base;
  const result: RouteMatchResult = { ...base, virtualHost: hit.virtualHost, domain: { domain: hit.domain, kind: hit.kind } };
  for (const cr of table.routes.get(hit.virtualHost) ?? []) {
    const why = cr.match.test(req);
    if (why.length === 0) {
      result.route = cr.route;
      result.index = cr.index;
      result.routeName = cr.name;
      result.matchDescription = cr.match.describe;
      result.notes.push(...cr.match.notes);
      return result;
    }
    result.reasons.push({ index: cr.index, name: cr.name, match: cr.match.describe, reasons: why, route: cr.route });
  }
  return result;
}
