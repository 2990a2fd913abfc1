/**
 * The proxy's ADS client (state of the world, one plaintext gRPC call over node:http2 to
 * `--xds ADDR`: ads-transport.ts; no grpc-js and no protobufjs in the proxy process: requests
 * and envelopes are hand-encoded, resources decoded with the built wire schema, wire.ts).
 *
 * Per stream: the first request carries the node; CDS is requested (wildcard) first, LDS
 * (wildcard) once the first CDS response was handled (or at once when a CDS version is already
 * held, i.e. on a reconnect); EDS for the EDS clusters accepted and RDS for the route names the
 * accepted listeners use, re-requested whenever those sets change (every ACK also carries the
 * current names, so a change that crossed a push is not lost). Every response is ACKed
 * (version_info = the version now held, response_nonce) or NACKed (the version still held,
 * error_detail {code 3 INVALID_ARGUMENT, message}); a NACKed response changes nothing.
 *
 * Snapshots and warming: accepted responses build a *staged* RuntimeSnapshot; it becomes the
 * *active* one (`current()`) as soon as it is warm (every EDS cluster has its assignment, every
 * RDS name its route configuration), so a CDS update whose new clusters await EDS, or an LDS
 * update whose new listeners await RDS, is swapped in together with what it waits for. If it is
 * still cold after `initialFetchTimeoutMs` (Envoy's initial_fetch_timeout, 15 s), the latest
 * staged snapshot is swapped in anyway (missing clusters have no endpoints, missing routes
 * answer 404), as Envoy does when warming times out. Swaps replace the whole object; readers
 * keep the one they took.
 *
 * Disconnects: the active snapshot stays; the client reconnects on a fresh connection after a
 * jittered exponential backoff (clock.ts; reset once a stream delivers a response) and re-sends
 * its subscriptions with the versions it holds and an empty nonce, so the server answers
 * consistently. A response that does not decode as a DiscoveryResponse ends the stream (INTERNAL)
 * and reconnects like any other ending. The first connection waits for the wire schema to load
 * (a file read in a built install). Events (`onEvent`) feed logs and stats. Must not import the
 * control plane.
 */
import { TypeUrl, type ResourceTypeUrl } from '../../api/envoy/common.js';
import type { DiscoveryRequest, Node } from '../../api/xds/discovery.js';
import { loadWireDecoder, type WireDecoder } from '../../api/xds/wire-decode.js';
import { GrpcCode, openGrpcCall, type GrpcCall, type GrpcCallOptions } from './ads-transport.js';
import { Backoff, systemClock, type BackoffOptions, type Clock, type Random, type TimerHandle } from './clock.js';
import { RuntimeSnapshot } from './runtime.js';
import { decodeEnvelope, decodeResources, encodeRequest, type RawDiscoveryResponse } from './wire.js';

/** google.rpc.Code INVALID_ARGUMENT, what Envoy puts in a NACK. */
export const NACK_CODE = 3;
export const DEFAULT_INITIAL_FETCH_TIMEOUT_MS = 15_000;

/** Subscription order on a stream (the xDS spec's CDS → EDS → LDS → RDS). */
export const SUBSCRIBE_ORDER: readonly ResourceTypeUrl[] = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration];

export type XdsClientEvent =
  /** A stream delivered its first response. `attempt` counts connection attempts since start. */
  | { type: 'connected'; address: string; attempt: number }
  /** A stream ended (or never came up); the next attempt is in `retryInMs`. */
  | { type: 'disconnected'; address: string; code: number; message: string; wasConnected: boolean; retryInMs: number }
  | { type: 'applied'; typeUrl: string; version: string; resources: number }
  | { type: 'rejected'; typeUrl: string; version: string; reason: string }
  /** `current()` changed; `warm` false when forced by the warming timeout. */
  | { type: 'swapped'; generation: number; warm: boolean; waitingFor?: { clusters: string[]; routes: string[] } };

export interface XdsClientOptions {
  /** `HOST:PORT` of the control plane's ADS server. */
  address: string;
  node: Node;
  clock?: Clock;
  /** Uniform in [0, 1); the backoff's jitter. */
  random?: Random;
  backoff?: BackoffOptions;
  initialFetchTimeoutMs?: number;
  onEvent?: (e: XdsClientEvent) => void;
  /** Transport settings (keepalive, limits) and its diagnostics log; see ads-transport.ts. */
  transport?: Omit<GrpcCallOptions, 'path'>;
}

interface StreamState {
  call: GrpcCall;
  connected: boolean;
  /** Last nonce received per type on this stream. */
  nonces: Map<string, string>;
  /** Names last sent per type on this stream ('*' for the wildcard types). */
  sent: Map<string, string>;
  nodeSent: boolean;
}

const WILDCARD = new Set<string>([TypeUrl.Cluster, TypeUrl.Listener]);

export class XdsClient {
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly warmMs: number;
  private active = RuntimeSnapshot.empty();
  private staged = RuntimeSnapshot.empty();
  private generation = 0;
  private stream: StreamState | undefined;
  private retryTimer: TimerHandle | undefined;
  private warmTimer: TimerHandle | undefined;
  private attempts = 0;
  private started = false;
  private closed = false;
  private readonly swapFns = new Set<(s: RuntimeSnapshot) => void>();
  private readyWaiters: (() => void)[] = [];
  private decoder: WireDecoder | undefined;

  constructor(private readonly opts: XdsClientOptions) {
    this.clock = opts.clock ?? systemClock;
    this.backoff = new Backoff(opts.random ?? Math.random, opts.backoff);
    this.warmMs = opts.initialFetchTimeoutMs ?? DEFAULT_INITIAL_FETCH_TIMEOUT_MS;
  }

  /** The snapshot in effect. Take it once per request and keep it to the end. */
  current(): RuntimeSnapshot {
    return this.active;
  }

  /** The latest accepted (possibly still warming) snapshot, for config dumps. */
  latest(): RuntimeSnapshot {
    return this.staged;
  }

  get isConnected(): boolean {
    return !!this.stream?.connected;
  }

  /** Called after each swap with the new snapshot; returns the unsubscribe function. */
  onSwap(fn: (s: RuntimeSnapshot) => void): () => void {
    this.swapFns.add(fn);
    return () => void this.swapFns.delete(fn);
  }

  /** Resolves once the active snapshot has listeners and clusters (Envoy's "initialized"). */
  ready(): Promise<void> {
    if (this.isReady()) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.connect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    if (this.warmTimer !== undefined) this.clock.clearTimeout(this.warmTimer);
    this.retryTimer = this.warmTimer = undefined;
    const s = this.stream;
    this.stream = undefined;
    if (s) this.teardown(s);
  }

  // ── Stream lifecycle ──────────────────────────────────────────────────────────────────────

  private connect(): void {
    this.retryTimer = undefined;
    if (this.closed) return;
    const decoder = this.decoder;
    if (!decoder) {
      loadWireDecoder().then(
        (d) => {
          this.decoder = d;
          this.connect();
        },
        (err: unknown) => {
          this.attempts++;
          this.retry(GrpcCode.INTERNAL, `cannot load the xDS wire schema: ${err instanceof Error ? err.message : String(err)}`, false);
        },
      );
      return;
    }
    this.attempts++;
    // `s` is assigned before any handler can run (they are called from I/O callbacks).
    let s: StreamState;
    const call = openGrpcCall(
      this.opts.address,
      {
        onMessage: (bytes) => {
          if (this.stream !== s) return;
          let r: RawDiscoveryResponse;
          try {
            r = decodeEnvelope(bytes);
          } catch (e) {
            this.onEnded(s, GrpcCode.INTERNAL, (e as Error).message);
            return;
          }
          try {
            this.onResponse(s, decoder, r);
          } catch (e) {
            // A bug here must not take the proxy down: drop the stream and start over.
            this.onEnded(s, GrpcCode.INTERNAL, `handling a ${r.typeUrl} response failed: ${(e as Error).message}`);
          }
        },
        onEnd: (st) => this.onEnded(s, st.code, st.message),
      },
      this.opts.transport,
    );
    s = { call, connected: false, nonces: new Map(), sent: new Map(), nodeSent: false };
    this.stream = s;
    // Subscriptions with what we hold, in the spec's order; LDS waits for CDS on a cold start.
    for (const t of SUBSCRIBE_ORDER) {
      if (t === TypeUrl.Listener && this.staged.versions[TypeUrl.Cluster] === undefined) continue;
      this.subscribe(s, t);
    }
  }

  private onEnded(s: StreamState, code: number, details: string): void {
    if (this.stream !== s) return;
    this.stream = undefined;
    this.teardown(s);
    this.retry(code, details, s.connected);
  }

  /** Reports the ending and schedules the next attempt after the backoff. */
  private retry(code: number, message: string, wasConnected: boolean): void {
    if (this.closed) return;
    const retryInMs = this.backoff.next();
    this.emit({ type: 'disconnected', address: this.opts.address, code, message, wasConnected, retryInMs });
    this.retryTimer = this.clock.setTimeout(() => this.connect(), retryInMs);
  }

  private teardown(s: StreamState): void {
    s.call.cancel();
  }

  // ── Requests ──────────────────────────────────────────────────────────────────────────────

  private namesFor(t: string): string[] {
    if (t === TypeUrl.ClusterLoadAssignment) return this.staged.edsNames();
    if (t === TypeUrl.RouteConfiguration) return this.staged.routeNames();
    return [];
  }

  private send(s: StreamState, req: DiscoveryRequest): void {
    const t = req.typeUrl!;
    const full: DiscoveryRequest = s.nodeSent ? req : { node: this.opts.node, ...req };
    s.nodeSent = true;
    s.sent.set(t, WILDCARD.has(t) ? '*' : (req.resourceNames ?? []).join('\n'));
    let bytes: Buffer;
    try {
      bytes = encodeRequest(full);
    } catch (e) {
      // Only a node built wrongly (metadata that is not JSON) gets here: say so and retry.
      this.onEnded(s, GrpcCode.INTERNAL, `cannot encode a DiscoveryRequest: ${(e as Error).message}`);
      return;
    }
    s.call.write(bytes);
  }

  /** Requests a type with the current names if they differ from what this stream last sent. */
  private subscribe(s: StreamState, t: string): void {
    const names = this.namesFor(t);
    const key = WILDCARD.has(t) ? '*' : names.join('\n');
    if (s.sent.get(t) === key) return;
    // Never open a named type with an empty list: the server would read it as a wildcard.
    if (!WILDCARD.has(t) && names.length === 0 && !s.sent.has(t)) return;
    const version = this.staged.versions[t as ResourceTypeUrl] ?? '';
    this.send(s, { typeUrl: t, versionInfo: version, responseNonce: s.nonces.get(t) ?? '', resourceNames: names });
  }

  // ── Responses ─────────────────────────────────────────────────────────────────────────────

  private onResponse(s: StreamState, decoder: WireDecoder, r: RawDiscoveryResponse): void {
    if (!s.connected) {
      s.connected = true;
      this.backoff.reset();
      this.emit({ type: 'connected', address: this.opts.address, attempt: this.attempts });
    }
    const t = r.typeUrl;
    s.nonces.set(t, r.nonce);
    const decoded = decodeResources(decoder, t, r.resources);
    const result = 'error' in decoded ? { ok: false as const, error: decoded.error } : this.staged.apply({ typeUrl: t, versionInfo: r.versionInfo, resources: decoded.resources });
    if (result.ok) {
      this.staged = result.snapshot;
      this.emit({ type: 'applied', typeUrl: t, version: r.versionInfo, resources: r.resources.length });
    } else {
      this.emit({ type: 'rejected', typeUrl: t, version: r.versionInfo, reason: result.error });
    }
    const held = this.staged.versions[t as ResourceTypeUrl] ?? '';
    this.send(s, {
      typeUrl: t,
      versionInfo: held,
      responseNonce: r.nonce,
      resourceNames: this.namesFor(t),
      ...(result.ok ? {} : { errorDetail: { code: NACK_CODE, message: result.error } }),
    });
    if (result.ok) {
      // What this update refers to: EDS after CDS, RDS after LDS; LDS once CDS was handled.
      this.subscribe(s, TypeUrl.ClusterLoadAssignment);
      this.subscribe(s, TypeUrl.RouteConfiguration);
    }
    if (t === TypeUrl.Cluster) this.subscribe(s, TypeUrl.Listener);
    if (result.ok) this.maybeSwap();
  }

  // ── Swapping ──────────────────────────────────────────────────────────────────────────────

  private maybeSwap(): void {
    if (this.staged === this.active) return;
    if (this.staged.isWarm()) {
      if (this.warmTimer !== undefined) this.clock.clearTimeout(this.warmTimer);
      this.warmTimer = undefined;
      this.swap(true);
      return;
    }
    this.warmTimer ??= this.clock.setTimeout(() => {
      this.warmTimer = undefined;
      if (!this.closed && this.staged !== this.active) this.swap(false);
    }, this.warmMs);
  }

  private swap(warm: boolean): void {
    this.active = this.staged;
    this.generation++;
    this.emit({ type: 'swapped', generation: this.generation, warm, ...(warm ? {} : { waitingFor: this.active.warming() }) });
    for (const fn of [...this.swapFns]) {
      try {
        fn(this.active);
      } catch {
        /* a consumer's failure must not stop the client */
      }
    }
    if (this.isReady()) for (const w of this.readyWaiters.splice(0)) w();
  }

  private isReady(): boolean {
    const v = this.active.versions;
    return v[TypeUrl.Cluster] !== undefined && v[TypeUrl.Listener] !== undefined;
  }

  private emit(e: XdsClientEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      /* logging must not break the client */
    }
  }
}
