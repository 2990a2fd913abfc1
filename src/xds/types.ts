/**
 * The public contract of the ADS server (src/xds): what feeds it (SnapshotSource), what it
 * generates with (Generator per type URL), what it needs injected (Clock, Logger), what it
 * reports (AdsEvent for metrics, ProxySyncStatus and ConfigDump for debug endpoints and the CLI),
 * and the transport seam that lets tests drive a stream without gRPC. Types and tiny constants
 * only: no I/O, no state. Other parts (control-plane command, proxyless gRPC generators, debug
 * endpoints, benchmark) code against this file; keep it stable.
 */
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse } from '../api/xds/discovery.js';
import type { Proxy, Snapshot } from '../model/types.js';

// ── Inputs ──────────────────────────────────────────────────────────────────────────────────

/**
 * The special member of `changedKinds` meaning "only endpoints changed": WorkloadEntry addresses
 * or weights, Deployment replicas, DNS answers, health. When `changedKinds` is exactly
 * `{ENDPOINTS_KIND}` the server pushes EDS only.
 */
export const ENDPOINTS_KIND = 'endpoints';

export interface SnapshotChange {
  snapshot: Snapshot;
  /**
   * Config kinds that changed (`VirtualService`, `DestinationRule`, `ServiceEntry`, …), or
   * exactly {'endpoints'} when only endpoints changed. An empty set is treated as a full push.
   */
  changedKinds: ReadonlySet<string>;
  /**
   * With changedKinds {'endpoints'}, what changed, when known: the server then regenerates only
   * the EDS clusters of those hosts (Istio's incremental EDS). Absent: every EDS cluster.
   */
  endpoints?: EndpointChanges;
}

/** Which endpoints an endpoints-only change touched. */
export interface EndpointChanges {
  /** Hostnames (FQDN) of the services whose endpoints changed. */
  hosts: ReadonlySet<string>;
  /** Addresses of workloads that changed (a proxy there may see its own locality change). */
  workloadAddresses: ReadonlySet<string>;
}

/** Where snapshots come from: the control-plane runner (config store → registry → snapshot). */
export interface SnapshotSource {
  /** The snapshot in effect now (never undefined: start with an empty one). */
  current(): Snapshot;
  /** Called on every accepted change; returns the unsubscribe function. */
  subscribe(fn: (change: SnapshotChange) => void): () => void;
}

/** A SnapshotSource whose snapshot never changes (tests, one-shot tools). */
export function staticSource(snapshot: Snapshot): SnapshotSource {
  return { current: () => snapshot, subscribe: () => () => {} };
}

// ── Generation ──────────────────────────────────────────────────────────────────────────────

/**
 * Resources of one type URL for one proxy, in proto3 canonical JSON form (api/envoy/common.ts),
 * with or without `@type` (the server adds it). `requestedNames` is what the client subscribed
 * to for this type, or undefined for a wildcard subscription. For named types (RDS, EDS) return
 * only resources whose names were requested. Must be pure: same input, same output (the server
 * skips a push when the output is unchanged, shares output between proxies that read the same
 * values of their Proxy, and keeps output while nothing it read of the snapshot changed: see
 * generation-cache.ts). An EDS generator's assignment for a cluster must not depend on which
 * other names are requested, and only on that cluster's service, its endpoints and the rules
 * and proxy locality that apply to it (the server regenerates only the changed hosts' clusters
 * after an endpoints-only change).
 */
export type Generator = (snapshot: Snapshot, proxy: Proxy, requestedNames?: readonly string[]) => object[];

/** Generators by type URL (`TypeUrl.Listener`, …). A type URL without one is not served. */
export type GeneratorSet = Readonly<Record<string, Generator>>;

// ── Injected services ───────────────────────────────────────────────────────────────────────

export type TimerHandle = unknown;

/** Time as the server sees it. Tests inject a fake one (test/xds/fake-clock.ts). */
export interface Clock {
  /** Milliseconds since the epoch (may be fractional). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** A minimal logger; adapt pino with `(msg, fields) => pino.info(fields ?? {}, msg)`. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

// ── Events (metrics hooks) ──────────────────────────────────────────────────────────────────

/** Why a response was sent: the client asked (`request`) or the config changed (`push`). */
export type SendReason = 'request' | 'push';

/**
 * What the server reports, for metrics and logs. Times are Clock ms. `proxyId` is the node id;
 * `connectionId` tells apart two streams of one node.
 */
export type AdsEvent =
  | { type: 'connect'; proxyId: string; connectionId: string; at: number; delta: boolean }
  | { type: 'disconnect'; proxyId: string; connectionId: string; at: number; connectedMs: number }
  /** One DiscoveryResponse sent; `durationMs` covers generation, diff and encoding. */
  | {
      type: 'push'; proxyId: string; connectionId: string; typeUrl: string; reason: SendReason;
      version: string; nonce: string; resources: number; bytes?: number; durationMs: number;
    }
  /** A push that was skipped because the output equals what the proxy last received. */
  | { type: 'push-skipped'; proxyId: string; connectionId: string; typeUrl: string }
  | { type: 'ack'; proxyId: string; connectionId: string; typeUrl: string; version: string; nonce: string }
  | {
      type: 'nack'; proxyId: string; connectionId: string; typeUrl: string;
      /** The version the client rejected (the one sent with that nonce). */
      version: string; nonce: string; message: string; code?: number;
    }
  /** Generation or encoding failed; nothing was sent for this type, the client keeps its config. */
  | { type: 'error'; proxyId: string; connectionId: string; typeUrl: string; message: string }
  /** Debounce fired: `changes` source events merged, first seen `waitedMs` ago. */
  | { type: 'debounced'; changes: number; waitedMs: number; endpointsOnly: boolean; snapshotVersion: string }
  /**
   * One proxy applied everything pushed for a change: from the first source change of the round
   * (as the server received it) to that proxy's last ACK or NACK of the push.
   */
  | { type: 'proxy-converged'; proxyId: string; connectionId: string; ms: number; snapshotVersion: string }
  /** Every proxy of a push round converged (or left); `ms` from the change to the last ACK. */
  | { type: 'converged'; ms: number; proxies: number; snapshotVersion: string };

export type AdsEventListener = (event: AdsEvent) => void;

// ── Options ─────────────────────────────────────────────────────────────────────────────────

export interface AdsServerOptions {
  source: SnapshotSource;
  clock?: Clock;
  /** Quiet period after the last change before pushing (Istio PILOT_DEBOUNCE_AFTER). Default 100. */
  debounceMs?: number;
  /**
   * Push a change at once when no push happened within the last `debounceMs` (leading edge);
   * changes within that window are still coalesced into one trailing push (debounce.ts).
   * Default true; false waits for the quiet period before every push, as Istio does.
   */
  debounceLeading?: boolean;
  /**
   * Longest a change waits under a steady stream of changes (Istio PILOT_DEBOUNCE_MAX is 10 s;
   * Trellis defaults to 1000 ms: a local mesh wants changes visible within a second).
   */
  debounceMaxMs?: number;
  /** Proxies pushed to at once (Istio PILOT_PUSH_THROTTLE is 100). Default 100. */
  pushConcurrency?: number;
  /**
   * Longest run of pushes (by the Clock) before the event loop gets a turn, so that the first
   * proxies' responses go out, and their ACKs come in, while the rest are generated. Default 5;
   * 0 starts every push of a round at once.
   */
  pushSliceMs?: number;
  /**
   * Share generated output between proxies that read the same values of their Proxy
   * (generation-cache.ts). Default true; false runs the generators for every stream.
   */
  shareGeneration?: boolean;
  logger?: Logger;
  onEvent?: AdsEventListener;
  /** Generators for ordinary nodes (sidecars, gateways). Default: `defaultGenerators`. */
  generators?: GeneratorSet;
  /**
   * Generator sets by node metadata GENERATOR (e.g. `{ grpc: grpcGenerators }` for proxyless
   * gRPC). A node whose GENERATOR has no entry here uses `generators`. Default
   * `{ grpc: grpcGenerators }` (src/compile/grpc).
   */
  generatorsByName?: Readonly<Record<string, GeneratorSet>>;
  /** `control_plane.identifier` in responses. Default 'trellis'. */
  controlPlaneId?: string;
}

// ── State exposed to debug endpoints, CLI and benchmark ─────────────────────────────────────

export interface NackRecord {
  /** The rejected version (what the server sent with `nonce`). */
  version: string;
  nonce: string;
  message: string;
  code?: number;
  at: number;
}

export interface TypeSyncStatus {
  typeUrl: string;
  /** `'*'` for a wildcard subscription, else the names subscribed (possibly none). */
  subscribed: '*' | readonly string[];
  sentVersion?: string;
  sentNonce?: string;
  sentAt?: number;
  /** Resources in the last response. */
  sentCount?: number;
  /** The last version the client accepted on this stream. */
  ackedVersion?: string;
  ackedAt?: number;
  lastNack?: NackRecord;
}

export interface ProxySyncStatus {
  /** Node id. */
  id: string;
  connectionId: string;
  proxy: Proxy;
  connectedAt: number;
  /** Incremental (DeltaAggregatedResources) stream. */
  delta: boolean;
  /** Snapshot version the last response on this stream was generated from. */
  snapshotVersion?: string;
  /** One entry per type URL the client asked for. */
  types: TypeSyncStatus[];
}

/** The last resources sent to a proxy, per type URL (what its config should be once ACKed). */
export interface ConfigDump {
  id: string;
  connectionId: string;
  proxy: Proxy;
  types: { typeUrl: string; version?: string; acked: boolean; resources: readonly object[] }[];
}

// ── Transport seam (gRPC in grpc.ts; tests use plain objects) ───────────────────────────────

/** gRPC status codes the server uses to end a stream. */
export const StreamStatus = { OK: 0, INVALID_ARGUMENT: 3, UNAVAILABLE: 14, INTERNAL: 13 } as const;

/**
 * One client stream as the server sees it. `send` may throw (e.g. XdsCodecError when a resource
 * cannot be encoded): the server then logs, reports an `error` event and does not record the
 * send. `send` may return a promise that settles when the message is flushed; the push queue
 * waits for it, which is what its concurrency limit bounds.
 */
export interface StreamTransport<Res> {
  send(response: Res): void | Promise<void>;
  /** End the stream (status OK when `code` is absent). */
  end(code?: number, message?: string): void;
  /** Remote address, for logs. */
  peer?: string;
}

/** The server's side of a stream: feed it requests; tell it when the client went away. */
export interface StreamHandle<Req> {
  receive(request: Req): void;
  /** The client closed or the transport failed. Idempotent. */
  closed(): void;
}

export type SotwTransport = StreamTransport<DiscoveryResponse>;
export type SotwHandle = StreamHandle<DiscoveryRequest>;
export type DeltaTransport = StreamTransport<DeltaDiscoveryResponse>;
export type DeltaHandle = StreamHandle<DeltaDiscoveryRequest>;

/** What `listen` returns. */
export interface Listening {
  port: number;
  /** Stops accepting, ends streams, frees the port. */
  close(): Promise<void>;
}

/** The server's public surface (implemented by `AdsServer` in server.ts). */
export interface AdsServerApi {
  /** Registers the ADS service on an existing grpc-js Server. */
  bind(server: import('@grpc/grpc-js').Server): void;
  /** A new grpc-js server on `address` (`127.0.0.1:15010`, port 0 for any), insecure. */
  listen(address: string): Promise<Listening>;
  /** A SotW stream over any transport (what the gRPC handler and tests use). */
  openStream(transport: SotwTransport): SotwHandle;
  /** A Delta stream over any transport. */
  openDeltaStream(transport: DeltaTransport): DeltaHandle;
  statuses(): ProxySyncStatus[];
  /** The newest connection of that node id; undefined when not connected. */
  configDump(proxyId: string): ConfigDump | undefined;
  /** Resolves when every push queued so far has been sent (tests, benchmark). */
  idle(): Promise<void>;
  close(): Promise<void>;
}
