/**
 * The HTTP filter contract (DESIGN.md §4): a filter sees the request once the route is known
 * (`onRequest`, which may answer locally by returning a reply, or wait, e.g. a fault delay) and
 * may edit the response headers on the way back (`onResponse`); the router is simply the last
 * filter, the one that produces the response. Filters are built once per HTTP connection
 * manager (config parsed once) and hold no per-request state outside the context.
 */
import type { Route, VirtualHost } from '../../api/envoy/route.js';
import type { RouteDecision, RouterRequest } from '../router/index.js';
import type { Headers } from '../router/headers.js';
import type { Readable } from 'node:stream';
import type { BodySource, RequestBody } from '../http1/body.js';

export interface ProxyResponse {
  status: number;
  headers: Headers;
  /** A stream (an upstream body) or a complete body. */
  body?: BodySource | Readable | Buffer | string;
}

/** Something in flight for the request that a downstream disconnect must cancel. */
export interface Cancellable {
  abort(): void;
}

export interface RequestContext {
  readonly request: RouterRequest;
  /** The request body, streaming (kept for a retry or mirror up to the buffer limit). */
  readonly body: RequestBody;
  /** The router's upstream attempt in flight, cancelled if the downstream goes away. */
  upstream: Cancellable | undefined;
  readonly route?: Route;
  readonly virtualHost?: VirtualHost;
  readonly decision?: RouteDecision;
  /** Sets an Envoy response flag (UH, UF, UO, NR, URX, UT, DI, FI, DC, NC); each is kept once, in the order set. */
  addFlag(flag: string): void;
  /** Uniform in [0, 1), injected. */
  random(): number;
  /** Resolves after `ms` unless the downstream went away (then resolves false). */
  sleep(ms: number): Promise<boolean>;
  /** Aborted when the downstream disconnects (made on first use). */
  readonly signal: AbortSignal;
  /** Whether the downstream has disconnected. */
  readonly aborted: boolean;
  /** Free-form facts for the access log (upstream host, cluster, attempts). */
  readonly info: Record<string, string | number | undefined>;
}

export interface HttpFilter {
  readonly name: string;
  onRequest(ctx: RequestContext): ProxyResponse | undefined | Promise<ProxyResponse | undefined>;
  onResponse?(ctx: RequestContext, res: ProxyResponse): void;
}

export interface TerminalFilter {
  readonly name: string;
  handle(ctx: RequestContext): Promise<ProxyResponse>;
}

export function localReply(status: number, body: string, headers: Headers = {}): ProxyResponse {
  return { status, headers: { 'content-type': 'text/plain', ...headers }, body };
}

/**
 * Runs `filters` then `terminal`; a filter's reply skips the rest, and every filter that ran sees
 * the response. A filter that answers synchronously is not awaited (no extra turn per filter).
 */
export function runFilters(filters: readonly HttpFilter[], terminal: TerminalFilter, ctx: RequestContext): Promise<ProxyResponse> {
  // Not `async`: filters that answer synchronously (the usual case) add no promise hop, and
  // without response hooks the terminal's own promise is handed back as it is.
  let ran = 0;
  while (ran < filters.length) {
    const r = filters[ran++]!.onRequest(ctx);
    if (r instanceof Promise) return r.then((res) => (res ? responded(filters, ran, ctx, res) : runFrom(filters, ran, terminal, ctx)));
    if (r) return Promise.resolve(responded(filters, ran, ctx, r));
  }
  const pending = terminal.handle(ctx);
  for (let i = 0; i < ran; i++) if (filters[i]!.onResponse) return pending.then((res) => responded(filters, ran, ctx, res));
  return pending;
}

/** The rest of the chain after an asynchronous filter let the request through. */
function runFrom(filters: readonly HttpFilter[], from: number, terminal: TerminalFilter, ctx: RequestContext): Promise<ProxyResponse> {
  const rest = filters.slice(from);
  return runFilters(rest, terminal, ctx).then((res) => responded(filters, from, ctx, res));
}

/** Runs the response hooks of the first `ran` filters, last first. */
function responded(filters: readonly HttpFilter[], ran: number, ctx: RequestContext, res: ProxyResponse): ProxyResponse {
  for (let i = ran - 1; i >= 0; i--) filters[i]!.onResponse?.(ctx, res);
  return res;
}
