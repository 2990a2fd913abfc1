/**
 * What a matched route does to a request (Envoy's RouteAction / RedirectAction /
 * DirectResponseAction): the cluster — one, or a weighted choice made with an injected random
 * value the way Envoy does (`random % totalWeight`, first cluster whose running sum exceeds it) —
 * the path after `prefixRewrite` / `regexRewrite`, the authority after `hostRewriteLiteral`,
 * redirects (scheme, host, port, path, query, status), direct responses, and the policies the
 * request carries on: timeout (Envoy's 15 s default when unset), retry policy, hash policy,
 * mirrors, and the fault / CORS per-filter configs (route over virtual host). Also the virtual
 * host's `requireTls`. Pure: randomness comes in as a number.
 */
import type { Any } from '../../api/envoy/common.js';
import type {
  ClusterWeight, CorsPolicy, HashPolicy, HTTPFault, RedirectAction, RequestMirrorPolicy, RetryPolicy, Route, VirtualHost,
} from '../../api/envoy/route.js';
import { HttpFilterName } from '../../api/envoy/route.js';
import { regexReplaceAll } from './rewrite.js';
import type { RouterRequest } from './request.js';

export const ENVOY_DEFAULT_ROUTE_TIMEOUT = '15s';

export interface WeightedChoice {
  clusters: { name: string; weight: number }[];
  totalWeight: number;
  random: number;
  /** random % totalWeight */
  selected: number;
  chosen: string;
}

export interface RouteDecision {
  kind: 'cluster' | 'redirect' | 'directResponse' | 'none';
  cluster?: string;
  weighted?: WeightedChoice;
  clusterWeight?: ClusterWeight;
  /** Path (with query) sent upstream, or the redirect's path. */
  path: string;
  authority: string;
  rewrites: string[];
  redirect?: { status: number; location: string };
  directResponse?: { status: number; body?: string };
  timeout?: string;
  timeoutSource?: 'route' | 'envoy default';
  retryPolicy?: RetryPolicy;
  hashPolicy?: HashPolicy[];
  mirrors?: RequestMirrorPolicy[];
  fault?: HTTPFault;
  cors?: CorsPolicy;
}

const REDIRECT_STATUS: Record<string, number> = {
  MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308,
};

/** Envoy's weighted cluster pick. */
export function pickWeighted(clusters: readonly ClusterWeight[], random: number, totalWeight?: number): WeightedChoice {
  const list = clusters.map((c) => ({ name: c.name, weight: c.weight ?? 0 }));
  const total = totalWeight ?? list.reduce((a, c) => a + c.weight, 0);
  const selected = total > 0 ? Math.floor(Math.abs(random)) % total : 0;
  let sum = 0;
  let chosen = list.at(-1)?.name ?? '';
  for (const c of list) {
    sum += c.weight;
    if (selected < sum) { chosen = c.name; break; }
  }
  return { clusters: list, totalWeight: total, random, selected, chosen };
}

function matchedPrefixLength(route: Route, pathOnly: string): number | undefined {
  const m = route.match;
  if (m.prefix !== undefined) return m.prefix.length;
  if (m.pathSeparatedPrefix !== undefined) return m.pathSeparatedPrefix.length;
  if (m.path !== undefined) return pathOnly.length;
  return undefined;
}

function rewritePath(
  route: Route, req: RouterRequest, prefixRewrite: string | undefined, regex: RedirectAction['regexRewrite'], rewrites: string[],
): string {
  let p = req.pathOnly;
  if (prefixRewrite !== undefined) {
    const n = matchedPrefixLength(route, req.pathOnly);
    if (n === undefined) {
      rewrites.push('prefixRewrite ignored: the route does not match on a path or prefix');
    } else {
      p = prefixRewrite + req.pathOnly.slice(n);
      rewrites.push(`prefixRewrite ${JSON.stringify(prefixRewrite)}: ${req.pathOnly} → ${p}`);
    }
  } else if (regex) {
    p = regexReplaceAll(regex.pattern.regex, req.pathOnly, regex.substitution);
    rewrites.push(`regexRewrite s/${regex.pattern.regex}/${regex.substitution}/: ${req.pathOnly} → ${p}`);
  }
  return p;
}

function perFilter<T>(name: string, ...levels: (Record<string, Any> | undefined)[]): T | undefined {
  for (const l of levels) if (l?.[name]) return l[name] as unknown as T;
  return undefined;
}

function splitAuthority(a: string): { host: string; port?: string } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(a);
  return m ? { host: m[1]!, port: m[2] } : { host: a };
}

function redirect(route: Route, r: RedirectAction, req: RouterRequest, rewrites: string[]): RouteDecision {
  const scheme = r.httpsRedirect ? 'https' : r.schemeRedirect ?? req.scheme;
  const orig = splitAuthority(req.authority);
  const host = r.hostRedirect ?? orig.host;
  let port = r.portRedirect !== undefined ? String(r.portRedirect) : r.hostRedirect === undefined ? orig.port : undefined;
  if (scheme !== req.scheme && r.portRedirect === undefined) port = undefined;
  if ((scheme === 'http' && port === '80') || (scheme === 'https' && port === '443')) port = undefined;
  const path = r.pathRedirect ?? rewritePath(route, req, r.prefixRewrite, r.regexRewrite, rewrites);
  const query = r.stripQuery ? '' : r.pathRedirect?.includes('?') ? '' : req.queryString;
  const status = REDIRECT_STATUS[r.responseCode ?? 'MOVED_PERMANENTLY'] ?? 301;
  const location = `${scheme}://${host}${port ? `:${port}` : ''}${path}${query}`;
  return { kind: 'redirect', redirect: { status, location }, path: path + query, authority: req.authority, rewrites };
}

/** Envoy's `require_tls` on a virtual host: a redirect to https, or undefined when satisfied. */
export function requireTls(vh: VirtualHost, req: RouterRequest): RouteDecision | undefined {
  if (vh.requireTls !== 'ALL' && vh.requireTls !== 'EXTERNAL_ONLY') return undefined;
  if (req.scheme === 'https') return undefined;
  const { host } = splitAuthority(req.authority);
  return {
    kind: 'redirect', redirect: { status: 301, location: `https://${host}${req.pathOnly}${req.queryString}` },
    path: req.pathOnly + req.queryString, authority: req.authority, rewrites: [`virtual host ${vh.name} requireTls ${vh.requireTls}`],
  };
}

/** Applies `route` (matched in `vh`) to `req`; `random` drives the weighted choice. */
export function applyRoute(route: Route, vh: VirtualHost, req: RouterRequest, random = 0): RouteDecision {
  const rewrites: string[] = [];
  const fault = perFilter<HTTPFault>(HttpFilterName.Fault, route.typedPerFilterConfig, vh.typedPerFilterConfig);
  const cors = perFilter<CorsPolicy>(HttpFilterName.Cors, route.typedPerFilterConfig, vh.typedPerFilterConfig);
  const common = { fault, cors };
  if (route.redirect) return { ...redirect(route, route.redirect, req, rewrites), ...common };
  if (route.directResponse) {
    const b = route.directResponse.body;
    return {
      kind: 'directResponse', directResponse: { status: route.directResponse.status, body: b?.inlineString ?? b?.inlineBytes },
      path: req.pathOnly + req.queryString, authority: req.authority, rewrites, ...common,
    };
  }
  const a = route.route;
  if (!a) return { kind: 'none', path: req.pathOnly + req.queryString, authority: req.authority, rewrites, ...common };
  let cluster = a.cluster;
  let weighted: WeightedChoice | undefined;
  let clusterWeight: ClusterWeight | undefined;
  if (a.weightedClusters) {
    weighted = pickWeighted(a.weightedClusters.clusters, random, a.weightedClusters.totalWeight);
    cluster = weighted.chosen;
    clusterWeight = a.weightedClusters.clusters.find((c) => c.name === cluster);
  }
  const path = rewritePath(route, req, a.prefixRewrite, a.regexRewrite, rewrites) + req.queryString;
  let authority = req.authority;
  const hostRewrite = clusterWeight?.hostRewriteLiteral ?? a.hostRewriteLiteral;
  if (hostRewrite !== undefined) {
    authority = hostRewrite;
    rewrites.push(`hostRewriteLiteral: ${req.authority} → ${hostRewrite}`);
  }
  const cwFault = perFilter<HTTPFault>(HttpFilterName.Fault, clusterWeight?.typedPerFilterConfig);
  return {
    kind: 'cluster', cluster, weighted, clusterWeight, path, authority, rewrites,
    timeout: a.timeout ?? ENVOY_DEFAULT_ROUTE_TIMEOUT, timeoutSource: a.timeout !== undefined ? 'route' : 'envoy default',
    retryPolicy: a.retryPolicy ?? vh.retryPolicy, hashPolicy: a.hashPolicy, mirrors: a.requestMirrorPolicies,
    fault: cwFault ?? fault, cors,
  };
}
