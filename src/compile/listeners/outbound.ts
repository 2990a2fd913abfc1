/**
 * A sidecar's outbound listeners, following Istio's buildSidecarOutboundListeners
 * (listener.go): walk the Sidecar scope's egress listeners (a port-specific one builds a listener
 * on its own port for every service its hosts select; the catch-all builds one per service port,
 * never touching ports already claimed), key listeners by (bind, port), and resolve clashes as
 * Istio does: HTTP services share one `0.0.0.0_PORT` listener routed by RDS `PORT`; TCP/TLS
 * services get `VIP_PORT` listeners with tcp_proxy chains; HTTP and TCP on one key merge into a
 * sniffing listener. Each listener ends with the PassthroughFilterChain to the egress cluster.
 */
import type { Listener } from '../../api/envoy/listener.js';
import { TransportProtocol } from '../../api/envoy/listener.js';
import { listenerName, sidecarRouteName } from '../../api/names.js';
import { hostsMatch } from '../../common/hosts.js';
import type { EgressHost, Proxy, Snapshot } from '../../model/types.js';
import { parseProtocol } from '../../registry/protocol.js';
import type { Service, ServiceProtocol } from '../../registry/types.js';
import { buildChain, chainsConflict, isMatchAll, toFilterChainMatch, type FilterChainOpts } from './chain.js';
import {
  PLAINTEXT_HTTP_ALPNS,
  httpConnectionManagerFilter,
  httpInspectorFilter,
  listenerStatPrefix,
  tlsInspectorFilter,
} from './filters.js';
import { outboundL4Chains } from './outbound-tcp.js';
import { isTcpFamily, listenerProtocol } from './protocol.js';
import { WILDCARD_ADDRESS, egressCluster, passthroughFilterChain } from './virtual-outbound.js';

const LOCALHOST = '127.0.0.1';

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

interface BuildInput {
  snapshot: Snapshot;
  proxy: Proxy;
  service: Service;
  port: number;
  protocol: ServiceProtocol;
  bind: string;
  bindToPort: boolean;
}

function httpChain(input: BuildInput, bind: string, auto: boolean): FilterChainOpts {
  const { port, service } = input;
  // Sniffed services bound to their own VIP get a route of their own (`HOST:PORT`).
  const rds = auto && bind !== WILDCARD_ADDRESS ? `${service.hostname}:${port}` : sidecarRouteName(port);
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
    const address = input.service.addresses[0] ?? WILDCARD_ADDRESS;
    if (address.includes('/')) {
      bind = WILDCARD_ADDRESS;
      cidr = address;
    } else bind = address;
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

/** Whether an egress host (`ns/host`) selects a service. */
export function egressHostSelects(h: EgressHost, service: Service): boolean {
  if (h.namespace === '~') return false;
  if (h.namespace !== '*' && h.namespace !== service.namespace) return false;
  return h.host === '*' || hostsMatch(h.host, service.hostname);
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
  const scope = snapshot.sidecarScope(proxy);
  const visible = snapshot.visibleServices(proxy);
  const egressSpecs = scope.sidecar?.spec.egress ?? [];
  const egress = scope.egress.length > 0 ? scope.egress : [{ hosts: [{ namespace: '*', host: '*' }] }];
  const map = new Map<string, Entry>();
  const noneMode = proxy.interceptionMode === 'NONE';

  egress.forEach((listener, i) => {
    const spec = egressSpecs.length === egress.length ? egressSpecs[i] : undefined;
    const bindToPort = noneMode || spec?.captureMode === 'NONE' || (spec?.bind ?? '').startsWith('unix://');
    const bind = spec?.bind ? spec.bind : bindToPort ? LOCALHOST : '';
    const services = visible.filter((s) => listener.hosts.some((h) => egressHostSelects(h, s)));
    if (listener.port) {
      const protocol = parseProtocol(listener.port.protocol);
      for (const service of services) {
        addService(map, { snapshot, proxy, service, port: listener.port.number, protocol, bind, bindToPort }, opts);
      }
      return;
    }
    for (const e of map.values()) e.locked = true;
    for (const service of services) {
      for (const sp of service.ports) {
        const base = { snapshot, proxy, service, port: sp.port, protocol: sp.protocol, bindToPort };
        const address = service.addresses[0] ?? WILDCARD_ADDRESS;
        const l4 = listenerProtocol(sp.protocol, opts.sniffing) !== 'HTTP';
        if (bind === '' && service.resolution === 'PASSTHROUGH' && address === WILDCARD_ADDRESS && l4) {
          // Headless / resolution NONE: a listener per endpoint address (Istio's per-instance listeners).
          const eps = snapshot.endpoints(service.hostname, service.namespace, sp.port);
          const plainSe = service.origin.kind !== 'Service' && !service.selector;
          if (eps.length === 0 && plainSe) {
            addService(map, { ...base, bind }, opts);
            continue;
          }
          for (const ep of eps) {
            if (!/^[0-9.]+$|:/.test(ep.address) || ep.address.startsWith('unix://') || ep.address === proxy.ip) continue;
            addService(map, { ...base, bind: ep.address }, opts);
          }
        } else {
          addService(map, { ...base, bind }, opts);
        }
      }
    }
  });

  const egressTo = egressCluster(snapshot, proxy);
  return [...map.values()]
    .sort((a, b) => a.port - b.port || a.bind.localeCompare(b.bind))
    .map((e) => buildListener(e, egressTo));
}
