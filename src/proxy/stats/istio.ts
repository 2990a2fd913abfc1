/**
 * Istio's standard metrics, as its telemetry extension exports them from every proxy:
 * `istio_requests_total`, `istio_request_duration_milliseconds`, `istio_request_bytes`,
 * `istio_response_bytes` (HTTP, HTTP/2, gRPC) and `istio_tcp_sent_bytes_total`,
 * `istio_tcp_received_bytes_total`, `istio_tcp_connections_opened_total`,
 * `istio_tcp_connections_closed_total` (TCP), with Istio's labels in Istio's order.
 *
 * Hot-path contract: the data path interns each peer once (`peer(...)`, e.g. the local workload
 * at start and each destination when a snapshot's clusters are built) and passes those handles to
 * `recordRequest` / `recordTcp*`. A series is found by one Map lookup on a short key made of the
 * handles' ids and the per-request values (code, flags, protocol, gRPC status, security policy);
 * its label text is escaped and joined once, when the series is first seen. No I/O, no clock.
 */
import { DEFAULT_BUCKETS, Histogram, type PromId } from './store.js';

/** One side of a request (Istio's source_* or destination_* labels). */
export interface PeerLabels {
  workload?: string;
  namespace?: string;
  /** `spiffe://cluster.local/ns/NS/sa/SA`, or `unknown`. */
  principal?: string;
  app?: string;
  version?: string;
  /** CLUSTER_ID, `Kubernetes` by default. */
  cluster?: string;
  canonicalService?: string;
  canonicalRevision?: string;
  /** Destination only: the service FQDN, its short name and namespace. */
  service?: string;
  serviceName?: string;
  serviceNamespace?: string;
}

/** An interned peer: pass it back to the record calls. */
export interface Peer {
  readonly id: number;
  readonly labels: Readonly<PeerLabels>;
}

export type Reporter = 'source' | 'destination';
export type SecurityPolicy = 'mutual_tls' | 'none' | 'unknown';

export interface RequestReport {
  reporter: Reporter;
  source: Peer;
  destination: Peer;
  /** `http`, `grpc` (lower case, as Istio). Default `http`. */
  protocol?: string;
  /** HTTP status; 0 when no response was sent. */
  code: number;
  /** Envoy response flags (`UO`, `NR`, `UH,UF`…), `-` when none. */
  flags?: string;
  /** gRPC status code as text, empty for non-gRPC. */
  grpcStatus?: string;
  security?: SecurityPolicy;
  durationMs: number;
  reqBytes: number;
  respBytes: number;
}

export interface TcpReport {
  reporter: Reporter;
  source: Peer;
  destination: Peer;
  flags?: string;
  security?: SecurityPolicy;
}

/** Istio's byte-size buckets for request/response sizes (powers of ten, 1 B to 1 GB). */
export const BYTE_BUCKETS: readonly number[] = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

export const ISTIO_FAMILIES = {
  requests: 'istio_requests_total',
  duration: 'istio_request_duration_milliseconds',
  requestBytes: 'istio_request_bytes',
  responseBytes: 'istio_response_bytes',
  tcpSent: 'istio_tcp_sent_bytes_total',
  tcpReceived: 'istio_tcp_received_bytes_total',
  tcpOpened: 'istio_tcp_connections_opened_total',
  tcpClosed: 'istio_tcp_connections_closed_total',
} as const;

export interface HttpSeries {
  readonly labels: readonly (readonly [string, string])[];
  requests: number;
  readonly duration: Histogram;
  readonly requestBytes: Histogram;
  readonly responseBytes: Histogram;
}

export interface TcpSeries {
  readonly labels: readonly (readonly [string, string])[];
  sent: number;
  received: number;
  opened: number;
  closed: number;
}

const UNKNOWN = 'unknown';

function sourcePairs(p: PeerLabels): [string, string][] {
  return [
    ['source_workload', p.workload || UNKNOWN],
    ['source_workload_namespace', p.namespace || UNKNOWN],
    ['source_principal', p.principal || UNKNOWN],
    ['source_app', p.app || UNKNOWN],
    ['source_version', p.version || UNKNOWN],
    ['source_cluster', p.cluster || UNKNOWN],
  ];
}

function destinationPairs(p: PeerLabels): [string, string][] {
  return [
    ['destination_workload', p.workload || UNKNOWN],
    ['destination_workload_namespace', p.namespace || UNKNOWN],
    ['destination_principal', p.principal || UNKNOWN],
    ['destination_app', p.app || UNKNOWN],
    ['destination_version', p.version || UNKNOWN],
    ['destination_service', p.service || UNKNOWN],
    ['destination_service_name', p.serviceName || UNKNOWN],
    ['destination_service_namespace', p.serviceNamespace || UNKNOWN],
    ['destination_cluster', p.cluster || UNKNOWN],
  ];
}

function canonicalPairs(src: PeerLabels, dst: PeerLabels): [string, string][] {
  return [
    ['source_canonical_service', src.canonicalService || src.app || src.workload || UNKNOWN],
    ['destination_canonical_service', dst.canonicalService || dst.app || dst.workload || UNKNOWN],
    ['source_canonical_revision', src.canonicalRevision || src.version || 'latest'],
    ['destination_canonical_revision', dst.canonicalRevision || dst.version || 'latest'],
  ];
}

const PEER_KEYS: readonly (keyof PeerLabels)[] = ['workload', 'namespace', 'principal', 'app', 'version', 'cluster', 'canonicalService', 'canonicalRevision', 'service', 'serviceName', 'serviceNamespace'];

export class IstioMetrics {
  private readonly peers = new Map<string, Peer>();
  private readonly http = new Map<string, HttpSeries>();
  /**
   * The same series as `http` for plain HTTP requests, by destination peer id, then by a small
   * integer made of the source id, the code and the reporter (no string built, no boxed number).
   */
  private readonly plainByDest: (Map<number, HttpSeries> | undefined)[] = [];
  private readonly tcp = new Map<string, TcpSeries>();

  constructor(
    private readonly durationBuckets: readonly number[] = DEFAULT_BUCKETS,
    private readonly byteBuckets: readonly number[] = BYTE_BUCKETS,
  ) {}

  /** The interned handle for these labels (the same object for equal labels). */
  peer(labels: PeerLabels): Peer {
    const key = PEER_KEYS.map((k) => labels[k] ?? '').join('\u0000');
    let p = this.peers.get(key);
    if (!p) this.peers.set(key, (p = Object.freeze({ id: this.peers.size + 1, labels: Object.freeze({ ...labels }) })));
    return p;
  }

  recordRequest(r: RequestReport): void {
    const protocol = r.protocol ?? 'http';
    const flags = r.flags || '-';
    const grpc = r.grpcStatus ?? '';
    const sec = r.security ?? 'unknown';
    // The usual request (plain HTTP, no flags, no gRPC status) is found by a number, not a joined string.
    const plain = protocol === 'http' && flags === '-' && grpc === '' && sec === 'unknown' && r.code >= 0 && r.code < 1000 && r.source.id < 1 << 19;
    let s: HttpSeries | undefined;
    if (plain) {
      const k = (r.source.id * 1000 + r.code) * 2 + (r.reporter === 'source' ? 0 : 1);
      let m = this.plainByDest[r.destination.id];
      if (m === undefined) this.plainByDest[r.destination.id] = m = new Map();
      s = m.get(k);
      if (s === undefined) m.set(k, (s = this.series(r, protocol, flags, grpc, sec)));
    } else s = this.series(r, protocol, flags, grpc, sec);
    s.requests++;
    s.duration.record(r.durationMs);
    s.requestBytes.record(r.reqBytes);
    s.responseBytes.record(r.respBytes);
  }

  private series(r: RequestReport, protocol: string, flags: string, grpc: string, sec: string): HttpSeries {
    const key = `${r.reporter}|${r.source.id}|${r.destination.id}|${protocol}|${r.code}|${flags}|${grpc}|${sec}`;
    let s = this.http.get(key);
    if (!s) {
      const labels = [
        ['response_code', String(r.code)],
        ['reporter', r.reporter],
        ...sourcePairs(r.source.labels),
        ...destinationPairs(r.destination.labels),
        ['request_protocol', protocol],
        ['response_flags', flags],
        ['grpc_response_status', grpc],
        ['connection_security_policy', sec],
        ...canonicalPairs(r.source.labels, r.destination.labels),
      ] as [string, string][];
      const id: PromId = { family: '', labels };
      s = {
        labels,
        requests: 0,
        duration: new Histogram(ISTIO_FAMILIES.duration, id, this.durationBuckets),
        requestBytes: new Histogram(ISTIO_FAMILIES.requestBytes, id, this.byteBuckets),
        responseBytes: new Histogram(ISTIO_FAMILIES.responseBytes, id, this.byteBuckets),
      };
      this.http.set(key, s);
    }
    return s;
  }

  private tcpSeries(r: TcpReport): TcpSeries {
    const flags = r.flags || '-';
    const sec = r.security ?? 'unknown';
    const key = `${r.reporter}|${r.source.id}|${r.destination.id}|${flags}|${sec}`;
    let s = this.tcp.get(key);
    if (!s) {
      const labels = [
        ['reporter', r.reporter],
        ...sourcePairs(r.source.labels),
        ...destinationPairs(r.destination.labels),
        ['request_protocol', 'tcp'],
        ['response_flags', flags],
        ['connection_security_policy', sec],
        ...canonicalPairs(r.source.labels, r.destination.labels),
      ] as [string, string][];
      this.tcp.set(key, (s = { labels, sent: 0, received: 0, opened: 0, closed: 0 }));
    }
    return s;
  }

  /** A TCP connection was opened; returns the series to add bytes to and close. */
  tcpOpened(r: TcpReport): TcpSeries {
    const s = this.tcpSeries(r);
    s.opened++;
    return s;
  }

  /** A TCP connection closed having sent/received these bytes (downstream view). */
  tcpClosed(r: TcpReport, sentBytes: number, receivedBytes: number): void {
    const s = this.tcpSeries(r);
    s.closed++;
    s.sent += sentBytes;
    s.received += receivedBytes;
  }

  httpSeries(): readonly HttpSeries[] {
    return [...this.http.values()];
  }

  tcpSeriesAll(): readonly TcpSeries[] {
    return [...this.tcp.values()];
  }
}
