/**
 * Proxy identity: the Proxy of a registry workload (what the local runner and tests use), and the
 * Proxy an xDS client announces (Istio node id `TYPE~IP~POD.NS~NS.svc.cluster.local` plus node
 * metadata NAMESPACE, LABELS, WORKLOAD_NAME, SERVICE_ACCOUNT, CLUSTER_ID, NETWORK,
 * INTERCEPTION_MODE, GENERATOR, and Envoy's node locality). Gateway workloads are `router`
 * proxies. A proxy's locality is the node's, else (as Istio takes it from the proxy's first
 * service target) the locality of the registry workload at its address: `withLocality`
 * resolves it against a snapshot, once per snapshot, so that the compiler reads it from the
 * Proxy and proxies in one locality can share their endpoint output. Pure functions.
 */
import type { Locality } from '../api/envoy/common.js';
import { nodeId } from '../api/names.js';
import { isGatewayWorkload } from '../registry/gateways.js';
import type { Workload } from '../registry/types.js';
import type { Proxy, ProxyType, Snapshot } from './types.js';

/** Istio's default cluster id for the primary (Kubernetes) cluster. */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

export function proxyForWorkload(workload: Workload, _snapshot?: Snapshot): Proxy {
  const type: ProxyType = isGatewayWorkload(workload) ? 'router' : 'sidecar';
  return {
    id: nodeId(type, workload.address, workload.podName, workload.namespace),
    type,
    ip: workload.address,
    podName: workload.podName,
    namespace: workload.namespace,
    labels: { ...workload.labels },
    workloadName: workload.name,
    serviceAccount: workload.serviceAccount,
    clusterId: DEFAULT_CLUSTER_ID,
    network: workload.network,
    interceptionMode: 'REDIRECT',
  };
}

export interface ParsedNodeId {
  type: ProxyType;
  ip: string;
  podName: string;
  namespace: string;
  domain: string;
}

/** Splits an Istio node id; undefined when it is not `sidecar|router~IP~POD.NS~DOMAIN`. */
export function parseNodeId(id: string): ParsedNodeId | undefined {
  const parts = id.split('~');
  if (parts.length !== 4) return undefined;
  const [type, ip, pod, domain] = parts as [string, string, string, string];
  if (type !== 'sidecar' && type !== 'router') return undefined;
  const dot = pod.lastIndexOf('.');
  const podName = dot < 0 ? pod : pod.slice(0, dot);
  let namespace = dot < 0 ? '' : pod.slice(dot + 1);
  if (!namespace) namespace = domain.split('.')[0] ?? '';
  return { type, ip, podName, namespace, domain };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  }
  return out;
}

/** `region/zone/subzone` of an Envoy Locality (missing parts empty); undefined when it has none. */
export function localityLabel(locality: Locality | undefined): string | undefined {
  const parts = [locality?.region ?? '', locality?.zone ?? '', locality?.subZone ?? ''];
  if (parts.every((p) => p === '')) return undefined;
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('/');
}

/**
 * The Proxy an xDS node announces; `locality` is the node's (Envoy `Node.locality`), which
 * becomes `Proxy.locality` when it names anything. Throws on a malformed node id.
 */
export function proxyFromNode(id: string, metadata: Readonly<Record<string, unknown>> = {}, locality?: Locality): Proxy {
  const parsed = parseNodeId(id);
  if (!parsed) throw new Error(`invalid node id ${JSON.stringify(id)}: expected TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local`);
  const namespace = str(metadata.NAMESPACE) ?? parsed.namespace;
  const mode = str(metadata.INTERCEPTION_MODE);
  const generator = str(metadata.GENERATOR);
  return {
    id,
    type: parsed.type,
    ip: parsed.ip,
    podName: parsed.podName,
    namespace,
    labels: labelsOf(metadata.LABELS),
    workloadName: str(metadata.WORKLOAD_NAME) ?? parsed.podName,
    serviceAccount: str(metadata.SERVICE_ACCOUNT) ?? 'default',
    clusterId: str(metadata.CLUSTER_ID) ?? DEFAULT_CLUSTER_ID,
    network: str(metadata.NETWORK) ?? '',
    ...(generator ? { generator } : {}),
    interceptionMode: mode === 'NONE' ? 'NONE' : 'REDIRECT',
    ...(localityLabel(locality) !== undefined ? { locality: localityLabel(locality)! } : {}),
  };
}

/**
 * `proxy` with its locality for `snapshot`: a node that announced one keeps it (`fromNode`);
 * otherwise the locality of the registry workload at the proxy's address ('' when none), as
 * Istio falls back to its first service target's. The same object when nothing changes.
 */
export function withLocality(proxy: Proxy, snapshot: Snapshot, fromNode: boolean): Proxy {
  if (fromNode) return proxy;
  const locality = snapshot.workloadByAddress(proxy.ip)?.locality ?? '';
  return proxy.locality === locality ? proxy : { ...proxy, locality };
}
