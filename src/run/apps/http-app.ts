/**
 * The HTTP plumbing every built-in app shares, so that each app file is only its routes: a
 * node:http server on HOST:PORT with HTTP/1.1 keep-alive (idle connections are never timed out
 * by the app, as Envoy expects of its upstreams), the request body read (up to 10 MiB; more is
 * drained and answered 413), the request-target split into path and query without ever throwing,
 * HEAD answered with the GET's headers and no body, and a handler error turned into a 500: bad
 * input never crashes an app. close() ends every connection and aborts handlers still waiting
 * (delays, upstream calls). Nothing here knows any app's routes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../common/clock.js';
import type { RunningApp } from './types.js';

export interface AppRequest {
  /** Upper-case method. */
  method: string;
  /** The request-target as sent (origin or absolute form). */
  url: string;
  /** The path, without query; `/` when the target has none. */
  path: string;
  /** `?a=b` or empty. */
  search: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Header names and values in arrival order, names as the client spelled them. */
  rawHeaders: readonly string[];
  body: Buffer;
  /** The peer's address (`::ffff:` stripped from IPv4-mapped addresses). */
  clientIp: string;
  /** Aborted when the client goes away or the app closes. */
  signal: AbortSignal;
}

export interface AppReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type AppHandler = (req: AppRequest) => AppReply | Promise<AppReply>;

export interface ServeOptions {
  host: string;
  port: number;
  /** The `Server` header of every reply, if any. */
  server?: string;
}

const MAX_BODY = 10 * 1024 * 1024;

export function stripMapped(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** `x-canary` → `X-Canary` (how Werkzeug and httpbin print header names). */
export function titleCase(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/** Splits a request-target into path and query; absolute-form targets lose scheme and authority. */
export function splitTarget(url: string): { path: string; search: string } {
  let rest = url;
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(rest);
  if (abs) rest = rest.slice(abs[0].length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const path = q >= 0 ? rest.slice(0, q) : rest;
  return { path: path.startsWith('/') ? path : `/${path}`, search: q >= 0 ? rest.slice(q) : '' };
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function wait(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A status code an app may answer with (`/status/CODE`): 200 to 599. */
export function parseStatus(s: string): number | undefined {
  if (!/^\d{3}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 200 && n <= 599 ? n : undefined;
}

/** Non-negative seconds (`1`, `0.5`) for `/delay/N`, capped; undefined when not a number. */
export function parseSeconds(s: string, cap: number): number | undefined {
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(s)) return undefined;
  return Math.min(Number(s), cap);
}

export function text(status: number, body: string, type = 'text/plain; charset=utf-8'): AppReply {
  return { status, headers: { 'content-type': type }, body };
}

export function json(status: number, value: unknown): AppReply {
  return { status, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(value, null, 2)}\n` };
}

function readBody(req: http.IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= MAX_BODY) parts.push(d);
    });
    const finish = () => resolve(size > MAX_BODY ? 'too-large' : Buffer.concat(parts));
    req.once('end', finish);
    req.once('close', finish);
    req.once('error', finish);
  });
}

function send(res: http.ServerResponse, method: string, reply: AppReply, serverHeader?: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : (reply.body ?? Buffer.alloc(0));
  const noBody = method === 'HEAD' || reply.status === 204 || reply.status === 304;
  const headers: Record<string, string | number> = { ...(serverHeader ? { server: serverHeader } : {}), ...reply.headers };
  if (!(reply.status === 204 || reply.status === 304)) headers['content-length'] = body.length;
  res.writeHead(reply.status, headers);
  res.end(noBody ? undefined : body);
}

/** Serves `handler` on o.host:o.port; rejects (with the listen error's code) when it cannot listen. */
export async function serveHttp(o: ServeOptions, handler: AppHandler): Promise<RunningApp> {
  const inFlight = new Set<AbortController>();
  const server = http.createServer(async (req, res) => {
    const ac = new AbortController();
    inFlight.add(ac);
    res.once('close', () => {
      inFlight.delete(ac);
      if (!res.writableFinished) ac.abort();
    });
    const method = (req.method ?? 'GET').toUpperCase();
    let reply: AppReply;
    try {
      const body = await readBody(req);
      if (body === 'too-large') {
        reply = text(413, `request body too large: at most ${MAX_BODY} bytes\n`);
      } else {
        const url = req.url ?? '/';
        const { path, search } = splitTarget(url);
        reply = await handler({
          method, url, path, search, query: new URLSearchParams(search), headers: req.headers, rawHeaders: req.rawHeaders,
          body, clientIp: stripMapped(req.socket.remoteAddress), signal: ac.signal,
        });
      }
    } catch (e) {
      reply = text(500, `internal error: ${(e as Error).message}\n`);
    }
    if (ac.signal.aborted) return;
    send(res, method, reply, o.server);
  });
  server.keepAliveTimeout = 0;
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {});
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    address: { host: o.host, port },
    close: () => (closing ??= new Promise<void>((resolve) => {
      for (const ac of inFlight) ac.abort();
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}
