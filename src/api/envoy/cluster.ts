/**
 * Envoy v3 `Cluster` (envoy.config.cluster.v3) and the messages it carries, in proto3 canonical
 * JSON form (see common.ts): only the fields Trellis's cluster compiler produces. Also the
 * upstream TLS context and the upstream HTTP protocol options (packed as `Any` in
 * `typedExtensionProtocolOptions`). The route `HashPolicy` of consistent hashing is in route.ts.
 * 64-bit integers (UInt64Value) are strings, as proto3 JSON writes them. Types only.
 */
import type { DataSource, Duration, Metadata, SocketAddress, StringMatcher, TransportSocket } from './common.js';
import type { ClusterLoadAssignment } from './endpoint.js';

export type DiscoveryType = 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS' | 'ORIGINAL_DST';
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RING_HASH' | 'RANDOM' | 'MAGLEV' | 'CLUSTER_PROVIDED';
export type DnsLookupFamily = 'AUTO' | 'V4_ONLY' | 'V6_ONLY' | 'V4_PREFERRED' | 'ALL';

export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
export const HTTP_PROTOCOL_OPTIONS_TYPE = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
export const UPSTREAM_TLS_CONTEXT_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';

export interface AggregatedConfigSource { [k: string]: never }

/** `envoy.config.core.v3.ConfigSource` (ADS or a gRPC API source). */
export interface ConfigSource {
  ads?: AggregatedConfigSource;
  apiConfigSource?: ApiConfigSource;
  initialFetchTimeout?: Duration;
  resourceApiVersion?: 'AUTO' | 'V2' | 'V3';
}

export interface ApiConfigSource {
  apiType: 'GRPC' | 'DELTA_GRPC' | 'REST' | 'AGGREGATED_GRPC' | 'AGGREGATED_DELTA_GRPC';
  transportApiVersion?: 'AUTO' | 'V2' | 'V3';
  setNodeOnFirstMessageOnly?: boolean;
  grpcServices?: { envoyGrpc: { clusterName: string } }[];
}

export interface EdsClusterConfig {
  edsConfig: ConfigSource;
  serviceName?: string;
}

export interface CircuitBreakerThresholds {
  priority?: 'DEFAULT' | 'HIGH';
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
  maxRetries?: number;
  trackRemaining?: boolean;
}

export interface CircuitBreakers {
  thresholds: CircuitBreakerThresholds[];
}

export interface OutlierDetection {
  consecutive5xx?: number;
  interval?: Duration;
  baseEjectionTime?: Duration;
  maxEjectionPercent?: number;
  enforcingConsecutive5xx?: number;
  enforcingSuccessRate?: number;
  consecutiveGatewayFailure?: number;
  enforcingConsecutiveGatewayFailure?: number;
  splitExternalLocalOriginErrors?: boolean;
  consecutiveLocalOriginFailure?: number;
  enforcingConsecutiveLocalOriginFailure?: number;
  enforcingLocalOriginSuccessRate?: number;
}

export interface CommonLbConfig {
  healthyPanicThreshold?: { value: number };
  localityWeightedLbConfig?: Record<string, never>;
}

export interface SlowStartConfig { slowStartWindow?: Duration }

export interface RingHashLbConfig {
  /** UInt64Value: a decimal string in proto3 JSON. */
  minimumRingSize?: string;
}

export interface MaglevLbConfig {
  /** UInt64Value: a decimal string in proto3 JSON. */
  tableSize?: string;
}

export interface TcpKeepalive {
  keepaliveProbes?: number;
  keepaliveTime?: number;
  keepaliveInterval?: number;
}

export interface UpstreamConnectionOptions {
  tcpKeepalive?: TcpKeepalive;
}

export interface BindConfig {
  sourceAddress: SocketAddress;
}

export interface Cluster {
  name: string;
  altStatName?: string;
  type?: DiscoveryType;
  edsClusterConfig?: EdsClusterConfig;
  connectTimeout?: Duration;
  lbPolicy?: LbPolicy;
  loadAssignment?: ClusterLoadAssignment;
  circuitBreakers?: CircuitBreakers;
  typedExtensionProtocolOptions?: Record<string, HttpProtocolOptionsAny>;
  dnsRefreshRate?: Duration;
  respectDnsTtl?: boolean;
  dnsLookupFamily?: DnsLookupFamily;
  outlierDetection?: OutlierDetection;
  cleanupInterval?: Duration;
  upstreamBindConfig?: BindConfig;
  ringHashLbConfig?: RingHashLbConfig;
  maglevLbConfig?: MaglevLbConfig;
  leastRequestLbConfig?: { slowStartConfig?: SlowStartConfig };
  roundRobinLbConfig?: { slowStartConfig?: SlowStartConfig };
  commonLbConfig?: CommonLbConfig;
  transportSocket?: TransportSocket;
  metadata?: Metadata;
  upstreamConnectionOptions?: UpstreamConnectionOptions;
}

// ---- envoy.extensions.upstreams.http.v3.HttpProtocolOptions ----

export interface Http1ProtocolOptions { [k: string]: never }
export interface Http2ProtocolOptions { maxConcurrentStreams?: number }

export interface HttpProtocolOptions {
  commonHttpProtocolOptions?: {
    idleTimeout?: Duration;
    maxConnectionDuration?: Duration;
    maxRequestsPerConnection?: number;
  };
  upstreamHttpProtocolOptions?: { autoSni?: boolean; autoSanValidation?: boolean };
  explicitHttpConfig?: { httpProtocolOptions?: Http1ProtocolOptions; http2ProtocolOptions?: Http2ProtocolOptions };
  useDownstreamProtocolConfig?: { httpProtocolOptions?: Http1ProtocolOptions; http2ProtocolOptions?: Http2ProtocolOptions };
}

export type HttpProtocolOptionsAny = HttpProtocolOptions & { '@type': typeof HTTP_PROTOCOL_OPTIONS_TYPE };

// ---- envoy.extensions.transport_sockets.tls.v3 ----

export interface SdsSecretConfig {
  name: string;
  sdsConfig?: ConfigSource;
}

export interface CertificateValidationContext {
  matchSubjectAltNames?: StringMatcher[];
  crl?: DataSource;
}

export interface CommonTlsContext {
  tlsParams?: {
    tlsMinimumProtocolVersion?: 'TLS_AUTO' | 'TLSv1_0' | 'TLSv1_1' | 'TLSv1_2' | 'TLSv1_3';
    tlsMaximumProtocolVersion?: 'TLS_AUTO' | 'TLSv1_0' | 'TLSv1_1' | 'TLSv1_2' | 'TLSv1_3';
  };
  tlsCertificateSdsSecretConfigs?: SdsSecretConfig[];
  validationContext?: CertificateValidationContext;
  combinedValidationContext?: {
    defaultValidationContext: CertificateValidationContext;
    validationContextSdsSecretConfig: SdsSecretConfig;
  };
  alpnProtocols?: string[];
}

export interface UpstreamTlsContext {
  commonTlsContext: CommonTlsContext;
  sni?: string;
}

export type UpstreamTlsContextAny = UpstreamTlsContext & { '@type': typeof UPSTREAM_TLS_CONTEXT_TYPE };

