/**
 * One HTTP request through the proxy, for HTTP/1.1 and HTTP/2 downstreams alike: take the
 * snapshot in effect (kept to the end of the request), find the HTTP connection manager and route
 * table for the connection (or, in explicit mode, for the request's host and port), read the body,
 * match the route and apply it (weighted pick with the injected random), run the filter chain
 * (fault, cors, …) and the router, write the response and one access-log line with Envoy's
 * response flags. REGISTRY_ONLY blocks (the `block_all` route or BlackHoleCluster) answer 502,
 * log the host and count it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Readable } from 'node:stream';
import type { HttpConnectionManager } from '../../api/envoy/listener.js';
import type { RuntimeSnapshot } from '../bootstrap/runtime.js';
import { filterChainFor } from '../filters/index.js';
import { localReply, runFilters, type ProxyResponse, type RequestContext } from '../filters/types.js';
import { routerFilter, type RouterEnv } from '../router/forward.js';
import { applyRoute, matchRoute, toRouterRequest, type RouteDecision, type RouteTable } from '../router/index.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import type { ProxyStats } from './stats.js';

export interface HttpTarget {
  hcm: HttpConnectionManager;
  table: RouteTable | undefined;
  /** A plain decision when the port has no HTTP route table (tcp_proxy or passthrough). */
  fixed?: RouteDecision;
}

export interface HttpConnInfo {
  /** Finds what serves this request (connection's listener, or explicit-mode lookup by authority). */
  target(s: RuntimeSnapshot, authority: string, path: string): HttpTarget | undefined;
  /** Original destination for ORIGINAL_DST clusters. */
  originalDst(authority: string): { address: string; port: number } | undefined;
  sourceIp?: string;
  remoteAddress?: string;
  localAddress?: string;
  scheme: 'http' | 'https';
}

export interface ServerEnv {
  current(): RuntimeSnapshot;
  clusters: ClusterManager;
  stats: ProxyStats;
  random: () => number;
  log: (line: string) => void;
  accessLog?: (line: string) => void;
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

function readBody(req: Req): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function requestTarget(req: Req): { authority: string; path: string } {
  const url = req.url ?? '/';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const u = new URL(url);
    return { authority: u.host, path: `${u.pathname}${u.search}` || '/' };
  }
  const h = req.headers as Record<string, string | string[] | undefined>;
  const authority = String(h[':authority'] ?? h['host'] ?? '');
  return { authority, path: url };
}

const BLOCK_ALL = 'block_all';

export async function handleHttp(req: Req, res: Res, conn: HttpConnInfo, env: ServerEnv): Promise<void> {
  const started = Date.now();
  const snap = env.current();
  const { authority, path } = requestTarget(req);
  const flags = new Set<string>();
  const info: Record<string, string | number | undefined> = {};
  const ac = new AbortController();
  res.on('close', () => { if (!res.writableFinished) ac.abort(); });
  env.stats.inc('http.downstream_rq_total');
  let out: ProxyResponse;
  try {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k.startsWith(':')) continue;
      headers[k] = Array.isArray(v) ? v.join(',') : String(v);
    }
    const rr = toRouterRequest({ authority, path, method: req.method, scheme: conn.scheme, headers });
    const target = conn.target(snap, authority, rr.pathOnly + rr.queryString);
    let decision: RouteDecision | undefined = target?.fixed;
    let route;
    let vh;
    if (target?.table) {
      const m = matchRoute(target.table, rr);
      route = m.route;
      vh = m.virtualHost;
      if (m.route && m.virtualHost) decision = applyRoute(m.route, m.virtualHost, rr, Math.floor(env.random() * 2 ** 32));
      info['route'] = m.routeName;
    }
    const blocked = route?.name === BLOCK_ALL || decision?.cluster === 'BlackHoleCluster';
    if (blocked) {
      const host = authority || '(none)';
      env.stats.blocked(host);
      env.log(`outbound traffic policy REGISTRY_ONLY: blocked request to host ${host} (${rr.method} ${rr.pathOnly})`);
      info['cluster'] = 'BlackHoleCluster';
      out = localReply(502, '');
    } else {
      const ctx: RequestContext = {
        request: rr, body, route, virtualHost: vh, decision, flags, info, signal: ac.signal,
        random: env.random,
        sleep: (ms) => new Promise((resolve) => {
          if (ac.signal.aborted) return resolve(false);
          const t = setTimeout(() => resolve(true), ms);
          ac.signal.addEventListener('abort', () => { clearTimeout(t); resolve(false); }, { once: true });
        }),
      };
      if (!target) {
        flags.add('NR');
        out = localReply(404, '');
      } else {
        const renv: RouterEnv = {
          clusters: env.clusters, routeConfig: target.table?.config, stats: env.stats, log: env.log,
          originalDst: () => conn.originalDst(authority),
          downstream: { sourceIp: conn.sourceIp, remoteAddress: conn.remoteAddress, localAddress: conn.localAddress },
        };
        out = await runFilters(target.table ? filterChainFor(target.hcm, env.log) : [], routerFilter(renv), ctx);
      }
    }
  } catch (e) {
    env.log(`http: request failed: ${(e as Error).stack ?? String(e)}`);
    out = localReply(500, 'internal error');
  }
  write(res, out);
  const flagText = flags.size ? [...flags].join(',') : '-';
  env.accessLog?.(`[${new Date(started).toISOString()}] "${req.method} ${path} HTTP/${req.httpVersion}" ${out.status} ${flagText} ${Date.now() - started}ms "${authority}" ${info['cluster'] ?? '-'} ${info['upstream_host'] ?? '-'} attempts=${info['attempts'] ?? 0}`);
}

function write(res: Res, out: ProxyResponse): void {
  if (res.headersSent || res.destroyed) {
    if (out.body instanceof Readable) out.body.resume();
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(out.headers)) if (v !== undefined) headers[k] = v;
  const body = out.body;
  if (body instanceof Readable) {
    (res as ServerResponse).writeHead(out.status, headers);
    body.on('error', () => res.destroy());
    body.pipe(res as ServerResponse);
    return;
  }
  const buf = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  headers['content-length'] = String(buf.length);
  (res as ServerResponse).writeHead(out.status, headers);
  (res as ServerResponse).end(buf);
}
