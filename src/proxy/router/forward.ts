/**
 * The router filter, last in every HTTP filter chain: executes a RouteDecision. Redirects and
 * direct responses are answered here; a cluster route is sent upstream: host picked by the
 * cluster's balancer (route hash policies for ring hash / Maglev; the previous_hosts retry
 * predicate), the circuit breaker consulted (requests, pending, retries → 503 UO), the attempt
 * carried by the cluster's pool with the per-try timeout, each result reported to outlier
 * detection, retried per the retry policy with jittered backoff (x-envoy-attempt-count on each
 * attempt), the whole bounded by the route timeout (504, flag UT). The request body streams to
 * each attempt; it is replayed for a retry or a mirror only while it fits the buffer limit (past
 * it, Envoy's behaviour: no retry, no mirror, `retry_or_shadow_abandoned` counted). Response
 * flags: NR (no route), NC (no cluster), UH (no healthy host), UF (connect failure), UO
 * (overflow), URX (retries exhausted), UT (timeout), UC (reset), UPE (upstream protocol error),
 * DPE (the client's body was malformed: answered with the parser's status).
 * Mirrors are fired and forgotten. Headers Envoy sets: x-envoy-expected-rq-timeout-ms,
 * x-envoy-attempt-count, x-envoy-original-path, x-request-id, x-forwarded-proto upstream;
 * x-envoy-upstream-service-time downstream. Counters are resolved once per cluster.
 */
import type { HeaderValueOption } from '../../api/envoy/common.js';
import type { HashPolicy, RouteConfiguration } from '../../api/envoy/route.js';
import type { ProxyResponse, RequestContext, TerminalFilter } from '../filters/types.js';
import { localReply } from '../filters/types.js';
import { RequestBody, type BodySink } from '../http1/body.js';
import { HttpParseError } from '../http1/parser.js';
import { compileHashPolicies, type CompiledHashPolicy } from '../lb/hash.js';
import { AttemptFailure, type PoolRequest, type UpstreamResponse } from '../pool/http-pool.js';
import type { ClusterManager, UpstreamCluster } from '../upstream/cluster-manager.js';
import type { PickContext } from '../lb/types.js';
import { OVERFLOW_REPLY } from '../upstream/circuit-breaker.js';
import type { Host } from '../upstream/host.js';
import { Deadline, DeadlineList } from './deadline-list.js';
import { durationMs } from './duration.js';
import { requestId } from './request-id.js';
import { applyHeaderOps, connectionListed, isHopByHop, type Headers } from './headers.js';
import { backoffMs, compileRetry, retriable, type AttemptOutcome } from './retry.js';
import { fraction } from '../filters/fault/config.js';
import type { ClusterCounters, ProxyStats } from '../stats/index.js';

export interface RouterEnv {
  clusters: ClusterManager;
  routeConfig?: RouteConfiguration;
  /** Where an ORIGINAL_DST cluster sends (explicit mode: the request's host and port). */
  originalDst?: (authority: string) => { address: string; port: number } | undefined;
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

type Ops = readonly HeaderValueOption[] | undefined;
type Removes = readonly string[] | undefined;

/** One level of header operations, skipped when it has none. */
function ops(h: Headers, add: Ops, remove: Removes): void {
  if ((add && add.length > 0) || (remove && remove.length > 0)) applyHeaderOps(h, [{ add, remove }]);
}

function upstreamHeaders(ctx: RequestContext, env: RouterEnv): Headers {
  const d = ctx.decision!;
  const req = ctx.request;
  const listed = connectionListed(req.headers.get('connection'));
  const h: Headers = {};
  // forEach, not for…of: no [key, value] pair per field.
  req.headers.forEach((v, k) => {
    if (k.charCodeAt(0) !== 58 /* : */ && !isHopByHop(k) && (listed === undefined || !listed.includes(k))) h[k] = v;
  });
  h['host'] = d.authority;
  h['x-forwarded-proto'] ??= req.scheme;
  h['x-request-id'] ??= requestId();
  const original = req.pathOnly + req.queryString;
  if (d.path !== original) h['x-envoy-original-path'] = original;
  const rc = env.routeConfig;
  const vh = ctx.virtualHost;
  const r = ctx.route;
  const cw = d.clusterWeight;
  ops(h, rc?.requestHeadersToAdd, rc?.requestHeadersToRemove);
  ops(h, vh?.requestHeadersToAdd, vh?.requestHeadersToRemove);
  ops(h, r?.requestHeadersToAdd, r?.requestHeadersToRemove);
  ops(h, cw?.requestHeadersToAdd, cw?.requestHeadersToRemove);
  return h;
}

/** The response's headers (end-to-end only, as the pool gives them) after the header operations. */
function responseHeaders(ctx: RequestContext, env: RouterEnv, h: Headers): Headers {
  const rc = env.routeConfig;
  const vh = ctx.virtualHost;
  const r = ctx.route;
  const cw = ctx.decision?.clusterWeight;
  ops(h, cw?.responseHeadersToAdd, cw?.responseHeadersToRemove);
  ops(h, r?.responseHeadersToAdd, r?.responseHeadersToRemove);
  ops(h, vh?.responseHeadersToAdd, vh?.responseHeadersToRemove);
  ops(h, rc?.responseHeadersToAdd, rc?.responseHeadersToRemove);
  return h;
}

/** Reads a response to its end and forgets it (mirrors). */
const NULL_SINK: BodySink = { write: () => true, end() {}, abort() {} };

function mirror(ctx: RequestContext, env: RouterEnv, headers: Headers): void {
  for (const m of ctx.decision?.mirrors ?? []) {
    if (m.runtimeFraction && ctx.random() >= fraction(m.runtimeFraction.defaultValue)) continue;
    const uc = env.clusters.get(m.cluster);
    const host = uc?.pick({ random: ctx.random });
    if (!uc || !host) continue;
    const authority = String(headers['host'] ?? '');
    const shadow = m.disableShadowHostSuffixAppend ? authority : authority.replace(/^([^:]*)/, '$1-shadow');
    const h: Headers = { ...headers, host: shadow };
    const path = ctx.decision!.path;
    const method = ctx.request.method;
    // The shadow gets the whole body once it is in, if it stayed within the buffer limit.
    ctx.body.whole((bytes) => {
      if (!bytes) return;
      const pr = uc.pool.request({ host, method, path, headers: h, body: RequestBody.of(bytes) });
      setTimeout(() => pr.abort(), 10_000).unref();
      pr.response.then((res) => res.body?.pipe(NULL_SINK), () => undefined);
      env.stats.inc(`cluster.${m.cluster}.upstream_rq_shadow`);
    });
  }
}

export function routerFilter(env: RouterEnv): TerminalFilter {
  return { name: 'envoy.filters.http.router', handle: (ctx) => route(ctx, env) };
}

/** Not `async`: the common case hands back forward()'s own promise instead of wrapping it in another. */
function route(ctx: RequestContext, env: RouterEnv): Promise<ProxyResponse> {
  const d = ctx.decision;
  if (!d || d.kind === 'none') {
    ctx.addFlag('NR');
    return Promise.resolve(localReply(404, ''));
  }
  if (d.kind === 'redirect') return Promise.resolve({ status: d.redirect!.status, headers: { location: d.redirect!.location }, body: '' });
  if (d.kind === 'directResponse') return Promise.resolve(localReply(d.directResponse!.status, d.directResponse!.body ?? ''));
  const name = d.cluster ?? '';
  ctx.info['cluster'] = name;
  const uc = env.clusters.get(name);
  if (!uc) {
    ctx.addFlag('NC');
    const code = ctx.route?.route?.clusterNotFoundResponseCode;
    return Promise.resolve(localReply(code === 'NOT_FOUND' ? 404 : code === 'INTERNAL_SERVER_ERROR' ? 500 : 503, 'cluster not found'));
  }
  return forward(ctx, env, uc);
}

/** One attempt's timeout (per-try, or what is left of the route's), in the shared deadline list. */
class Try extends Deadline {
  timedOut: 'route' | 'try' | undefined;
  constructor(readonly pr: PoolRequest, readonly deadline: number) {
    super();
  }

  expire(): void {
    this.timedOut = this.deadline - Date.now() <= 1 ? 'route' : 'try';
    this.pr.abort();
  }
}

const TRY_TIMEOUTS = new DeadlineList();

/** What a finished attempt holds: the breaker slots and the host's active request. */
class Lease {
  private done = false;
  constructor(private readonly host: Host, private readonly uc: UpstreamCluster, private readonly pending: boolean) {}
  release = (): void => {
    if (this.done) return;
    this.done = true;
    this.host.activeRequests = Math.max(0, this.host.activeRequests - 1);
    this.uc.breaker.release('requests');
    if (this.pending) this.uc.breaker.release('pending');
  };
}

const CONNECT_FAILURE: AttemptOutcome = { kind: 'connect-failure' };
const RESET: AttemptOutcome = { kind: 'reset' };
const PER_TRY_TIMEOUT: AttemptOutcome = { kind: 'per-try-timeout' };

function downstreamGone(ctx: RequestContext): ProxyResponse {
  ctx.addFlag('DC');
  return localReply(499, 'downstream disconnected');
}

async function forward(ctx: RequestContext, env: RouterEnv, uc: UpstreamCluster): Promise<ProxyResponse> {
  const d = ctx.decision!;
  const policy = compileRetry(d.retryPolicy);
  const routeTimeoutMs = durationMs(d.timeout, 15_000);
  let now = Date.now();
  const deadline = routeTimeoutMs > 0 ? now + routeTimeoutMs : Infinity;
  const headers = upstreamHeaders(ctx, env);
  const cs = env.stats.clusterCounters(uc.name);
  const body = ctx.body;
  const mirrors = d.mirrors !== undefined && d.mirrors.length > 0;
  if (!body.empty && (policy.numRetries > 0 || mirrors)) body.onAbandon = () => cs.retryOrShadowAbandoned.inc();
  if (mirrors) mirror(ctx, env, headers);
  const hashed = d.hashPolicy ? hashPolicy(d.hashPolicy)?.evaluate(ctx.request, env.downstream) : undefined;
  // previous_hosts (Istio's default): the hosts tried so far, a Set only once there are two.
  let firstTried: Host | undefined;
  let tried: Set<Host> | undefined;
  const pickCtx: PickContext = { random: ctx.random, hash: hashed?.hash };
  const includeCount = ctx.virtualHost?.includeRequestAttemptCount === true;
  let attempt = 0;
  let last: ProxyResponse | undefined;
  for (;;) {
    attempt++;
    let host: Host | undefined;
    if (uc.type === 'ORIGINAL_DST') {
      const dst = env.originalDst?.(ctx.request.authority);
      host = dst ? uc.originalDst(dst.address, dst.port) : undefined;
    } else {
      if (firstTried !== undefined && tried === undefined) tried = new Set([firstTried]);
      host = uc.pick(pickCtx, tried);
    }
    if (!host) {
      ctx.addFlag('UH');
      cs.noneHealthy.inc();
      return last ?? localReply(503, 'no healthy upstream');
    }
    if (policy.previousHosts) {
      if (firstTried === undefined) firstTried = host;
      else tried?.add(host);
    }
    // Circuit breaking: a request beyond what the open connections can carry waits as pending.
    const b = uc.breaker;
    if (!b.tryAcquire('requests')) { ctx.addFlag('UO'); return overflow(cs); }
    const pending = b.requests > b.limits.maxConnections;
    if (pending && !b.tryAcquire('pending')) { b.release('requests'); ctx.addFlag('UO'); return overflow(cs); }
    const lease = new Lease(host, uc, pending);
    host.activeRequests++;
    if (ctx.aborted) { lease.release(); return downstreamGone(ctx); }
    if (attempt > 1) now = Date.now();
    const remaining = deadline - now;
    const perTry = policy.perTryTimeoutMs > 0 ? Math.min(policy.perTryTimeoutMs, remaining) : remaining;
    if (includeCount) headers['x-envoy-attempt-count'] = String(attempt);
    if (Number.isFinite(perTry)) headers['x-envoy-expected-rq-timeout-ms'] = String(Math.max(0, Math.floor(perTry)));
    ctx.info['upstream_host'] = host.key;
    ctx.info['attempts'] = attempt;
    cs.rqTotal.inc();
    if (attempt > 1) cs.rqRetry.inc();
    const pr = uc.pool.request({ host, method: ctx.request.method, path: d.path, headers, body });
    const tr = new Try(pr, deadline);
    if (Number.isFinite(perTry)) TRY_TIMEOUTS.add(tr, now + Math.max(0, perTry));
    ctx.upstream = pr;
    let res: UpstreamResponse | undefined;
    let outcome: AttemptOutcome;
    let protocolError = false;
    const t0 = now;
    try {
      res = await pr.response;
      const gs = res.headers['grpc-status'];
      outcome = { kind: 'response', status: res.status, grpcStatus: typeof gs === 'string' ? gs : undefined };
      uc.outlier?.onStatus(host, res.status);
    } catch (e) {
      const kind = e instanceof AttemptFailure ? e.kind : 'reset';
      protocolError = kind === 'protocol-error';
      if (kind === 'aborted' && tr.timedOut) outcome = PER_TRY_TIMEOUT;
      else if (kind === 'connect-failure') outcome = CONNECT_FAILURE;
      else outcome = RESET;
      if (!ctx.aborted) uc.outlier?.onLocalOrigin(host, outcome.kind === 'per-try-timeout' ? 'timeout' : outcome.kind === 'connect-failure' ? 'connect-failure' : 'reset');
    } finally {
      TRY_TIMEOUTS.remove(tr);
      ctx.upstream = undefined;
    }
    if (ctx.aborted) {
      lease.release();
      res?.body?.discard();
      return downstreamGone(ctx);
    }
    if (body.error instanceof HttpParseError) {
      // The client's body was malformed mid-way (the connection closes after this): Envoy's DPE.
      lease.release();
      res?.body?.discard();
      ctx.addFlag('DPE');
      return localReply(body.error.status, `${body.error.message}\n`);
    }
    const mayRetry = attempt <= policy.numRetries && retriable(policy, outcome) && tr.timedOut !== 'route';
    const timeLeft = mayRetry ? deadline - Date.now() : 0;
    const canRetry = mayRetry && timeLeft > 0 && body.canAttach;
    if (canRetry && b.tryAcquire('retries')) {
      res?.body?.discard();
      lease.release();
      const wait = Math.min(backoffMs(policy, attempt, ctx.random), Math.max(0, timeLeft - 1));
      const ok = await ctx.sleep(wait);
      b.release('retries');
      last = outcome.kind === 'response' ? localReply(outcome.status, '') : undefined;
      if (!ok) return downstreamGone(ctx);
      if (deadline - Date.now() <= 0) return timeout(ctx, cs);
      continue;
    }
    if (canRetry) ctx.addFlag('URX');
    else if (attempt > 1 && retriable(policy, outcome)) ctx.addFlag('URX');
    if (res) {
      const out = responseHeaders(ctx, env, res.headers);
      out['x-envoy-upstream-service-time'] = String(Date.now() - t0);
      if (res.body) res.body.whenFinished(lease.release);
      else lease.release();
      return { status: res.status, headers: out, body: res.body };
    }
    lease.release();
    if (outcome.kind === 'per-try-timeout') return timeout(ctx, cs);
    if (outcome.kind === 'connect-failure') {
      ctx.addFlag('UF');
      return localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure');
    }
    if (protocolError) {
      ctx.addFlag('UPE');
      return localReply(502, 'upstream connect error or disconnect/reset before headers. reset reason: protocol error');
    }
    ctx.addFlag('UC');
    return localReply(503, 'upstream connect error or disconnect/reset before headers. reset reason: connection termination');
  }
}

function overflow(cs: ClusterCounters): ProxyResponse {
  cs.pendingOverflow.inc();
  return localReply(OVERFLOW_REPLY.status, OVERFLOW_REPLY.body, { ...OVERFLOW_REPLY.headers });
}

function timeout(ctx: RequestContext, cs: ClusterCounters): ProxyResponse {
  ctx.addFlag('UT');
  cs.rqTimeout.inc();
  return localReply(504, 'upstream request timeout');
}
