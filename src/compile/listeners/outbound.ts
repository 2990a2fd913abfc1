/**
 * A sidecar's outbound listeners, following Istio's buildSidecarOutboundListeners
 * (listener.go): walk the Sidecar scope's egress listeners (a port-specific one builds a listener
 * on its own port for every service its hosts select; the catch-all builds one per service port,
 * never touching ports already claimed), key listeners by (bind, port), and resolve clashes as
 * Istio does: HTTP services share one `0.0.0.0_PORT` listener routed by RDS `PORT`; TCP/TLS
 * services get `VIP_PORT` listeners with tcp_proxy chains; HTTP and TCP on one key merge into a
 * sniffing listener. Each listener ends with the PassthroughFilterChain to the egress cluster.
 * The egress scope walk, L4 binds and RDS names come from routes/egress.ts, which the route
 * compiler's `sidecarRouteNames` uses too, so the two always name the same route configurations.
 */
import type { Listener } from '../../api/envoy/listener.js';
import { TransportProtocol } from '../../api/envoy/listener.js';
import { listenerName } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { parseProtocol } from '../../registry/protocol.js';
import type { ServiceProtocol } from '../../registry/types.js';
import { WILDCARD_ADDRESS, egressScope, headlessBinds, isHeadless, outboundRouteName, serviceBind } from '../routes/egress.js';
import { buildChain, chainsConflict, isMatchAll, toFilterChainMatch, type FilterChainOpts } from './chain.js';
import {
  PLAINTEXT_HTTP_ALPNS,
  httpConnectionManagerFilter,
  httpInspectorFilter,
  listenerStatPrefix,
  tlsInspectorFilter,
} from './filters.js';
import { outboundL4Chains, type OutboundL4Input } from './outbound-tcp.js';
import { isTcpFamily, listenerProtocol } from './protocol.js';
import { egressCluster, passthroughFilterChain } from './virtual-outbound.js';

export interface OutboundOptions {
  /** Istio's protocol sniffing for UNKNOWN ports; off means "treat as TCP" (see index.ts). */
  sniffing: boolean;
}

interface Entry {
  port: number;
  bind: string;
  bindToPort: boolean;
  locked: boolean;
  protocol: ServiceProtocol;
  chains: FilterChainOpts[];
}

interface BuildInput extends Omit<OutboundL4Input, 'cidr'> {
  bindToPort: boolean;
}

function httpChain(input: BuildInput, bind: string, auto: boolean): FilterChainOpts {
  const { port, service } = input;
  // Sniffed services bound to their own VIP get a route of their own (`HOST:PORT`).
  const rds = outboundRouteName(service.hostname, port, bind, auto);
  const name = listenerName(bind, port);
  return {
    http: true,
    filters: [httpConnectionManagerFilter({ statPrefix: listenerStatPrefix('outbound', name), rds, useRemoteAddress: false })],
  };
}

function withSniffing(opt: FilterChainOpts): FilterChainOpts {
  return { ...opt, applicationProtocols: PLAINTEXT_HTTP_ALPNS, transportProtocol: TransportProtocol.RawBuffer };
}

function mergeChains(entry: Entry, incoming: FilterChainOpts[]): void {
  for (const c of incoming) {
    if (!entry.chains.some((e) => chainsConflict(e, c))) entry.chains.push(c);
  }
}

/** One service port into the listener map (Istio's buildSidecarOutboundListener). */
function addService(map: Map<string, Entry>, input: BuildInput, opts: OutboundOptions): void {
  const lp = listenerProtocol(input.protocol, opts.sniffing);
  if (lp === 'UNSUPPORTED') return;
  let bind = input.bind;
  let cidr: string | undefined;
  if (lp === 'HTTP') {
    if (bind === '') bind = WILDCARD_ADDRESS;
  } else if (bind === '') {
    ({ bind, cidr } = serviceBind(input.service));
  }
  const key = `${bind}:${input.port}`;
  const current = map.get(key);
  if (current?.locked) return;
  let protocol: ServiceProtocol = input.protocol;
  let chains: FilterChainOpts[];
  let conflict: 'none' | 'merge' | 'upgrade' | 'replace' = current ? 'merge' : 'none';

  if (input.protocol === 'HTTP_PROXY' || lp === 'HTTP') {
    if (current && !isTcpFamily(current.protocol)) return;
    if (current) conflict = 'upgrade';
    chains = [httpChain(input, bind, false)];
    if (bind === WILDCARD_ADDRESS && input.protocol !== 'HTTP_PROXY') {
      chains = chains.map(withSniffing);
      protocol = 'UNKNOWN';
    }
  } else if (lp === 'TCP') {
    chains = outboundL4Chains({ ...input, bind, cidr });
    if (current && !isTcpFamily(current.protocol) && current.protocol !== 'UNKNOWN') conflict = 'upgrade';
  } else {
    if (current && !isTcpFamily(current.protocol) && current.protocol !== 'UNKNOWN') conflict = 'replace';
    else if (current && isTcpFamily(current.protocol)) conflict = 'upgrade';
    else if (current) return;
    chains = [...outboundL4Chains({ ...input, bind, cidr }), withSniffing(httpChain(input, bind, true))];
  }

  // Mongo and MySQL never share a port with another protocol (isConflictWithWellKnownPort).
  if (current) {
    const strict = (p: ServiceProtocol): boolean => p === 'Mongo' || p === 'MySQL';
    if ((strict(input.protocol) || strict(current.protocol)) && input.protocol !== current.protocol) return;
  }
  if (conflict === 'none' || conflict === 'replace') {
    map.set(key, { port: input.port, bind, bindToPort: input.bindToPort, locked: false, protocol, chains });
  } else {
    mergeChains(current!, chains);
    if (conflict === 'upgrade') current!.protocol = 'UNKNOWN';
  }
}

function buildListener(entry: Entry, egress: string): Listener {
  const name = listenerName(entry.bind, entry.port);
  const needTls = entry.chains.some((c) => (c.sniHosts?.length ?? 0) > 0 || (c.tlsContext?.commonTlsContext.alpnProtocols?.length ?? 0) > 0);
  const needHttp = entry.chains.some((c) => (c.applicationProtocols?.length ?? 0) > 0);
  const l: Listener = {
    name,
    address: { socketAddress: { address: entry.bind, portValue: entry.port } },
    filterChains: [],
    trafficDirection: 'OUTBOUND',
    continueOnListenerFiltersTimeout: true,
    listenerFiltersTimeout: '0s',
  };
  if (!entry.bindToPort) l.bindToPort = false;
  if (needTls || needHttp) l.listenerFilters = [tlsInspectorFilter(), ...(needHttp ? [httpInspectorFilter()] : [])];
  for (const opt of entry.chains) {
    if (isMatchAll(opt)) l.defaultFilterChain = buildChain(opt, undefined);
    else l.filterChains!.push(buildChain(opt, toFilterChainMatch(opt)));
  }
  if (l.defaultFilterChain && l.filterChains!.length === 0) {
    l.filterChains = [l.defaultFilterChain];
    delete l.defaultFilterChain;
  } else if (!l.defaultFilterChain) {
    l.defaultFilterChain = passthroughFilterChain(egress);
  }
  return l;
}

/** The egress listeners of the scope; Istio's default scope is one catch-all over `*\/*`. */
export function outboundListeners(snapshot: Snapshot, proxy: Proxy, opts: OutboundOptions): Listener[] {
  const map = new Map<string, Entry>();
  for (const { listener, services, bind, bindToPort } of egressScope(snapshot, proxy)) {
    if (listener.port) {
      const protocol = parseProtocol(listener.port.protocol);
      for (const service of services) {
        addService(map, { snapshot, proxy, service, port: listener.port.number, protocol, bind, bindToPort }, opts);
      }
      continue;
    }
    for (const e of map.values()) e.locked = true;
    for (const service of services) {
      for (const sp of service.ports) {
        const base = { snapshot, proxy, service, port: sp.port, protocol: sp.protocol, bindToPort };
        const l4 = listenerProtocol(sp.protocol, opts.sniffing) !== 'HTTP';
        if (bind === '' && isHeadless(service) && l4) {
          // Headless / resolution NONE: a listener per endpoint address (Istio's per-instance listeners).
          for (const address of headlessBinds(snapshot, proxy, service, sp.port)) addService(map, { ...base, bind: address }, opts);
        } else {
          addService(map, { ...base, bind }, opts);
        }
      }
    }
  }

  const egressTo = egressCluster(snapshot, proxy);
  return [...map.values()]
    .sort((a, b) => a.port - b.port || a.bind.localeCompare(b.bind))
    .map((e) => buildListener(e, egressTo));
}
