/**
 * The HTTP/1.1 fast path for one downstream connection, on the raw socket: the incremental parser
 * reads requests one at a time (pipelined requests wait, unparsed, until the response before them
 * is written), each request is served by http-handler's serveRequest with its body streaming in
 * as it arrives (the socket paused when upstream cannot take more), and the response is written
 * head and body in one write at the end of the event-loop batch (write-batch.ts), streaming an upstream body with flow control (chunked to an
 * HTTP/1.1 client when its length is unknown, close-delimited to an HTTP/1.0 one). Keep-alive as
 * the request asks; `Expect: 100-continue` is answered here, as Envoy does by default.
 *
 * Malformed requests get their status (400, 431, 501, 505) and the connection is closed; nothing
 * a client sends can throw out of here. Requests the fast path does not carry — upgrades
 * (WebSocket, h2c) and CONNECT — hand the whole connection, with the bytes not yet consumed, to
 * node:http (`fallback`), decided at the first such request.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { Cancellable, ProxyResponse } from '../filters/types.js';
import type { Downstream } from '../server/http-handler.js';
import { RequestBody, ResponseBody, type BodyProducer, type BodySink, type BodySource } from './body.js';
import { DEFAULT_LIMITS, Http1Parser, type Http1Head, type HttpParseError, type ParserHandler, type ParserLimits } from './parser.js';
import { headData, headString, withBody } from './serialize.js';
import { batchEnd, batchWrite, flushWrites } from './write-batch.js';
import { readIntoShared, toStream } from './user-buffer.js';

export interface FastPathHooks {
  /** Serves one request to completion (http-handler's serveRequest for this connection). */
  serve(d: Downstream): Promise<void>;
  /** Takes over the socket (node:http), given the bytes received and not consumed. */
  fallback(socket: Socket, unread: Buffer): void;
  log(line: string): void;
}

/** Envoy's HTTP connection manager idle timeout default (1 h). */
export const DOWNSTREAM_IDLE_MS = 3_600_000;
/** A complete upstream body up to this size goes out with the response head in one write. */
const SMALL_BODY = 16 * 1024;
/** Pipelined bytes held while a response is in progress before reading stops. */
const MAX_PIPELINED = 64 * 1024;

const statusLines = new Map<number, string>();
function statusLine(minor: number, status: number): string {
  const key = status * 2 + minor;
  let s = statusLines.get(key);
  if (!s) statusLines.set(key, (s = `HTTP/1.${minor} ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`));
  return s;
}

let dateSecond = 0;
let dateText = '';
function httpDate(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (sec !== dateSecond) { dateSecond = sec; dateText = new Date(now).toUTCString(); }
  return dateText;
}

function isSource(b: unknown): b is BodySource {
  return typeof b === 'object' && b !== null && !(b instanceof Readable) && !Buffer.isBuffer(b) && typeof (b as BodySource).pipe === 'function';
}

/** One request on the connection: the Downstream serveRequest sees, and the sink of its response body. */
class Request implements Downstream, BodySink {
  aborted = false;
  onAbort: Cancellable | undefined;
  requestDone = false;
  responseStarted = false;
  responseDone = false;
  private source: BodySource | undefined;
  private chunked = false;
  private sent = 0;
  private resolve: ((bytes: number) => void) | undefined;

  constructor(
    private readonly conn: Http1ServerConnection,
    readonly method: string,
    readonly url: string,
    readonly host: string,
    readonly minor: number,
    readonly names: string[],
    readonly values: string[],
    readonly body: RequestBody,
    public keepAlive: boolean,
  ) {}

  get protocol(): string {
    return this.minor === 1 ? 'HTTP/1.1' : 'HTTP/1.0';
  }

  respond(out: ProxyResponse): number | Promise<number> {
    const socket = this.conn.socket;
    const b = out.body;
    if (this.aborted || socket.destroyed || this.responseStarted) {
      if (isSource(b)) b.discard();
      else if (b instanceof Readable) b.resume();
      return 0;
    }
    this.responseStarted = true;
    // A response before the whole request body is in ends the connection (the rest is not read).
    if (!this.requestDone || this.conn.closing) this.keepAlive = false;
    const status = out.status;
    const noBody = this.method === 'HEAD' || status === 204 || status === 304 || status < 200;
    const h = out.headers;
    let framing = '';
    let skipFraming = true;
    let payload: Buffer | undefined;
    let source: BodySource | undefined;
    if (b === undefined) {
      if (h['content-length'] !== undefined) skipFraming = false;
      else if (status !== 204 && status !== 304 && status >= 200) framing = 'content-length: 0\r\n';
    } else if (typeof b === 'string' || Buffer.isBuffer(b)) {
      const buf = typeof b === 'string' ? Buffer.from(b) : b;
      framing = `content-length: ${buf.length}\r\n`;
      if (!noBody) payload = buf;
    } else if (b instanceof ResponseBody && (payload = b.takeWhole(SMALL_BODY)) !== undefined) {
      // Already complete and small: sent with the head in one write.
      framing = `content-length: ${payload.length}\r\n`;
      if (noBody) payload = undefined;
    } else {
      source = isSource(b) ? b : readableSource(b);
      if (source.length >= 0) framing = `content-length: ${source.length}\r\n`;
      else if (noBody) { /* no framing */ } else if (this.minor === 1) { framing = 'transfer-encoding: chunked\r\n'; this.chunked = true; } else this.keepAlive = false;
    }
    if (!this.keepAlive) framing += 'connection: close\r\n';
    else if (this.minor === 0) framing += 'connection: keep-alive\r\n';
    if (h['date'] === undefined) framing += `date: ${httpDate()}\r\n`;
    const head = headString(statusLine(this.minor, status), h, framing, skipFraming);
    if (!source || noBody) {
      if (payload !== undefined && payload.length > 0) {
        batchWrite(socket, withBody(head, payload));
        this.sent = payload.length;
      } else batchWrite(socket, headData(head));
      source?.discard();
      // Written whole: done now, without a promise to wait on.
      this.finish();
      return this.sent;
    }
    batchWrite(socket, headData(head));
    return new Promise<number>((resolve) => {
      this.resolve = resolve;
      this.source = source;
      source.pipe(this);
    });
  }

  // ── BodySink: the response body ──────────────────────────────────────────────────────
  write(chunk: Buffer): boolean {
    if (this.responseDone) return true;
    const socket = this.conn.socket;
    this.sent += chunk.length;
    if (!this.chunked) return batchWrite(socket, chunk);
    batchWrite(socket, `${chunk.length.toString(16)}\r\n`);
    batchWrite(socket, chunk);
    return batchWrite(socket, '\r\n');
  }

  end(): void {
    if (this.responseDone) return;
    if (this.chunked) batchWrite(this.conn.socket, '0\r\n\r\n');
    this.finish();
  }

  abort(): void {
    // The upstream body broke off: HTTP/1.1 can only say so by closing.
    if (this.responseDone) return;
    this.keepAlive = false;
    this.responseDone = true;
    this.conn.socket.destroy();
    this.settle();
  }

  /** The socket drained: let the body flow again. */
  drained(): void {
    this.source?.resume();
  }

  /** The downstream went away before the response was complete. */
  gone(): void {
    if (this.responseDone || this.aborted) return;
    this.aborted = true;
    this.body.fail(new Error('downstream disconnected'));
    this.source?.discard();
    this.onAbort?.abort();
    this.settle();
  }

  private finish(): void {
    this.responseDone = true;
    this.settle();
    this.conn.responded(this);
  }

  private settle(): void {
    const r = this.resolve;
    this.resolve = undefined;
    r?.(this.sent);
  }
}

/** A Readable as a BodySource (a filter that produced a stream). */
function readableSource(r: Readable): BodySource {
  let bytes = 0;
  return {
    length: -1,
    get bytes() { return bytes; },
    pipe(sink) {
      r.on('data', (c: Buffer | string) => {
        const buf = typeof c === 'string' ? Buffer.from(c) : c;
        bytes += buf.length;
        if (!sink.write(buf)) r.pause();
      });
      r.on('end', () => sink.end());
      r.on('error', (e) => sink.abort(e));
    },
    resume: () => { r.resume(); },
    discard: () => { r.destroy(); },
  };
}

/**
 * Connections without a request for DOWNSTREAM_IDLE_MS are closed by one sweep for all of them
 * (a per-socket timeout would re-arm a timer on every read and write).
 */
const live = new Set<Http1ServerConnection>();
let idleSweep: ReturnType<typeof setInterval> | undefined;

function startIdleSweep(): ReturnType<typeof setInterval> {
  const t = setInterval(() => {
    const now = Date.now();
    for (const c of live) c.closeIfIdle(now);
    if (live.size === 0) { clearInterval(t); idleSweep = undefined; }
  }, Math.min(60_000, DOWNSTREAM_IDLE_MS / 4));
  t.unref();
  return t;
}

export class Http1ServerConnection implements ParserHandler, BodyProducer {
  private readonly parser: Http1Parser;
  private current: Request | undefined;
  closing = false;
  private handingOver = false;
  private readonly onData = (c: Buffer) => this.data(c);
  /** Reading into the shared buffer (user-buffer.ts) rather than through 'data' events. */
  private readonly shared: boolean;
  private readonly onPeerEnd = () => this.peerEnded();
  private readonly onClose = () => { live.delete(this); this.current?.gone(); };
  private readonly onDrain = () => this.current?.drained();
  /** When the last request ended (or the connection opened), for the idle sweep. */
  lastActive = Date.now();

  constructor(readonly socket: Socket, private readonly hooks: FastPathHooks, limits: ParserLimits = DEFAULT_LIMITS) {
    this.parser = new Http1Parser('request', this, limits);
    this.parser.pauseAfterMessage = true;
    // The client may half-close after its request; the response still goes out.
    socket.allowHalfOpen = true;
    socket.setNoDelay(true);
    live.add(this);
    idleSweep ??= startIdleSweep();
    this.shared = readIntoShared(socket, (chunk) => this.data(chunk));
    // Reads land in a buffer every connection shares: the parser copies what it keeps, onBody the body.
    this.parser.reusedInput = this.shared;
    if (!this.shared) socket.on('data', this.onData);
    socket.on('end', this.onPeerEnd);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
  }

  /** Starts reading, first with bytes already taken off the socket (protocol sniffing). */
  start(first?: Buffer): void {
    if (first && first.length) this.data(first);
    if (this.shared) {
      // Bytes a protocol sniffer put back (unshift) wait in the Readable buffer, which
      // shared-buffer reading bypasses.
      const held = this.socket.read() as Buffer | null;
      if (held && held.length) this.data(held);
    }
    this.socket.resume();
  }

  private data(chunk: Buffer): void {
    try {
      this.parser.execute(chunk);
    } catch (e) {
      this.hooks.log(`http1: ${(e as Error).stack ?? String(e)}`);
      this.socket.destroy();
      return;
    }
    if (this.handingOver) this.handOver();
    else if (this.parser.isPaused && this.parser.pendingBytes > MAX_PIPELINED) this.socket.pause();
  }

  private peerEnded(): void {
    this.parser.finish();
    this.closing = true;
    if (!this.current) batchEnd(this.socket);
  }

  // ── parser events ────────────────────────────────────────────────────────────────────
  onHead(h: Http1Head): void {
    if (h.upgrade || h.method === 'CONNECT') {
      // Handed over once the parser has returned (it keeps the bytes after this head).
      this.handingOver = true;
      this.parser.detach();
      return;
    }
    let host: string | undefined;
    let hosts = 0;
    for (let i = 0; i < h.names.length; i++) if (h.names[i] === 'host') { host = h.values[i]; hosts++; }
    if (hosts > 1) return this.reject(400, 'several Host fields');
    if (h.minor === 1 && host === undefined) return this.reject(400, 'an HTTP/1.1 request needs a Host field');
    const body = h.hasBody ? new RequestBody(this, h.chunked ? -1 : h.contentLength) : RequestBody.EMPTY;
    const req = new Request(this, h.method, h.target, host ?? '', h.minor, h.names, h.values, body, h.keepAlive);
    if (!h.hasBody) req.requestDone = true;
    this.current = req;
    if (h.expectContinue && h.hasBody) batchWrite(this.socket, `HTTP/1.${h.minor} 100 Continue\r\n\r\n`);
    this.hooks.serve(req).catch((e: Error) => {
      this.hooks.log(`http1: request failed: ${e.stack ?? String(e)}`);
      this.socket.destroy();
    });
  }

  onBody(chunk: Buffer): void {
    this.current?.body.push(this.shared ? Buffer.from(chunk) : chunk);
  }

  onEnd(): void {
    const r = this.current;
    if (!r) return;
    r.requestDone = true;
    r.body.end();
    if (r.responseDone) this.next(r);
  }

  onError(e: HttpParseError): void {
    const r = this.current;
    if (r && !r.responseDone) {
      // The body was malformed mid-way: the request fails and the connection ends after its response.
      this.closing = true;
      r.body.fail(e);
      return;
    }
    this.reject(e.status, e.message);
  }

  // ── request body producer ────────────────────────────────────────────────────────────
  pauseBody(): void {
    this.socket.pause();
  }

  resumeBody(): void {
    this.socket.resume();
  }

  dropBody(): void {}

  /** Closes the connection when no request is in progress and none came for the idle timeout. */
  closeIfIdle(now: number): void {
    if (this.socket.destroyed) { live.delete(this); return; }
    if (!this.current && now - this.lastActive >= DOWNSTREAM_IDLE_MS) this.socket.destroy();
  }

  /** The response of `r` is written. */
  responded(r: Request): void {
    if (r.requestDone) this.next(r);
    else {
      // Answered before the request was complete: stop reading it and close once written.
      this.current = undefined;
      batchEnd(this.socket);
    }
  }

  private next(r: Request): void {
    if (this.current !== r) return;
    this.current = undefined;
    this.lastActive = Date.now();
    if (!r.keepAlive || this.closing) {
      batchEnd(this.socket);
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.parser.resume();
  }

  private reject(status: number, why: string): void {
    const s = this.socket;
    if (s.destroyed) return;
    this.closing = true;
    const body = `${why}\n`;
    batchEnd(s, `${statusLine(1, status)}content-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\ndate: ${httpDate()}\r\n\r\n${body}`);
  }

  /** Gives the connection to node:http from the current request on. */
  private handOver(): void {
    this.handingOver = false;
    const unread = this.parser.takeRest();
    const all = unread ? Buffer.concat([this.parser.rawHead(), unread]) : Buffer.from(this.parser.rawHead());
    const s = this.socket;
    if (this.shared) toStream(s);
    s.off('data', this.onData);
    s.off('end', this.onPeerEnd);
    s.off('close', this.onClose);
    s.off('drain', this.onDrain);
    live.delete(this);
    s.allowHalfOpen = false;
    s.pause();
    // Responses before the hand-over go out before anything node:http writes.
    flushWrites(s);
    this.hooks.fallback(s, all);
  }
}
