/**
 * envoy.filters.http.cors per request, with the route's CorsPolicy: a preflight (OPTIONS with
 * Origin and Access-Control-Request-Method) from an allowed origin is answered here (200 with the
 * allow headers); other requests from an allowed origin go on and get
 * Access-Control-Allow-Origin (and expose / credentials headers) on the response. Origins that do
 * not match get no CORS headers (the browser enforces).
 */
import type { HttpFilter, ProxyResponse, RequestContext } from '../types.js';
import { corsConfig, type CorsConfig } from './config.js';

function allowed(c: CorsConfig, origin: string | undefined): boolean {
  return origin !== undefined && c.origins.some((m) => m.matches(origin));
}

export const corsFilter: HttpFilter = {
  name: 'envoy.filters.http.cors',
  onRequest(ctx: RequestContext): ProxyResponse | undefined {
    const p = ctx.decision?.cors;
    if (!p) return undefined;
    const c = corsConfig(p);
    const origin = ctx.request.headers.get('origin');
    const preflight = ctx.request.method === 'OPTIONS' && ctx.request.headers.has('access-control-request-method');
    if (!preflight) return undefined;
    if (!allowed(c, origin)) return c.forwardNotMatchingPreflights ? undefined : { status: 200, headers: {}, body: '' };
    const h: Record<string, string> = { 'access-control-allow-origin': origin! };
    if (c.allowMethods) h['access-control-allow-methods'] = c.allowMethods;
    if (c.allowHeaders) h['access-control-allow-headers'] = c.allowHeaders;
    if (c.maxAge) h['access-control-max-age'] = c.maxAge;
    if (c.allowCredentials) h['access-control-allow-credentials'] = 'true';
    return { status: 200, headers: h, body: '' };
  },
  onResponse(ctx: RequestContext, res: ProxyResponse): void {
    const p = ctx.decision?.cors;
    if (!p || ctx.request.method === 'OPTIONS') return;
    const c = corsConfig(p);
    const origin = ctx.request.headers.get('origin');
    if (!allowed(c, origin)) return;
    res.headers['access-control-allow-origin'] = origin!;
    if (c.exposeHeaders) res.headers['access-control-expose-headers'] = c.exposeHeaders;
    if (c.allowCredentials) res.headers['access-control-allow-credentials'] = 'true';
  },
};
