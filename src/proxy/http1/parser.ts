/**
 * An incremental HTTP/1.x message parser for the proxy's fast path: requests (downstream) and
 * responses (upstream). Bytes are fed as they arrive (`execute`), split anywhere; the head (start
 * line and header fields) is parsed once complete, then the body is delivered as it arrives —
 * Content-Length, chunked (extensions ignored, trailers read and dropped) or, for responses,
 * delimited by the connection's close (`finish`). One parser object per connection; callbacks
 * are the handler's methods, so parsing allocates no closures.
 *
 * Strict where laxness lets two parsers disagree about where a message ends (RFC 9112 §6.3 and
 * Envoy's defaults): CRLF line endings only, no whitespace before a field's colon, no obs-fold,
 * no control characters in names, values or the request-target; a request with both
 * Content-Length and Transfer-Encoding, several differing Content-Lengths, a transfer coding
 * other than a final `chunked`, or Transfer-Encoding in HTTP/1.0 is rejected. A head larger than
 * `maxHeadBytes` (Envoy's max_request_headers_kb, 60 KiB) or with more than `maxHeaders` fields
 * (100) is answered 431. Errors carry the status a server answers with (400, 431, 501, 505); the
 * parser stops at the first one.
 *
 * Pipelining: with `pauseAfterMessage` the parser stops after each complete message, keeping the
 * bytes that follow, until `resume()`; a server thus handles one request at a time, in order.
 * Must not do I/O; the connection owns the socket.
 */
import { knownFieldName } from './field-names.js';

export interface Http1Head {
  /** Requests: the method and request-target as sent. */
  method: string;
  target: string;
  /** Responses: status code and reason phrase. */
  status: number;
  reason: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  /** Field names, lower-cased, in order (duplicates kept). */
  names: string[];
  values: string[];
  /** Whether the connection may carry another message after this one. */
  keepAlive: boolean;
  /** Content-Length, or -1 when absent (chunked, close-delimited or none). */
  contentLength: number;
  chunked: boolean;
  /** The message has a body (a request with a non-zero length or chunked; a response not 1xx/204/304/HEAD). */
  hasBody: boolean;
  /** Requests: `Connection: upgrade` with an `Upgrade` field. */
  upgrade: boolean;
  /** Requests: `Expect: 100-continue`. */
  expectContinue: boolean;
}

export class HttpParseError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface ParserHandler {
  onHead(head: Http1Head): void;
  onBody(chunk: Buffer): void;
  /** The message is complete. */
  onEnd(): void;
  onError(e: HttpParseError): void;
}

export interface ParserLimits {
  maxHeadBytes: number;
  maxHeaders: number;
}

export const DEFAULT_LIMITS: ParserLimits = { maxHeadBytes: 60 * 1024, maxHeaders: 100 };

const enum S { Head, Length, ChunkSize, ChunkData, ChunkDataEnd, Trailers, UntilClose, Done, Error }

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');
const CR = 13;
const LF = 10;
const MAX_CHUNK_LINE = 4096;
/** 2^53 - 1 fits in 14 hex digits; more is refused. */
const MAX_HEX_DIGITS = 13;

/** RFC 9110 tchar. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

function isToken(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || TOKEN[c] === 0) return false;
  }
  return true;
}

/** Field-value characters: visible, SP, HTAB, obs-text; no other control characters. */
function validValue(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f) return false;
  }
  return true;
}

function validTarget(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** Comma-separated tokens of a field value, trimmed and lower-cased. */
function tokens(v: string): string[] {
  const out: string[] = [];
  for (const part of v.split(',')) {
    const t = part.trim().toLowerCase();
    if (t) out.push(t);
  }
  return out;
}

/** The minor version of `HTTP/1.0` or `HTTP/1.1` at `at` in `s`, else -1 (compared char by char). */
function http1Minor(s: string, at: number): number {
  if (s.charCodeAt(at) !== 0x48 || s.charCodeAt(at + 1) !== 0x54 || s.charCodeAt(at + 2) !== 0x54 || s.charCodeAt(at + 3) !== 0x50) return -1;
  if (s.charCodeAt(at + 4) !== 0x2f || s.charCodeAt(at + 5) !== 0x31 || s.charCodeAt(at + 6) !== 0x2e) return -1;
  const m = s.charCodeAt(at + 7) - 0x30;
  return m === 0 || m === 1 ? m : -1;
}

function digitsOnly(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

export class Http1Parser {
  /** Stop after each complete message until resume() (servers: one request at a time). */
  pauseAfterMessage = false;
  /** Responses: the request was HEAD (no body whatever the framing says). */
  noBodyExpected = false;
  /**
   * The caller reuses the buffers it feeds (a socket reading into one fixed buffer): bytes kept
   * for later are copied. Body chunks handed to `onBody` are views the handler must copy itself.
   */
  reusedInput = false;
  /**
   * Each head is the same object, refilled (a response parser whose handler copies what it needs
   * from the head in onHead): no head object and no field arrays per message.
   */
  reuseHead = false;
  private spareHead: Http1Head | undefined;
  private state: S = S.Head;
  private pending: Buffer | undefined;
  private remaining = 0;
  private crlfSeen = 0;
  private paused = false;
  private detached = false;
  private messageOpen = false;
  private resumeEarly = false;
  private headBuf: Buffer | undefined;
  private headStart = 0;
  private headEnd = 0;

  constructor(
    private readonly kind: 'request' | 'response',
    private readonly h: ParserHandler,
    private readonly limits: ParserLimits = DEFAULT_LIMITS,
  ) {}

  /** Whether a message has started and not finished (bytes of it seen). */
  get inMessage(): boolean {
    return (this.state !== S.Head && this.state !== S.Done && this.state !== S.Error) || (this.state === S.Head && this.pending !== undefined && this.pending.length > 0);
  }

  get failed(): boolean {
    return this.state === S.Error;
  }

  /** Bytes received and not parsed yet. */
  get pendingBytes(): number {
    return this.pending === undefined ? 0 : this.pending.length;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes received and not parsed yet (after a pause), detached from the parser. */
  takeRest(): Buffer | undefined {
    const r = this.pending;
    this.pending = undefined;
    return r;
  }

  /**
   * From inside onHead: stop parsing for good; the bytes after the head stay for `takeRest()` and
   * the head's own bytes are `rawHead()` (a connection handed to another HTTP implementation).
   */
  detach(): void {
    this.detached = true;
  }

  /** The bytes of the last head parsed (valid until the next execute). */
  rawHead(): Buffer {
    return this.headBuf ? this.headBuf.subarray(this.headStart, this.headEnd) : Buffer.alloc(0);
  }

  /** Feeds bytes. Callbacks run synchronously; parsing stops at an error or a pause. */
  execute(chunk: Buffer): void {
    if (this.state === S.Error || this.detached) return;
    let buf = chunk;
    if (this.pending !== undefined && this.pending.length > 0) buf = Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    if (this.paused) {
      this.pending = buf === chunk ? this.keep(buf) : buf;
      return;
    }
    this.run(buf, 0);
  }

  /**
   * Continues after a pause with the bytes kept. Called while the current message is still being
   * parsed (its response was written from inside a callback), the pause after it is skipped.
   */
  resume(): void {
    if (!this.paused) {
      if (this.messageOpen) this.resumeEarly = true;
      return;
    }
    this.paused = false;
    if (this.state === S.Done) this.state = S.Head;
    const buf = this.pending;
    this.pending = undefined;
    if (buf !== undefined && buf.length > 0) this.run(buf, 0);
  }

  /** The peer closed its side: ends a close-delimited body, or fails an unfinished message. */
  finish(): void {
    if (this.state === S.UntilClose) {
      this.state = S.Done;
      this.h.onEnd();
      return;
    }
    if (this.inMessage) this.fail(400, 'connection closed before the message was complete');
  }

  /** Responses: forget the message in progress (the connection is being reused no more). */
  reset(): void {
    this.state = S.Head;
    this.pending = undefined;
    this.paused = false;
    this.messageOpen = false;
    this.resumeEarly = false;
  }

  /** `b` as it may be kept past this call. */
  private keep(b: Buffer): Buffer {
    return this.reusedInput ? Buffer.from(b) : b;
  }

  private fail(status: number, msg: string): void {
    this.state = S.Error;
    this.pending = undefined;
    this.h.onError(new HttpParseError(status, msg));
  }

  private run(buf: Buffer, off: number): void {
    const len = buf.length;
    while (off < len || this.state === S.Done) {
      switch (this.state) {
        case S.Head: {
          if (this.kind === 'request') {
            // RFC 9112 §2.2: ignore empty lines before a request-line.
            while (off < len && (buf[off] === CR || buf[off] === LF)) {
              if (buf[off] === CR && off + 1 < len && buf[off + 1] !== LF) return this.fail(400, 'bare CR');
              off++;
            }
            if (off >= len) return;
          }
          const end = buf.indexOf(CRLFCRLF, off);
          if (end < 0) {
            if (len - off > this.limits.maxHeadBytes) return this.fail(431, `header section larger than ${this.limits.maxHeadBytes} bytes`);
            if (buf.indexOf(LFLF, off) >= 0) return this.fail(400, 'header lines must end with CRLF');
            this.pending = this.keep(buf.subarray(off));
            return;
          }
          if (end + 4 - off > this.limits.maxHeadBytes) return this.fail(431, `header section larger than ${this.limits.maxHeadBytes} bytes`);
          const head = this.parseHead(buf.toString('latin1', off, end));
          if (!head) return;
          const start = off;
          off = end + 4;
          if (this.kind === 'response' && head.status >= 100 && head.status < 200 && head.status !== 101) continue; // interim: skip
          this.messageOpen = true;
          this.headBuf = buf;
          this.headStart = start;
          this.headEnd = off;
          this.h.onHead(head);
          this.headBuf = undefined;
          if (this.failed) return;
          if (this.detached) {
            this.headBuf = buf;
            if (off < len) this.pending = this.keep(buf.subarray(off));
            return;
          }
          if (!head.hasBody) this.state = S.Done;
          else if (head.chunked) this.state = S.ChunkSize;
          else if (head.contentLength >= 0) { this.state = S.Length; this.remaining = head.contentLength; }
          else this.state = S.UntilClose;
          break;
        }
        case S.Length:
        case S.ChunkData: {
          // `remaining` bytes of a Content-Length body or of one chunk.
          const n = Math.min(this.remaining, len - off);
          this.remaining -= n;
          const piece = buf.subarray(off, off + n);
          off += n;
          if (this.remaining === 0) {
            if (this.state === S.Length) this.state = S.Done;
            else { this.state = S.ChunkDataEnd; this.crlfSeen = 0; }
          }
          this.h.onBody(piece);
          if (this.failed) return;
          break;
        }
        case S.UntilClose: {
          const piece = off === 0 ? buf : buf.subarray(off);
          off = len;
          this.h.onBody(piece);
          return;
        }
        case S.ChunkSize: {
          const eol = buf.indexOf(LF, off);
          if (eol < 0) {
            if (len - off > MAX_CHUNK_LINE) return this.fail(400, 'chunk size line too long');
            this.pending = this.keep(buf.subarray(off));
            return;
          }
          if (eol - off > MAX_CHUNK_LINE) return this.fail(400, 'chunk size line too long');
          if (eol === off || buf[eol - 1] !== CR) return this.fail(400, 'chunk size line must end with CRLF');
          let size = 0;
          let i = off;
          for (; i < eol - 1; i++) {
            const c = buf[i]!;
            const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
            if (d < 0) break;
            if (i - off >= MAX_HEX_DIGITS) return this.fail(400, 'chunk size too large');
            size = size * 16 + d;
          }
          if (i === off) return this.fail(400, 'invalid chunk size');
          // What may follow the size: optional whitespace, then `;` and extensions.
          for (let j = i; j < eol - 1; j++) {
            const c = buf[j]!;
            if (c === 0x3b) { i = eol; break; }
            if (c !== 0x20 && c !== 9) return this.fail(400, 'invalid chunk size');
          }
          for (let j = off; j < eol - 1; j++) {
            const c = buf[j]!;
            if ((c < 0x20 && c !== 9) || c === 0x7f) return this.fail(400, 'control character in chunk extension');
          }
          off = eol + 1;
          if (size === 0) this.state = S.Trailers;
          else { this.state = S.ChunkData; this.remaining = size; }
          break;
        }
        case S.ChunkDataEnd: {
          const want = this.crlfSeen === 0 ? CR : LF;
          if (buf[off] !== want) return this.fail(400, 'chunk data must be followed by CRLF');
          off++;
          if (++this.crlfSeen === 2) this.state = S.ChunkSize;
          break;
        }
        case S.Trailers: {
          const eol = buf.indexOf(LF, off);
          if (eol < 0) {
            if (len - off > this.limits.maxHeadBytes) return this.fail(431, 'trailers too large');
            this.pending = this.keep(buf.subarray(off));
            return;
          }
          if (eol === off || buf[eol - 1] !== CR) return this.fail(400, 'trailer lines must end with CRLF');
          if (eol === off + 1) { off = eol + 1; this.state = S.Done; break; }
          const line = buf.toString('latin1', off, eol - 1);
          const colon = line.indexOf(':');
          if (colon <= 0 || !isToken(line, 0, colon) || !validValue(line, colon + 1, line.length)) return this.fail(400, 'invalid trailer field');
          off = eol + 1;
          break;
        }
        case S.Done: {
          this.state = S.Head;
          this.messageOpen = false;
          if (this.resumeEarly) this.resumeEarly = false;
          else if (this.pauseAfterMessage) this.paused = true;
          this.h.onEnd();
          if (this.failed) return;
          if (this.paused) {
            if (off < len) this.pending = this.keep(buf.subarray(off));
            return;
          }
          break;
        }
        case S.Error:
          return;
      }
    }
  }

  private parseHead(s: string): Http1Head | undefined {
    const lineEnd = s.indexOf('\r\n');
    const first = lineEnd < 0 ? s.length : lineEnd;
    let head: Http1Head;
    if (this.reuseHead && this.spareHead !== undefined) {
      head = this.spareHead;
      head.method = head.target = head.reason = '';
      head.status = 0;
      head.minor = 1;
      head.keepAlive = true;
      head.contentLength = -1;
      head.chunked = head.hasBody = head.upgrade = head.expectContinue = false;
    } else {
      head = {
        method: '', target: '', status: 0, reason: '', minor: 1, names: [], values: [],
        keepAlive: true, contentLength: -1, chunked: false, hasBody: false, upgrade: false, expectContinue: false,
      };
      if (this.reuseHead) this.spareHead = head;
    }
    let versionAt: number;
    let versionEnd = first;
    if (this.kind === 'request') {
      const sp1 = s.indexOf(' ');
      const sp2 = sp1 < 0 ? -1 : s.indexOf(' ', sp1 + 1);
      if (sp1 <= 0 || sp2 < 0 || sp2 > first) return void this.fail(400, 'malformed request line');
      if (!isToken(s, 0, sp1)) return void this.fail(400, 'invalid method');
      if (!validTarget(s, sp1 + 1, sp2)) return void this.fail(400, 'invalid request-target');
      head.method = s.slice(0, sp1);
      head.target = s.slice(sp1 + 1, sp2);
      versionAt = sp2 + 1;
    } else {
      const sp1 = s.indexOf(' ');
      if (sp1 <= 0 || sp1 > first) return void this.fail(400, 'malformed status line');
      versionAt = 0;
      versionEnd = sp1;
      const d0 = s.charCodeAt(sp1 + 1) - 0x30;
      const d1 = s.charCodeAt(sp1 + 2) - 0x30;
      const d2 = s.charCodeAt(sp1 + 3) - 0x30;
      const digits = d0 >= 1 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9 && sp1 + 4 <= first;
      if (!digits || (sp1 + 4 < first && s.charCodeAt(sp1 + 4) !== 32)) return void this.fail(400, 'malformed status line');
      head.status = d0 * 100 + d1 * 10 + d2;
      head.reason = sp1 + 5 < first ? s.slice(sp1 + 5, first) : '';
      if (!validValue(head.reason, 0, head.reason.length)) return void this.fail(400, 'invalid reason phrase');
    }
    // The version compared in place: no string cut for the usual HTTP/1.1 and HTTP/1.0.
    const minor = versionEnd - versionAt === 8 ? http1Minor(s, versionAt) : -1;
    if (minor >= 0) head.minor = minor;
    else {
      const version = s.slice(versionAt, versionEnd);
      if (/^HTTP\/\d\.\d$/.test(version)) return void this.fail(505, `unsupported HTTP version ${version}`);
      return void this.fail(400, 'malformed HTTP version');
    }

    let te: string | undefined;
    let cl: string | undefined;
    let connection: string | undefined;
    let hasUpgrade = false;
    let p = lineEnd < 0 ? s.length : lineEnd + 2;
    let count = 0;
    while (p < s.length) {
      let e = s.indexOf('\r\n', p);
      if (e < 0) e = s.length;
      const c0 = s.charCodeAt(p);
      if (c0 === 32 || c0 === 9) return void this.fail(400, 'obsolete line folding is not accepted');
      const colon = s.indexOf(':', p);
      if (colon < 0 || colon > e) return void this.fail(400, 'header line without a colon');
      if (!isToken(s, p, colon)) return void this.fail(400, 'invalid header name');
      let vs = colon + 1;
      let ve = e;
      while (vs < ve && (s.charCodeAt(vs) === 32 || s.charCodeAt(vs) === 9)) vs++;
      while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
      if (!validValue(s, vs, ve)) return void this.fail(400, 'invalid character in a header value');
      if (++count > this.limits.maxHeaders) return void this.fail(431, `more than ${this.limits.maxHeaders} header fields`);
      const name = knownFieldName(s, p, colon) ?? s.slice(p, colon).toLowerCase();
      const value = s.slice(vs, ve);
      // By index: a refilled head overwrites its arrays (their length is set once, below, if it changed).
      head.names[count - 1] = name;
      head.values[count - 1] = value;
      switch (name) {
        case 'content-length':
          // Repeated fields, and the members of a list, must all agree.
          if (value.indexOf(',') < 0) {
            if (cl === undefined) cl = value;
            else if (cl !== value) return void this.fail(400, 'conflicting Content-Length values');
          } else {
            for (const t of tokens(value)) {
              if (cl === undefined) cl = t;
              else if (cl !== t) return void this.fail(400, 'conflicting Content-Length values');
            }
          }
          if (cl === undefined) return void this.fail(400, 'invalid Content-Length');
          break;
        case 'transfer-encoding':
          te = te === undefined ? value : `${te},${value}`;
          break;
        case 'connection':
          connection = connection === undefined ? value : `${connection},${value}`;
          break;
        case 'upgrade':
          hasUpgrade = true;
          break;
        case 'expect':
          if (value.toLowerCase() === '100-continue') head.expectContinue = true;
          break;
      }
      p = e + 2;
    }
    if (head.names.length !== count) {
      head.names.length = count;
      head.values.length = count;
    }

    if (connection === undefined) {
      head.keepAlive = head.minor === 1;
    } else {
      // `keep-alive` / `close` alone are the usual values: no list to split.
      const lc = connection.length <= 10 ? connection.toLowerCase() : '';
      const conn = lc === 'keep-alive' || lc === 'close' ? [lc] : tokens(connection);
      head.keepAlive = head.minor === 1 ? !conn.includes('close') : conn.includes('keep-alive');
      head.upgrade = hasUpgrade && conn.includes('upgrade');
    }
    if (te !== undefined) {
      if (cl !== undefined) return void this.fail(400, 'both Content-Length and Transfer-Encoding');
      if (head.minor === 0 && this.kind === 'request') return void this.fail(400, 'Transfer-Encoding in an HTTP/1.0 request');
      const codings = tokens(te);
      if (codings.at(-1) !== 'chunked') {
        if (this.kind === 'request') return void this.fail(400, 'the final transfer coding must be chunked');
        head.keepAlive = false; // a response read until the connection closes
      } else if (codings.length > 1) {
        return void this.fail(501, `unsupported transfer coding ${codings.slice(0, -1).join(', ')}`);
      } else head.chunked = true;
    } else if (cl !== undefined) {
      const v = cl;
      if (!digitsOnly(v) || Number(v) > Number.MAX_SAFE_INTEGER) return void this.fail(400, 'invalid Content-Length');
      head.contentLength = Number(v);
    }
    if (this.kind === 'request') {
      head.hasBody = head.chunked || head.contentLength > 0;
    } else {
      const st = head.status;
      const bodiless = this.noBodyExpected || st === 204 || st === 304 || (st >= 100 && st < 200);
      head.hasBody = !bodiless && (head.chunked || head.contentLength !== 0);
      if (head.hasBody && !head.chunked && head.contentLength < 0) head.keepAlive = false;
    }
    return head;
  }
}
