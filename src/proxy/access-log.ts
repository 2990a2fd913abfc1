/**
 * Access logging with Envoy's format strings. Two built-in formats: Envoy's default
 *   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 *   %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 *   "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
 * and Istio's (mesh default since 1.8, Trellis's default), which adds response code details,
 * connection termination details, the upstream transport failure reason, and after the upstream
 * host the upstream cluster, upstream local address, downstream local and remote addresses, the
 * requested server name (SNI) and the route name. Unset values print `-`, as Envoy does;
 * START_TIME is UTC with milliseconds (`2024-05-01T12:00:00.123Z`).
 *
 * A format is compiled once into a list of field readers; logging one request is a single pass
 * of string concatenation and one stream write (or, coalescing, one write per event-loop turn for
 * all its lines). Custom format strings may use the operators
 * listed in OPERATORS; anything else is rejected when compiled. No clock: the caller supplies
 * the start time and duration.
 */
/** What the data path knows about one finished request (or TCP connection). */
export interface AccessLogEntry {
  /** Request (or connection) start, ms since the epoch. */
  startTime: number;
  method?: string;
  path?: string;
  /** x-envoy-original-path, when a rewrite changed the path. */
  originalPath?: string;
  /** `HTTP/1.1`, `HTTP/2`; absent for TCP. */
  protocol?: string;
  /** 0 when no response was sent; absent for TCP. */
  responseCode?: number;
  /** Envoy response flags (`UO`, `NR,URX`), absent or empty when none. */
  responseFlags?: string;
  responseCodeDetails?: string;
  connectionTerminationDetails?: string;
  upstreamTransportFailureReason?: string;
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  /** x-envoy-upstream-service-time of the response, ms. */
  upstreamServiceTimeMs?: number;
  xForwardedFor?: string;
  userAgent?: string;
  requestId?: string;
  authority?: string;
  upstreamHost?: string;
  upstreamCluster?: string;
  upstreamLocalAddress?: string;
  downstreamLocalAddress?: string;
  downstreamRemoteAddress?: string;
  requestedServerName?: string;
  routeName?: string;
}

export const ENVOY_DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" ' +
  '"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

export const ISTIO_DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ' +
  '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" ' +
  '"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% ' +
  '%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

type Reader = (e: AccessLogEntry) => string;

const dash = (v: string | number | undefined): string => (v === undefined || v === '' ? '-' : String(v));

/** The supported command operators and what they read. */
export const OPERATORS: Readonly<Record<string, Reader>> = {
  START_TIME: (e) => new Date(e.startTime).toISOString(),
  'REQ(:METHOD)': (e) => dash(e.method),
  'REQ(:PATH)': (e) => dash(e.path),
  'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': (e) => dash(e.originalPath || e.path),
  PROTOCOL: (e) => dash(e.protocol),
  RESPONSE_CODE: (e) => (e.responseCode === undefined ? '-' : String(e.responseCode)),
  RESPONSE_FLAGS: (e) => dash(e.responseFlags),
  RESPONSE_CODE_DETAILS: (e) => dash(e.responseCodeDetails),
  CONNECTION_TERMINATION_DETAILS: (e) => dash(e.connectionTerminationDetails),
  UPSTREAM_TRANSPORT_FAILURE_REASON: (e) => dash(e.upstreamTransportFailureReason),
  BYTES_RECEIVED: (e) => String(e.bytesReceived),
  BYTES_SENT: (e) => String(e.bytesSent),
  DURATION: (e) => String(Math.round(e.durationMs)),
  'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)': (e) => dash(e.upstreamServiceTimeMs === undefined ? undefined : Math.round(e.upstreamServiceTimeMs)),
  'REQ(X-FORWARDED-FOR)': (e) => dash(e.xForwardedFor),
  'REQ(USER-AGENT)': (e) => dash(e.userAgent),
  'REQ(X-REQUEST-ID)': (e) => dash(e.requestId),
  'REQ(:AUTHORITY)': (e) => dash(e.authority),
  UPSTREAM_HOST: (e) => dash(e.upstreamHost),
  UPSTREAM_CLUSTER: (e) => dash(e.upstreamCluster),
  UPSTREAM_LOCAL_ADDRESS: (e) => dash(e.upstreamLocalAddress),
  DOWNSTREAM_LOCAL_ADDRESS: (e) => dash(e.downstreamLocalAddress),
  DOWNSTREAM_REMOTE_ADDRESS: (e) => dash(e.downstreamRemoteAddress),
  REQUESTED_SERVER_NAME: (e) => dash(e.requestedServerName),
  ROUTE_NAME: (e) => dash(e.routeName),
};

/** Compiles a format string; throws naming the first operator it does not know. */
export function compileFormat(format: string): (e: AccessLogEntry) => string {
  const parts: (string | Reader)[] = [];
  const re = /%([A-Z_]+(?:\([^)]*\))?(?::\d+)?)%/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    if (m.index > last) parts.push(format.slice(last, m.index));
    const op = m[1]!;
    const reader = OPERATORS[op] ?? OPERATORS[op.replace(/\((?:[^)]*)\)/, (x) => x.toUpperCase())];
    if (!reader) throw new Error(`access log format: unsupported command operator %${op}%`);
    parts.push(reader);
    last = m.index + m[0].length;
  }
  if (last < format.length) parts.push(format.slice(last));
  return (e) => {
    let s = '';
    for (const p of parts) s += typeof p === 'string' ? p : p(e);
    return s;
  };
}

export interface AccessLogOptions {
  /** Where lines go (the proxy: process.stdout). */
  stream: { write(line: string): unknown };
  /** `istio` (default), `envoy`, or a format string. */
  format?: 'istio' | 'envoy' | string;
  /** Default true; false makes `log` a no-op (`--no-access-log`). */
  enabled?: boolean;
  /**
   * Write the lines of one event-loop turn together, in order, with one write (under load, one
   * write for many requests instead of one each; Envoy buffers its access log too). Off: one write
   * per line, at once.
   */
  coalesce?: boolean;
}

export class AccessLogger {
  readonly enabled: boolean;
  private readonly render: (e: AccessLogEntry) => string;

  constructor(private readonly o: AccessLogOptions) {
    this.enabled = o.enabled !== false;
    const f = o.format ?? 'istio';
    this.render = compileFormat(f === 'istio' ? ISTIO_DEFAULT_FORMAT : f === 'envoy' ? ENVOY_DEFAULT_FORMAT : f);
  }

  format(e: AccessLogEntry): string {
    return this.render(e);
  }

  private pending = '';
  private scheduled = false;

  log(e: AccessLogEntry): void {
    if (!this.enabled) return;
    if (this.o.coalesce) {
      this.pending += this.render(e);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
      return;
    }
    this.write(this.render(e));
  }

  /** Writes what coalescing holds. */
  flush(): void {
    this.scheduled = false;
    const text = this.pending;
    this.pending = '';
    if (text) this.write(text);
  }

  private write(text: string): void {
    try {
      this.o.stream.write(text);
    } catch {
      /* a broken log stream must not fail requests */
    }
  }
}
