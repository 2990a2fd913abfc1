/**
 * A gateway proxy's listeners, as Istio's buildGatewayListeners (core/gateway.go): one listener
 * `BIND_PORT` per merged server port (see gateway-servers.ts), bound for real. HTTP ports get one
 * HTTP connection manager routed by `http.PORT`; HTTPS servers that terminate TLS get a chain
 * each, matched by SNI, with their DownstreamTlsContext and `https.…` route; TCP servers take
 * the first matching TCP route of the VirtualServices bound to the gateway; PASSTHROUGH servers
 * get a chain per TLS route SNI match; AUTO_PASSTHROUGH servers get a chain per service port
 * (and DestinationRule subset) matching SNI `outbound_.PORT_.SUBSET_.HOST` with Istio's mTLS
 * ALPNs, forwarding to the SNI-DNAT cluster of the same name.
 */
import type { Listener } from '../../api/envoy/listener.js';
import type { Server } from '../../api/istio/gateway.js';
import type { L4MatchAttributes, TCPRoute, TLSRoute } from '../../api/istio/virtual-service.js';
import { listenerName } from '../../api/names.js';
import { hostSubsetOf, hostsMatch } from '../../common/hosts.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { sniDnatPlans } from '../clusters/plan.js';
import { isHttpProtocol, parseProtocol } from '../../registry/protocol.js';
import { buildChain, toFilterChainMatch, type FilterChainOpts } from './chain.js';
import {
  ISTIO_MTLS_ALPNS,
  httpConnectionManagerFilter,
  listenerStatPrefix,
  tlsInspectorFilter,
} from './filters.js';
import { isPassthroughServer, mergeGatewayServers, type MergedPort, type MergedServer } from './gateway-servers.js';
import { gatewayTlsContext } from './gateway-tls.js';
import { resolveVirtualService, type VirtualService } from '../routes/resolve.js';
import { routeNetworkFilters, singleDestinationFilters } from './tcp-proxy.js';
import { WILDCARD_ADDRESS } from './virtual-outbound.js';

function gatewayHcm(statPrefix: string, rds: string): FilterChainOpts['filters'] {
  return [httpConnectionManagerFilter({
    statPrefix,
    rds,
    useRemoteAddress: true,
    extra: {
      forwardClientCertDetails: 'SANITIZE_SET',
      setCurrentClientCertDetails: { subject: true, cert: true, dns: true, uri: true },
      httpProtocolOptions: {},
    },
  })];
}

/** Istio's pickMatchingGatewayHosts: do the (resolved) VirtualService's hosts meet the server's? */
function vsMatchesServer(vs: VirtualService, serverHosts: readonly string[]): boolean {
  for (const gh of serverHosts) {
    let host = gh;
    const slash = gh.indexOf('/');
    if (slash !== -1) {
      const ns = gh.slice(0, slash);
      if (ns !== '*' && ns !== vs.namespace) continue;
      host = gh.slice(slash + 1);
    }
    if ((vs.spec.hosts ?? []).some((h) => hostsMatch(host, h))) return true;
  }
  return false;
}

/**
 * Istio's l4SingleMatch: port and (resolved) gateways of a TCP/TLS match against the server;
 * unlike sidecars, gateways do not look at sourceLabels or sourceNamespace.
 */
function l4Match(m: L4MatchAttributes | null | undefined, server: Server, gatewayName: string): boolean {
  if (!m) return true;
  const portOk = !m.port || m.port === server.port?.number;
  const gws = m.gateways ?? [];
  return portOk && (gws.length === 0 || gws.includes(gatewayName));
}

function tcpRouteChains(snapshot: Snapshot, proxy: Proxy, ms: MergedServer, vss: readonly VirtualService[]): FilterChainOpts[] {
  const port = ms.server.port?.number ?? 0;
  for (const vs of vss) {
    if (!vsMatchesServer(vs, ms.hosts)) continue;
    for (const tcp of (vs.spec.tcp ?? []) as (TCPRoute | null)[]) {
      const matches = tcp?.match ?? [];
      const ok = matches.length === 0 || matches.some((m) => l4Match(m, ms.server, ms.gatewayName));
      if (!tcp || !ok || !tcp.route?.length) continue;
      const filters = routeNetworkFilters(snapshot, proxy, tcp.route, port, vs);
      if (filters.length === 0) continue;
      if (!ms.server.tls) return [{ filters }];
      return [{ sniHosts: ms.sniHosts, tlsContext: gatewayTlsContext(ms.server.tls), filters }];
    }
  }
  return [];
}

function tlsRouteChains(
  snapshot: Snapshot, proxy: Proxy, ms: MergedServer, vss: readonly VirtualService[], knownSni: Map<string, string>,
): FilterChainOpts[] {
  const port = ms.server.port?.number ?? 0;
  const bind = ms.server.bind ?? '';
  const out: FilterChainOpts[] = [];
  for (const vs of vss) {
    if (!vsMatchesServer(vs, ms.hosts)) continue;
    for (const tls of (vs.spec.tls ?? []) as (TLSRoute | null)[]) {
      if (!tls?.route?.length) continue;
      for (const m of tls.match ?? []) {
        if (!m || !l4Match(m, ms.server, ms.gatewayName)) continue;
        const sni = m.sniHosts ?? [];
        if (sni.some((h) => knownSni.get(h) === bind)) continue;
        for (const h of sni) knownSni.set(h, bind);
        out.push({ sniHosts: sni, filters: routeNetworkFilters(snapshot, proxy, tls.route, port, vs) });
      }
    }
  }
  return out;
}

/**
 * One chain per SNI-DNAT cluster of a service the server's hosts cover: the same plans the
 * cluster compiler builds them from, so the names the listener forwards to are the clusters'.
 */
function autoPassthroughChains(snapshot: Snapshot, proxy: Proxy, ms: MergedServer): FilterChainOpts[] {
  const hosts = ms.sniHosts ?? [];
  return sniDnatPlans(snapshot, proxy)
    .filter((plan) => hosts.some((h) => hostSubsetOf(plan.service.hostname, h)))
    .map((plan) => ({
      sniHosts: [plan.name],
      applicationProtocols: ISTIO_MTLS_ALPNS,
      filters: singleDestinationFilters(snapshot, proxy, plan.name, plan.service.hostname, plan.subset?.name ?? ''),
    }));
}

function portChains(snapshot: Snapshot, proxy: Proxy, mp: MergedPort, listener: string, knownSni: Map<string, string>): FilterChainOpts[] {
  if (isHttpProtocol(parseProtocol(mp.protocol))) {
    return [{ http: true, filters: gatewayHcm(listenerStatPrefix('outbound', listener), mp.routeName) }];
  }
  const out: FilterChainOpts[] = [];
  for (const ms of mp.servers) {
    const vss = snapshot.virtualServicesFor(ms.gatewayName, proxy.namespace).map(resolveVirtualService);
    const p = parseProtocol(ms.server.port?.protocol);
    if (p === 'HTTPS' && ms.server.tls && !isPassthroughServer(ms.server)) {
      const statPrefix = ms.server.name ? ms.server.name : listenerStatPrefix('outbound', listener);
      out.push({ http: true, sniHosts: ms.sniHosts, tlsContext: gatewayTlsContext(ms.server.tls), filters: gatewayHcm(statPrefix, ms.routeName) });
    } else if (!ms.server.tls || !isPassthroughServer(ms.server)) {
      out.push(...tcpRouteChains(snapshot, proxy, ms, vss));
    } else if (ms.server.tls.mode === 'AUTO_PASSTHROUGH') {
      out.push(...autoPassthroughChains(snapshot, proxy, ms));
    } else {
      out.push(...tlsRouteChains(snapshot, proxy, ms, vss, knownSni));
    }
  }
  return out;
}

export function gatewayListeners(snapshot: Snapshot, proxy: Proxy): Listener[] {
  const byName = new Map<string, { bind: string; port: number; chains: FilterChainOpts[] }>();
  const sniByPort = new Map<number, Map<string, string>>();
  for (const mp of mergeGatewayServers(snapshot, proxy)) {
    const bind = mp.bind || WILDCARD_ADDRESS;
    const name = listenerName(bind, mp.port);
    const known = sniByPort.get(mp.port) ?? new Map<string, string>();
    sniByPort.set(mp.port, known);
    const entry = byName.get(name) ?? { bind, port: mp.port, chains: [] };
    byName.set(name, entry);
    entry.chains.push(...portChains(snapshot, proxy, mp, name, known));
  }
  const out: Listener[] = [];
  for (const [name, e] of byName) {
    // Istio omits listeners whose servers produced no chain ("must have more than 0 chains").
    if (e.chains.length === 0) continue;
    const needTls = e.chains.some((c) => (c.sniHosts?.length ?? 0) > 0 || (c.tlsContext?.commonTlsContext.alpnProtocols?.length ?? 0) > 0);
    const l: Listener = {
      name,
      address: { socketAddress: { address: e.bind, portValue: e.port } },
      filterChains: e.chains.map((c) => buildChain(c, toFilterChainMatch(c))),
      trafficDirection: 'OUTBOUND',
      listenerFiltersTimeout: '0s',
      bindToPort: true,
    };
    if (needTls) l.listenerFilters = [tlsInspectorFilter()];
    out.push(l);
  }
  return out.sort((a, b) => (a.address.socketAddress?.portValue ?? 0) - (b.address.socketAddress?.portValue ?? 0) || a.name.localeCompare(b.name));
}
