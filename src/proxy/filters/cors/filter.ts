/**
 * envoy.filters.http.cors per request, with the route's CorsPolicy, as Envoy's CORS filter:
 * - a request with a non-empty Origin is a CORS request; an origin is allowed when one of the
 *   policy's matchers matches it or matches "*" (so `allowOrigins: [{exact: "*"}]` allows all);
 * - a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here with 200:
 *   allow-origin (the request's origin, only when allowed), allow-credentials, allow-methods
 *   ("*" echoes the requested method), allow-headers ("*" echoes the requested headers), max-age.
 *   A preflight from an origin that is not allowed is forwarded upstream instead, unless the
 *   policy says not to (Istio's `unmatchedPreflights: IGNORE`);
 * - any other request from an allowed origin goes on, and its response gets allow-origin,
 *   allow-credentials and expose-headers. Origins that do not match get no CORS headers.
 */
import type { HttpFilter, ProxyResponse, RequestContext } from '../types.js';
import { corsConfig, type CorsConfig } from './config.js';

function allowed(c: CorsConfig, origin: string): boolean {
  return c.origins.some((m) => m.matches('*') || m.matches(origin));
}

/** Whether this filter answers the request itself (a preflight it does not forward). */
function answersPreflight(c: CorsConfig, ctx: RequestContext, origin: string): boolean {
  if (ctx.request.method !== 'OPTIONS' || !ctx.request.headers.get('access-control-request-method')) return false;
  return allowed(c, origin) || !c.forwardNotMatchingPreflights;
}

export const corsFilter: HttpFilter = {
  name: 'envoy.filters.http.cors',
  onRequest(ctx: RequestContext): ProxyResponse | undefined {
    const p = ctx.decision?.cors;
    const origin = ctx.request.headers.get('origin');
    if (!p || !origin) return undefined;
    const c = corsConfig(p);
    if (!answersPreflight(c, ctx, origin)) return undefined;
    const method = ctx.request.headers.get('access-control-request-method') ?? '';
    const h: Record<string, string> = {};
    if (allowed(c, origin)) h['access-control-allow-origin'] = origin;
    if (c.allowCredentials) h['access-control-allow-credentials'] = 'true';
    if (c.allowMethods) h['access-control-allow-methods'] = c.allowMethods === '*' ? method : c.allowMethods;
    if (c.allowHeaders) {
      const v = c.allowHeaders === '*' ? ctx.request.headers.get('access-control-request-headers') ?? '' : c.allowHeaders;
      if (v) h['access-control-allow-headers'] = v;
    }
    if (c.maxAge) h['access-control-max-age'] = c.maxAge;
    return { status: 200, headers: h, body: '' };
  },
  onResponse(ctx: RequestContext, res: ProxyResponse): void {
    const p = ctx.decision?.cors;
    const origin = ctx.request.headers.get('origin');
    if (!p || !origin) return;
    const c = corsConfig(p);
    if (!allowed(c, origin) || answersPreflight(c, ctx, origin)) return;
    res.headers['access-control-allow-origin'] = origin;
    if (c.allowCredentials) res.headers['access-control-allow-credentials'] = 'true';
    if (c.exposeHeaders) res.headers['access-control-expose-headers'] = c.exposeHeaders;
  },
};
