/**
 * The CORS filter's per-route policy (envoy.extensions.filters.http.cors.v3.CorsPolicy, from a
 * VirtualService `corsPolicy`) compiled once per object: origin matchers and the header values to
 * send. Pure.
 */
import type { CorsPolicy } from '../../../api/envoy/route.js';
import { compileStringMatcher, type CompiledStringMatcher } from '../../router/index.js';

export interface CorsConfig {
  origins: CompiledStringMatcher[];
  allowMethods?: string;
  allowHeaders?: string;
  exposeHeaders?: string;
  maxAge?: string;
  allowCredentials: boolean;
  forwardNotMatchingPreflights: boolean;
}

const cache = new WeakMap<CorsPolicy, CorsConfig>();

export function corsConfig(p: CorsPolicy): CorsConfig {
  let c = cache.get(p);
  if (!c) {
    c = {
      origins: (p.allowOriginStringMatch ?? []).map((m) => compileStringMatcher(m)),
      allowMethods: p.allowMethods, allowHeaders: p.allowHeaders, exposeHeaders: p.exposeHeaders, maxAge: p.maxAge,
      allowCredentials: p.allowCredentials === true,
      forwardNotMatchingPreflights: p.forwardNotMatchingPreflights ?? true,
    };
    cache.set(p, c);
  }
  return c;
}
