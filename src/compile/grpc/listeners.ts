/**
 * LDS for proxyless gRPC (Istio's grpcgen lds.go). Client side: for each service the client may
 * see and each port, an `api_listener` named `HOST:PORT` (HOST as the client asked for it, FQDN
 * for a wildcard request) holding an HttpConnectionManager whose routes come over RDS (ADS) as
 * `outbound|PORT||FQDN`, with the HTTP filters gRPC implements: fault, then the router (last, as
 * gRPC requires). Server side (names `xds.istio.io/grpc/lds/inbound/IP:PORT`): a listener with one
 * plaintext filter chain whose inline route lets every RPC through (`non_forwarding_action`), for
 * ports the workload serves; mTLS and authorization policy are not modelled. Pure.
 */
import { isIP } from 'node:net';
import { ListenerTypeUrl, FilterName, type HttpConnectionManagerAny, type HttpFilter } from '../../api/envoy/listener.js';
import { outboundCluster } from '../../api/names.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import type { Service } from '../../registry/types.js';
import { joinHostPort, listenerNameFilter, requestFor, SERVER_LISTENER_PREFIX, splitHostPort } from './names.js';
import type { GrpcApiListener, GrpcListener, GrpcServerListener, ServerHcmAny } from './types.js';

/** Istio's supportedFilters for gRPC clients: fault, router. */
export function grpcHttpFilters(): HttpFilter[] {
  return [
    { name: FilterName.Fault, typedConfig: { '@type': ListenerTypeUrl.HTTPFault } },
    { name: FilterName.Router, typedConfig: { '@type': ListenerTypeUrl.Router } },
  ];
}

/** The route configuration a client listener for `hostname:port` names (Istio's clusterKey). */
export function grpcRouteName(hostname: string, port: number): string {
  return outboundCluster(hostname, port);
}

/** Istio's `GetAddressForProxy`: the service's first VIP, else 0.0.0.0. */
function serviceAddress(s: Service): string {
  return s.addresses.find((a) => isIP(a) !== 0) ?? '0.0.0.0';
}

function clientListener(name: string, service: Service, port: number): GrpcApiListener {
  const hcm: HttpConnectionManagerAny = {
    '@type': ListenerTypeUrl.HttpConnectionManager,
    // gRPC ignores it; Envoy requires one, and it keeps the resource valid for any client.
    statPrefix: name,
    httpFilters: grpcHttpFilters(),
    rds: { configSource: { ads: {}, resourceApiVersion: 'V3' }, routeConfigName: grpcRouteName(service.hostname, port) },
  };
  return {
    name,
    address: { socketAddress: { address: serviceAddress(service), portValue: port } },
    apiListener: { apiListener: hcm },
  };
}

function outboundListeners(snapshot: Snapshot, proxy: Proxy, names: readonly string[] | undefined): GrpcApiListener[] {
  const filter = listenerNameFilter(names, proxy);
  const out: GrpcApiListener[] = [];
  const seen = new Set<string>();
  for (const service of snapshot.visibleServices(proxy)) {
    const req = requestFor(filter, service.hostname);
    if (!req) continue;
    // A listener per requested name: gRPC may watch both `foo:7070` and `foo.ns:7070`.
    for (const host of req.names) {
      for (const p of service.ports) {
        if (!req.includesPort(p.port)) continue;
        const name = joinHostPort(host, p.port);
        if (seen.has(name)) continue;
        seen.add(name);
        out.push(clientListener(name, service, p.port));
      }
    }
  }
  return out;
}

/** Whether the proxy's workload is an endpoint of some service on `port` (Istio's service instances). */
function servesPort(snapshot: Snapshot, proxy: Proxy, port: number): boolean {
  return snapshot.endpointsAt(proxy.ip).some((ep) => ep.port === port);
}

function inboundListener(name: string, port: number, host: string): GrpcServerListener {
  const hcm: ServerHcmAny = {
    '@type': ListenerTypeUrl.HttpConnectionManager,
    statPrefix: `inbound_${port}`,
    routeConfig: {
      name: 'inbound',
      virtualHosts: [{
        name: `inbound|grpc|${port}`,
        domains: ['*'],
        routes: [{ match: { prefix: '/' }, nonForwardingAction: {} }],
      }],
    },
    httpFilters: [{ name: FilterName.Router, typedConfig: { '@type': ListenerTypeUrl.Router } }],
  };
  return {
    name,
    address: { socketAddress: { address: host, portValue: port } },
    filterChains: [{ name: 'inbound-plaintext', filters: [{ name: 'inbound-hcmplaintext', typedConfig: hcm }] }],
  };
}

function inboundListeners(snapshot: Snapshot, proxy: Proxy, names: readonly string[]): GrpcServerListener[] {
  const out: GrpcServerListener[] = [];
  for (const name of names) {
    const hp = splitHostPort(name.slice(SERVER_LISTENER_PREFIX.length));
    const port = hp && /^\d+$/.test(hp.port) ? Number(hp.port) : NaN;
    if (!hp || !Number.isInteger(port) || !servesPort(snapshot, proxy, port)) continue;
    out.push(inboundListener(name, port, hp.host));
  }
  return out;
}

/** The listeners for a gRPC client's LDS request; `names` undefined = wildcard (client listeners only), [] = none. */
export function grpcListeners(snapshot: Snapshot, proxy: Proxy, names?: readonly string[]): GrpcListener[] {
  const filter = listenerNameFilter(names, proxy);
  return [...outboundListeners(snapshot, proxy, names), ...inboundListeners(snapshot, proxy, filter.inbound)];
}
