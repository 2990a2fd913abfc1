/**
 * Connection pool settings as used by Sidecar `inboundConnectionPool` and per-ingress-listener
 * `connectionPool`: the field schema and Istio's rules (ISTIO-RULES rule 40; durations, rule 6,
 * are checked by the schema). The message is the same as DestinationRule's
 * `trafficPolicy.connectionPool`. Reports to a Ctx; never throws.
 */
import type { Ctx, Path } from '../ctx.js';
import { bool, dur, durOrZero, enumOf, int32, obj, uint32, type Schema } from '../schema.js';
import type { ConnectionPoolSettings } from '../../api/istio/sidecar.js';

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

function nonNegative(ctx: Ctx, path: Path, v: number | undefined | null, what: string): void {
  if (typeof v === 'number' && v < 0) ctx.error(path, `${what} must be non-negative, got ${v}; use 0 or a positive number`);
}

/** `path` points at the connection pool block. */
export function checkConnectionPool(ctx: Ctx, path: Path, cp: ConnectionPoolSettings | undefined | null): void {
  if (cp == null) return;
  if (cp.http == null && cp.tcp == null) {
    ctx.error(path, 'connection pool must have at least one field: set tcp and/or http limits, or remove it');
    return;
  }
  const http = cp.http;
  if (http != null) {
    const p = [...path, 'http'];
    nonNegative(ctx, [...p, 'http1MaxPendingRequests'], http.http1MaxPendingRequests, 'http1MaxPendingRequests');
    nonNegative(ctx, [...p, 'http2MaxRequests'], http.http2MaxRequests, 'http2MaxRequests');
    nonNegative(ctx, [...p, 'maxRequestsPerConnection'], http.maxRequestsPerConnection, 'maxRequestsPerConnection');
    nonNegative(ctx, [...p, 'maxRetries'], http.maxRetries, 'maxRetries');
    nonNegative(ctx, [...p, 'maxConcurrentStreams'], http.maxConcurrentStreams, 'maxConcurrentStreams');
    if (http.h2UpgradePolicy === 'UPGRADE' && http.useClientProtocol === true) {
      ctx.error([...p, 'useClientProtocol'], 'useClientProtocol must not be true when h2UpgradePolicy is UPGRADE; set one or the other');
    }
    const ka = http.http2KeepAlive;
    if (ka != null) {
      if (ka.interval == null) ctx.error([...p, 'http2KeepAlive', 'interval'], 'http2KeepAlive.interval is required (a duration such as "30s")');
      if (ka.timeout == null) ctx.error([...p, 'http2KeepAlive', 'timeout'], 'http2KeepAlive.timeout is required (a duration such as "10s")');
    }
  }
  if (cp.tcp != null) nonNegative(ctx, [...path, 'tcp', 'maxConnections'], cp.tcp.maxConnections, 'maxConnections');
}
