/**
 * The router filter, last in every HTTP filter chain: executes a RouteDecision. Redirects and
 * direct responses are answered here; a cluster route is sent upstream: host picked by the
 * cluster's balancer (route hash policies for ring hash / Maglev; the previous_hosts retry
 * predicate), the circuit breaker consulted (requests, pending, retries → 503 UO), the attempt
 * carried by the cluster's pool with the per-try timeout, each result reported to outlier
 * detection, retried per the retry policy with jittered backoff (x-envoy-attempt-count on each
 * attempt), the whole bounded by the route timeout (504, flag UT). Response flags: NR (no route),
 * NC (no cluster), UH (no healthy host), UF (connect failure), UO (overflow), URX (retries
 * exhausted), UT (timeout), UC (reset). Mirrors are fired and forgotten. Headers Envoy sets:
 * x-envoy-expected-rq-timeout-ms, x-envoy-attempt-count, x-envoy-original-path, x-request-id,
 * x-forwarded-proto upstream; x-envoy-upstream-service-time downstream.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RouteConfiguration } from '../../api/envoy/route.js';
import type { ProxyResponse, RequestContext, TerminalFilter } from '../filters/types.js';
import { localReply } from '../filters/types.js';
import { compileHashPolicies, type CompiledHashPolicy } from '../lb/hash.js';
import type { HashPolicy } from '../../api/envoy/route.js';
import { AttemptFailure } from '../pool/http-pool.js';
import type { ClusterManager, UpstreamCluster } from '../upstream/cluster-manager.js';
import { OVERFLOW_REPLY } from '../upstream/circuit-breaker.js';
import type { Host } from '../upstream/host.js';
import { durationMs } from './duration.js';
import { applyHeaderOps, stripHopByHop, type Headers } from './headers.js';
import { backoffMs, compileRetry, retriable, type AttemptOutcome } from './retry.js';
import { fraction } from '../filters/fault/config.js';
import type { ProxyStats } from '../stats/index.js';

export interface RouterEnv {
  clusters: ClusterManager;
  routeConfig?: RouteConfiguration;
  /** Where an ORIGINAL_DST cluster sends (explicit mode: the request's host and port). */
  originalDst?: () => { address: string; port: number } | undefined;
  downstream: { sourceIp?: string; remoteAddress?: string; localAddress?: string };
  stats: ProxyStats;
  log: (line: string) => void;
}

const hashCache = new WeakMap<readonly HashPolicy[], CompiledHashPolicy | undefined>();

function hashPolicy(p: readonly HashPolicy[] | undefined): CompiledHashPolicy | undefined {
  if (!p) return undefined;
  if (!hashCache.has(p)) hashCache.set(p, compileHashPolicies(p));
  return hashCache.get(p);
}

function upstreamHeaders(ctx: RequestContext, env: RouterEnv): Headers {
  const d = ctx.decision!;
  const src: Headers = {};
  for (const [k, v] of ctx.request.headers) src[k] = v;
  const h = stripHopByHop(src);
  h['host'] = d.authority;
  h['x-forwarded-proto'] ??= ctx.request.scheme;
  h['x-request-id'] ??= randomUUID();
  if (d.path !== ctx.request.pathOnly + ctx.request.queryString) h['x-envoy-original-path'] = ctx.request.pathOnly + ctx.request.queryString;
  const rc = env.routeConfig;
  const vh = ctx.virtualHost;
  const r = ctx.route;
  const cw = d.clusterWeight;
  applyHeaderOps(h, [
    { add: rc?.requestHeadersToAdd, remove: rc?.requestHeadersToRemove },
    { add: vh?.requestHeadersToAdd, remove: vh?.requestHeadersToRemove },
    { add: r?.requestHeadersToAdd, remove: r?.requestHeadersToRemove },
    { add: cw?.requestHeadersToAdd, remove: cw?.requestHeadersToRemove },
  ]);
  return h;
}

function responseHeaders(ctx: RequestContext, env: RouterEnv, up: Headers): Headers {
  const h = stripHopByHop(up);
  const d = ctx.decision;
  const rc = env.routeConfig;
  const vh = ctx.virtualHost;
  const r = ctx.route;
  const cw = d?.clusterWeight;
  applyHeaderOps(h, [
    { add: cw?.responseHeadersToAdd, remove: cw?.responseHeadersToRemove },
    { add: r?.responseHeadersToAdd, remove: r?.responseHeadersToRemove },
    { add: vh?.responseHeadersToAdd, remove: vh?.responseHeadersToRemove },
    { add: rc?.responseHeadersToAdd, remove: rc?.responseHeadersToRemove },
  ]);
  return h;
}

function mirror(ctx: RequestContext, env: RouterEnv, headers: Headers): void {
  for (const m of ctx.decision?.mirrors ?? []) {
    if (m.runtimeFraction && ctx.random() >= fraction(m.runtimeFraction.defaultValue)) continue;
    const uc = env.clusters.get(m.cluster);
    const host = uc?.pick({ random: ctx.random });
    if (!uc || !host) continue;
    const authority = String(headers['host'] ?? '');
    const shadow = m.disableShadowHostSuffixAppend ? authority : authority.replace(/^([^:]*)/, '$1-shadow');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 10_000).unref();
    uc.pool.request({ host, method: ctx.request.method, path: ctx.decision!.path, headers: { ...headers, host: shadow }, body: ctx.body, signal: ac.signal })
      .then((res) => res.resume(), () => undefined);
    env.stats.inc(`cluster.${m.cluster}.upstream_rq_shadow`);
  }
}

export function routerFilter(env: RouterEnv): TerminalFilter {
  return { name: 'envoy.filters.http.router', handle: (ctx) => route(ctx, env) };
}

async function route(ctx: RequestContext, env: RouterEnv): Promise<ProxyResponse> {
  const d = ctx.decision;
  if (!d || d.kind === 'none') {
    ctx.flags.add('NR');
    return localReply(404, '');
  }
  if (d.kind === 'redirect') return { status: d.redirect!.status, headers: { location: d.redirect!.location }, body: '' };
  if (d.kind === 'directResponse') return localReply(d.directResponse!.status, d.directResponse!.body ?? '');
  const name = d.cluster ?? '';
  ctx.info['cluster'] = name;
  const uc = env.clusters.get(name);
  if (!uc) {
    ctx.flags.add('NC');
    const code = ctx.route?.route?.clusterNotFoundResponseCode;
    return localReply(code === 'NOT_FOUND' ? 404 : code === 'INTERNAL_SERVER_ERROR' ? 500 : 503, 'cluster not found');
  }
  return forward(ctx, env, uc);
}

async function forward(ctx: RequestContext, env: RouterEnv, uc: UpstreamCluster): Promise<ProxyResponse> {
  const d = ctx.decision!;
  const policy = compileRetry(d.retryPolicy);
  const routeTimeoutMs = durationMs(d.timeout, 15_000);
  const started = Date.now();
  const deadline = routeTimeoutMs > 0 ? started + routeTimeoutMs : Infinity;
  const headers = upstreamHeaders(ctx, env);
  mirror(ctx, env, headers);
  const hashed = hashPolicy(d.hashPolicy)?.evaluate(ctx.request, { sourceIp: env.downstream.sourceIp, remoteAddress: env.downstream.remoteAddress, localAddress: env.downstream.localAddress });
  const tried = new Set<Host>();
  const includeCount = ctx.virtualHost?.includeRequestAttemptCount === true;
  const stat = (s: string) => env.stats.inc(`cluster.${uc.name}.${s}`);
  let attempt = 0;
  let last: ProxyResponse | undefined;
  for (;;) {
    attempt++;
    const isRetry = attempt > 1;
    let host: Host | undefined;
    if (uc.type === 'ORIGINAL_DST') {
      const dst = env.originalDst?.();
      host = dst ? uc.originalDst(dst.address, dst.port) : undefined;
    } else {
      host = uc.pick({ random: ctx.random, hash: hashed?.hash }, policy.previousHosts ? tried : undefined);
    }
    if (!host) {
      ctx.flags.add('UH');
      stat('upstream_cx_none_healthy');
      return last ?? localReply(503, 'no healthy upstream');
    }
    tried.add(host);
    // Circuit breaking: a request beyond what the open connections can carry waits as pending.
    const b = uc.breaker;
    if (!b.tryAcquire('requests')) { ctx.flags.add('UO'); return overflow(); }
    const pending = b.requests > b.limits.maxConnections;
    if (pending && !b.tryAcquire('pending')) { b.release('requests'); ctx.flags.add('UO'); return overflow(); }
    const now = Date.now();
    const remaining = deadline - now;
    const perTry = policy.perTryTimeoutMs > 0 ? Math.min(policy.perTryTimeoutMs, remaining) : remaining;
    const h: Headers = { ...headers };
    if (includeCount) h['x-envoy-attempt-count'] = String(attempt);
    if (Number.isFinite(perTry)) h['x-envoy-expected-rq-timeout-ms'] = String(Math.max(0, Math.floor(perTry)));
    const ac = new AbortController();
    let timedOut: 'route' | 'try' | undefined;
    const timer = Number.isFinite(perTry)
      ? setTimeout(() => { timedOut = deadline - Date.now() <= 1 ? 'route' : 'try'; ac.abort(); }, Math.max(0, perTry))
      : undefined;
    const onDown = () => ac.abort();
    ctx.signal.addEventListener('abort', onDown, { once: true });
    host.activeRequests++;
    ctx.info['upstream_host'] = host.key;
    ctx.info['attempts'] = attempt;
    stat('upstream_rq_total');
    if (isRetry) stat('upstream_rq_retry');
    let res: IncomingMessage | undefined;
    let outcome: AttemptOutcome;
    const t0 = Date.now();
    try {
      res = await uc.pool.request({ host, method: ctx.request.method, path: d.path, headers: h, body: ctx.body, signal: ac.signal });
      const gs = res.headers['grpc-status'];
      outcome = { kind: 'response', status: res.statusCode ?? 502, grpcStatus: typeof gs === 'string' ? gs : undefined };
      uc.outlier?.onStatus(host, res.statusCode ?? 502);
    } catch (e) {
      const kind = e instanceof AttemptFailure ? e.kind : 'reset';
      if (kind === 'aborted' && timedOut) outcome = { kind: 'per-try-timeout' };
      else if (kind === 'connect-failure') outcome = { kind: 'connect-failure' };
      else outcome = { kind: 'reset' };
      if (!ctx.signal.aborted) uc.outlier?.onLocalOrigin(host, outcome.kind === 'per-try-timeout' ? 'timeout' : outcome.kind === 'connect-failure' ? 'connect-failure' : 'reset');
    } finally {
      if (timer) clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onDown);
    }
    const release = () => {
      host!.activeRequests = Math.max(0, host!.activeRequests - 1);
      b.release('requests');
      if (pending) b.release('pending');
    };
    if (ctx.signal.aborted) {
      release();
      res?.resume();
      ctx.flags.add('DC');
      return localReply(499, 'downstream disconnected');
    }
    const timeLeft = deadline - Date.now();
    const canRetry = attempt <= policy.numRetries && retriable(policy, outcome) && timedOut !== 'route' && timeLeft > 0;
    if (canRetry && b.tryAcquire('retries')) {
      res?.resume();
      release();
      const wait = Math.min(backoffMs(policy, attempt, ctx.random), Math.max(0, timeLeft - 1));
      const ok = await ctx.sleep(wait);
      b.release('retries');
      last = outcome.kind === 'response' ? localReply(outcome.status, '') : undefined;
      if (!ok) { ctx.flags.add('DC'); return localReply(499, 'downstream disconnected'); }
      if (deadline - Date.now() <= 0) return timeout();
      continue;
    }
    if (canRetry) ctx.flags.add('URX');
    else if (attempt > 1 && retriable(policy, outcome)) ctx.flags.add('URX');
    if (res) {
      const out = responseHeaders(ctx, env, res.headers as Headers);
      out['x-envoy-upstream-service-time'] = String(Date.now() - t0);
      let released = false;
      const once = () => { if (!released) { released = true; release(); } };
      res.once('end', once);
      res.once('close', once);
      return { status: res.statusCode ?? 502, headers: out, body: res };
    }
    release();
    if (outcome.kind === 'per-try-timeout') return timeout();
    if (outcome.kind === 'connect-failure') {
      ctx.flags.add('UF');
      return localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure');
    }
    ctx.flags.add('UC');
    return localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: connection termination');
  }

  function overflow(): ProxyResponse {
    stat('upstream_rq_pending_overflow');
    return localReply(OVERFLOW_REPLY.status, OVERFLOW_REPLY.body, { ...OVERFLOW_REPLY.headers });
  }
  function timeout(): ProxyResponse {
    ctx.flags.add('UT');
    stat('upstream_rq_timeout');
    return localReply(504, 'upstream request timeout');
  }
}
