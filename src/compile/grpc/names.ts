/**
 * Resource names a proxyless gRPC client asks for, read as Istio's grpcgen reads them
 * (lds.go `newListenerNameFilter`, `tryFindFQDN`): an LDS name is the dial target's
 * `HOST[:PORT]` (`xds:///echo.default.svc.cluster.local:7070` asks for
 * `echo.default.svc.cluster.local:7070`), where HOST may be a short name (`echo`, `echo.default`,
 * `echo.default.svc`) that is expanded against the client's namespace; names starting with
 * `xds.istio.io/grpc/lds/inbound/` are a gRPC server's listeners. The listener answering a short
 * name keeps the name the client used. Pure string logic; no knowledge of services.
 */
import { SVC_DOMAIN } from '../../common/hosts.js';
import type { Proxy } from '../../model/types.js';

/** Prefix of the listener names gRPC servers ask for (Istio's grpcxds.ServerListenerNamePrefix). */
export const SERVER_LISTENER_PREFIX = 'xds.istio.io/grpc/lds/inbound/';

/** Go's net.SplitHostPort, loosely: `host:port`, `[v6]:port`; undefined when there is no port part. */
export function splitHostPort(name: string): { host: string; port: string } | undefined {
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    if (end < 0 || name[end + 1] !== ':') return undefined;
    return { host: name.slice(1, end), port: name.slice(end + 2) };
  }
  const colon = name.lastIndexOf(':');
  if (colon < 0 || name.indexOf(':') !== colon) return undefined;
  return { host: name.slice(0, colon), port: name.slice(colon + 1) };
}

/** Go's net.JoinHostPort. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The proxy's DNS domain (`NS.svc.cluster.local`), as Istio derives it for Kubernetes. */
export function proxyDnsDomain(proxy: Proxy): string {
  return `${proxy.namespace}.${SVC_DOMAIN}`;
}

/** Istio's `tryFindFQDN`: `echo`, `echo.NS`, `echo.NS.svc` → `echo.NS.svc.cluster.local`; else undefined. */
export function tryFindFqdn(name: string, proxy: Proxy): string | undefined {
  const domain = proxyDnsDomain(proxy);
  if (!name.includes('.')) return `${name}.${domain}`;
  for (const suffix of [proxy.namespace, `${proxy.namespace}.svc`]) {
    if (name.endsWith(`.${suffix}`)) return `${name.slice(0, -suffix.length - 1)}.${domain}`;
  }
  return undefined;
}

/** What was asked for one service host: the names the client used for it, and the ports (none: all). */
export interface HostRequest {
  requested: Set<string>;
  /** Port strings asked for; undefined means every port (a name without a port was requested). */
  ports?: Set<string>;
}

/** Requested LDS names, grouped by the service hostname they may denote, plus the inbound names. */
export interface ListenerNameFilter {
  /** Undefined for a wildcard request (every service, every port, named `FQDN:PORT`). */
  hosts?: Map<string, HostRequest>;
  inbound: string[];
}

/** Istio's `newListenerNameFilter`. */
export function listenerNameFilter(names: readonly string[] | undefined, proxy: Proxy): ListenerNameFilter {
  if (!names) return { inbound: [] };
  const hosts = new Map<string, HostRequest>();
  const inbound: string[] = [];
  for (const name of names) {
    if (name.startsWith(SERVER_LISTENER_PREFIX)) {
      inbound.push(name);
      continue;
    }
    const hp = splitHostPort(name);
    const requestedName = hp ? hp.host : name;
    const all = [requestedName];
    const fqdn = tryFindFqdn(requestedName, proxy);
    if (fqdn) all.push(fqdn);
    for (const host of all) {
      const existing = hosts.get(host);
      const entry: HostRequest = existing ?? { requested: new Set(), ports: new Set() };
      entry.requested.add(requestedName);
      if (!hp) delete entry.ports;
      else if (entry.ports) entry.ports.add(hp.port);
      hosts.set(host, entry);
    }
  }
  return { hosts, inbound };
}

/** For a service hostname: the names to answer with (sorted) and the port test; undefined if not asked for. */
export function requestFor(filter: ListenerNameFilter, hostname: string): { names: string[]; includesPort: (port: number) => boolean } | undefined {
  if (!filter.hosts) return { names: [hostname], includesPort: () => true };
  const entry = filter.hosts.get(hostname);
  if (!entry) return undefined;
  const ports = entry.ports;
  return { names: [...entry.requested].sort(), includesPort: (port) => !ports || ports.has(String(port)) };
}
