/**
 * One HTTP request through the proxy, for HTTP/1.1 and HTTP/2 downstreams alike: take the
 * snapshot in effect (kept to the end of the request), find the HTTP connection manager and route
 * table for the connection (or, in explicit mode, for the request's host and port), read the body,
 * match the route and apply it (weighted pick with the injected random), run the filter chain
 * (fault, cors, …) and the router, write the response, then one access-log entry (AccessLogger,
 * Istio's format by default) and Istio's standard request metrics (reporter source for outbound
 * and gateway traffic, destination for a sidecar's inbound listeners). REGISTRY_ONLY blocks (the
 * `block_all` route or BlackHoleCluster) answer 502, log the host and count it.
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
import type { AccessLogger } from '../access-log.js';
import type { ProxyStats } from '../stats/index.js';
import type { Telemetry } from './telemetry.js';

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
  /** A sidecar's inbound listener (Istio's reporter=destination). */
  inbound?: boolean;
}

export interface ServerEnv {
  current(): RuntimeSnapshot;
  clusters: ClusterManager;
  stats: ProxyStats;
  random: () => number;
  log: (line: string) => void;
  accessLog?: AccessLogger;
  /** Peers for Istio's standard metrics; without it no istio_* series are recorded. */
  telemetry?: Telemetry;
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
  let reqBytes = 0;
  try {
    const body = await readBody(req);
    reqBytes = body.length;
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
  const respBytes = await write(res, out);
  const durationMs = Date.now() - started;
  const flagText = flags.size ? [...flags].join(',') : '';
  const cluster = info['cluster'] === undefined ? undefined : String(info['cluster']);
  const upstreamHost = info['upstream_host'] === undefined ? undefined : String(info['upstream_host']);
  const h = req.headers;
  env.accessLog?.log({
    startTime: started, method: req.method, path, protocol: `HTTP/${req.httpVersion}`, responseCode: out.status,
    responseFlags: flagText, responseCodeDetails: cluster === 'BlackHoleCluster' ? 'direct_response' : undefined,
    bytesReceived: reqBytes, bytesSent: respBytes, durationMs,
    xForwardedFor: h['x-forwarded-for'] as string | undefined, userAgent: h['user-agent'], requestId: h['x-request-id'] as string | undefined,
    authority, upstreamHost, upstreamCluster: cluster,
    downstreamLocalAddress: conn.localAddress, downstreamRemoteAddress: conn.remoteAddress,
    routeName: info['route'] === undefined ? undefined : String(info['route']),
  });
  const t = env.telemetry;
  if (t) {
    const inbound = conn.inbound === true;
    env.stats.recordRequest({
      reporter: inbound ? 'destination' : 'source',
      source: inbound ? t.unknown : t.local,
      destination: inbound ? t.local : t.destinationOf(cluster, upstreamHost),
      protocol: h['content-type']?.startsWith('application/grpc') ? 'grpc' : 'http',
      code: out.status, flags: flagText || '-', durationMs, reqBytes, respBytes,
    });
  }
}

/** Writes the response; resolves with the body bytes sent once it is finished (or aborted). */
function write(res: Res, out: ProxyResponse): Promise<number> {
  if (res.headersSent || res.destroyed) {
    if (out.body instanceof Readable) out.body.resume();
    return Promise.resolve(0);
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(out.headers)) if (v !== undefined) headers[k] = v;
  const body = out.body;
  if (body instanceof Readable) {
    let sent = 0;
    (res as ServerResponse).writeHead(out.status, headers);
    body.on('data', (c: Buffer | string) => { sent += c.length; });
    body.on('error', () => res.destroy());
    body.pipe(res as ServerResponse);
    return new Promise((resolve) => {
      res.once('finish', () => resolve(sent));
      res.once('close', () => resolve(sent));
    });
  }
  const buf = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  headers['content-length'] = String(buf.length);
  (res as ServerResponse).writeHead(out.status, headers);
  (res as ServerResponse).end(buf);
  return Promise.resolve(buf.length);
}
