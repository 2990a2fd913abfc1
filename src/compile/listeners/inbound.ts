/**
 * A sidecar's inbound side, as Istio's listener_inbound.go builds it with mTLS disabled (Trellis
 * has no PeerAuthentication yet, so every chain is the plaintext variant): the `virtualInbound`
 * listener on 0.0.0.0:15006 (original_dst) with a `virtualInbound-blackhole` chain for 15006
 * itself, the passthrough chains (`virtualInbound-catchall-http` for sniffed HTTP,
 * `virtualInbound` for TCP) to InboundPassthroughCluster, and one chain per inbound port named
 * `0.0.0.0_TARGETPORT` matching that destination port: an HTTP connection manager with an inline
 * route to `inbound|PORT||` for HTTP ports, tcp_proxy for TCP ports. Ports come from the
 * services selecting the workload (target ports, oldest service first on a clash) or, when the
 * Sidecar has ingress listeners, from those; captureMode NONE ingress becomes a bound listener.
 */
import type { FilterChain, Listener, ListenerFilter, ListenerFilterChainMatchPredicate } from '../../api/envoy/listener.js';
import { TransportProtocol } from '../../api/envoy/listener.js';
import type { RouteConfiguration } from '../../api/envoy/route.js';
import {
  BLACKHOLE_CLUSTER,
  INBOUND_PASSTHROUGH_CLUSTER,
  VIRTUAL_INBOUND_LISTENER,
  VIRTUAL_INBOUND_PORT,
  inboundCluster,
  listenerName,
} from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { parseProtocol } from '../../registry/protocol.js';
import type { ServiceProtocol } from '../../registry/types.js';
import { serviceTargets } from '../clusters/inbound.js';
import {
  PLAINTEXT_HTTP_ALPNS,
  STAT_PREFIX_DELIMITER,
  httpConnectionManagerFilter,
  httpInspectorFilter,
  listenerStatPrefix,
  originalDstFilter,
  tcpProxyToCluster,
} from './filters.js';
import { listenerProtocol } from './protocol.js';
import { WILDCARD_ADDRESS } from './virtual-outbound.js';

export const VIRTUAL_INBOUND_BLACKHOLE_CHAIN = 'virtualInbound-blackhole';
export const VIRTUAL_INBOUND_CATCHALL_HTTP_CHAIN = 'virtualInbound-catchall-http';

/** One inbound port: Istio's inboundChainConfig. */
export interface InboundPort {
  /** Service port (naming of the virtual host and trace operation). */
  port: number;
  targetPort: number;
  protocol: ServiceProtocol;
  hostname: string;
  bind: string;
  bindToPort: boolean;
  passthrough?: boolean;
}

/** The ports this proxy serves: Sidecar ingress listeners, else the services selecting it. */
export function inboundPorts(snapshot: Snapshot, proxy: Proxy): InboundPort[] {
  const scope = snapshot.sidecarScope(proxy);
  const ingress = scope.sidecar?.spec.ingress ?? [];
  const byPort = new Map<number, InboundPort>();
  if (ingress.length > 0) {
    for (const i of ingress) {
      const n = i.port?.number;
      if (!n || byPort.has(n)) continue;
      const bindToPort = i.captureMode ? i.captureMode === 'NONE' : proxy.interceptionMode === 'NONE';
      byPort.set(n, {
        port: n, targetPort: n, protocol: parseProtocol(i.port?.protocol), hostname: `${scope.sidecar!.name}.${scope.sidecar!.namespace}`,
        bind: i.bind || WILDCARD_ADDRESS, bindToPort,
      });
    }
  } else if (proxy.interceptionMode !== 'NONE') {
    // The same service targets the inbound clusters are built from, so chains and clusters agree.
    for (const [targetPort, [first]] of serviceTargets(snapshot, proxy)) {
      if (!first) continue;
      byPort.set(targetPort, {
        port: first.port.port, targetPort, protocol: first.port.protocol, hostname: first.service.hostname,
        bind: WILDCARD_ADDRESS, bindToPort: false,
      });
    }
  }
  return [...byPort.values()].sort((a, b) => a.targetPort - b.targetPort);
}

/** Istio's buildSidecarInboundHTTPRouteConfig: one `*` virtual host, one default route. */
export function inboundRouteConfig(p: InboundPort, cluster: string): RouteConfiguration {
  return {
    name: cluster,
    virtualHosts: [{
      name: `inbound|http|${p.port}`,
      domains: ['*'],
      routes: [{
        name: 'default',
        match: { prefix: '/' },
        decorator: { operation: `${p.hostname}:${p.port}/*` },
        route: { cluster, timeout: '0s', maxStreamDuration: { maxStreamDuration: '0s', grpcTimeoutHeaderMax: '0s' } },
      }],
    }],
    validateClusters: false,
  };
}

function chainName(p: InboundPort, http: boolean): string {
  if (p.passthrough) return http ? VIRTUAL_INBOUND_CATCHALL_HTTP_CHAIN : VIRTUAL_INBOUND_LISTENER;
  return listenerName(p.bind, p.targetPort);
}

/** The plaintext chains of one port (Istio's inboundPlainText*FilterChainMatchOptions). */
export function inboundChains(p: InboundPort, sniffing: boolean): FilterChain[] {
  const cluster = p.passthrough ? INBOUND_PASSTHROUGH_CLUSTER : inboundCluster(p.targetPort);
  const lp = p.passthrough ? (sniffing ? 'AUTO' : 'TCP') : listenerProtocol(p.protocol, sniffing);
  const destinationPort = p.targetPort > 0 ? { destinationPort: p.targetPort } : {};
  const chains: FilterChain[] = [];
  if (lp === 'HTTP' || lp === 'AUTO') {
    const statPrefix = p.passthrough ? `${cluster}${STAT_PREFIX_DELIMITER}` : listenerStatPrefix('inbound', listenerName(p.bind, p.targetPort));
    const h2 = p.protocol === 'HTTP2' || p.protocol === 'GRPC' || p.protocol === 'GRPC-Web';
    chains.push({
      name: chainName(p, true),
      filterChainMatch: {
        ...destinationPort,
        transportProtocol: TransportProtocol.RawBuffer,
        ...(lp === 'AUTO' ? { applicationProtocols: [...PLAINTEXT_HTTP_ALPNS] } : {}),
      },
      filters: [httpConnectionManagerFilter({
        statPrefix,
        routeConfig: inboundRouteConfig(p, cluster),
        useRemoteAddress: false,
        extra: {
          forwardClientCertDetails: 'APPEND_FORWARD',
          setCurrentClientCertDetails: { subject: true, dns: true, uri: true },
          ...(h2 ? { http2ProtocolOptions: {} } : {}),
        },
      })],
    });
  }
  if (lp === 'TCP' || lp === 'AUTO') {
    chains.push({
      name: chainName(p, false),
      filterChainMatch: { ...destinationPort, transportProtocol: TransportProtocol.RawBuffer },
      filters: [tcpProxyToCluster(cluster)],
    });
  }
  return chains;
}

function portRange(p: number): ListenerFilterChainMatchPredicate {
  return { destinationPortRange: { start: p, end: p + 1 } };
}

/** Istio's populateListenerFilters for plaintext chains: original_dst, and http_inspector where ALPN is matched. */
function inboundListenerFilters(chains: readonly FilterChain[], bindToPort: boolean): ListenerFilter[] {
  const out: ListenerFilter[] = bindToPort ? [] : [originalDstFilter()];
  const needs = new Map<number, boolean>();
  for (const c of chains) {
    const port = c.filterChainMatch?.destinationPort ?? 0;
    const http = (c.filterChainMatch?.applicationProtocols ?? []).some((a) => a === 'http/1.1' || a === 'h2c');
    needs.set(port, (needs.get(port) ?? false) || http);
  }
  if (![...needs.values()].some(Boolean)) return out;
  const disabled = [...needs.entries()].filter(([, n]) => !n).map(([p]) => p).sort((a, b) => a - b);
  const inspector = httpInspectorFilter();
  if (disabled.length === 1) inspector.filterDisabled = portRange(disabled[0]!);
  else if (disabled.length > 1) inspector.filterDisabled = { orMatch: { rules: disabled.map(portRange) } };
  out.push(inspector);
  return out;
}

function inboundListener(name: string, address: string, port: number, chains: FilterChain[], bindToPort: boolean): Listener {
  return {
    name,
    address: { socketAddress: { address, portValue: port } },
    filterChains: chains,
    listenerFilters: inboundListenerFilters(chains, bindToPort),
    listenerFiltersTimeout: '0s',
    continueOnListenerFiltersTimeout: true,
    trafficDirection: 'INBOUND',
  };
}

/** virtualInbound (unless interception is NONE) and any bound Sidecar-ingress listeners. */
export function inboundListeners(snapshot: Snapshot, proxy: Proxy, sniffing: boolean): Listener[] {
  const ports = inboundPorts(snapshot, proxy);
  const out: Listener[] = [];
  if (proxy.interceptionMode !== 'NONE') {
    const chains: FilterChain[] = [{
      name: VIRTUAL_INBOUND_BLACKHOLE_CHAIN,
      filterChainMatch: { destinationPort: VIRTUAL_INBOUND_PORT },
      filters: [tcpProxyToCluster(BLACKHOLE_CLUSTER)],
    }];
    const passthrough: InboundPort = {
      port: 0, targetPort: 0, protocol: 'UNKNOWN', hostname: '', bind: WILDCARD_ADDRESS, bindToPort: false, passthrough: true,
    };
    chains.push(...inboundChains(passthrough, sniffing));
    for (const p of ports) if (!p.bindToPort) chains.push(...inboundChains(p, sniffing));
    out.push(inboundListener(VIRTUAL_INBOUND_LISTENER, WILDCARD_ADDRESS, VIRTUAL_INBOUND_PORT, chains, false));
  }
  for (const p of ports) {
    if (p.bindToPort) out.push(inboundListener(listenerName(p.bind, p.targetPort), p.bind, p.targetPort, inboundChains(p, sniffing), true));
  }
  return out;
}
