/**
 * The ADS server: holds the snapshot pushes are generated from, the open streams, the debouncer
 * and the push queue. A source change is debounced, then every connected proxy is queued for a
 * push (full, or EDS only when only endpoints changed); each stream sends only the types whose
 * content changed for it. A proxy that (re)connects is served from the snapshot in effect, so it
 * gets a consistent full set. Exposes sync status and config dumps for debug endpoints and the
 * CLI; metrics hang off `onEvent`. gRPC plumbing lives in grpc.ts; stream logic in sotw.ts and
 * delta.ts; generation (shared between proxies, kept across snapshots that do not affect it,
 * incremental EDS) in generation-cache.ts, which is told of every snapshot transition here.
 * Pushes start in time slices (push-queue.ts), so the first proxies' responses go out while
 * the rest are generated; every push of a round carries the round's nonce, so equal responses
 * are equal bytes (encode.ts keeps the last few).
 */
import type { Server } from '@grpc/grpc-js';
import { grpcGenerators } from '../compile/grpc/index.js';
import type { Proxy, Snapshot } from '../model/types.js';
import { silentLogger, systemClock } from './clock.js';
import { mergePush, type Connection, type ConnectionContext, type PushRequest } from './connection.js';
import { PushRound } from './convergence.js';
import { Debouncer, type DebouncedChange } from './debounce.js';
import { DeltaConnection } from './delta.js';
import { GenerationCache, type GenerationStats } from './generation-cache.js';
import { defaultGenerators } from './generators.js';
import { bindAds, listenAds } from './grpc.js';
import { PushQueue } from './push-queue.js';
import { SotwConnection } from './sotw.js';
import {
  ENDPOINTS_KIND,
  StreamStatus,
  type AdsEvent,
  type AdsServerApi,
  type AdsServerOptions,
  type Clock,
  type ConfigDump,
  type DeltaHandle,
  type DeltaTransport,
  type GeneratorSet,
  type Listening,
  type Logger,
  type ProxySyncStatus,
  type SotwHandle,
  type SotwTransport,
} from './types.js';

export const DEFAULT_DEBOUNCE_MS = 100;
export const DEFAULT_DEBOUNCE_MAX_MS = 1000;
export const DEFAULT_PUSH_CONCURRENCY = 100;
/** Longest run of pushes before the event loop gets a turn (push-queue.ts slicing). */
export const DEFAULT_PUSH_SLICE_MS = 5;

/** Whether a change set means "only endpoints changed" (EDS-only push). */
export function isEndpointsOnly(kinds: ReadonlySet<string>): boolean {
  return kinds.size === 1 && kinds.has(ENDPOINTS_KIND);
}

export class AdsServer implements AdsServerApi {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly generators: GeneratorSet;
  private readonly byName: Readonly<Record<string, GeneratorSet>>;
  private readonly onEvent: ((e: AdsEvent) => void) | undefined;
  private readonly connections = new Map<string, Connection>();
  /** Every stream, identified or not, so that close() can end them all. */
  private readonly streams = new Set<{ close(code?: number, message?: string): void }>();
  private readonly debouncer: Debouncer;
  private readonly queue: PushQueue<Connection, PushRequest>;
  private readonly unsubscribe: () => void;
  private readonly listening = new Set<Listening>();
  private readonly ctx: ConnectionContext;
  private readonly cache: GenerationCache;
  private snapshotInEffect: Snapshot;
  private connectionCount = 0;
  /** Push rounds so far (flushes): the push nonce's sequence. */
  private pushSeq = 0;
  private closed = false;

  constructor(options: AdsServerOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.generators = options.generators ?? defaultGenerators;
    this.byName = options.generatorsByName ?? { grpc: grpcGenerators };
    this.onEvent = options.onEvent;
    const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    const debounceMaxMs = Math.max(debounceMs, options.debounceMaxMs ?? DEFAULT_DEBOUNCE_MAX_MS);
    this.debouncer = new Debouncer(this.clock, debounceMs, debounceMaxMs, (c) => this.flush(c), options.debounceLeading ?? true);
    this.queue = new PushQueue<Connection, PushRequest>(
      options.pushConcurrency ?? DEFAULT_PUSH_CONCURRENCY,
      mergePush,
      (conn, req) => conn.push(req),
      (conn, err) => this.logger.error('xds: push failed', { proxy: conn.proxyId, error: String(err) }),
      options.pushSliceMs === 0 ? undefined : {
        sliceMs: options.pushSliceMs ?? DEFAULT_PUSH_SLICE_MS,
        now: () => this.clock.now(),
        defer: (fn) => void setImmediate(fn),
      },
    );
    this.snapshotInEffect = options.source.current();
    this.cache = new GenerationCache(options.shareGeneration ?? true);
    const epoch = Math.floor(this.clock.now()).toString(36);
    this.ctx = {
      clock: this.clock,
      logger: this.logger,
      controlPlaneId: options.controlPlaneId ?? 'trellis',
      epoch,
      pushNonce: () => `${epoch}-p${this.pushSeq}`,
      emit: (e) => this.emit(e),
      snapshot: () => this.snapshotInEffect,
      generate: (snapshot, typeUrl, gen, proxy, names, basis) => this.cache.generate(snapshot, typeUrl, gen, proxy, names, basis),
      generatorsFor: (proxy) => this.generatorsFor(proxy),
      nextConnection: () => ++this.connectionCount,
      register: (conn) => this.connections.set(conn.connectionId, conn),
      unregister: (conn) => {
        this.connections.delete(conn.connectionId);
        this.queue.remove(conn);
      },
      streamEnded: (stream) => {
        this.streams.delete(stream as SotwConnection | DeltaConnection);
      },
    };
    this.unsubscribe = options.source.subscribe((change) => {
      if (!this.closed) this.debouncer.push(change);
    });
  }

  /** The snapshot responses are generated from now. */
  get snapshot(): Snapshot {
    return this.snapshotInEffect;
  }

  /** How generation went: kept, regenerated incrementally, shared, run (benchmark, debugging). */
  get generationStats(): Readonly<GenerationStats> {
    return this.cache.stats;
  }

  get connectedCount(): number {
    return this.connections.size;
  }

  generatorsFor(proxy: Proxy): GeneratorSet {
    return (proxy.generator && this.byName[proxy.generator]) || this.generators;
  }

  bind(server: Server): void {
    bindAds(server, this);
  }

  async listen(address: string): Promise<Listening> {
    const l = await listenAds(address, this);
    const entry: Listening = {
      port: l.port,
      close: async () => {
        this.listening.delete(entry);
        await l.close();
      },
    };
    this.listening.add(entry);
    return entry;
  }

  openStream(transport: SotwTransport): SotwHandle {
    return this.track(new SotwConnection(this.ctx, transport));
  }

  openDeltaStream(transport: DeltaTransport): DeltaHandle {
    return this.track(new DeltaConnection(this.ctx, transport));
  }

  statuses(): ProxySyncStatus[] {
    return [...this.connections.values()].map((c) => c.status()).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  configDump(proxyId: string): ConfigDump | undefined {
    let found: Connection | undefined;
    for (const c of this.connections.values()) if (c.proxyId === proxyId) found = c; // newest last
    return found?.dump();
  }

  /** Pushes a waiting debounced change now (tests, shutdown). */
  flushNow(): void {
    this.debouncer.flushNow();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.debouncer.cancel();
    this.queue.close();
    for (const s of [...this.streams]) s.close(StreamStatus.UNAVAILABLE, 'control plane shutting down');
    await Promise.all([...this.listening].map((l) => l.close()));
  }

  private track<T extends SotwConnection | DeltaConnection>(conn: T): T {
    if (this.closed) {
      conn.close(StreamStatus.UNAVAILABLE, 'control plane shutting down');
      return conn;
    }
    this.streams.add(conn);
    return conn;
  }

  private flush(change: DebouncedChange): void {
    this.cache.noteTransition(this.snapshotInEffect, change.snapshot, change.changedKinds, change.endpoints);
    this.snapshotInEffect = change.snapshot;
    this.pushSeq += 1;
    const full = !isEndpointsOnly(change.changedKinds);
    this.emit({
      type: 'debounced', changes: change.count, waitedMs: this.clock.now() - change.firstAt,
      endpointsOnly: !full, snapshotVersion: change.snapshot.version,
    });
    this.logger.debug('xds: pushing', { snapshot: change.snapshot.version, full, kinds: [...change.changedKinds], proxies: this.connections.size });
    const round = new PushRound(change.snapshot.version, change.firstAt, this.clock, (e) => this.emit(e));
    const conns = [...this.connections.values()];
    for (const c of conns) round.expect(c);
    for (const c of conns) this.queue.enqueue(c, { full, rounds: [round] });
    round.seal();
  }

  private emit(e: AdsEvent): void {
    if (!this.onEvent) return;
    try {
      this.onEvent(e);
    } catch (err) {
      this.logger.error('xds: onEvent listener threw', { error: String(err) });
    }
  }
}
