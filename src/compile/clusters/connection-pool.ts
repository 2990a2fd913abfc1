/**
 * DestinationRule `connectionPool` → Envoy cluster settings, as Istio's `applyConnectionPool`
 * and `applyH2Upgrade`: circuit-breaker thresholds (every unset one at Istio's 4294967295, with
 * trackRemaining), connect timeout (mesh default 10s), TCP keepalive as upstream connection
 * options, and the upstream HTTP protocol options (idle timeout, max requests per connection,
 * max connection duration, max concurrent streams, use-client-protocol). Zero means unset, as in
 * Istio. Mutates the draft it is given.
 */
import type { CircuitBreakerThresholds } from '../../api/envoy/cluster.js';
import type { ConnectionPoolSettings } from '../../api/istio/destination-rule.js';
import type { ServicePort } from '../../registry/types.js';
import { isHttpProtocol } from '../../registry/protocol.js';
import { isH2Cluster, setH2, setUseDownstreamProtocol, type Draft } from './draft.js';
import { toDuration, toSeconds } from '../duration.js';
import { MAX_UINT32, MESH_CONNECT_TIMEOUT } from './mesh-defaults.js';

export function defaultThresholds(): CircuitBreakerThresholds {
  return {
    maxConnections: MAX_UINT32,
    maxPendingRequests: MAX_UINT32,
    maxRequests: MAX_UINT32,
    maxRetries: MAX_UINT32,
    trackRemaining: true,
  };
}

const positive = (n: number | null | undefined): n is number => typeof n === 'number' && n > 0;

export function applyConnectionPool(d: Draft, settings: ConnectionPoolSettings | undefined): void {
  const c = d.cluster;
  const t = defaultThresholds();
  const http = settings?.http ?? undefined;
  const tcp = settings?.tcp ?? undefined;
  let idleTimeout: string | undefined;
  let maxRequestsPerConnection = 0;
  let maxConcurrentStreams = 0;
  let maxConnectionDuration: string | undefined;

  if (http) {
    if (positive(http.http2MaxRequests)) t.maxRequests = http.http2MaxRequests;
    if (positive(http.http1MaxPendingRequests)) t.maxPendingRequests = http.http1MaxPendingRequests;
    if (positive(http.maxRetries)) t.maxRetries = http.maxRetries;
    idleTimeout = toDuration(http.idleTimeout);
    maxRequestsPerConnection = http.maxRequestsPerConnection ?? 0;
    maxConcurrentStreams = http.maxConcurrentStreams ?? 0;
  }
  c.connectTimeout = MESH_CONNECT_TIMEOUT;
  if (tcp) {
    const ct = toDuration(tcp.connectTimeout);
    if (ct) c.connectTimeout = ct;
    if (positive(tcp.maxConnections)) t.maxConnections = tcp.maxConnections;
    maxConnectionDuration = toDuration(tcp.maxConnectionDuration);
    idleTimeout ??= toDuration(tcp.idleTimeout);
    const ka = tcp.tcpKeepalive;
    if (ka) {
      const k: { keepaliveProbes?: number; keepaliveTime?: number; keepaliveInterval?: number } = {};
      if (positive(ka.probes)) k.keepaliveProbes = ka.probes;
      const time = toSeconds(ka.time);
      if (time !== undefined) k.keepaliveTime = time;
      const interval = toSeconds(ka.interval);
      if (interval !== undefined) k.keepaliveInterval = interval;
      c.upstreamConnectionOptions = { tcpKeepalive: k };
    }
  }
  c.circuitBreakers = { thresholds: [t] };

  if (maxConnectionDuration || idleTimeout || maxRequestsPerConnection > 0 || maxConcurrentStreams > 0) {
    d.http ??= {};
    const common = { ...d.http.commonHttpProtocolOptions };
    if (idleTimeout) common.idleTimeout = idleTimeout;
    if (maxRequestsPerConnection > 0) common.maxRequestsPerConnection = maxRequestsPerConnection;
    if (maxConnectionDuration) common.maxConnectionDuration = maxConnectionDuration;
    d.http.commonHttpProtocolOptions = common;
    if (maxConcurrentStreams > 0 && isH2Cluster(d)) {
      d.http.explicitHttpConfig = { http2ProtocolOptions: { maxConcurrentStreams } };
    }
  }
  if (http?.useClientProtocol) setUseDownstreamProtocol(d);
}

/** Istio's `shouldH2Upgrade` with the mesh default policy DO_NOT_UPGRADE. */
export function applyH2Upgrade(d: Draft, port: ServicePort | undefined, settings: ConnectionPoolSettings | undefined): void {
  const override = settings?.http?.h2UpgradePolicy;
  if (override === 'UPGRADE') { setH2(d); return; }
  if (override === 'DO_NOT_UPGRADE') return;
  if (port && !isHttpProtocol(port.protocol)) return;
  // Mesh-wide h2UpgradePolicy defaults to DO_NOT_UPGRADE: nothing to do.
}
