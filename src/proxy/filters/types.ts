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

export interface ProxyResponse {
  status: number;
  headers: Headers;
  /** A stream (upstream body) or a complete body. */
  body?: Readable | Buffer | string;
}

export interface RequestContext {
  readonly request: RouterRequest;
  readonly body: Buffer;
  readonly route?: Route;
  readonly virtualHost?: VirtualHost;
  readonly decision?: RouteDecision;
  /** Envoy response flags set so far (UH, UF, UO, NR, URX, UT, DI, FI, DC, NC). */
  readonly flags: Set<string>;
  /** Uniform in [0, 1), injected. */
  random(): number;
  /** Resolves after `ms` unless the downstream went away (then resolves false). */
  sleep(ms: number): Promise<boolean>;
  /** Aborted when the downstream disconnects. */
  readonly signal: AbortSignal;
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

/** Runs `filters` then `terminal`; a filter's reply skips the rest, and every filter that ran sees the response. */
export async function runFilters(filters: readonly HttpFilter[], terminal: TerminalFilter, ctx: RequestContext): Promise<ProxyResponse> {
  const ran: HttpFilter[] = [];
  let res: ProxyResponse | undefined;
  for (const f of filters) {
    ran.push(f);
    res = await f.onRequest(ctx);
    if (res) break;
  }
  res ??= await terminal.handle(ctx);
  for (let i = ran.length - 1; i >= 0; i--) ran[i]!.onResponse?.(ctx, res);
  return res;
}
