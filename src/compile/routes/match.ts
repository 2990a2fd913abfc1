/**
 * HTTPMatchRequest → Envoy RouteMatch (Istio's TranslateRouteMatch): uri exact/prefix/regex as
 * path/prefix/safeRegex, ignoreUriCase as caseSensitive, headers and withoutHeaders (inverted) as
 * header matchers sorted by name, then :method, :authority and :scheme, then query parameters.
 * A regex of `*` (or an empty StringMatch) means "present". Also the per-proxy filters Istio
 * applies before translating (match port, gateways, sourceLabels, sourceNamespace) and the
 * catch-all test. Pure.
 */
import type { StringMatcher } from '../../api/envoy/common.js';
import type { HeaderMatcher, QueryParameterMatcher, Route, RouteMatch } from '../../api/envoy/route.js';
import type { HTTPMatchRequest, StringMatch } from '../../api/istio/virtual-service.js';
import { selects } from '../../common/hosts.js';
import type { Proxy } from '../../model/types.js';

/** True when Istio turns this StringMatch into a present match (unset, or regex `*`). */
export function isPresentMatch(m: StringMatch | null | undefined): boolean {
  if (!m) return true;
  if (m.exact != null || m.prefix != null) return false;
  if (m.regex != null) return m.regex === '*';
  return true;
}

export function toStringMatcher(m: StringMatch): StringMatcher | undefined {
  if (m.exact != null) return { exact: m.exact };
  if (m.prefix != null) return { prefix: m.prefix };
  if (m.regex != null) return { safeRegex: { regex: m.regex } };
  return undefined;
}

function headerMatcher(name: string, m: StringMatch | null | undefined): HeaderMatcher {
  if (isPresentMatch(m)) return { name, presentMatch: true };
  const sm = toStringMatcher(m!);
  return sm ? { name, stringMatch: sm } : { name };
}

function queryMatcher(name: string, m: StringMatch | null | undefined): QueryParameterMatcher {
  if (isPresentMatch(m)) return { name, presentMatch: true };
  const sm = toStringMatcher(m!);
  return sm ? { name, stringMatch: sm } : { name };
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function translateRouteMatch(match: HTTPMatchRequest | null | undefined): RouteMatch {
  if (!match) return { prefix: '/', caseSensitive: true };
  const out: RouteMatch = {};
  const headers: HeaderMatcher[] = [];
  for (const [name, m] of Object.entries(match.headers ?? {})) headers.push(headerMatcher(name, m));
  for (const [name, m] of Object.entries(match.withoutHeaders ?? {})) {
    const hm = headerMatcher(name, m);
    hm.invertMatch = true;
    if (!isPresentMatch(m)) hm.treatMissingHeaderAsEmpty = true;
    headers.push(hm);
  }
  headers.sort(byName);

  const uri = match.uri;
  if (uri && uri.exact != null) out.path = uri.exact;
  else if (uri && uri.prefix != null) out.prefix = uri.prefix;
  else if (uri && uri.regex != null) out.safeRegex = { regex: uri.regex };
  else out.prefix = '/';
  out.caseSensitive = !match.ignoreUriCase;

  if (match.method) headers.push(headerMatcher(':method', match.method));
  if (match.authority) headers.push(headerMatcher(':authority', match.authority));
  if (match.scheme) headers.push(headerMatcher(':scheme', match.scheme));
  if (headers.length) out.headers = headers;

  const query = Object.entries(match.queryParams ?? {}).map(([name, m]) => queryMatcher(name, m));
  query.sort(byName);
  if (query.length) out.queryParameters = query;
  return out;
}

/** Labels `selector` are all present in `labels` (common/hosts.ts `selects`, under the name route code uses). */
export const labelsSubsetOf = selects;

/**
 * Istio's sourceMatchHTTP: with match.gateways, one must be among `gatewayNames` (sourceLabels are
 * then not consulted); otherwise sourceLabels must select the proxy and sourceNamespace equal its
 * namespace.
 */
export function sourceMatches(match: HTTPMatchRequest | null | undefined, proxy: Proxy, gatewayNames: ReadonlySet<string>): boolean {
  if (!match) return true;
  if (match.gateways && match.gateways.length > 0) return match.gateways.some((g) => gatewayNames.has(g));
  if (!selects(match.sourceLabels, proxy.labels)) return false;
  return !match.sourceNamespace || match.sourceNamespace === proxy.namespace;
}

/** A route that matches every request (prefix `/` or regex `.*`, no header/query conditions). */
export function isCatchAllRoute(r: Route): boolean {
  const m = r.match;
  const pathAll = m.prefix === '/' || m.pathSeparatedPrefix === '/' || m.safeRegex?.regex === '.*';
  return pathAll && !m.headers?.length && !m.queryParameters?.length;
}
