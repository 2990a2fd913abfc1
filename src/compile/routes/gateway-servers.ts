/**
 * Which gateway servers share which HTTP route configuration (the route-name half of Istio's
 * mergeGateways): plain-text HTTP servers on the same listening port (after port translation)
 * and bind share `http.PORT`; a TLS-terminating HTTPS server has its own
 * `https.PORT.PORTNAME.GATEWAY.NS`; TCP/TLS-passthrough servers have none, and an HTTP server on a
 * port already taken by a plain-text non-HTTP server is skipped. Server hosts written `./host`
 * are made `GATEWAYNS/host`. Pure.
 */
import type { Server } from '../../api/istio/gateway.js';
import { gatewayHttpsRouteName, gatewayRouteName } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { isHttpProtocol, parseProtocol } from '../../registry/protocol.js';
import { resolveGatewayPorts } from './gateway-ports.js';

export interface RoutedServer {
  /** `namespace/name` of the Gateway. */
  gatewayName: string;
  server: Server;
  /** The server's own port number (virtual host names use it). */
  port: number;
}

/** A Gateway server port protocol (as written, any case) in the HTTP family. */
function isHttpServerProtocol(protocol: string | undefined): boolean {
  return isHttpProtocol(parseProtocol(protocol));
}

/** A TLS server that does not terminate (PASSTHROUGH, AUTO_PASSTHROUGH, or no mode). */
export function isPassthroughServer(s: Server): boolean {
  return !!s.tls && (s.tls.mode === undefined || s.tls.mode === 'PASSTHROUGH' || s.tls.mode === 'AUTO_PASSTHROUGH');
}

function sanitizeHosts(s: Server, namespace: string): Server {
  if (!s.hosts?.some((h) => h.startsWith('./'))) return s;
  return { ...s, hosts: s.hosts.map((h) => (h.startsWith('./') ? `${namespace}/${h.slice(2)}` : h)) };
}

/** Route name → the servers it serves, in the order the gateway's servers were declared. */
export function gatewayRoutedServers(snapshot: Snapshot, proxy: Proxy): Map<string, RoutedServer[]> {
  const out = new Map<string, RoutedServer[]>();
  const plainText = new Map<string, boolean>(); // `${port}|${bind}` → is HTTP
  for (const gs of snapshot.gatewayServers(proxy)) {
    const raw = gs.server;
    const number = raw.port?.number;
    if (!number) continue;
    const gatewayName = `${gs.gateway.namespace}/${gs.gateway.name}`;
    const server = sanitizeHosts(raw, gs.gateway.namespace);
    const protocol = (server.port?.protocol ?? '').toUpperCase();
    const bind = server.bind ?? '';
    for (const listenPort of resolveGatewayPorts(snapshot, proxy, number)) {
      let routeName: string | undefined;
      if (isHttpServerProtocol(protocol)) {
        const key = `${listenPort}|${bind}`;
        const prior = plainText.get(key);
        if (prior === false) continue;
        plainText.set(key, true);
        routeName = gatewayRouteName(listenPort, bind || undefined);
      } else if (protocol === 'HTTPS' && !isPassthroughServer(server)) {
        routeName = gatewayHttpsRouteName(number, server.port?.name ?? '', gs.gateway.name, gs.gateway.namespace);
      } else if (!server.tls) {
        const key = `${listenPort}|${bind}`;
        if (!plainText.has(key)) plainText.set(key, false);
      }
      if (!routeName) continue;
      const list = out.get(routeName) ?? [];
      if (protocol === 'HTTPS' && list.length) continue; // HTTPS route names are unique per server
      list.push({ gatewayName, server, port: number });
      out.set(routeName, list);
    }
  }
  return out;
}
