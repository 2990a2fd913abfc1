/**
 * One upstream HTTP/1.1 connection of a pool, on a raw socket: it carries one request at a time
 * (no pipelining), writes the request head and streams the request body (Content-Length as given,
 * or chunked when the length is not known), parses the response with the incremental parser
 * (status line, headers, Content-Length / chunked / close-delimited body) and hands the response
 * to the attempt as soon as its head is in (hop-by-hop fields left out), the body following as a ResponseBody with flow control
 * (the socket is paused while the downstream cannot take more). When both the request and the
 * response are complete and both sides allow it, the connection goes back to its pool for reuse;
 * otherwise it is closed. It never decides routing, retries or limits.
 */
import net from 'node:net';
import { ResponseBody, type BodyProducer, type BodySink, type RequestBody } from '../http1/body.js';
import { Http1Parser, type Http1Head, type HttpParseError, type ParserHandler } from '../http1/parser.js';
import { endToEndHeaders, headData, headString } from '../http1/serialize.js';
import { batchWrite } from '../http1/write-batch.js';
import { sharedOnread } from '../http1/user-buffer.js';
import type { Headers } from '../router/headers.js';
import type { Host } from '../upstream/host.js';

export type AttemptError = 'connect-failure' | 'reset' | 'protocol-error' | 'aborted';

export class AttemptFailure extends Error {
  constructor(readonly kind: AttemptError, message: string) {
    super(message);
  }
}

export interface UpstreamResponse {
  status: number;
  headers: Headers;
  /** Absent when the response has no body. */
  body: ResponseBody | undefined;
}

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  readonly keepAliveMs: number | undefined;
  /** upstream_bind_config's source address, if any. */
  readonly sourceAddress?: string | undefined;
  readonly maxRequestsPerConnection: number;
  /** The connection is free again (request and response complete, reusable). */
  released(c: H1Connection): void;
  /** The connection is gone. */
  closed(c: H1Connection): void;
  now(): number;
}

/** One attempt's request, and the callbacks the pool's promise settles. */
export interface Exchange {
  host: Host;
  method: string;
  path: string;
  headers: Headers;
  body: RequestBody | undefined;
  settle(err: AttemptFailure | undefined, res: UpstreamResponse | undefined): void;
}

const enum St { Connecting, Idle, Busy, Closed }


export class H1Connection implements ParserHandler, BodyProducer, BodySink {
  readonly socket: net.Socket;
  private readonly parser: Http1Parser;
  private state = St.Connecting;
  private exchange: Exchange | undefined;
  private response: ResponseBody | undefined;
  private settled = false;
  private requestDone = false;
  private responseDone = false;
  private reusable = true;
  private chunked = false;
  private uses = 0;
  idleSince = 0;
  /** Why the connection could not be opened (connect error or timeout). */
  failure: string | undefined;
  /** The pool's bookkeeping while it connects: the connect timeout and the request it was opened for. */
  connectTimer: ReturnType<typeof setTimeout> | undefined;
  openedFor: Exchange | undefined;

  constructor(readonly host: Host, private readonly owner: ConnectionOwner, onConnected: (c: H1Connection) => void) {
    this.parser = new Http1Parser('response', this);
    this.parser.reusedInput = true;
    // onHead copies what it needs from the head (endToEndHeaders): the parser refills one head.
    this.parser.reuseHead = true;
    // Reads land in one buffer shared by every upstream connection (no allocation per read, no
    // stream machinery): the parser copies what it keeps, onBody copies body bytes.
    const onread = sharedOnread((chunk) => this.parser.execute(chunk));
    const s = host.address.startsWith('unix://')
      ? net.connect({ path: host.address.slice('unix://'.length), onread })
      : net.connect({ host: host.address, port: host.port, noDelay: true, localAddress: owner.sourceAddress, onread });
    this.socket = s;
    host.activeConnections++;
    if (owner.keepAliveMs !== undefined) s.setKeepAlive(true, owner.keepAliveMs);
    s.once('connect', () => {
      if (this.state !== St.Connecting) return;
      this.state = St.Idle;
      onConnected(this);
    });
    s.on('end', () => this.onEof());
    s.on('error', (e: NodeJS.ErrnoException) => this.onSocketError(e));
    s.on('close', () => this.onClose());
    s.on('drain', () => this.exchange?.body?.resume());
  }

  get connecting(): boolean {
    return this.state === St.Connecting;
  }

  get idle(): boolean {
    return this.state === St.Idle;
  }

  /** Sends one request (the connection must be idle). */
  send(x: Exchange): void {
    this.state = St.Busy;
    this.exchange = x;
    this.response = undefined;
    this.settled = false;
    this.requestDone = false;
    this.responseDone = false;
    this.uses++;
    const max = this.owner.maxRequestsPerConnection;
    this.reusable = !(max > 0 && this.uses >= max);
    this.parser.noBodyExpected = x.method === 'HEAD';
    const body = x.body;
    let framing: string;
    if (!body || body.empty) {
      framing = body && body.length === 0 && x.headers['content-length'] !== undefined ? 'content-length: 0\r\n' : '';
      this.chunked = false;
    } else if (body.length >= 0) {
      framing = `content-length: ${body.length}\r\n`;
      this.chunked = false;
    } else if (body.complete) {
      framing = `content-length: ${body.received}\r\n`;
      this.chunked = false;
    } else {
      framing = 'transfer-encoding: chunked\r\n';
      this.chunked = true;
    }
    if (!this.reusable) framing += 'connection: close\r\n';
    const s = this.socket;
    batchWrite(s, headData(headString(`${x.method} ${x.path} HTTP/1.1\r\n`, x.headers, framing, true)));
    if (!body || body.empty) {
      this.requestDone = true;
      return;
    }
    if (!body.attach(this)) this.fail(new AttemptFailure('reset', 'the request body was already consumed and cannot be replayed'));
  }

  /** Gives up on the exchange in flight (per-try timeout, downstream gone): the connection closes. */
  abort(): void {
    if (this.state === St.Closed) return;
    this.fail(new AttemptFailure('aborted', 'aborted'));
  }

  close(): void {
    if (this.state === St.Closed) return;
    this.state = St.Closed;
    this.socket.destroy();
  }

  // ── request body sink ────────────────────────────────────────────────────────────────
  write(chunk: Buffer): boolean {
    if (this.state !== St.Busy) return true;
    const s = this.socket;
    if (!this.chunked) return batchWrite(s, chunk);
    batchWrite(s, `${chunk.length.toString(16)}\r\n`);
    batchWrite(s, chunk);
    return batchWrite(s, '\r\n');
  }

  end(): void {
    if (this.state !== St.Busy) return;
    if (this.chunked) batchWrite(this.socket, '0\r\n\r\n');
    this.requestDone = true;
    this.exchange?.body?.detach(this);
    if (this.responseDone) this.finishExchange();
  }

  // BodySink.abort: the downstream request body failed; the upstream request cannot complete.
  // (Named by the interface; `abort()` without a reason above is the owner's cancel.)

  // ── response body producer ───────────────────────────────────────────────────────────
  pauseBody(): void {
    this.socket.pause();
  }

  resumeBody(): void {
    this.socket.resume();
  }

  dropBody(): void {
    this.reusable = false;
    this.close();
  }

  // ── parser events ────────────────────────────────────────────────────────────────────
  onHead(h: Http1Head): void {
    const x = this.exchange;
    if (!x || this.settled || h.status === 101) {
      this.parser.reset();
      this.fail(new AttemptFailure('protocol-error', h.status === 101 ? 'unexpected 101 Switching Protocols' : 'response without a request'));
      return;
    }
    if (!h.keepAlive) this.reusable = false;
    this.response = h.hasBody ? new ResponseBody(this, h.contentLength) : undefined;
    this.settled = true;
    x.settle(undefined, { status: h.status, headers: endToEndHeaders(h.names, h.values), body: this.response });
  }

  onBody(chunk: Buffer): void {
    // A view of the shared read buffer: the next read overwrites it.
    this.response?.push(Buffer.from(chunk));
  }


  onEnd(): void {
    this.responseDone = true;
    this.response?.end();
    if (this.requestDone) this.finishExchange();
    else {
      // The upstream answered before taking the whole request: this connection cannot be reused.
      this.reusable = false;
      this.exchange?.body?.detach(this);
      this.finishExchange();
    }
  }

  onError(e: HttpParseError): void {
    this.fail(new AttemptFailure('protocol-error', `upstream protocol error: ${e.message}`));
  }

  private finishExchange(): void {
    this.exchange = undefined;
    this.response = undefined;
    if (!this.reusable || this.state !== St.Busy) { this.close(); return; }
    // Paused for a slow downstream when the last bytes came in: reading resumes for the next exchange.
    if (this.socket.isPaused()) this.socket.resume();
    this.state = St.Idle;
    this.idleSince = this.owner.now();
    this.owner.released(this);
  }

  /** Ends the exchange in flight with an error and closes the connection. */
  private fail(err: AttemptFailure): void {
    const x = this.exchange;
    const res = this.response;
    this.exchange = undefined;
    this.response = undefined;
    this.close();
    if (x) {
      x.body?.detach(this);
      if (!this.settled) { this.settled = true; x.settle(err, undefined); } else res?.fail(err);
    }
  }

  private onEof(): void {
    this.parser.finish();
    if (this.state === St.Busy && !this.responseDone) this.fail(new AttemptFailure('reset', 'upstream closed the connection'));
    this.close();
  }

  private onSocketError(e: NodeJS.ErrnoException): void {
    const connecting = this.state === St.Connecting;
    if (connecting) { this.state = St.Closed; this.failure = e.message; }
    const refused = connecting || /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EADDRNOTAVAIL/.test(e.code ?? '');
    this.fail(new AttemptFailure(connecting && refused ? 'connect-failure' : 'reset', e.message));
  }

  private onClose(): void {
    const wasConnecting = this.state === St.Connecting;
    this.state = St.Closed;
    this.host.activeConnections = Math.max(0, this.host.activeConnections - 1);
    if (this.exchange) this.fail(new AttemptFailure(wasConnecting ? 'connect-failure' : 'reset', 'connection closed'));
    this.owner.closed(this);
  }

  /** The connect attempt took too long. */
  connectTimeout(): void {
    if (this.state !== St.Connecting) return;
    this.state = St.Closed;
    this.failure = 'connect timeout';
    this.socket.destroy();
  }
}
