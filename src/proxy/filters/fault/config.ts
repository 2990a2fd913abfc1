/**
 * The fault filter's per-route config (envoy.extensions.filters.http.fault.v3.HTTPFault, as
 * Istio's VirtualService `fault` emits it) parsed once per HTTPFault object: the delay (fixed
 * delay in ms) and abort (HTTP status, or gRPC status) each with its probability as a fraction in
 * [0, 1] from a FractionalPercent (numerator over HUNDRED, TEN_THOUSAND or MILLION; absent
 * percentage means 100%). Pure.
 */
import type { FractionalPercent } from '../../../api/envoy/common.js';
import type { HTTPFault } from '../../../api/envoy/route.js';
import { durationMs } from '../../router/duration.js';

export interface FaultConfig {
  delay?: { ms: number; fraction: number };
  abort?: { httpStatus?: number; grpcStatus?: number; fraction: number };
}

const DENOM = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

export function fraction(p: FractionalPercent | undefined): number {
  if (!p) return 1;
  const d = DENOM[p.denominator ?? 'HUNDRED'];
  return Math.min(1, Math.max(0, (p.numerator ?? 0) / d));
}

const cache = new WeakMap<HTTPFault, FaultConfig>();

export function faultConfig(f: HTTPFault): FaultConfig {
  let c = cache.get(f);
  if (!c) {
    c = {};
    if (f.delay?.fixedDelay !== undefined) c.delay = { ms: durationMs(f.delay.fixedDelay, 0), fraction: fraction(f.delay.percentage) };
    if (f.abort && (f.abort.httpStatus !== undefined || f.abort.grpcStatus !== undefined)) {
      c.abort = { httpStatus: f.abort.httpStatus, grpcStatus: f.abort.grpcStatus, fraction: fraction(f.abort.percentage) };
    }
    cache.set(f, c);
  }
  return c;
}
