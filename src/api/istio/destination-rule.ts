/**
 * TypeScript shape of an Istio `DestinationRule` spec (networking.istio.io v1/v1beta1/v1alpha3),
 * field for field as the CRD and protobuf JSON name them. Every field is optional, as in proto3;
 * `null` in YAML means unset. Durations are strings ("1s", "100ms"). Pure types, no logic.
 */

export type Duration = string;

export interface DestinationRuleSpec {
  host?: string;
  trafficPolicy?: TrafficPolicy | null;
  subsets?: (Subset | null)[] | null;
  exportTo?: string[] | null;
  workloadSelector?: DRWorkloadSelector | null;
}

export interface DRWorkloadSelector {
  matchLabels?: Record<string, string> | null;
}

export interface Subset {
  name?: string;
  labels?: Record<string, string> | null;
  trafficPolicy?: TrafficPolicy | null;
}

/** The fields a port-level policy shares with the whole-service policy. */
export interface PortTrafficPolicyFields {
  loadBalancer?: LoadBalancerSettings | null;
  connectionPool?: ConnectionPoolSettings | null;
  outlierDetection?: OutlierDetection | null;
  tls?: ClientTLSSettings | null;
}

export interface TrafficPolicy extends PortTrafficPolicyFields {
  portLevelSettings?: (PortTrafficPolicy | null)[] | null;
  tunnel?: TunnelSettings | null;
  proxyProtocol?: ProxyProtocol | null;
  retryBudget?: RetryBudget | null;
}

export interface PortTrafficPolicy extends PortTrafficPolicyFields {
  port?: { number?: number } | null;
}

export interface TunnelSettings {
  protocol?: string;
  targetHost?: string;
  targetPort?: number;
}

export interface ProxyProtocol {
  version?: 'V1' | 'V2';
}

export interface RetryBudget {
  percent?: number;
  minRetryConcurrency?: number;
  budgetInterval?: Duration;
}

export type SimpleLB = 'UNSPECIFIED' | 'LEAST_CONN' | 'RANDOM' | 'PASSTHROUGH' | 'ROUND_ROBIN' | 'LEAST_REQUEST';

export interface LoadBalancerSettings {
  simple?: SimpleLB | null;
  consistentHash?: ConsistentHashLB | null;
  localityLbSetting?: LocalityLbSetting | null;
  zoneAwareLbSetting?: ZoneAwareLbSetting | null;
  /** Deprecated: use `warmup`. */
  warmupDurationSecs?: Duration;
  warmup?: WarmupConfiguration | null;
}

export interface ConsistentHashLB {
  httpHeaderName?: string;
  httpCookie?: HttpCookie | null;
  useSourceIp?: boolean;
  httpQueryParameterName?: string;
  ringHash?: { minimumRingSize?: number } | null;
  maglev?: { tableSize?: number } | null;
  /** Deprecated: use `ringHash.minimumRingSize`. */
  minimumRingSize?: number;
}

export interface HttpCookie {
  name?: string;
  path?: string;
  ttl?: Duration;
  attributes?: ({ name?: string; value?: string } | null)[] | null;
}

export interface LocalityLbSetting {
  distribute?: ({ from?: string; to?: Record<string, number> | null } | null)[] | null;
  failover?: (LocalityFailover | null)[] | null;
  failoverPriority?: string[] | null;
  enabled?: boolean | null;
}

export interface LocalityFailover {
  from?: string;
  to?: string;
}

export interface ZoneAwareLbSetting {
  enabled?: boolean | null;
  failover?: (LocalityFailover | null)[] | null;
  failoverPriority?: string[] | null;
  minClusterSize?: number | null;
}

export interface WarmupConfiguration {
  duration?: Duration;
  minimumPercent?: number | null;
  aggression?: number | null;
}

export type H2UpgradePolicy = 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';

export interface ConnectionPoolSettings {
  tcp?: TcpSettings | null;
  http?: HttpSettings | null;
}

export interface TcpSettings {
  maxConnections?: number;
  connectTimeout?: Duration;
  tcpKeepalive?: { probes?: number; time?: Duration; interval?: Duration } | null;
  maxConnectionDuration?: Duration;
  /** `0s` disables the idle timeout. */
  idleTimeout?: Duration;
}

export interface HttpSettings {
  http1MaxPendingRequests?: number;
  http2MaxRequests?: number;
  maxRequestsPerConnection?: number;
  maxRetries?: number;
  idleTimeout?: Duration;
  h2UpgradePolicy?: H2UpgradePolicy;
  useClientProtocol?: boolean;
  maxConcurrentStreams?: number;
  http2KeepAlive?: { interval?: Duration; timeout?: Duration } | null;
}

export interface OutlierDetection {
  splitExternalLocalOriginErrors?: boolean;
  consecutiveLocalOriginFailures?: number | null;
  consecutiveGatewayErrors?: number | null;
  consecutive5xxErrors?: number | null;
  /** Deprecated: use consecutiveGatewayErrors or consecutive5xxErrors. */
  consecutiveErrors?: number;
  interval?: Duration;
  baseEjectionTime?: Duration;
  maxEjectionPercent?: number;
  minHealthPercent?: number;
  outlierDetectionHttpErrorCodes?: number[] | null;
}

export type ClientTLSMode = 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';

export interface ClientTLSSettings {
  mode?: ClientTLSMode;
  clientCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  credentialName?: string;
  subjectAltNames?: string[] | null;
  sni?: string;
  insecureSkipVerify?: boolean | null;
  caCrl?: string;
}
