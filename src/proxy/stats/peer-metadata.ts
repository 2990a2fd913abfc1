/**
 * Istio's metadata exchange over HTTP (the `istio.metadata_exchange` / peer_metadata filter), so
 * that both ends of a request know who the other is: a proxy sends `x-envoy-peer-metadata-id`
 * (its node id) and `x-envoy-peer-metadata` (base64 of a serialized google.protobuf.Struct) with
 * every request to an in-mesh upstream; the inbound sidecar reads them (the source of its
 * `reporter="destination"` metrics), strips them before the app sees the request, and, because
 * the request carried them, answers with its own pair on the response, which the outbound side
 * reads (the destination of its `reporter="source"` metrics) and strips before the app sees it.
 *
 * The Struct has the keys Istio's proxy puts there (convertWorkloadMetadataToStruct): NAME (pod),
 * NAMESPACE, WORKLOAD_NAME, CLUSTER_ID and LABELS with `service.istio.io/canonical-name`,
 * `service.istio.io/canonical-revision`, `app` and `version`; decoding also reads the older,
 * fuller form (all LABELS, `app.kubernetes.io/*`). Headers from peers are untrusted input: a
 * value that is not base64 of a Struct is ignored, never an error. Decoded peers are cached by
 * header value (bounded). The Struct is encoded and decoded by api/xds/wire-struct.ts (no
 * protobufjs in the proxy). No I/O, no clock.
 */
import type { Node } from '../../api/xds/discovery.js';
import { decodeStruct, encodeStruct } from '../../api/xds/wire-struct.js';
import type { PeerLabels } from './istio.js';

export const PEER_ID_HEADER = 'x-envoy-peer-metadata-id';
export const PEER_METADATA_HEADER = 'x-envoy-peer-metadata';

const CANONICAL_NAME = 'service.istio.io/canonical-name';
const CANONICAL_REVISION = 'service.istio.io/canonical-revision';

/** The workload facts the exchange carries. */
export interface WorkloadMetadata {
  /** Pod (instance) name. */
  name?: string;
  namespace?: string;
  workloadName?: string;
  clusterId?: string;
  labels: Readonly<Record<string, string>>;
}

/** This proxy's pair of header values, computed once. */
export interface LocalExchange {
  readonly id: string;
  readonly value: string;
}

type StructJson = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The Struct's JSON form, keys sorted (Istio serializes deterministically). */
function toStruct(m: WorkloadMetadata): StructJson {
  const out: StructJson = {};
  const labels = Object.fromEntries(Object.entries(m.labels).filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  if (m.clusterId) out['CLUSTER_ID'] = m.clusterId;
  out['LABELS'] = labels;
  if (m.name) out['NAME'] = m.name;
  if (m.namespace) out['NAMESPACE'] = m.namespace;
  if (m.workloadName) out['WORKLOAD_NAME'] = m.workloadName;
  return out;
}

export function encodePeerMetadata(m: WorkloadMetadata): string {
  return encodeStruct(toStruct(m)).toString('base64');
}

/** The header value decoded, or undefined when it is not base64 of a Struct. */
export function decodePeerMetadata(value: string): WorkloadMetadata | undefined {
  if (!value || value.length > 16_384 || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return undefined;
  let json: StructJson;
  try {
    json = decodeStruct(Buffer.from(value, 'base64'));
  } catch {
    return undefined;
  }
  const rawLabels = json['LABELS'];
  const labels: Record<string, string> = {};
  if (rawLabels && typeof rawLabels === 'object' && !Array.isArray(rawLabels)) {
    for (const [k, v] of Object.entries(rawLabels as Record<string, unknown>)) if (typeof v === 'string') labels[k] = v;
  }
  if (Object.keys(json).length === 0) return undefined;
  const m: WorkloadMetadata = { labels };
  const name = str(json['NAME']);
  const namespace = str(json['NAMESPACE']);
  const workloadName = str(json['WORKLOAD_NAME']);
  const clusterId = str(json['CLUSTER_ID']);
  if (name) m.name = name;
  if (namespace) m.namespace = namespace;
  if (workloadName) m.workloadName = workloadName;
  if (clusterId) m.clusterId = clusterId;
  return m;
}

/** What this proxy announces, from its node (id `TYPE~IP~POD.NS~…`, metadata as bootstrap/node.ts builds it). */
export function workloadMetadataOf(node: Node): WorkloadMetadata {
  const md = (node.metadata ?? {}) as Record<string, unknown>;
  const podDotNs = (node.id ?? '').split('~')[2] ?? '';
  const namespace = str(md['NAMESPACE']);
  const name = str(md['NAME']) ?? (namespace && podDotNs.endsWith(`.${namespace}`) ? podDotNs.slice(0, -namespace.length - 1) : podDotNs.split('.')[0]);
  const workloadName = str(md['WORKLOAD_NAME']) ?? name;
  const l = (md['LABELS'] && typeof md['LABELS'] === 'object' ? md['LABELS'] : {}) as Record<string, unknown>;
  const app = str(l['app']) ?? str(l['app.kubernetes.io/name']);
  const version = str(l['version']) ?? str(l['app.kubernetes.io/version']);
  // The canonical labels Istio's injector puts on every pod.
  const labels: Record<string, string> = {
    [CANONICAL_NAME]: str(l[CANONICAL_NAME]) ?? app ?? workloadName ?? '',
    [CANONICAL_REVISION]: str(l[CANONICAL_REVISION]) ?? version ?? 'latest',
    ...(app ? { app } : {}),
    ...(version ? { version } : {}),
  };
  return { ...(name ? { name } : {}), ...(namespace ? { namespace } : {}), ...(workloadName ? { workloadName } : {}), ...(str(md['CLUSTER_ID']) ? { clusterId: str(md['CLUSTER_ID']) } : {}), labels };
}

export function localExchange(node: Node): LocalExchange {
  return { id: node.id ?? '', value: encodePeerMetadata(workloadMetadataOf(node)) };
}

/** Istio's source_* / destination_* workload labels for a peer (principal comes from mTLS, not from here). */
export function peerLabelsOf(m: WorkloadMetadata): PeerLabels {
  const l = m.labels;
  const app = l['app'] ?? l['app.kubernetes.io/name'];
  const version = l['version'] ?? l['app.kubernetes.io/version'];
  const out: PeerLabels = {};
  if (m.workloadName) out.workload = m.workloadName;
  if (m.namespace) out.namespace = m.namespace;
  if (app) out.app = app;
  if (version) out.version = version;
  if (m.clusterId) out.cluster = m.clusterId;
  if (l[CANONICAL_NAME]) out.canonicalService = l[CANONICAL_NAME];
  if (l[CANONICAL_REVISION]) out.canonicalRevision = l[CANONICAL_REVISION];
  return out;
}

/** Decoded peers by header value (a peer sends the same value every time), bounded. */
export class PeerMetadataCache {
  private readonly byValue = new Map<string, WorkloadMetadata | null>();

  constructor(private readonly max = 1024) {}

  get(value: string): WorkloadMetadata | undefined {
    let m = this.byValue.get(value);
    if (m === undefined) {
      m = decodePeerMetadata(value) ?? null;
      if (this.byValue.size >= this.max) this.byValue.delete(this.byValue.keys().next().value!);
      this.byValue.set(value, m);
    }
    return m ?? undefined;
  }
}
