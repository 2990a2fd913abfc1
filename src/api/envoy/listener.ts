/**
 * Envoy v3 listener messages (envoy.config.listener.v3: Listener, FilterChain, FilterChainMatch,
 * ListenerFilter) and the typed configs Trellis packs into them: the HttpConnectionManager and
 * TcpProxy network filters, the original_dst / tls_inspector / http_inspector listener filters,
 * the HTTP filters (fault, cors, router) and the DownstreamTlsContext transport socket. Proto3
 * canonical JSON form as `common.ts` describes; only the fields Trellis produces or reads are
 * typed, with the names and nesting of the protos in @grpc/grpc-js-xds's deps/. Types, type URLs
 * and well-known names only; no logic.
 */
import type { Address, DataSource, Duration, Metadata, StringMatcher } from './common.js';
import type { ConfigSource, SdsSecretConfig } from './cluster.js';
import type { RouteConfiguration } from './route.js';

/** Type URLs of the messages packed into listeners. */
export const ListenerTypeUrl = {
  HttpConnectionManager:
    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  TcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  SniCluster: 'type.googleapis.com/envoy.extensions.filters.network.sni_cluster.v3.SniCluster',
  OriginalDst: 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  TlsInspector: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  HttpInspector: 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  HTTPFault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  Cors: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  Router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  DownstreamTlsContext: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
} as const;

/** Envoy's well-known filter names (Istio's `wellknown` package). */
export const FilterName = {
  HttpConnectionManager: 'envoy.filters.network.http_connection_manager',
  TcpProxy: 'envoy.filters.network.tcp_proxy',
  SniCluster: 'envoy.filters.network.sni_cluster',
  OriginalDst: 'envoy.filters.listener.original_dst',
  TlsInspector: 'envoy.filters.listener.tls_inspector',
  HttpInspector: 'envoy.filters.listener.http_inspector',
  Fault: 'envoy.filters.http.fault',
  Cors: 'envoy.filters.http.cors',
  Router: 'envoy.filters.http.router',
  TlsTransportSocket: 'envoy.transport_sockets.tls',
} as const;

/** Transport protocols set by the tls_inspector (`raw_buffer` when none detected). */
export const TransportProtocol = { Tls: 'tls', RawBuffer: 'raw_buffer' } as const;

export type TrafficDirection = 'UNSPECIFIED' | 'INBOUND' | 'OUTBOUND';

// ---- envoy.config.listener.v3 -----------------------------------------------------------------

export interface Listener {
  name: string;
  address: Address;
  filterChains?: FilterChain[];
  defaultFilterChain?: FilterChain;
  useOriginalDst?: boolean;
  listenerFilters?: ListenerFilter[];
  listenerFiltersTimeout?: Duration;
  continueOnListenerFiltersTimeout?: boolean;
  transparent?: boolean;
  trafficDirection?: TrafficDirection;
  bindToPort?: boolean;
  metadata?: Metadata;
}

export interface CidrRange {
  addressPrefix: string;
  prefixLen?: number;
}

export interface FilterChainMatch {
  destinationPort?: number;
  prefixRanges?: CidrRange[];
  serverNames?: string[];
  transportProtocol?: string;
  applicationProtocols?: string[];
  /** Source criteria (matched after the destination ones); Trellis reads them, Istio rarely emits them. */
  directSourcePrefixRanges?: CidrRange[];
  sourceType?: 'ANY' | 'SAME_IP_OR_LOOPBACK' | 'EXTERNAL';
  sourcePrefixRanges?: CidrRange[];
  sourcePorts?: number[];
}

export interface FilterChain {
  name?: string;
  filterChainMatch?: FilterChainMatch;
  filters: NetworkFilter[];
  transportSocket?: DownstreamTransportSocket;
  metadata?: Metadata;
}

/** A network filter with its typed config. */
export interface NetworkFilter {
  name: string;
  typedConfig: HttpConnectionManagerAny | TcpProxyAny | SniClusterAny;
}

export interface Int32Range { start: number; end: number }

/** `ListenerFilterChainMatchPredicate`: exactly one rule. */
export interface ListenerFilterChainMatchPredicate {
  orMatch?: { rules: ListenerFilterChainMatchPredicate[] };
  andMatch?: { rules: ListenerFilterChainMatchPredicate[] };
  notMatch?: ListenerFilterChainMatchPredicate;
  anyMatch?: boolean;
  destinationPortRange?: Int32Range;
}

export interface ListenerFilter {
  name: string;
  typedConfig: OriginalDstAny | TlsInspectorAny | HttpInspectorAny;
  filterDisabled?: ListenerFilterChainMatchPredicate;
}

export type OriginalDstAny = { '@type': typeof ListenerTypeUrl.OriginalDst };
export type TlsInspectorAny = { '@type': typeof ListenerTypeUrl.TlsInspector; initialReadBufferSize?: number };
export type HttpInspectorAny = { '@type': typeof ListenerTypeUrl.HttpInspector };

// ---- envoy.extensions.filters.network.http_connection_manager.v3 -------------------------------

export type CodecType = 'AUTO' | 'HTTP1' | 'HTTP2' | 'HTTP3';
export type ForwardClientCertDetails =
  | 'SANITIZE' | 'FORWARD_ONLY' | 'APPEND_FORWARD' | 'SANITIZE_SET' | 'ALWAYS_FORWARD_ONLY';
export type PathWithEscapedSlashesAction =
  | 'IMPLEMENTATION_SPECIFIC_DEFAULT' | 'KEEP_UNCHANGED' | 'REJECT_REQUEST' | 'UNESCAPE_AND_REDIRECT'
  | 'UNESCAPE_AND_FORWARD';

export interface Rds {
  configSource: ConfigSource;
  routeConfigName: string;
}

export interface HttpFilter {
  name: string;
  typedConfig: HTTPFaultFilterAny | CorsFilterAny | RouterFilterAny;
}

export type HTTPFaultFilterAny = { '@type': typeof ListenerTypeUrl.HTTPFault };
export type CorsFilterAny = { '@type': typeof ListenerTypeUrl.Cors };
export type RouterFilterAny = {
  '@type': typeof ListenerTypeUrl.Router;
  startChildSpan?: boolean;
  suppressEnvoyHeaders?: boolean;
};

export interface SetCurrentClientCertDetails {
  subject?: boolean;
  cert?: boolean;
  chain?: boolean;
  dns?: boolean;
  uri?: boolean;
}

export interface HttpConnectionManager {
  codecType?: CodecType;
  statPrefix: string;
  /** Exactly one of rds / routeConfig. */
  rds?: Rds;
  routeConfig?: RouteConfiguration;
  httpFilters: HttpFilter[];
  serverName?: string;
  streamIdleTimeout?: Duration;
  useRemoteAddress?: boolean;
  xffNumTrustedHops?: number;
  generateRequestId?: boolean;
  forwardClientCertDetails?: ForwardClientCertDetails;
  setCurrentClientCertDetails?: SetCurrentClientCertDetails;
  upgradeConfigs?: { upgradeType: string; enabled?: boolean }[];
  normalizePath?: boolean;
  mergeSlashes?: boolean;
  pathWithEscapedSlashesAction?: PathWithEscapedSlashesAction;
  httpProtocolOptions?: { acceptHttp10?: boolean; allowAbsoluteUrl?: boolean };
  http2ProtocolOptions?: { maxConcurrentStreams?: number };
  commonHttpProtocolOptions?: { idleTimeout?: Duration };
}

export type HttpConnectionManagerAny = HttpConnectionManager & {
  '@type': typeof ListenerTypeUrl.HttpConnectionManager;
};

// ---- envoy.extensions.filters.network.tcp_proxy.v3 / sni_cluster.v3 ------------------------------

export interface TcpProxyClusterWeight {
  name: string;
  weight: number;
}

export interface TcpProxy {
  statPrefix: string;
  /** Exactly one of cluster / weightedClusters. */
  cluster?: string;
  weightedClusters?: { clusters: TcpProxyClusterWeight[] };
  idleTimeout?: Duration;
  maxDownstreamConnectionDuration?: Duration;
  hashPolicy?: { sourceIp: Record<string, never> }[];
}

export type TcpProxyAny = TcpProxy & { '@type': typeof ListenerTypeUrl.TcpProxy };
export type SniClusterAny = { '@type': typeof ListenerTypeUrl.SniCluster };

// ---- envoy.extensions.transport_sockets.tls.v3 (downstream) --------------------------------------

export type TlsProtocolVersion = 'TLS_AUTO' | 'TLSv1_0' | 'TLSv1_1' | 'TLSv1_2' | 'TLSv1_3';

export interface TlsParameters {
  tlsMinimumProtocolVersion?: TlsProtocolVersion;
  tlsMaximumProtocolVersion?: TlsProtocolVersion;
  cipherSuites?: string[];
}

export interface TlsCertificate {
  certificateChain?: DataSource;
  privateKey?: DataSource;
}

export interface DownstreamValidationContext {
  trustedCa?: DataSource;
  matchSubjectAltNames?: StringMatcher[];
  verifyCertificateSpki?: string[];
  verifyCertificateHash?: string[];
  crl?: DataSource;
}

export interface DownstreamCommonTlsContext {
  tlsParams?: TlsParameters;
  tlsCertificates?: TlsCertificate[];
  tlsCertificateSdsSecretConfigs?: SdsSecretConfig[];
  validationContext?: DownstreamValidationContext;
  combinedValidationContext?: {
    defaultValidationContext: DownstreamValidationContext;
    validationContextSdsSecretConfig: SdsSecretConfig;
  };
  alpnProtocols?: string[];
}

export interface DownstreamTlsContext {
  commonTlsContext: DownstreamCommonTlsContext;
  requireClientCertificate?: boolean;
  requireSni?: boolean;
}

export type DownstreamTlsContextAny = DownstreamTlsContext & {
  '@type': typeof ListenerTypeUrl.DownstreamTlsContext;
};

export interface DownstreamTransportSocket {
  name: typeof FilterName.TlsTransportSocket;
  typedConfig: DownstreamTlsContextAny;
}
