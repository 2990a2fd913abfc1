/**
 * VirtualService corsPolicy → the CORS filter's per-route config
 * (envoy.extensions.filters.http.cors.v3.CorsPolicy), as Istio's TranslateCORSPolicy: origins as
 * string matchers (deprecated `allowOrigin` as exact matches), lists joined with ",", maxAge in
 * whole seconds, always enabled (100%), unmatched preflights forwarded unless IGNORE. Pure.
 */
import type { CorsPolicy } from '../../api/envoy/route.js';
import { RouteTypeUrl } from '../../api/envoy/route.js';
import type { StringMatcher } from '../../api/envoy/common.js';
import type { CorsPolicy as IstioCors } from '../../api/istio/virtual-service.js';
import { toSeconds } from '../duration.js';
import { toStringMatcher } from './match.js';

export function translateCors(cors: IstioCors | null | undefined): CorsPolicy | undefined {
  if (!cors) return undefined;
  const out: CorsPolicy = {
    '@type': RouteTypeUrl.CorsPolicy,
    forwardNotMatchingPreflights: cors.unmatchedPreflights !== 'IGNORE',
  };
  if (cors.allowOrigins) {
    out.allowOriginStringMatch = cors.allowOrigins
      .map((o) => (o ? toStringMatcher(o) : undefined))
      .filter((m): m is StringMatcher => m !== undefined);
  } else if (cors.allowOrigin) {
    out.allowOriginStringMatch = cors.allowOrigin.map((o) => ({ exact: o }));
  }
  out.filterEnabled = { defaultValue: { numerator: 100, denominator: 'HUNDRED' } };
  if (cors.allowCredentials != null) out.allowCredentials = cors.allowCredentials;
  if (cors.allowHeaders?.length) out.allowHeaders = cors.allowHeaders.join(',');
  if (cors.allowMethods?.length) out.allowMethods = cors.allowMethods.join(',');
  if (cors.exposeHeaders?.length) out.exposeHeaders = cors.exposeHeaders.join(',');
  if (cors.maxAge) {
    const s = toSeconds(cors.maxAge);
    if (s !== undefined) out.maxAge = String(s);
  }
  return out;
}
