/**
 * What a stream (SotW or Delta) shares with the server: the context the server hands it
 * (snapshot in effect, generators, clock, logger, events, registration), the push request the
 * queue gives it, and the base class doing what both stream kinds do alike: identify the proxy
 * from the first request's node (its locality resolved per snapshot when the node names none),
 * generate resources for a type, track convergence rounds, close.
 */
import type { Node } from '../api/xds/discovery.js';
import { proxyFromNode, withLocality } from '../model/proxy.js';
import type { Proxy, Snapshot } from '../model/types.js';
import type { PushRound } from './convergence.js';
import { resourceName } from './generators.js';
import type { Subscription } from './subscription.js';
import { NonceSource } from './version.js';
import { namesKey, type Basis, type Generated } from './generation-cache.js';
import type { AdsEvent, Clock, ConfigDump, Generator, GeneratorSet, Logger, NackRecord, ProxySyncStatus, SendReason, StreamTransport, TypeSyncStatus } from './types.js';
import { StreamStatus } from './types.js';

export interface ConnectionContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly controlPlaneId: string;
  emit(event: AdsEvent): void;
  /** The snapshot pushes are generated from (the last one debounced). */
  snapshot(): Snapshot;
  /** Runs (or reuses) a generator for a proxy: shaped, interned, versioned (generation-cache.ts). */
  generate(snapshot: Snapshot, typeUrl: string, gen: Generator, proxy: Proxy, names: readonly string[] | undefined, basis?: Basis): Generated;
  generatorsFor(proxy: Proxy): GeneratorSet;
  /** Next connection number (for ids and nonces). */
  nextConnection(): number;
  /** Prefix that makes nonces unique across server restarts. */
  readonly epoch: string;
  /**
   * The nonce of a SotW push now: the same for every stream pushed in one round (so that equal
   * responses are equal bytes, encoded once), and unique on each stream, which is pushed at most
   * once per round (rounds are numbered; request responses use the stream's own nonces).
   */
  pushNonce(): string;
  register(conn: Connection): void;
  unregister(conn: Connection): void;
  /** Any stream ended, identified or not. */
  streamEnded(stream: object): void;
}

export interface PushRequest {
  /** false: endpoints only (EDS). */
  full: boolean;
  rounds: PushRound[];
}

export function mergePush(a: PushRequest, b: PushRequest): PushRequest {
  return { full: a.full || b.full, rounds: [...a.rounds, ...b.rounds.filter((r) => !a.rounds.includes(r))] };
}

export interface Connection {
  readonly connectionId: string;
  readonly proxyId: string;
  readonly proxy: Proxy;
  readonly delta: boolean;
  push(request: PushRequest): Promise<void>;
  status(): ProxySyncStatus;
  dump(): ConfigDump;
  close(code?: number, message?: string): void;
}

/**
 * Adds `@type` where missing, keeps only subscribed names for a named subscription (what the
 * generation cache does for streams; kept for callers outside it).
 */
export function shapeResources(typeUrl: string, resources: readonly object[], sub: Subscription): object[] {
  const out: object[] = [];
  for (const r of resources) {
    if (!sub.isWildcard && !sub.has(resourceName(r))) continue;
    out.push('@type' in r ? r : { '@type': typeUrl, ...r });
  }
  return out;
}

/** What both stream kinds keep per type URL, enough to report sync status. */
export interface TypeStateBase {
  sub: Subscription;
  /** The last generation for this type (generation-cache.ts). */
  basis?: Basis;
  /** The last response: version, nonce, time, and how many resources it carried (or made known). */
  sent?: { version: string; nonce: string; at: number; count: number };
  /** The last nonce sent is not answered yet. */
  awaiting: boolean;
  acked?: { version: string; nonce: string; at: number };
  nack?: NackRecord;
}

export abstract class ConnectionBase<Res, S extends TypeStateBase> {
  /** Per type URL state. */
  protected readonly types = new Map<string, S>();
  connectionId = '';
  proxyId = '';
  proxy!: Proxy;
  protected connectedAt = 0;
  protected generators: GeneratorSet = {};
  protected nonces!: NonceSource;
  protected isOpen = false;
  protected isClosed = false;
  protected lastSnapshotVersion: string | undefined;
  /** The node announced a locality: `proxy.locality` is fixed; else resolved per snapshot. */
  private nodeLocality = false;
  private localityOf: Snapshot | undefined;
  /** Rounds waiting for this proxy to answer everything sent. */
  protected rounds = new Set<PushRound>();
  private readonly warnedTypes = new Set<string>();

  constructor(protected readonly ctx: ConnectionContext, protected readonly transport: StreamTransport<Res>) {}

  abstract readonly delta: boolean;
  /** The resources the client holds of this type, as far as the server knows (config dumps). */
  protected abstract heldResources(st: S): object[];

  /** Whether some response on this stream is still unanswered. */
  protected awaitingAnswers(): boolean {
    for (const st of this.types.values()) if (st.awaiting) return true;
    return false;
  }

  status(): ProxySyncStatus {
    const types: TypeSyncStatus[] = [];
    for (const [typeUrl, st] of this.types) {
      types.push({
        typeUrl,
        subscribed: st.sub.describe(),
        ...(st.sent ? { sentVersion: st.sent.version, sentNonce: st.sent.nonce, sentAt: st.sent.at, sentCount: st.sent.count } : {}),
        ...(st.acked ? { ackedVersion: st.acked.version, ackedAt: st.acked.at } : {}),
        ...(st.nack ? { lastNack: { ...st.nack } } : {}),
      });
    }
    return {
      id: this.proxyId, connectionId: this.connectionId, proxy: this.proxy, connectedAt: this.connectedAt, delta: this.delta,
      ...(this.lastSnapshotVersion !== undefined ? { snapshotVersion: this.lastSnapshotVersion } : {}),
      types,
    };
  }

  /** Identifies the proxy from the first request; false (stream ended) when it cannot. */
  protected open(node: Node | undefined): boolean {
    if (!node?.id) {
      this.close(StreamStatus.INVALID_ARGUMENT, 'the first request of a stream must carry node.id');
      return false;
    }
    try {
      this.proxy = proxyFromNode(node.id, node.metadata ?? {}, node.locality);
      this.nodeLocality = this.proxy.locality !== undefined;
    } catch (err) {
      this.close(StreamStatus.INVALID_ARGUMENT, (err as Error).message);
      return false;
    }
    const n = this.ctx.nextConnection();
    this.proxyId = node.id;
    this.connectionId = `${node.id}-${n}`;
    this.nonces = new NonceSource(`${this.ctx.epoch}-${n}`);
    this.generators = this.ctx.generatorsFor(this.proxy);
    this.connectedAt = this.ctx.clock.now();
    this.isOpen = true;
    this.ctx.register(this as unknown as Connection);
    this.ctx.emit({ type: 'connect', proxyId: this.proxyId, connectionId: this.connectionId, at: this.connectedAt, delta: this.delta });
    this.ctx.logger.info('xds: proxy connected', { proxy: this.proxyId, connection: this.connectionId, delta: this.delta, peer: this.transport.peer });
    return true;
  }

  /** Whether this stream can serve `typeUrl`; warns once when it cannot. */
  protected serves(typeUrl: string | undefined): typeUrl is string {
    if (typeUrl && this.generators[typeUrl]) return true;
    const key = typeUrl ?? '';
    if (!this.warnedTypes.has(key)) {
      this.warnedTypes.add(key);
      this.ctx.logger.warn('xds: request for a type this server does not serve; ignored', { proxy: this.proxyId, typeUrl: key });
    }
    return false;
  }

  /**
   * Resources of a type for this proxy, with their SotW version; undefined (logged, reported)
   * when the generator threw. Shared with other streams: never mutate. `holder.basis` is what
   * this stream generated last for the type (reused when still valid) and is updated.
   */
  protected generate(typeUrl: string, sub: Subscription, holder: { basis?: Basis }): Generated | undefined {
    const gen = this.generators[typeUrl]!;
    const snapshot = this.ctx.snapshot();
    const names = sub.requestedNames();
    this.resolveLocality(snapshot);
    try {
      const out = this.ctx.generate(snapshot, typeUrl, gen, this.proxy, names, holder.basis);
      holder.basis = { generated: out, validAt: snapshot.version, names: namesKey(names) };
      this.lastSnapshotVersion = snapshot.version;
      return out;
    } catch (err) {
      this.fail(typeUrl, err);
      return undefined;
    }
  }

  /**
   * The proxy's locality on `snapshot` (model/proxy.ts `withLocality`), once per snapshot. When it
   * changes, what was generated for the old one cannot be reused (a basis is valid for its proxy).
   */
  private resolveLocality(snapshot: Snapshot): void {
    if (this.nodeLocality || snapshot === this.localityOf) return;
    this.localityOf = snapshot;
    const next = withLocality(this.proxy, snapshot, false);
    if (next === this.proxy) return;
    this.proxy = next;
    for (const st of this.types.values()) delete st.basis;
  }

  /**
   * Sends one response of `typeUrl` and records it: `record(at)` updates the stream kind's own
   * state (what was sent), then the type awaits its answer and a `push` event reports `carried`
   * resources. A transport that throws fails the type (the proxy keeps its config).
   */
  protected transmit(
    typeUrl: string, st: S, response: Res,
    push: { reason: SendReason; started: number; version: string; nonce: string; carried: number },
    record: (at: number) => void,
  ): Promise<void> | undefined {
    let flushed: void | Promise<void>;
    try {
      flushed = this.transport.send(response);
    } catch (err) {
      this.fail(typeUrl, err);
      return undefined;
    }
    const at = this.ctx.clock.now();
    record(at);
    st.awaiting = true;
    const { reason, version, nonce } = push;
    this.ctx.emit({
      type: 'push', proxyId: this.proxyId, connectionId: this.connectionId, typeUrl, reason,
      version, nonce, resources: push.carried, durationMs: at - push.started,
    });
    return flushed ? flushed.catch(() => {}) : undefined;
  }

  dump(): ConfigDump {
    return {
      id: this.proxyId, connectionId: this.connectionId, proxy: this.proxy,
      types: [...this.types].map(([typeUrl, st]) => ({
        typeUrl,
        ...(st.sent ? { version: st.sent.version } : {}),
        acked: !!st.sent && st.acked?.nonce === st.sent.nonce,
        resources: this.heldResources(st),
      })),
    };
  }

  protected fail(typeUrl: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.ctx.logger.error('xds: cannot generate or send resources; proxy keeps its previous config', { proxy: this.proxyId, typeUrl, error: message });
    this.ctx.emit({ type: 'error', proxyId: this.proxyId, connectionId: this.connectionId, typeUrl, message });
  }

  /** After a push ran: rounds that sent something wait for the answers. */
  protected afterPush(rounds: readonly PushRound[]): void {
    const waiting = this.awaitingAnswers();
    for (const r of rounds) {
      r.pushed(this, waiting);
      if (waiting) this.rounds.add(r);
    }
  }

  /** After an ACK or NACK: rounds complete when nothing is unanswered. */
  protected answered(): void {
    if (this.awaitingAnswers() || this.rounds.size === 0) return;
    const rounds = [...this.rounds];
    this.rounds.clear();
    for (const r of rounds) r.done(this);
  }

  /** The client went away (or the server closes): forget the stream. Idempotent. */
  closed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.ctx.streamEnded(this);
    for (const r of this.rounds) r.leave(this);
    this.rounds.clear();
    if (this.isOpen) {
      this.ctx.unregister(this as unknown as Connection);
      const at = this.ctx.clock.now();
      this.ctx.emit({ type: 'disconnect', proxyId: this.proxyId, connectionId: this.connectionId, at, connectedMs: at - this.connectedAt });
      this.ctx.logger.info('xds: proxy disconnected', { proxy: this.proxyId, connection: this.connectionId });
    }
  }

  close(code?: number, message?: string): void {
    if (this.isClosed) return;
    if (code !== undefined && code !== StreamStatus.OK) this.ctx.logger.warn('xds: closing stream', { proxy: this.proxyId || undefined, code, message });
    try {
      this.transport.end(code, message);
    } finally {
      this.closed();
    }
  }
}
