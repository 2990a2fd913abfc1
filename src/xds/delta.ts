/**
 * An incremental ADS stream (DeltaAggregatedResources), per type URL: the server tracks which
 * version of each resource the client has (its initial_resource_versions, then what was sent)
 * and sends only resources that are new or changed, plus removed_resources for those gone. A
 * subscribe is answered with the newly subscribed resources (and, for names that do not exist,
 * their names in removed_resources, as the spec's "does not exist" signal); an unsubscribe needs
 * no answer. A request naming the last nonce is an ACK, or a NACK with error_detail (recorded,
 * logged, reported; the server keeps its view of the client). Resource version = content hash.
 */
import { TypeUrl } from '../api/envoy/common.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DeltaResource } from '../api/xds/discovery.js';
import { ConnectionBase, type Connection, type PushRequest, type TypeStateBase } from './connection.js';
import { resourceVersion, type Basis } from './generation-cache.js';
import { PUSH_ORDER, resourceName } from './generators.js';
import { Subscription } from './subscription.js';
import type { DeltaHandle, NackRecord, SendReason } from './types.js';
import { contentVersion } from './version.js';

interface TypeState extends TypeStateBase {
  sub: Subscription;
  /** The last generation for this type (generation-cache.ts). */
  basis?: Basis;
  /** Resource versions the client has (as far as the server knows). */
  known: Map<string, string>;
  /** The last resources sent, by name (for config dumps). */
  resources: Map<string, object>;
  sent?: { version: string; nonce: string; at: number; count: number };
  awaiting: boolean;
  acked?: { version: string; nonce: string; at: number };
  nack?: NackRecord;
}

export class DeltaConnection extends ConnectionBase<DeltaDiscoveryResponse, TypeState> implements Connection, DeltaHandle {
  readonly delta = true;

  receive(req: DeltaDiscoveryRequest): void {
    if (this.isClosed) return;
    if (!this.isOpen && !this.open(req.node)) return;
    const typeUrl = req.typeUrl;
    if (!this.serves(typeUrl)) return;
    let st = this.types.get(typeUrl);
    const first = !st;
    if (!st) {
      st = { sub: new Subscription(), known: new Map(Object.entries(req.initialResourceVersions ?? {})), resources: new Map(), awaiting: false };
      this.types.set(typeUrl, st);
    }
    const nonce = req.responseNonce ?? '';
    if (nonce && st.sent && nonce === st.sent.nonce) this.answer(typeUrl, st, req);
    for (const n of req.resourceNamesUnsubscribe ?? []) {
      if (n !== '*') {
        st.known.delete(n);
        st.resources.delete(n);
      }
    }
    const added = st.sub.applyDelta(req.resourceNamesSubscribe, req.resourceNamesUnsubscribe, first);
    if (first || added.length > 0) this.respond(typeUrl, st, 'request', added.includes('*') ? undefined : new Set(added), first);
    this.answered();
  }

  private answer(typeUrl: string, st: TypeState, req: DeltaDiscoveryRequest): void {
    const sent = st.sent!;
    const nonce = sent.nonce;
    const at = this.ctx.clock.now();
    st.awaiting = false;
    if (req.errorDetail) {
      const message = req.errorDetail.message ?? '';
      const code = req.errorDetail.code;
      st.nack = { version: sent.version, nonce, message, at, ...(code !== undefined ? { code } : {}) };
      this.ctx.logger.warn('xds: NACK (delta)', { proxy: this.proxyId, typeUrl, version: sent.version, nonce, error: message });
      this.ctx.emit({ type: 'nack', proxyId: this.proxyId, connectionId: this.connectionId, typeUrl, version: sent.version, nonce, message, ...(code !== undefined ? { code } : {}) });
    } else {
      st.acked = { version: sent.version, nonce, at };
      this.ctx.emit({ type: 'ack', proxyId: this.proxyId, connectionId: this.connectionId, typeUrl, version: sent.version, nonce });
    }
  }

  async push(request: PushRequest): Promise<void> {
    const flushes: Promise<void>[] = [];
    if (!this.isClosed) {
      const order = [...PUSH_ORDER.filter((t) => this.types.has(t)), ...[...this.types.keys()].filter((t) => !PUSH_ORDER.includes(t))];
      for (const typeUrl of order) {
        if (!request.full && typeUrl !== TypeUrl.ClusterLoadAssignment) continue;
        const f = this.respond(typeUrl, this.types.get(typeUrl)!, 'push', undefined, true);
        if (f) flushes.push(f);
      }
    }
    this.afterPush(request.rounds);
    await Promise.all(flushes);
  }

  /**
   * Sends what the client lacks. `only`: restrict to these newly subscribed names (undefined:
   * everything subscribed). `removals`: also tell about known resources that no longer exist.
   */
  private respond(typeUrl: string, st: TypeState, reason: SendReason, only: Set<string> | undefined, removals: boolean): Promise<void> | undefined {
    const started = this.ctx.clock.now();
    const all = this.generate(typeUrl, st.sub, st);
    if (!all) return undefined;
    const current = new Map<string, { resource: object; version: string }>();
    for (const r of all.resources) current.set(resourceName(r), { resource: r, version: resourceVersion(r) });
    const resources: DeltaResource[] = [];
    for (const [name, { resource, version }] of current) {
      if (only && !only.has(name)) continue;
      if (st.known.get(name) === version) continue;
      resources.push({ name, version, resource });
    }
    const removed: string[] = [];
    if (removals) for (const name of st.known.keys()) if (!current.has(name)) removed.push(name);
    if (only) for (const name of only) if (!current.has(name) && !removed.includes(name)) removed.push(name);
    if (resources.length === 0 && removed.length === 0 && reason === 'push') {
      this.ctx.emit({ type: 'push-skipped', proxyId: this.proxyId, connectionId: this.connectionId, typeUrl });
      return undefined;
    }
    const known = new Map(st.known);
    for (const r of resources) known.set(r.name!, r.version!);
    for (const n of removed) known.delete(n);
    const version = contentVersion([...known].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => `${n}=${v}`).join('\n'));
    const nonce = this.nonces.next();
    const response: DeltaDiscoveryResponse = {
      systemVersionInfo: version, resources, typeUrl, removedResources: removed, nonce,
      controlPlane: { identifier: this.ctx.controlPlaneId },
    };
    return this.transmit(typeUrl, st, response, { reason, started, version, nonce, carried: resources.length }, (at) => {
      st.known = known;
      for (const r of resources) st.resources.set(r.name!, r.resource!);
      for (const n of removed) st.resources.delete(n);
      st.sent = { version, nonce, at, count: known.size };
    });
  }

  protected heldResources(st: TypeState): object[] {
    return [...st.resources.values()];
  }
}
