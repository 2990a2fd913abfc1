/**
 * The proxy's xDS identity, as Istio's pilot-agent announces it: node id
 * `sidecar~IP~POD.NS~NS.svc.cluster.local` (`router~…` for gateways) and node metadata (a
 * Struct, sent as plain JSON) with NAMESPACE, LABELS, WORKLOAD_NAME, SERVICE_ACCOUNT,
 * CLUSTER_ID, NETWORK, INTERCEPTION_MODE, INSTANCE_IPS and ISTIO_VERSION. GENERATOR is never set:
 * that key asks the control plane for proxyless-gRPC output, which a proxy cannot use.
 * INTERCEPTION_MODE is REDIRECT when outbound traffic is captured (transparent, iptables) and
 * NONE when the app is pointed at the proxy explicitly (HTTP_PROXY), as Istio's VMs without
 * iptables do: with NONE the control plane omits virtualOutbound and binds listeners to real
 * ports. Pure; must not import the control plane (the server parses this with proxyFromNode).
 */
import { nodeId } from '../../api/names.js';
import type { Node } from '../../api/xds/index.js';

/** Istio's default cluster id for the primary (Kubernetes) cluster. */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';
/** The Istio release whose node metadata this mirrors (reported as ISTIO_VERSION). */
export const ISTIO_COMPAT_VERSION = '1.22.0';
export const USER_AGENT = 'trellis';

export type ProxyKind = 'sidecar' | 'router';
export type OutboundMode = 'explicit' | 'transparent';

export interface NodeOptions {
  type: ProxyKind;
  ip: string;
  /** Pod (instance) name. */
  name: string;
  namespace: string;
  labels?: Readonly<Record<string, string>>;
  /** Default `default`, as Kubernetes. */
  serviceAccount?: string;
  /** The workload (Deployment) name; default: the pod name. */
  workloadName?: string;
  /** Default `Kubernetes`. */
  clusterId?: string;
  /** Default '' (the default network). */
  network?: string;
  /** Default `transparent` for sidecars (Istio's REDIRECT); gateways are never intercepted. */
  outbound?: OutboundMode;
  /** Reported as user_agent_version; default the package's version is not read (pure). */
  version?: string;
  /**
   * INTERCEPTION_MODE when it differs from what `outbound` implies: `trellis up` runs sidecars
   * with explicit outbound (HTTP_PROXY) that still own their pod IP's inbound ports (REDIRECT).
   */
  interceptionMode?: InterceptionMode;
}

export type InterceptionMode = 'REDIRECT' | 'NONE';

/** Istio's INTERCEPTION_MODE for an outbound capture mode. */
export function interceptionMode(type: ProxyKind, outbound: OutboundMode | undefined): InterceptionMode {
  // Istio gateways report REDIRECT too (the default); the control plane does not build capture
  // listeners for routers either way.
  if (type === 'router') return 'REDIRECT';
  return (outbound ?? 'transparent') === 'explicit' ? 'NONE' : 'REDIRECT';
}

/** Parses `k=v,k2=v2` (the --labels flag); throws on an entry without `=` or an empty key. */
export function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`invalid label ${JSON.stringify(p)}: expected KEY=VALUE`);
    out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}

/** The `envoy.config.core.v3.Node` the proxy sends on the first request of every stream. */
export function buildNode(o: NodeOptions): Node {
  if (!o.ip || !o.name || !o.namespace) throw new Error('node identity needs ip, name and namespace');
  const labels = { ...(o.labels ?? {}) };
  const workloadName = o.workloadName ?? o.name;
  const metadata: Record<string, unknown> = {
    NAMESPACE: o.namespace,
    LABELS: labels,
    WORKLOAD_NAME: workloadName,
    SERVICE_ACCOUNT: o.serviceAccount ?? 'default',
    CLUSTER_ID: o.clusterId ?? DEFAULT_CLUSTER_ID,
    NETWORK: o.network ?? '',
    INTERCEPTION_MODE: o.interceptionMode ?? interceptionMode(o.type, o.outbound),
    INSTANCE_IPS: o.ip,
    ISTIO_VERSION: ISTIO_COMPAT_VERSION,
  };
  // Istio's service cluster: the app (or workload) name and the namespace.
  const app = labels['app'] ?? labels['app.kubernetes.io/name'] ?? workloadName;
  return {
    id: nodeId(o.type, o.ip, o.name, o.namespace),
    cluster: `${app}.${o.namespace}`,
    metadata,
    userAgentName: USER_AGENT,
    ...(o.version ? { userAgentVersion: o.version } : {}),
  };
}
