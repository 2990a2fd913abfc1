/**
 * Test helper: a tiny simulation of Envoy's route selection over one compiled RouteConfiguration
 * (virtual host by Host header: exact, then `*.suffix` longest first, then `prefix.*`, then `*`;
 * port stripped under ignorePortInHostMatching; then the first route whose path, headers and
 * query parameters match). Enough for compiler tests; the explain engine replaces it.
 */
import type { StringMatcher } from '../../src/api/envoy/common.js';
import type { HeaderMatcher, Route, RouteConfiguration, VirtualHost } from '../../src/api/envoy/route.js';
import { compileRe2 } from '../../src/common/re2.js';

export interface SimRequest {
  host: string;
  path: string;
  method?: string;
  scheme?: string;
  headers?: Record<string, string>;
}

export interface SimResult {
  virtualHost?: VirtualHost;
  route?: Route;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const i = host.lastIndexOf(':');
  return i === -1 ? host : host.slice(0, i);
}

export function selectVirtualHost(rc: RouteConfiguration, rawHost: string): VirtualHost | undefined {
  const host = (rc.ignorePortInHostMatching ? stripPort(rawHost) : rawHost).toLowerCase();
  const vhosts = rc.virtualHosts ?? [];
  const all = vhosts.flatMap((vh) => vh.domains.map((d) => ({ vh, d: d.toLowerCase() })));
  const exact = all.find((x) => x.d === host);
  if (exact) return exact.vh;
  const suffix = all
    .filter((x) => x.d.startsWith('*') && x.d !== '*' && host.endsWith(x.d.slice(1)) && host.length > x.d.length - 1)
    .sort((a, b) => b.d.length - a.d.length)[0];
  if (suffix) return suffix.vh;
  const prefix = all
    .filter((x) => x.d.endsWith('*') && x.d !== '*' && host.startsWith(x.d.slice(0, -1)))
    .sort((a, b) => b.d.length - a.d.length)[0];
  if (prefix) return prefix.vh;
  return all.find((x) => x.d === '*')?.vh;
}

export function stringMatches(m: StringMatcher, value: string): boolean {
  const v = m.ignoreCase ? value.toLowerCase() : value;
  const lc = (s: string) => (m.ignoreCase ? s.toLowerCase() : s);
  if (m.exact !== undefined) return v === lc(m.exact);
  if (m.prefix !== undefined) return v.startsWith(lc(m.prefix));
  if (m.suffix !== undefined) return v.endsWith(lc(m.suffix));
  if (m.contains !== undefined) return v.includes(lc(m.contains));
  if (m.safeRegex) return compileRe2(m.safeRegex.regex).matches(value);
  return false;
}

function headerMatches(hm: HeaderMatcher, headers: Record<string, string>): boolean {
  let value: string | undefined = headers[hm.name.toLowerCase()];
  if (value === undefined && hm.treatMissingHeaderAsEmpty) value = '';
  let ok: boolean;
  if (hm.presentMatch !== undefined) ok = (value !== undefined) === hm.presentMatch;
  else if (value === undefined) return false;
  else ok = hm.stringMatch ? stringMatches(hm.stringMatch, value) : true;
  return hm.invertMatch ? !ok : ok;
}

export function routeMatches(r: Route, req: SimRequest): boolean {
  const [pathOnly, query = ''] = req.path.split('?', 2) as [string, string?];
  const m = r.match;
  const cs = m.caseSensitive !== false;
  const p = cs ? pathOnly : pathOnly.toLowerCase();
  if (m.path !== undefined && p !== (cs ? m.path : m.path.toLowerCase())) return false;
  if (m.prefix !== undefined && !p.startsWith(cs ? m.prefix : m.prefix.toLowerCase())) return false;
  if (m.safeRegex && !compileRe2(m.safeRegex.regex).matches(pathOnly)) return false;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  headers[':method'] = req.method ?? 'GET';
  headers[':scheme'] = req.scheme ?? 'http';
  headers[':authority'] = req.host;
  headers[':path'] = req.path;
  for (const hm of m.headers ?? []) if (!headerMatches(hm, headers)) return false;
  const params = new URLSearchParams(query);
  for (const q of m.queryParameters ?? []) {
    const v = params.get(q.name);
    if (q.presentMatch) {
      if (v === null) return false;
    } else if (v === null || (q.stringMatch && !stringMatches(q.stringMatch, v))) return false;
  }
  return true;
}

/** The virtual host and first matching route for a request. */
export function simulate(rc: RouteConfiguration, req: SimRequest): SimResult {
  const virtualHost = selectVirtualHost(rc, req.host);
  if (!virtualHost) return {};
  const route = (virtualHost.routes ?? []).find((r) => routeMatches(r, req));
  return { virtualHost, route };
}

/** Where a matched route sends the request: a cluster, weighted clusters, or a fixed action. */
export function target(route: Route | undefined): string {
  if (!route) return '(no route)';
  if (route.route?.cluster) return route.route.cluster;
  if (route.route?.weightedClusters) return route.route.weightedClusters.clusters.map((c) => `${c.name}=${c.weight}`).join(',');
  if (route.directResponse) return `direct:${route.directResponse.status}`;
  if (route.redirect) return 'redirect';
  return '(none)';
}
