/**
 * One HTTP request through the proxy, whatever carried it (the HTTP/1.1 fast path of
 * http1/server-connection.ts, or node:http / node:http2 through node-exchange.ts): take the
 * snapshot in effect (kept to the end of the request), find the HTTP connection manager and route
 * table for the connection (or, in explicit mode, for the request's host and port), match the
 * route and apply it (weighted pick with the injected random), run the filter chain (fault,
 * cors, …) and the router — the request body streams upstream meanwhile — write the response,
 * then one access-log entry (AccessLogger, Istio's format by default; nothing is built when it is
 * off) and Istio's standard request metrics (reporter source for outbound and gateway traffic,
 * destination for a sidecar's inbound listeners). REGISTRY_ONLY blocks (the `block_all` route or
 * BlackHoleCluster) answer 502, log the host and count it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { HttpConnectionManager } from '../../api/envoy/listener.js';
import type { RuntimeSnapshot } from '../bootstrap/runtime.js';
import { filterChainFor } from '../filters/index.js';
import { localReply, runFilters, type Cancellable, type HttpFilter, type ProxyResponse, type TerminalFilter } from '../filters/types.js';
import type { RequestBody } from '../http1/body.js';
import { routerFilter, type RouterEnv } from '../router/forward.js';
import { applyRoute, findRoute, requireTls, type RouteDecision, type RouteTable } from '../router/index.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import type { AccessLogger } from '../access-log.js';
import type { Peer, ProxyStats } from '../stats/index.js';
import { nodeDownstream } from './node-exchange.js';
import { addUpstreamExchange, answerDownstream, takeDownstreamPeer, takeUpstreamPeer, type DownstreamPeer } from './peer-exchange.js';
import { DownstreamRouterRequest, RequestState, splitTarget } from './request-state.js';
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

/** The downstream half of one request, as its protocol handler presents it. */
export interface Downstream {
  readonly method: string;
  /** The request-target as sent (origin-form or absolute-form). */
  readonly url: string;
  /** Host / :authority. */
  readonly host: string;
  /** `HTTP/1.1`, `HTTP/1.0`, `HTTP/2`. */
  readonly protocol: string;
  /** Header fields (lower-case names, no pseudo-headers), in order. */
  readonly names: readonly string[];
  readonly values: readonly string[];
  readonly body: RequestBody;
  /** The downstream went away before the response was complete. */
  aborted: boolean;
  /** Cancelled once when it does (the request's context: no closure per request). */
  onAbort: Cancellable | undefined;
  /** Writes the response; the body bytes sent once finished (or aborted): at once when it was written whole. */
  respond(out: ProxyResponse): number | Promise<number>;
}

const BLOCK_ALL = 'block_all';
const NO_FILTERS: readonly HttpFilter[] = [];

/** The router of a connection for its current route table (made once, not per request). */
const routers = new WeakMap<HttpConnInfo, { config: unknown; router: TerminalFilter }>();

function routerFor(env: ServerEnv, conn: HttpConnInfo, target: HttpTarget): TerminalFilter {
  const c = routers.get(conn);
  if (c && c.config === target.table?.config) return c.router;
  const renv: RouterEnv = {
    clusters: env.clusters, routeConfig: target.table?.config, stats: env.stats, log: env.log,
    originalDst: (authority) => conn.originalDst(authority),
    downstream: { sourceIp: conn.sourceIp, remoteAddress: conn.remoteAddress, localAddress: conn.localAddress },
  };
  const router = routerFilter(renv);
  routers.set(conn, { config: target.table?.config, router });
  return router;
}

export async function serveRequest(d: Downstream, conn: HttpConnInfo, env: ServerEnv): Promise<void> {
  const started = Date.now();
  const snap = env.current();
  const { authority, path } = splitTarget(d.url, d.host);
  env.stats.downstreamRequests.inc();
  let out: ProxyResponse;
  let st: RequestState | undefined;
  // Istio's metadata exchange (peer-exchange.ts): the peer announced by the downstream (inbound).
  let down: DownstreamPeer | undefined;
  try {
    const rr = new DownstreamRouterRequest(authority, path, d.method, conn.scheme, d.names, d.values);
    if (conn.inbound) down = takeDownstreamPeer(env.telemetry, rr.headers);
    st = new RequestState(rr, d.body, env.random);
    const ctx = st;
    d.onAbort = ctx;
    if (d.aborted) ctx.abort();
    const target = conn.target(snap, authority, rr.pathOnly + rr.queryString);
    ctx.decision = target?.fixed;
    if (target?.table) {
      const m = findRoute(target.table, rr);
      ctx.route = m.route;
      ctx.virtualHost = m.virtualHost;
      // Envoy checks the virtual host's require_tls (Istio's httpsRedirect) before its routes.
      if (m.route && m.virtualHost) ctx.decision = requireTls(m.virtualHost, rr) ?? applyRoute(m.route, m.virtualHost, rr, Math.floor(env.random() * 2 ** 32));
      ctx.info['route'] = m.routeName;
    }
    if (ctx.route?.name === BLOCK_ALL || ctx.decision?.cluster === 'BlackHoleCluster') {
      const host = authority || '(none)';
      env.stats.blocked(host);
      env.log(`outbound traffic policy REGISTRY_ONLY: blocked request to host ${host} (${rr.method} ${rr.pathOnly})`);
      ctx.info['cluster'] = 'BlackHoleCluster';
      out = localReply(502, '');
    } else if (!target) {
      ctx.addFlag('NR');
      out = localReply(404, '');
    } else {
      if (!conn.inbound) addUpstreamExchange(env.telemetry, env.clusters, rr.headers, ctx.decision?.cluster);
      out = await runFilters(target.table ? filterChainFor(target.hcm, env.log) : NO_FILTERS, routerFor(env, conn, target), ctx);
    }
  } catch (e) {
    env.log(`http: request failed: ${(e as Error).stack ?? String(e)}`);
    out = localReply(500, 'internal error');
  }
  let peer = down?.peer;
  if (conn.inbound) answerDownstream(env.telemetry, down, out.headers);
  else peer = takeUpstreamPeer(env.telemetry, out.headers);
  const sent = d.respond(out);
  const respBytes = typeof sent === 'number' ? sent : await sent;
  record(d, conn, env, st, out.status, authority, path, started, respBytes, peer);
}

function record(
  d: Downstream, conn: HttpConnInfo, env: ServerEnv, st: RequestState | undefined, status: number,
  authority: string, path: string, started: number, respBytes: number,
  /** The other side as it announced itself (metadata exchange): the source inbound, the destination outbound. */
  peer?: Peer,
): void {
  const durationMs = Date.now() - started;
  const flagText = st?.flagText ?? '';
  const info = st?.info;
  const c = info?.['cluster'];
  const cluster = c === undefined ? undefined : String(c);
  const u = info?.['upstream_host'];
  const upstreamHost = u === undefined ? undefined : String(u);
  const reqBytes = d.body.received;
  const headers = st?.request.headers;
  if (env.accessLog?.enabled) {
    const r = info?.['route'];
    env.accessLog.log({
      startTime: started, method: d.method, path, protocol: d.protocol, responseCode: status,
      responseFlags: flagText, responseCodeDetails: cluster === 'BlackHoleCluster' ? 'direct_response' : undefined,
      bytesReceived: reqBytes, bytesSent: respBytes, durationMs,
      xForwardedFor: headers?.get('x-forwarded-for'), userAgent: headers?.get('user-agent'), requestId: headers?.get('x-request-id'),
      authority, upstreamHost, upstreamCluster: cluster,
      downstreamLocalAddress: conn.localAddress, downstreamRemoteAddress: conn.remoteAddress,
      routeName: r === undefined ? undefined : String(r),
    });
  }
  const t = env.telemetry;
  if (t) {
    const inbound = conn.inbound === true;
    env.stats.recordRequest({
      reporter: inbound ? 'destination' : 'source',
      source: inbound ? peer ?? t.unknown : t.local,
      destination: inbound ? t.local : peer ? t.withPeer(t.destinationOf(cluster, upstreamHost), peer) : t.destinationOf(cluster, upstreamHost),
      protocol: headers?.get('content-type')?.startsWith('application/grpc') ? 'grpc' : 'http',
      code: status, flags: flagText || '-', durationMs, reqBytes, respBytes,
    });
  }
}

/** A request parsed by node:http or node:http2. */
export function handleHttp(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, conn: HttpConnInfo, env: ServerEnv): Promise<void> {
  return serveRequest(nodeDownstream(req, res), conn, env);
}
