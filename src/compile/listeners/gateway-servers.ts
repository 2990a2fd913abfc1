/**
 * The Gateway servers of a gateway proxy merged into listener ports, as Istio's mergeGateways
 * (pilot/pkg/model/gateway.go) does, for the listener and route compilers to agree on: each
 * server port is translated to the port the gateway workload listens on (the targetPort of the
 * gateway Service port with that number, e.g. ingress 80 → 8080; the number itself when no
 * Service port matches: Istio's resolvePorts with legacy selectors), HTTP servers on one port
 * share the route configuration `http.TARGETPORT`, HTTPS servers that terminate TLS get
 * `https.PORT.PORTNAME.GATEWAY.NAMESPACE`, TLS servers on one port are told apart by SNI, and
 * conflicting servers (mixed plaintext protocols, duplicate TLS hosts) are dropped as Istio drops
 * them. Pure.
 */
import type { Server } from '../../api/istio/gateway.js';
import { gatewayHttpsRouteName, gatewayRouteName } from '../../api/names.js';
import type { ConfigObject, GatewayServer, Proxy, Snapshot } from '../../model/types.js';
import type { Gateway } from '../../api/istio/gateway.js';
import { isHttpProtocol, parseProtocol } from '../../registry/protocol.js';
import { resolveGatewayPorts } from '../routes/gateway-ports.js';
import { isPassthroughServer } from '../routes/gateway-servers.js';

export interface MergedServer {
  server: Server;
  gateway: ConfigObject<Gateway>;
  /** `namespace/name` of the Gateway. */
  gatewayName: string;
  /** Hosts with `./` and `*\/` prefixes sanitised (Istio's sanitizeServerHostNamespace). */
  hosts: string[];
  /** RDS name for HTTP and TLS-terminating HTTPS servers; '' otherwise. */
  routeName: string;
  /** SNI hosts (namespace prefixes dropped, sorted, unique) for servers with TLS settings. */
  sniHosts?: string[];
}

export interface MergedPort {
  /** The port the gateway listens on (after targetPort translation). */
  port: number;
  protocol: string;
  bind: string;
  /** Shared RDS name of the HTTP servers on this port. */
  routeName: string;
  servers: MergedServer[];
}

/**
 * Istio's resolvePorts for legacy selector gateways: the matching gateway Service port's target
 * port. Delegates to the routes compiler's `resolveGatewayPorts` so that listener names and the
 * `http.PORT` route names they reference always agree.
 */
export function resolveGatewayPort(snapshot: Snapshot, proxy: Proxy, number: number): number {
  return resolveGatewayPorts(snapshot, proxy, number)[0] ?? number;
}

export { isPassthroughServer };

/** gateway.IsHTTPServer: HTTP family, or HTTPS terminating TLS. */
export function isHttpServer(s: Server): boolean {
  const p = parseProtocol(s.port?.protocol);
  return isHttpProtocol(p) || (p === 'HTTPS' && !!s.tls && !isPassthroughServer(s));
}

/** gateway.IsTLSServer: TLS settings on a non-HTTP port. */
export function isTlsServer(s: Server): boolean {
  return !!s.tls && !isHttpProtocol(parseProtocol(s.port?.protocol));
}

function sanitizeHosts(hosts: readonly string[], namespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf('/');
    if (slash === -1) { out.push(h); continue; }
    const ns = h.slice(0, slash);
    const name = h.slice(slash + 1);
    if (ns === '.') out.push(`${namespace}/${name}`);
    else if (ns === '*') {
      if (name === '*') return ['*'];
      out.push(name);
    } else out.push(h);
  }
  return out;
}

function sniHostsFor(hosts: readonly string[]): string[] {
  return [...new Set(hosts.map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h)))].sort();
}

function routeNameFor(s: Server, port: number, gw: ConfigObject<Gateway>): string {
  const p = parseProtocol(s.port?.protocol);
  if (isHttpProtocol(p)) return gatewayRouteName(port, s.bind || undefined);
  if (p === 'HTTPS' && !isPassthroughServer(s)) {
    // Istio appends `.BIND` for servers with a bind; the routes compiler does not (yet), and the
    // two must agree, so neither does this.
    return gatewayHttpsRouteName(s.port?.number ?? 0, s.port?.name ?? '', gw.name, gw.namespace);
  }
  return '';
}

/** Istio's mergeGateways, in the order of `snapshot.gatewayServers(proxy)`. */
export function mergeGatewayServers(snapshot: Snapshot, proxy: Proxy): MergedPort[] {
  const ports: MergedPort[] = [];
  const byKey = new Map<string, MergedPort>();
  const seenPorts = new Set<number>();
  const plaintext = new Map<number, MergedPort>();
  const routeNames = new Set<string>();
  const tlsHosts = new Map<number, Map<string, string>>();
  const nonPlaintextBinds = new Map<number, Set<string>>();

  for (const gs of snapshot.gatewayServers(proxy) as readonly GatewayServer[]) {
    const s = gs.server;
    if (!s.port?.number) continue;
    const gw = gs.gateway;
    const resolved = resolveGatewayPort(snapshot, proxy, s.port.number);
    const hosts = sanitizeHosts(s.hosts ?? [], gw.namespace);
    const routeName = routeNameFor(s, resolved, gw);
    const ms: MergedServer = { server: s, gateway: gw, gatewayName: `${gw.namespace}/${gw.name}`, hosts, routeName };
    const bind = s.bind ?? '';
    if (s.tls) {
      const known = tlsHosts.get(resolved) ?? new Map<string, string>();
      tlsHosts.set(resolved, known);
      if (hosts.some((h) => known.has(h) && known.get(h) === bind)) continue;
      for (const h of hosts) known.set(h, bind);
      ms.sniHosts = sniHostsFor(hosts);
    }
    const protocol = s.port.protocol ?? '';
    const key = `${resolved}|${protocol}|${bind}`;
    if (seenPorts.has(resolved)) {
      const current = plaintext.get(resolved);
      if (current) {
        const canMerge = (isHttpProtocol(parseProtocol(current.protocol)) || current.protocol === protocol) && isHttpProtocol(parseProtocol(protocol));
        if (!canMerge && current.bind === bind) continue;
        if (routeName === '' && current.bind === bind) continue;
        if (current.bind !== bind) {
          let mp = byKey.get(key);
          if (!mp) {
            mp = { port: resolved, protocol, bind, routeName, servers: [] };
            byKey.set(key, mp);
            ports.push(mp);
          }
          mp.routeName = routeName;
          mp.servers.push(ms);
        } else current.servers.push(ms);
      } else {
        if (isHttpServer(s)) {
          if (routeName === '' || routeNames.has(routeName)) continue;
          routeNames.add(routeName);
        }
        const binds = nonPlaintextBinds.get(resolved) ?? new Set<string>();
        const newBind = !binds.has(bind);
        binds.add(bind);
        nonPlaintextBinds.set(resolved, binds);
        if (!s.tls && !newBind) continue;
        let mp = byKey.get(key);
        if (!mp) {
          mp = { port: resolved, protocol, bind, routeName: '', servers: [] };
          byKey.set(key, mp);
          ports.push(mp);
        }
        mp.servers.push(ms);
      }
    } else {
      seenPorts.add(resolved);
      const mp: MergedPort = { port: resolved, protocol, bind, routeName, servers: [ms] };
      if (!isTlsServer(s)) plaintext.set(resolved, mp);
      if (isHttpServer(s)) routeNames.add(routeName);
      byKey.set(key, mp);
      ports.push(mp);
    }
  }
  return ports;
}
