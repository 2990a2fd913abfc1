/**
 * Circuit breakers for one cluster, as Envoy's resource manager for the DEFAULT priority: four
 * counters (connections, pending requests, requests, retries) against the cluster's
 * `circuitBreakers.thresholds`. Envoy's defaults when a threshold (or the whole message) is
 * unset: 1024 connections, 1024 pending requests, 1024 requests, 3 retries. Istio always sets
 * all four (2^32−1 unless the DestinationRule's connectionPool says otherwise) with
 * trackRemaining, so its users never meet Envoy's small retry default.
 *
 * Hot path: `tryAcquire(kind)` (a compare and an increment, no allocation) and `release(kind)`.
 * A refusal counts Envoy's overflow stat (`upstream_cx_overflow`, `upstream_rq_pending_overflow`
 * for pending requests and for requests, as Envoy does, `upstream_rq_retry_overflow`) and the
 * caller acts: a refused request or pending request is answered with `OVERFLOW_REPLY` (503,
 * response flag UO); a refused retry is simply not attempted (the previous response stands); a
 * refused connection means the pool queues the request as pending instead (Envoy still lets a
 * host with no connection open one). Gauges for stats: `<resource>_open` (1 while at the limit)
 * and, with trackRemaining, `remaining_*`. Deciding what to do on overflow is the caller's job.
 */
import type { CircuitBreakers } from '../../api/envoy/cluster.js';

export type BreakerResource = 'connections' | 'pending' | 'requests' | 'retries';

export interface BreakerLimits {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
  trackRemaining: boolean;
}

export const ENVOY_DEFAULT_LIMITS: Readonly<BreakerLimits> = Object.freeze({
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
  trackRemaining: false,
});

/** What the caller answers when a request or pending request overflows (Envoy's local reply). */
export const OVERFLOW_REPLY = Object.freeze({
  status: 503,
  responseFlag: 'UO',
  body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
  headers: Object.freeze({ 'x-envoy-overloaded': 'true' }),
});

/** The first thresholds for priority DEFAULT (an unset priority is DEFAULT), with Envoy's defaults. */
export function resolveBreakerLimits(cb: CircuitBreakers | undefined): BreakerLimits {
  const t = cb?.thresholds?.find((x) => (x.priority ?? 'DEFAULT') === 'DEFAULT');
  const d = ENVOY_DEFAULT_LIMITS;
  const n = (v: number | undefined, dflt: number): number => (typeof v === 'number' && v >= 0 ? v : dflt);
  return {
    maxConnections: n(t?.maxConnections, d.maxConnections),
    maxPendingRequests: n(t?.maxPendingRequests, d.maxPendingRequests),
    maxRequests: n(t?.maxRequests, d.maxRequests),
    maxRetries: n(t?.maxRetries, d.maxRetries),
    trackRemaining: t?.trackRemaining === true,
  };
}

/** Envoy's overflow counters for the cluster (`cluster.<name>.upstream_*_overflow`). */
export interface BreakerStats {
  upstream_cx_overflow: number;
  upstream_rq_pending_overflow: number;
  upstream_rq_retry_overflow: number;
}

/** Envoy's `cluster.<name>.circuit_breakers.default.*` gauges. */
export interface BreakerGauges {
  cx_open: number;
  rq_pending_open: number;
  rq_open: number;
  rq_retry_open: number;
  remaining_cx?: number;
  remaining_pending?: number;
  remaining_rq?: number;
  remaining_retries?: number;
}

export class CircuitBreaker {
  readonly limits: BreakerLimits;
  readonly stats: BreakerStats = { upstream_cx_overflow: 0, upstream_rq_pending_overflow: 0, upstream_rq_retry_overflow: 0 };
  connections = 0;
  pending = 0;
  requests = 0;
  retries = 0;

  constructor(limits: Readonly<BreakerLimits> = ENVOY_DEFAULT_LIMITS) {
    this.limits = { ...limits };
  }

  /** From an Envoy Cluster's `circuitBreakers` (DEFAULT priority, Envoy's defaults). */
  static fromCluster(cb: CircuitBreakers | undefined): CircuitBreaker {
    return new CircuitBreaker(resolveBreakerLimits(cb));
  }

  /** Whether one more of `kind` fits now (Envoy's canCreate), without taking it or counting. */
  canAcquire(kind: BreakerResource): boolean {
    switch (kind) {
      case 'connections': return this.connections < this.limits.maxConnections;
      case 'pending': return this.pending < this.limits.maxPendingRequests;
      case 'requests': return this.requests < this.limits.maxRequests;
      case 'retries': return this.retries < this.limits.maxRetries;
    }
  }

  /** Takes one of `kind`, or counts the overflow and returns false. Pair every true with release. */
  tryAcquire(kind: BreakerResource): boolean {
    switch (kind) {
      case 'connections':
        if (this.connections < this.limits.maxConnections) { this.connections++; return true; }
        this.stats.upstream_cx_overflow++;
        return false;
      case 'pending':
        if (this.pending < this.limits.maxPendingRequests) { this.pending++; return true; }
        this.stats.upstream_rq_pending_overflow++;
        return false;
      case 'requests':
        if (this.requests < this.limits.maxRequests) { this.requests++; return true; }
        this.stats.upstream_rq_pending_overflow++;
        return false;
      case 'retries':
        if (this.retries < this.limits.maxRetries) { this.retries++; return true; }
        this.stats.upstream_rq_retry_overflow++;
        return false;
    }
  }

  release(kind: BreakerResource): void {
    switch (kind) {
      case 'connections': if (this.connections > 0) this.connections--; return;
      case 'pending': if (this.pending > 0) this.pending--; return;
      case 'requests': if (this.requests > 0) this.requests--; return;
      case 'retries': if (this.retries > 0) this.retries--; return;
    }
  }

  gauges(): BreakerGauges {
    const l = this.limits;
    const g: BreakerGauges = {
      cx_open: this.connections >= l.maxConnections ? 1 : 0,
      rq_pending_open: this.pending >= l.maxPendingRequests ? 1 : 0,
      rq_open: this.requests >= l.maxRequests ? 1 : 0,
      rq_retry_open: this.retries >= l.maxRetries ? 1 : 0,
    };
    if (l.trackRemaining) {
      g.remaining_cx = Math.max(0, l.maxConnections - this.connections);
      g.remaining_pending = Math.max(0, l.maxPendingRequests - this.pending);
      g.remaining_rq = Math.max(0, l.maxRequests - this.requests);
      g.remaining_retries = Math.max(0, l.maxRetries - this.retries);
    }
    return g;
  }
}
