/**
 * The Downstream of a request that node:http or node:http2 parsed (the fallback for what the
 * HTTP/1.1 fast path does not carry: h2c, upgrades, HTTP inside CONNECT tunnels): its header
 * fields as lists, its body streamed into a RequestBody (paused and resumed with the request
 * stream), and the response written through ServerResponse / Http2ServerResponse, streaming a
 * BodySource or a Readable with flow control, or a complete body with its Content-Length.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Readable } from 'node:stream';
import type { ProxyResponse } from '../filters/types.js';
import { RequestBody, type BodySink, type BodySource } from '../http1/body.js';
import type { Downstream } from './http-handler.js';

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

function requestBody(req: Req): RequestBody {
  const h = req.headers;
  const cl = h['content-length'];
  const h2 = (req as Http2ServerRequest).stream;
  let length = -1;
  if (typeof cl === 'string' && /^\d+$/.test(cl)) length = Number(cl);
  else if (h2 ? h2.endAfterHeaders : h['transfer-encoding'] === undefined) length = 0;
  if (length === 0) return RequestBody.EMPTY;
  const body = new RequestBody({ pauseBody: () => req.pause(), resumeBody: () => req.resume(), dropBody: () => {} }, length);
  req.on('data', (c: Buffer) => body.push(c));
  req.on('end', () => body.end());
  req.on('error', (e: Error) => body.fail(e));
  req.on('aborted', () => body.fail(new Error('downstream aborted')));
  return body;
}

export function nodeDownstream(req: Req, res: Res): Downstream {
  const names: string[] = [];
  const values: string[] = [];
  let host = '';
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    if (k === ':authority' || k === 'host') host ||= String(v);
    if (k.startsWith(':')) continue;
    names.push(k);
    values.push(Array.isArray(v) ? v.join(',') : String(v));
  }
  const d: Downstream = {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    host,
    protocol: `HTTP/${req.httpVersion}`,
    names, values,
    body: requestBody(req),
    aborted: false,
    onAbort: undefined,
    respond: (out) => write(res, out, req.method === 'HEAD'),
  };
  res.on('close', () => {
    if (res.writableFinished || d.aborted) return;
    d.aborted = true;
    d.onAbort?.abort();
  });
  return d;
}

function isSource(b: unknown): b is BodySource {
  return typeof b === 'object' && b !== null && typeof (b as BodySource).pipe === 'function' && !(b instanceof Readable) && 'bytes' in b;
}

/** Writes the response; resolves with the body bytes sent once it is finished (or aborted). */
function write(res: Res, out: ProxyResponse, head: boolean): Promise<number> {
  const body = out.body;
  if (res.headersSent || res.destroyed) {
    if (body instanceof Readable) body.resume();
    else if (isSource(body)) body.discard();
    return Promise.resolve(0);
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(out.headers)) if (v !== undefined && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
  const r = res as ServerResponse;
  if (isSource(body)) {
    r.writeHead(out.status, headers);
    return new Promise((resolve) => {
      let sent = 0;
      let done = false;
      const finish = () => { if (!done) { done = true; resolve(sent); } };
      const sink: BodySink = {
        write: (c) => { sent += c.length; return r.write(c); },
        end: () => r.end(finish),
        abort: () => { r.destroy(); finish(); },
      };
      res.on('drain', () => body.resume());
      res.once('close', () => { if (!done) body.discard(); finish(); });
      if (head) { body.discard(); r.end(finish); } else body.pipe(sink);
    });
  }
  if (body instanceof Readable) {
    let sent = 0;
    r.writeHead(out.status, headers);
    body.on('data', (c: Buffer | string) => { sent += c.length; });
    body.on('error', () => res.destroy());
    body.pipe(r);
    return new Promise((resolve) => {
      res.once('finish', () => resolve(sent));
      res.once('close', () => resolve(sent));
    });
  }
  const buf = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  headers['content-length'] = String(buf.length);
  r.writeHead(out.status, headers);
  r.end(head ? undefined : buf);
  return Promise.resolve(head ? 0 : buf.length);
}
