/**
 * `proxy` (ikubernetes/proxy, the guides' front end): every request fetches `$PROXYURL` plus the
 * request's path (`/` adds nothing; `curl proxy/hostname` fetches `http://demoapp:8080/hostname`)
 * and answers `Proxying value: <upstream body> - Took N milliseconds.` with a newline, as the
 * guides print it. Unlike the original it forwards the upstream's status (a 555 injected by a
 * fault shows through the proxy as 555, so gateway retries and clients see it) and the headers
 * header-based routing and tracing rely on (`x-*` but Envoy's own and `x-forwarded-*`,
 * `end-user`, `user-agent`, `cookie`, `authorization`, B3/W3C trace context). Its upstream call
 * goes through HTTP_PROXY when set: that is how its traffic reaches the sidecar in explicit mode.
 * Its connections start from the app's own address, so peers see the pod as ClientIP.
 * Upstream failures answer 502 (504 on timeout) naming the error; nothing here throws.
 */
import { realClock } from '../../common/clock.js';
import { httpGet } from './outbound.js';
import { serveHttp, text, type AppReply, type AppRequest } from './http-app.js';
import type { BuiltinAppOptions, RunningApp } from './types.js';

export const PROXY_PORT = 8080;
const UPSTREAM_TIMEOUT_MS = 60_000;
const PASSED = new Set(['end-user', 'user-agent', 'cookie', 'authorization', 'b3', 'traceparent', 'tracestate', 'grpc-trace-bin', 'baggage']);

/** The request headers passed on upstream. */
export function forwardedHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const pass = PASSED.has(name) || (name.startsWith('x-') && !name.startsWith('x-envoy-') && !name.startsWith('x-forwarded-'));
    if (!pass) continue;
    out[name] = out[name] === undefined ? rawHeaders[i + 1]! : `${out[name]}, ${rawHeaders[i + 1]}`;
  }
  return out;
}

/** `$PROXYURL` + path (+ query), or a message saying what PROXYURL should look like. */
export function upstreamUrl(base: string | undefined, path: string, search: string): URL | string {
  const hint = 'give the container env PROXYURL, e.g. http://demoapp:8080';
  if (!base) return `PROXYURL is not set: ${hint}`;
  try {
    const suffix = path === '/' ? '' : path;
    const u = new URL((suffix ? base.replace(/\/+$/, '') : base) + suffix + search);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `PROXYURL ${JSON.stringify(base)} is not an http(s) URL: ${hint}`;
    return u;
  } catch {
    return `PROXYURL ${JSON.stringify(base)} is not a URL: ${hint}`;
  }
}

export function proxyHandler(o: BuiltinAppOptions) {
  const clock = o.clock ?? realClock;
  return async (req: AppRequest): Promise<AppReply> => {
    const target = upstreamUrl(o.env['PROXYURL'], req.path, req.search);
    if (typeof target === 'string') return text(503, `proxy: ${target}\n`);
    const start = clock.now();
    const took = () => `Took ${Math.round(clock.now() - start)} milliseconds.\n`;
    try {
      const r = await httpGet(target, {
        env: o.env, headers: forwardedHeaders(req.rawHeaders), signal: req.signal, timeoutMs: UPSTREAM_TIMEOUT_MS, localAddress: o.host,
      });
      return text(r.status, `Proxying value: ${r.body.toString('utf8')} - ${took()}`);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return text(err.code === 'ETIMEDOUT' ? 504 : 502, `proxy: GET ${target.href} failed: ${err.message} - ${took()}`);
    }
  };
}

export function startProxy(o: BuiltinAppOptions): Promise<RunningApp> {
  return serveHttp({ host: o.host, port: o.port }, proxyHandler(o));
}
