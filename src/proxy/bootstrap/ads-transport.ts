/**
 * One bidirectional gRPC call over node:http2 (plaintext, "h2c"), for the proxy's ADS stream:
 * `POST /envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources` with
 * content-type application/grpc and te: trailers, length-prefixed messages both ways
 * (grpc-frames.ts), the status from the trailers or from a trailers-only response. It replaces
 * @grpc/grpc-js in the proxy process (13 MB of RSS for one call).
 *
 * Every way a call can end becomes exactly one `onEnd({code, message})`, with google.rpc.Code
 * values as grpc-js reports them: the server's grpc-status; a non-200 HTTP status (mapped as the
 * gRPC spec maps it); RST_STREAM (CANCEL → CANCELLED, REFUSED_STREAM → UNAVAILABLE, others
 * INTERNAL); GOAWAY, connection loss, connect refused or timed out, an unanswered keepalive
 * ping → UNAVAILABLE; a compressed or oversized message → INTERNAL / RESOURCE_EXHAUSTED.
 * `cancel()` ends the call quietly (no onEnd). Keepalive pings every 30 s, 10 s to answer, as the
 * grpc-js channel options did; flow-control windows of 64 MiB and a 256 MiB receive limit,
 * because the control plane's pushes can be megabytes. Timers are unref'd. Knows nothing of xDS
 * beyond the default path.
 */
import * as http2 from 'node:http2';
import { FrameError, FrameReader, frame } from './grpc-frames.js';

export const ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

/** google.rpc.Code values this module produces. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  RESOURCE_EXHAUSTED: 8,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface GrpcStatus {
  code: number;
  message: string;
}

export interface GrpcCallOptions {
  /** Method path; default ADS_PATH. */
  path?: string;
  /** Interval of HTTP/2 keepalive pings (default 30 s). */
  keepaliveMs?: number;
  /** How long a ping may go unanswered before the connection is declared dead (default 10 s). */
  keepaliveTimeoutMs?: number;
  /** How long connecting may take (default 20 s, grpc-js's minimum connect timeout). */
  connectTimeoutMs?: number;
  /** Largest message accepted (default 256 MiB). */
  maxMessageBytes?: number;
  /** Stream and connection flow-control windows (default 64 MiB). */
  windowBytes?: number;
  /** Transport diagnostics (GOAWAY, keepalive), for `trellis proxy --verbose`. */
  log?: (line: string) => void;
}

export interface GrpcCallHandlers {
  onMessage(message: Buffer): void;
  onEnd(status: GrpcStatus): void;
}

export interface GrpcCall {
  /** Sends one message (dropped once the call ended). */
  write(message: Uint8Array): void;
  /** Ends the call and its connection without calling onEnd. */
  cancel(): void;
  readonly ended: boolean;
}

export const DEFAULT_KEEPALIVE_MS = 30_000;
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
export const DEFAULT_WINDOW_BYTES = 64 * 1024 * 1024;

/** The gRPC spec's HTTP → gRPC status mapping, for responses that are not gRPC. */
function codeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.INTERNAL;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.UNKNOWN;
  }
}

function codeForRst(rst: number): number {
  const c = http2.constants;
  if (rst === c.NGHTTP2_CANCEL) return GrpcCode.CANCELLED;
  if (rst === c.NGHTTP2_REFUSED_STREAM) return GrpcCode.UNAVAILABLE;
  if (rst === c.NGHTTP2_ENHANCE_YOUR_CALM) return GrpcCode.RESOURCE_EXHAUSTED;
  if (rst === c.NGHTTP2_INADEQUATE_SECURITY) return GrpcCode.PERMISSION_DENIED;
  return GrpcCode.INTERNAL;
}

function header(h: http2.IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** grpc-status and grpc-message of a trailers block (or trailers-only headers). */
function statusOf(h: http2.IncomingHttpHeaders): GrpcStatus {
  const raw = header(h, 'grpc-status');
  const code = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
  let message = header(h, 'grpc-message') ?? '';
  try {
    message = decodeURIComponent(message);
  } catch {
    /* not percent-encoded as the spec asks: keep it as it came */
  }
  if (code === undefined) return { code: GrpcCode.UNKNOWN, message: raw === undefined ? 'the server sent no grpc-status' : `the server sent an invalid grpc-status ${JSON.stringify(raw)}` };
  return { code, message };
}

/** Opens the call to `address` (`HOST:PORT`) and starts connecting. */
export function openGrpcCall(address: string, handlers: GrpcCallHandlers, options: GrpcCallOptions = {}): GrpcCall {
  const log = options.log ?? (() => {});
  const window = options.windowBytes ?? DEFAULT_WINDOW_BYTES;
  const frames = new FrameReader(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  let ended = false;
  let trailers: GrpcStatus | undefined;
  let goaway: number | undefined;
  let connectTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let pingDeadline: NodeJS.Timeout | undefined;

  let session: http2.ClientHttp2Session;
  let stream: http2.ClientHttp2Stream;
  try {
    session = http2.connect(`http://${address}`, {
      settings: { enablePush: false, initialWindowSize: Math.min(window, 2 ** 31 - 1) },
      maxSessionMemory: 64,
    });
    stream = session.request(
      {
        [http2.constants.HTTP2_HEADER_METHOD]: 'POST',
        [http2.constants.HTTP2_HEADER_PATH]: options.path ?? ADS_PATH,
        [http2.constants.HTTP2_HEADER_AUTHORITY]: address,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-accept-encoding': 'identity',
        'user-agent': 'trellis-proxy',
      },
      { endStream: false },
    );
  } catch (e) {
    // An address node:http2 cannot even parse: end the call as any failed connect ends.
    const status = { code: GrpcCode.UNAVAILABLE, message: `cannot connect to ${JSON.stringify(address)}: ${(e as Error).message}` };
    const dead = { ended: false, write: () => {}, cancel: () => void (dead.ended = true) };
    setImmediate(() => {
      if (dead.ended) return;
      dead.ended = true;
      handlers.onEnd(status);
    });
    return dead;
  }

  function finish(status: GrpcStatus, quiet = false): void {
    if (ended) return;
    ended = true;
    clearTimeout(connectTimer);
    clearTimeout(pingTimer);
    clearTimeout(pingDeadline);
    if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
    if (!session.destroyed) session.destroy();
    if (!quiet) handlers.onEnd(status);
  }

  function after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  }

  const connectMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  connectTimer = after(connectMs, () => finish({ code: GrpcCode.UNAVAILABLE, message: `connecting to ${address} timed out after ${connectMs} ms` }));

  session.on('connect', () => {
    clearTimeout(connectTimer);
    try {
      session.setLocalWindowSize(window);
    } catch {
      /* the session is already going away */
    }
    keepalive();
  });

  /** The next ping in `keepaliveMs`; the connection is dead if its ACK takes over `keepaliveTimeoutMs`. */
  function keepalive(): void {
    const interval = options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
    const timeout = options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS;
    pingTimer = after(interval, () => {
      if (ended) return;
      pingDeadline = after(timeout, () => {
        log(`keepalive ping to ${address} not answered within ${timeout} ms`);
        finish({ code: GrpcCode.UNAVAILABLE, message: `keepalive ping not answered within ${timeout} ms` });
      });
      const sent = session.ping((err) => {
        clearTimeout(pingDeadline);
        if (!err) keepalive();
      });
      if (!sent) {
        clearTimeout(pingDeadline);
        keepalive(); // too many pings in flight: try again next interval
      }
    });
  }

  session.on('error', (err: Error) => finish({ code: GrpcCode.UNAVAILABLE, message: err.message }));
  session.on('goaway', (code: number, lastStreamId: number) => {
    goaway = code;
    log(`GOAWAY from ${address} (code ${code}, last stream ${lastStreamId})`);
  });
  session.on('close', () =>
    finish(trailers ?? { code: GrpcCode.UNAVAILABLE, message: goaway !== undefined ? `connection closed after GOAWAY (code ${goaway})` : 'connection closed' }),
  );

  stream.on('response', (headers) => {
    const status = Number(headers[http2.constants.HTTP2_HEADER_STATUS]);
    if (status !== 200) {
      finish({ code: codeForHttpStatus(status), message: `the server answered HTTP ${status}, not a gRPC response` });
      return;
    }
    if (header(headers, 'grpc-status') !== undefined) {
      trailers = statusOf(headers); // trailers-only: the call ends without messages
      return;
    }
    const type = header(headers, 'content-type') ?? '';
    if (!type.startsWith('application/grpc')) finish({ code: GrpcCode.UNKNOWN, message: `the server answered with content-type ${JSON.stringify(type)}, not application/grpc` });
  });
  stream.on('data', (chunk: Buffer) => {
    if (ended) return;
    let messages: Buffer[];
    try {
      messages = frames.push(chunk);
    } catch (e) {
      finish(e instanceof FrameError ? { code: e.code, message: e.message } : { code: GrpcCode.INTERNAL, message: String(e) });
      return;
    }
    for (const m of messages) {
      if (ended) return;
      try {
        handlers.onMessage(m);
      } catch (e) {
        // A handler's bug must not escape into node:http2's event loop and end the process.
        finish({ code: GrpcCode.INTERNAL, message: `handling a message failed: ${(e as Error).message}` });
      }
    }
  });
  stream.on('trailers', (headers) => {
    trailers = statusOf(headers);
  });
  stream.on('error', () => {
    /* 'close' reports it, with the RST code */
  });
  // The server is done once its side ends (trailers received; our side may still be open: the
  // call is over all the same). A stream closes before its session reports why (connect
  // refused, connection reset): give the session's own events a turn, so the status names the
  // real cause.
  stream.on('end', () => setImmediate(streamClosed));
  stream.on('close', () => setImmediate(streamClosed));
  function streamClosed(): void {
    if (ended) return;
    if (trailers) {
      const cut = frames.pending > 0 && trailers.code === GrpcCode.OK;
      finish(cut ? { code: GrpcCode.INTERNAL, message: `the stream ended inside a message (${frames.pending} bytes of it received)` } : trailers);
      return;
    }
    const rst = stream.rstCode ?? http2.constants.NGHTTP2_NO_ERROR;
    if (goaway !== undefined) finish({ code: GrpcCode.UNAVAILABLE, message: `stream closed after GOAWAY (code ${goaway})` });
    else if (rst !== http2.constants.NGHTTP2_NO_ERROR) finish({ code: codeForRst(rst), message: `stream reset by the server (RST_STREAM code ${rst})` });
    else finish({ code: GrpcCode.INTERNAL, message: 'the stream ended without a grpc-status' });
  }

  return {
    write(message: Uint8Array): void {
      if (ended) return;
      stream.write(frame(message));
    },
    cancel(): void {
      finish({ code: GrpcCode.CANCELLED, message: 'cancelled' }, true);
    },
    get ended() {
      return ended;
    },
  };
}
