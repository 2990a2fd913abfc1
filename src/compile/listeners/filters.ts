/**
 * Builders for the small, fixed pieces every listener is made of, spelled as Istio's pilot spells
 * them (pilot/pkg/xds/filters, listener_builder.go): the listener filters (original_dst,
 * tls_inspector with a 512-byte read buffer, http_inspector), the HTTP filter chain
 * (fault, cors, router last), the ADS config source for RDS, the tcp_proxy filter and the HTTP
 * connection manager skeleton. Pure constructors; no knowledge of services or config.
 */
import type { ConfigSource } from '../../api/envoy/cluster.js';
import {
  FilterName,
  ListenerTypeUrl,
  type HttpConnectionManager,
  type HttpFilter,
  type ListenerFilter,
  type NetworkFilter,
  type TcpProxy,
} from '../../api/envoy/listener.js';
import type { RouteConfiguration } from '../../api/envoy/route.js';

/** Istio's stat prefix delimiter (constants.StatPrefixDelimiter). */
export const STAT_PREFIX_DELIMITER = ';';

/** ALPNs the http_inspector sets for plaintext HTTP (Istio's plaintextHTTPALPNs). */
export const PLAINTEXT_HTTP_ALPNS: readonly string[] = ['http/1.1', 'h2c'];
/** ALPNs Istio's mTLS clients send (allIstioMtlsALPNs), matched by AUTO_PASSTHROUGH chains. */
export const ISTIO_MTLS_ALPNS: readonly string[] = ['istio', 'istio-peer-exchange', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2'];
/** ALPN a terminating gateway offers (util.ALPNHttp). */
export const ALPN_HTTP: readonly string[] = ['h2', 'http/1.1'];

export function originalDstFilter(): ListenerFilter {
  return { name: FilterName.OriginalDst, typedConfig: { '@type': ListenerTypeUrl.OriginalDst } };
}

export function tlsInspectorFilter(): ListenerFilter {
  return {
    name: FilterName.TlsInspector,
    typedConfig: { '@type': ListenerTypeUrl.TlsInspector, initialReadBufferSize: 512 },
  };
}

export function httpInspectorFilter(): ListenerFilter {
  return { name: FilterName.HttpInspector, typedConfig: { '@type': ListenerTypeUrl.HttpInspector } };
}

/** fault and cors (their per-route configs live in the routes), then the router. */
export function standardHttpFilters(): HttpFilter[] {
  return [
    { name: FilterName.Fault, typedConfig: { '@type': ListenerTypeUrl.HTTPFault } },
    { name: FilterName.Cors, typedConfig: { '@type': ListenerTypeUrl.Cors } },
    { name: FilterName.Router, typedConfig: { '@type': ListenerTypeUrl.Router } },
  ];
}

/** RDS over the ADS stream, waiting for the route as Istio does (initial fetch timeout 0s). */
export function adsConfigSource(): ConfigSource {
  return { ads: {}, initialFetchTimeout: '0s', resourceApiVersion: 'V3' };
}

export function tcpProxyFilter(proxy: TcpProxy): NetworkFilter {
  return { name: FilterName.TcpProxy, typedConfig: { '@type': ListenerTypeUrl.TcpProxy, ...proxy } };
}

/** tcp_proxy to one cluster, the stat prefix being the cluster name (Istio's default). */
export function tcpProxyToCluster(cluster: string, statPrefix = cluster): NetworkFilter {
  return tcpProxyFilter({ statPrefix, cluster });
}

export interface HcmOptions {
  statPrefix: string;
  /** RDS route configuration name; or an inline route configuration. */
  rds?: string;
  routeConfig?: RouteConfiguration;
  useRemoteAddress: boolean;
  /** Extra fields (client cert handling, protocol options) merged over the skeleton. */
  extra?: Partial<HttpConnectionManager>;
}

/** Istio's buildHTTPConnectionManager skeleton: AUTO codec, websocket upgrades, no stream idle timeout. */
export function httpConnectionManagerFilter(opts: HcmOptions): NetworkFilter {
  const hcm: HttpConnectionManager = {
    codecType: 'AUTO',
    statPrefix: opts.statPrefix,
    ...(opts.rds !== undefined
      ? { rds: { configSource: adsConfigSource(), routeConfigName: opts.rds } }
      : { routeConfig: opts.routeConfig! }),
    httpFilters: standardHttpFilters(),
    ...opts.extra,
    streamIdleTimeout: '0s',
    useRemoteAddress: opts.useRemoteAddress,
    upgradeConfigs: [{ upgradeType: 'websocket' }],
    normalizePath: true,
    pathWithEscapedSlashesAction: 'KEEP_UNCHANGED',
  };
  return {
    name: FilterName.HttpConnectionManager,
    typedConfig: { '@type': ListenerTypeUrl.HttpConnectionManager, ...hcm },
  };
}

/** `outbound_0.0.0.0_8080;`: direction and listener name, Istio-delimited. */
export function listenerStatPrefix(direction: 'outbound' | 'inbound', listenerName: string): string {
  return `${direction}_${listenerName}${STAT_PREFIX_DELIMITER}`;
}
