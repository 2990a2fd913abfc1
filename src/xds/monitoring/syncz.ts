/**
 * `/debug/syncz`: the sync status of every connected proxy, in the JSON shape Istio's istiod
 * serves there (pilot/pkg/xds/debug.go `SyncStatus`), so tools written for it read ours: one
 * entry per ADS connection with `proxy` (Istio's proxy id, `POD.NAMESPACE`), `cluster_id`,
 * `proxy_type`, `istio_version` (the Trellis version here), `cluster_sent`/`cluster_acked`,
 * `listener_*`, `route_*`, `endpoint_*`, and `resources` keyed by type URL with `sent`, `acked`,
 * `sentTime` and `lastError`. Istio puts nonces in the `*_sent`/`*_acked` fields; Trellis puts the
 * versions sent and acked (content hashes: equal means the proxy has exactly what was sent). Added
 * to Istio's shape: `node_id`, `connection_id`, `connected_at`, `delta`, `snapshot_version`, and
 * per type the nonce, counts, subscription and `lastNack` (version, nonce, message, code, time).
 * `lastError` is the message of a NACK of the version sent last (cleared once a newer version is
 * sent). Also: finding a connection from a `proxyID` query as istiod does. Pure data shaping.
 */
import { TypeUrl } from '../../api/envoy/common.js';
import type { ProxySyncStatus, TypeSyncStatus } from '../types.js';

/** The prefix Istio's flat fields use for each type URL (`cluster_sent`, …). */
export const SYNCZ_PREFIX: Readonly<Record<string, string>> = {
  [TypeUrl.Cluster]: 'cluster',
  [TypeUrl.Listener]: 'listener',
  [TypeUrl.RouteConfiguration]: 'route',
  [TypeUrl.ClusterLoadAssignment]: 'endpoint',
};

export interface SyncNack {
  version: string;
  nonce: string;
  message: string;
  code?: number;
  /** ISO 8601. */
  time: string;
}

/** Per type URL (Istio's `ResourceStatus`, with Trellis additions). */
export interface ResourceSyncStatus {
  /** Version last sent. */
  sent?: string;
  /** Version last acked on this connection. */
  acked?: string;
  /** ISO 8601. */
  sentTime?: string;
  ackedTime?: string;
  /** The NACK message when the version sent last was rejected. */
  lastError?: string;
  nonceSent?: string;
  /** Resources in the last response. */
  sentCount?: number;
  /** `*` (wildcard) or the names subscribed. */
  subscribed: '*' | readonly string[];
  lastNack?: SyncNack;
}

/** One entry of `/debug/syncz` (Istio's `SyncStatus`, with Trellis additions). */
export interface SyncStatus {
  cluster_id?: string;
  /** Istio's proxy id: `POD.NAMESPACE`. */
  proxy: string;
  proxy_type?: string;
  istio_version?: string;
  cluster_sent?: string;
  cluster_acked?: string;
  listener_sent?: string;
  listener_acked?: string;
  route_sent?: string;
  route_acked?: string;
  endpoint_sent?: string;
  endpoint_acked?: string;
  resources: Record<string, ResourceSyncStatus>;
  /** The full xDS node id (`sidecar~IP~POD.NS~NS.svc.cluster.local`). */
  node_id: string;
  connection_id: string;
  /** ISO 8601. */
  connected_at: string;
  /** Incremental (Delta) ADS stream. */
  delta: boolean;
  /** The snapshot the last response on this connection was generated from. */
  snapshot_version?: string;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();
}

/** Istio's proxy id, `POD.NAMESPACE`: the third part of the node id (or the whole id if it has none). */
export function istioProxyId(nodeId: string): string {
  const parts = nodeId.split('~');
  return parts.length === 4 && parts[2] ? parts[2] : nodeId;
}

/** Whether the version sent last for this type was NACKed (and nothing newer sent since). */
export function standingNack(t: TypeSyncStatus): boolean {
  return !!t.lastNack && t.sentNonce !== undefined && t.lastNack.nonce === t.sentNonce;
}

function resourceStatus(t: TypeSyncStatus): ResourceSyncStatus {
  const out: ResourceSyncStatus = { subscribed: t.subscribed };
  if (t.sentVersion !== undefined) out.sent = t.sentVersion;
  if (t.ackedVersion !== undefined) out.acked = t.ackedVersion;
  const sentTime = iso(t.sentAt);
  if (sentTime) out.sentTime = sentTime;
  const ackedTime = iso(t.ackedAt);
  if (ackedTime) out.ackedTime = ackedTime;
  if (t.lastNack && standingNack(t)) out.lastError = t.lastNack.message;
  if (t.sentNonce !== undefined) out.nonceSent = t.sentNonce;
  if (t.sentCount !== undefined) out.sentCount = t.sentCount;
  if (t.lastNack) {
    const n = t.lastNack;
    out.lastNack = { version: n.version, nonce: n.nonce, message: n.message, ...(n.code !== undefined ? { code: n.code } : {}), time: iso(n.at) ?? '' };
  }
  return out;
}

/** The syncz entry of one connection (fields in Istio's order, Trellis's after). */
export function syncStatus(s: ProxySyncStatus, version: string | undefined): SyncStatus {
  const flat: Record<string, string> = {};
  const resources: Record<string, ResourceSyncStatus> = {};
  for (const t of s.types) {
    resources[t.typeUrl] = resourceStatus(t);
    const prefix = SYNCZ_PREFIX[t.typeUrl];
    if (!prefix) continue;
    if (t.sentVersion !== undefined) flat[`${prefix}_sent`] = t.sentVersion;
    if (t.ackedVersion !== undefined) flat[`${prefix}_acked`] = t.ackedVersion;
  }
  const ordered: Record<string, string> = {};
  for (const prefix of Object.values(SYNCZ_PREFIX)) {
    for (const key of [`${prefix}_sent`, `${prefix}_acked`]) if (flat[key] !== undefined) ordered[key] = flat[key];
  }
  return {
    cluster_id: s.proxy.clusterId,
    proxy: istioProxyId(s.id),
    proxy_type: s.proxy.type,
    ...(version ? { istio_version: version } : {}),
    ...ordered,
    resources,
    node_id: s.id,
    connection_id: s.connectionId,
    connected_at: iso(s.connectedAt) ?? '',
    delta: s.delta,
    ...(s.snapshotVersion !== undefined ? { snapshot_version: s.snapshotVersion } : {}),
  };
}

/** `/debug/syncz[?namespace=NS]`: entries sorted by proxy id, then connection. */
export function syncz(statuses: readonly ProxySyncStatus[], version: string | undefined, namespace?: string): SyncStatus[] {
  return statuses
    .filter((s) => !namespace || s.proxy.namespace === namespace)
    .map((s) => syncStatus(s, version))
    .sort((a, b) => (a.proxy < b.proxy ? -1 : a.proxy > b.proxy ? 1 : a.connection_id < b.connection_id ? -1 : a.connection_id > b.connection_id ? 1 : 0));
}

export type ProxyLookup<T> =
  | { found: T }
  | { missing: true; connected: string[] }
  | { ambiguous: string[] };

/**
 * The connection a `proxyID` names, as istiod's debug endpoints find it: the full node id, else
 * Istio's proxy id (`POD.NAMESPACE`), else a part of the node id shared by one node only (istiod
 * takes the first whose id contains it; Trellis refuses to guess between several). The newest
 * connection of a node wins.
 */
export function findProxy<T extends { id: string }>(items: readonly T[], query: string): ProxyLookup<T> {
  const newest = (list: readonly T[]) => list[list.length - 1]!;
  const exact = items.filter((s) => s.id === query);
  if (exact.length > 0) return { found: newest(exact) };
  const byIstioId = items.filter((s) => istioProxyId(s.id) === query);
  const nodes = (list: readonly T[]) => [...new Set(list.map((s) => s.id))];
  if (byIstioId.length > 0) {
    return nodes(byIstioId).length === 1 ? { found: newest(byIstioId) } : { ambiguous: nodes(byIstioId) };
  }
  const partial = query ? items.filter((s) => s.id.includes(query)) : [];
  if (partial.length > 0) {
    return nodes(partial).length === 1 ? { found: newest(partial) } : { ambiguous: nodes(partial) };
  }
  return { missing: true, connected: nodes(items) };
}
