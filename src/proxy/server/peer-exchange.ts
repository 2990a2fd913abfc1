/**
 * Istio's HTTP metadata exchange on the request path (what the `istio.metadata_exchange` filter
 * does around the router; encoding in stats/peer-metadata.ts):
 * - a sidecar's inbound request: the `x-envoy-peer-metadata(-id)` headers name the source
 *   (reporter="destination" metrics) and are removed before the app sees the request;
 * - every other request (sidecar outbound, gateways) sent to an in-mesh cluster gets this proxy's
 *   pair, replacing any the app set; none for PassthroughCluster, BlackHoleCluster and clusters
 *   marked `external` or `disable_mx` in their `istio` metadata (the headers would leak to
 *   services outside the mesh);
 * - responses: on inbound, this proxy's pair is added when the request carried the peer's (each
 *   header answered only if it came); on outbound, the pair the upstream answered names the
 *   destination (reporter="source" metrics) and is removed before the app sees the response.
 * Per request: two Map lookups and, on inbound, a cached decode.
 */
import type { Headers } from '../router/headers.js';
import type { RequestHeaders } from '../router/index.js';
import type { Peer } from '../stats/index.js';
import { PEER_ID_HEADER, PEER_METADATA_HEADER } from '../stats/peer-metadata.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import type { Telemetry } from './telemetry.js';

/** What the downstream request carried (inbound), for the response and the metrics. */
export interface DownstreamPeer {
  peer: Peer | undefined;
  sentId: boolean;
  sentMetadata: boolean;
}

/** Inbound: reads and removes the peer's headers from the request. */
export function takeDownstreamPeer(t: Telemetry | undefined, headers: RequestHeaders): DownstreamPeer | undefined {
  const id = headers.get(PEER_ID_HEADER);
  const value = headers.get(PEER_METADATA_HEADER);
  if (id === undefined && value === undefined) return undefined;
  headers.delete(PEER_ID_HEADER);
  headers.delete(PEER_METADATA_HEADER);
  return { peer: value && t ? t.peerFrom(value) : undefined, sentId: id !== undefined, sentMetadata: value !== undefined };
}

const NO_EXCHANGE = new Set(['PassthroughCluster', 'BlackHoleCluster', 'InboundPassthroughCluster']);

/** Per Cluster resource (a new snapshot's clusters are new objects). */
const decided = new WeakMap<object, boolean>();

function exchangesWith(clusters: ClusterManager, cluster: string | undefined): boolean {
  if (!cluster || NO_EXCHANGE.has(cluster)) return false;
  const c = clusters.get(cluster)?.cluster;
  if (!c) return false;
  let yes = decided.get(c);
  if (yes === undefined) {
    const istio = c.metadata?.filterMetadata?.['istio'] as Record<string, unknown> | undefined;
    decided.set(c, (yes = istio?.['external'] !== true && istio?.['disable_mx'] !== true));
  }
  return yes;
}

/** Outbound: this proxy's pair on a request for `cluster` (the route's choice). */
export function addUpstreamExchange(t: Telemetry | undefined, clusters: ClusterManager, headers: RequestHeaders, cluster: string | undefined): void {
  const ex = t?.exchange;
  if (!ex || !exchangesWith(clusters, cluster)) return;
  headers.set(PEER_ID_HEADER, ex.id);
  headers.set(PEER_METADATA_HEADER, ex.value);
}

/** Inbound response: this proxy's pair, answering the headers the request carried. */
export function answerDownstream(t: Telemetry | undefined, down: DownstreamPeer | undefined, response: Headers): void {
  const ex = t?.exchange;
  if (!ex || !down) return;
  if (down.sentId) response[PEER_ID_HEADER] = ex.id;
  if (down.sentMetadata) response[PEER_METADATA_HEADER] = ex.value;
}

/** Outbound response: the upstream's announced peer, its headers removed. */
export function takeUpstreamPeer(t: Telemetry | undefined, response: Headers): Peer | undefined {
  const value = response[PEER_METADATA_HEADER];
  if (value === undefined && response[PEER_ID_HEADER] === undefined) return undefined;
  delete response[PEER_ID_HEADER];
  delete response[PEER_METADATA_HEADER];
  const v = Array.isArray(value) ? value[0] : value;
  return v && t ? t.peerFrom(v) : undefined;
}
