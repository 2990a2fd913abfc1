/**
 * A state-of-the-world ADS stream (StreamAggregatedResources), as Envoy's xDS protocol and
 * Istio's ads.go define it, per type URL:
 * - a first request (or one with an empty nonce, or one naming a nonce from a stream this
 *   server has no state for: a reconnect) gets a response at once;
 * - a request whose response_nonce is not the last one sent for its type is stale: ignored;
 * - the last nonce without error_detail is an ACK (acked version = the version sent with it);
 *   with error_detail a NACK: recorded, logged, reported; the acked version stays;
 * - an ACK or NACK that changes resource_names is answered with the new set;
 * - a response to a request carries every subscribed resource of the type; version = content
 *   hash of that full list, also when a push carries less (below).
 * Pushes (from the queue) send a type only when its content differs from what was last sent; an
 * RDS or EDS push carries only the resources that changed (partial.ts says why that is the
 * protocol's rule and Istio's), except the first push after a NACK, which carries the full set.
 */
import { TypeUrl } from '../api/envoy/common.js';
import type { DiscoveryRequest, DiscoveryResponse } from '../api/xds/discovery.js';
import { ConnectionBase, type Connection, type PushRequest, type TypeStateBase } from './connection.js';
import type { Basis } from './generation-cache.js';
import { PUSH_ORDER } from './generators.js';
import { PARTIAL_PUSH_TYPES, changedResources } from './partial.js';
import { Subscription } from './subscription.js';
import type { NackRecord, SendReason, SotwHandle } from './types.js';

interface Sent {
  version: string;
  nonce: string;
  at: number;
  /** The full list the client has once it accepts this response (what the version names). */
  resources: readonly object[];
  /** How many resources the response carried (fewer than `resources` for a partial push). */
  count: number;
}

interface TypeState extends TypeStateBase {
  sub: Subscription;
  /** The last generation for this type (generation-cache.ts). */
  basis?: Basis;
  sent?: Sent;
  /** The last nonce sent is not answered yet. */
  awaiting: boolean;
  acked?: { version: string; nonce: string; at: number };
  nack?: NackRecord;
  /** A NACK was seen since the last full response: the client's resources are not known, send all. */
  resync?: boolean;
}

export class SotwConnection extends ConnectionBase<DiscoveryResponse, TypeState> implements Connection, SotwHandle {
  readonly delta = false;

  receive(req: DiscoveryRequest): void {
    if (this.isClosed) return;
    if (!this.isOpen && !this.open(req.node)) return;
    const typeUrl = req.typeUrl;
    if (!this.serves(typeUrl)) return;
    const nonce = req.responseNonce ?? '';
    let st = this.types.get(typeUrl);
    if (!st) {
      st = { sub: new Subscription(), awaiting: false };
      this.types.set(typeUrl, st);
      st.sub.setSotw(req.resourceNames, true);
      if (nonce) this.ctx.logger.debug('xds: request with a nonce of another stream (reconnect)', { proxy: this.proxyId, typeUrl, nonce });
      this.respond(typeUrl, st, 'request', true);
      return;
    }
    if (nonce === '') {
      st.sub.setSotw(req.resourceNames, false);
      this.respond(typeUrl, st, 'request', true);
      return;
    }
    if (!st.sent || nonce !== st.sent.nonce) {
      if (req.errorDetail) st.resync = true; // a NACK of an earlier response: it may have kept older versions
      this.ctx.logger.debug('xds: stale nonce ignored', { proxy: this.proxyId, typeUrl, nonce, expected: st.sent?.nonce });
      return;
    }
    const sent = st.sent;
    const now = this.ctx.clock.now();
    st.awaiting = false;
    if (req.errorDetail) {
      const message = req.errorDetail.message ?? '';
      st.nack = { version: sent.version, nonce, message, at: now, ...(req.errorDetail.code !== undefined ? { code: req.errorDetail.code } : {}) };
      st.resync = true;
      this.ctx.logger.warn('xds: NACK', { proxy: this.proxyId, typeUrl, version: sent.version, nonce, acked: st.acked?.version, error: message });
      this.ctx.emit({
        type: 'nack', proxyId: this.proxyId, connectionId: this.connectionId, typeUrl, version: sent.version, nonce, message,
        ...(req.errorDetail.code !== undefined ? { code: req.errorDetail.code } : {}),
      });
    } else {
      st.acked = { version: sent.version, nonce, at: now };
      this.ctx.emit({ type: 'ack', proxyId: this.proxyId, connectionId: this.connectionId, typeUrl, version: sent.version, nonce });
    }
    if (st.sub.setSotw(req.resourceNames, false)) this.respond(typeUrl, st, 'request', true);
    this.answered();
  }

  async push(request: PushRequest): Promise<void> {
    const flushes: Promise<void>[] = [];
    if (!this.isClosed) {
      const order = [...PUSH_ORDER.filter((t) => this.types.has(t)), ...[...this.types.keys()].filter((t) => !PUSH_ORDER.includes(t))];
      for (const typeUrl of order) {
        if (!request.full && typeUrl !== TypeUrl.ClusterLoadAssignment) continue;
        const f = this.respond(typeUrl, this.types.get(typeUrl)!, 'push', false);
        if (f) flushes.push(f);
      }
    }
    this.afterPush(request.rounds);
    await Promise.all(flushes);
  }

  /** Generates and sends one type; with `always` false, only when the content changed. */
  private respond(typeUrl: string, st: TypeState, reason: SendReason, always: boolean): Promise<void> | undefined {
    const started = this.ctx.clock.now();
    const generated = this.generate(typeUrl, st.sub, st);
    if (!generated) return undefined;
    // The version is a hash of the serialized list, so equal versions mean identical content.
    const { resources, version } = generated;
    if (!always && st.sent && st.sent.version === version) {
      this.ctx.emit({ type: 'push-skipped', proxyId: this.proxyId, connectionId: this.connectionId, typeUrl });
      return undefined;
    }
    // a push of RDS or EDS carries what changed since the last response (partial.ts)
    const partial = !always && st.sent !== undefined && !st.resync && PARTIAL_PUSH_TYPES.has(typeUrl);
    let carried = partial ? changedResources(st.sent!.resources, resources) : resources;
    // nothing to name (a resource left the list, which SotW RDS/EDS cannot say): send the full set
    if (carried.length === 0) carried = resources;
    const nonce = reason === 'push' ? this.ctx.pushNonce() : this.nonces.next();
    const response: DiscoveryResponse = { versionInfo: version, resources: carried as object[], typeUrl, nonce, controlPlane: { identifier: this.ctx.controlPlaneId } };
    return this.transmit(typeUrl, st, response, { reason, started, version, nonce, carried: carried.length }, (at) => {
      st.sent = { version, nonce, at, resources, count: carried.length };
      if (carried === resources) st.resync = false;
    });
  }

  protected heldResources(st: TypeState): object[] {
    return (st.sent?.resources ?? []) as object[];
  }
}
