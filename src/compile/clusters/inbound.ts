/**
 * Sidecar inbound clusters, as Istio's `buildInboundClusters`: one `inbound|PORT||` per workload
 * port that a service selecting this workload targets (first service wins a shared port), or, when
 * the proxy's Sidecar declares `ingress` listeners, one per listener (its `defaultEndpoint`, or
 * ORIGINAL_DST when none). Only the connection pool of the service's DestinationRule applies,
 * overridden by the Sidecar's `inboundConnectionPool` / per-listener `connectionPool`.
 *
 * Trellis local mode: every workload has its own loopback IP and the app listens there, not on
 * 127.0.0.1 (which would be shared by all workloads on the machine). So where Istio sends inbound
 * traffic to 127.0.0.1:TARGET_PORT, Trellis sends it to PROXY_IP:TARGET_PORT (a Sidecar
 * `defaultEndpoint` of 127.0.0.1 / 0.0.0.0 maps to the proxy IP too); and, as Istio does for any
 * non-localhost endpoint, the upstream connection binds 127.0.0.6 as its source.
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import type { Address } from '../../api/envoy/common.js';
import type { ConnectionPoolSettings } from '../../api/istio/destination-rule.js';
import { inboundCluster } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { parseProtocol } from '../../registry/protocol.js';
import type { Endpoint, Service, ServicePort, ServiceProtocol } from '../../registry/types.js';
import { endpointAddress } from '../endpoints/build.js';
import { applyConnectionPool } from './connection-pool.js';
import { finish, newDraft } from './draft.js';
import { MAX_DURATION } from './mesh-defaults.js';
import { addRuleConfig, addServices } from './metadata.js';
import { policyForPort } from './policy.js';
import { INBOUND_PASSTHROUGH_BIND_IPV4 } from './special.js';

export interface ServiceTarget { service: Service; port: ServicePort; endpoint: Endpoint }

/** The proxy's service targets (Istio's `ServiceTargets`): its endpoints with their services, by target port. */
export function serviceTargets(snapshot: Snapshot, proxy: Proxy): Map<number, ServiceTarget[]> {
  const byPort = new Map<number, ServiceTarget[]>();
  for (const ep of snapshot.endpointsAt(proxy.ip)) {
    const service = snapshot.servicesByHost(ep.hostname).find((s) => s.namespace === ep.serviceNamespace);
    const port = service?.ports.find((p) => p.port === ep.servicePort);
    if (!service || !port) continue;
    byPort.set(ep.port, [...(byPort.get(ep.port) ?? []), { service, port, endpoint: ep }]);
  }
  return new Map([...byPort.entries()].sort((a, b) => a[0] - b[0]));
}

function isLocalhost(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1';
}

function sidecarPool(snapshot: Snapshot, proxy: Proxy, port: number): ConnectionPoolSettings | undefined {
  const sc = snapshot.sidecarScope(proxy).sidecar?.spec;
  const listener = (sc?.ingress ?? []).find((l) => l?.port?.number === port && l.connectionPool);
  return listener?.connectionPool ?? sc?.inboundConnectionPool ?? undefined;
}

function buildInbound(
  snapshot: Snapshot, proxy: Proxy, clusterPort: number, bind: Address | undefined,
  protocol: ServiceProtocol, services: readonly Service[], servicePort: number | undefined,
): Cluster {
  const name = inboundCluster(clusterPort);
  const d = newDraft(name, bind ? 'STATIC' : 'ORIGINAL_DST', protocol, proxy.type);
  const c = d.cluster;
  if (bind) c.loadAssignment = { clusterName: name, endpoints: [{ lbEndpoints: [{ endpoint: { address: bind } }] }] };
  else c.cleanupInterval = MAX_DURATION;
  addServices(c, services);
  let pool: ConnectionPoolSettings | undefined;
  const primary = services[0];
  const rule = primary ? snapshot.destinationRule(primary.hostname, proxy) : undefined;
  if (rule?.trafficPolicy) {
    pool = policyForPort(rule.trafficPolicy, servicePort).policy?.connectionPool;
    addRuleConfig(c, rule);
  }
  pool = sidecarPool(snapshot, proxy, clusterPort) ?? pool;
  applyConnectionPool(d, pool);
  if (c.type === 'ORIGINAL_DST') c.lbPolicy = 'CLUSTER_PROVIDED';
  const addr = bind?.socketAddress?.address;
  if (addr && !isLocalhost(addr)) {
    c.upstreamBindConfig = { sourceAddress: { address: INBOUND_PASSTHROUGH_BIND_IPV4, portValue: 0 } };
  }
  return finish(d);
}

/** Istio's `defaultEndpoint` parsing, with Trellis's loopback mapping (see the file comment). */
function defaultEndpoint(proxy: Proxy, text: string | undefined): { bind?: Address; port: number } {
  if (!text) return { port: 0 };
  if (text.startsWith('unix://')) return { bind: endpointAddress(text, 0), port: 0 };
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (!m) return { port: 0 };
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (['127.0.0.1', '0.0.0.0', '::1', '::'].includes(host)) return { bind: endpointAddress(proxy.ip, port), port };
  return { port };
}

export function inboundClusters(snapshot: Snapshot, proxy: Proxy): Cluster[] {
  const targets = serviceTargets(snapshot, proxy);
  const ingress = (snapshot.sidecarScope(proxy).sidecar?.spec.ingress ?? []).filter((l) => l?.port?.number);
  if (ingress.length === 0) {
    if (proxy.interceptionMode === 'NONE') return [];
    return [...targets.entries()].map(([targetPort, ts]) => {
      const first = ts[0]!;
      const services = [...new Map(ts.map((t) => [`${t.service.namespace}/${t.service.hostname}`, t.service])).values()];
      return buildInbound(snapshot, proxy, targetPort, endpointAddress(proxy.ip, targetPort), first.port.protocol, services, first.port.port);
    });
  }
  return ingress.map((l) => {
    const number = l.port!.number!;
    const { bind } = defaultEndpoint(proxy, l.defaultEndpoint);
    const match = targets.get(number)?.[0];
    const services = match ? [match.service] : [];
    return buildInbound(snapshot, proxy, number, bind, parseProtocol(l.port?.protocol), services, number);
  });
}
