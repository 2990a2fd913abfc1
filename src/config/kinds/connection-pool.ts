/**
 * Connection pool settings, shared by DestinationRule `trafficPolicy.connectionPool` (and its
 * port-level and subset copies) and Sidecar `inboundConnectionPool` / ingress `connectionPool`:
 * the field schema and Istio's rules (ISTIO-RULES rule 40; durations, rule 6, are checked by the
 * schema). Reports to a Ctx; never throws.
 */
import type { Ctx, Path } from '../ctx.js';
import { bool, dur, durOrZero, enumOf, int32, obj, uint32, type Schema } from '../schema.js';
import type { ConnectionPoolSettings } from '../../api/istio/destination-rule.js';

export const connectionPoolSchema: Schema = obj({
  tcp: obj({
    maxConnections: int32(),
    connectTimeout: dur(),
    tcpKeepalive: obj({ probes: uint32(), time: dur(), interval: dur() }),
    maxConnectionDuration: dur(),
    idleTimeout: durOrZero(),
  }),
  http: obj({
    http1MaxPendingRequests: int32(),
    http2MaxRequests: int32(),
    maxRequestsPerConnection: int32(),
    maxRetries: int32(),
    idleTimeout: dur(),
    h2UpgradePolicy: enumOf('DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'),
    useClientProtocol: bool(),
    maxConcurrentStreams: int32(),
    http2KeepAlive: obj({ interval: dur(), timeout: dur() }),
  }),
});

const HTTP_COUNTS = ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'maxConcurrentStreams'] as const;

function nonNegative(ctx: Ctx, path: Path, name: string, v: number | null | undefined): void {
  if (typeof v === 'number' && v < 0) ctx.error(path, `${name} must be non-negative: zero or positive, got ${v}`);
}

/** `path` points at the connection pool block. */
export function checkConnectionPool(ctx: Ctx, path: Path, cp: ConnectionPoolSettings | undefined | null): void {
  if (cp == null) return;
  if (cp.http == null && cp.tcp == null) {
    ctx.error(path, 'a connection pool must set http or tcp settings (or both); remove it if there is nothing to set');
    return;
  }
  const http = cp.http;
  if (http != null) {
    const hp = [...path, 'http'];
    for (const f of HTTP_COUNTS) nonNegative(ctx, [...hp, f], f, http[f]);
    if (http.h2UpgradePolicy === 'UPGRADE' && http.useClientProtocol === true) {
      ctx.error([...hp, 'useClientProtocol'], 'useClientProtocol must not be true when h2UpgradePolicy is UPGRADE; set one of them only');
    }
    const ka = http.http2KeepAlive;
    if (ka != null) {
      if (ka.interval == null) ctx.error([...hp, 'http2KeepAlive', 'interval'], 'http2KeepAlive needs an interval between pings (required), e.g. interval: 30s');
      if (ka.timeout == null) ctx.error([...hp, 'http2KeepAlive', 'timeout'], 'http2KeepAlive needs a timeout to wait for a ping reply (required), e.g. timeout: 10s');
    }
  }
  if (cp.tcp != null) nonNegative(ctx, [...path, 'tcp', 'maxConnections'], 'maxConnections', cp.tcp.maxConnections);
}
