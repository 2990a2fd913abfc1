/**
 * HTTPFaultInjection → the fault filter's per-route config (envoy.extensions.filters.http.fault.v3
 * .HTTPFault), as Istio's TranslateFault: percentages become FractionalPercent per MILLION
 * (value × 10000, truncated), the deprecated integer `percent` per HUNDRED; fixed delays only
 * (exponential is unsupported); abort by HTTP status or gRPC status code. Pure.
 */
import type { FractionalPercent } from '../../api/envoy/common.js';
import type { FaultAbort, FaultDelay, HTTPFault } from '../../api/envoy/route.js';
import { RouteTypeUrl } from '../../api/envoy/route.js';
import type { HTTPFaultInjection, Percent } from '../../api/istio/virtual-service.js';
import { toDuration } from '../duration.js';

export const GRPC_STATUS: Readonly<Record<string, number>> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10,
  OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** Istio's translatePercentToFractionalPercent: per million, truncated like Go's uint32(). */
export function percentToFractional(p: Percent): FractionalPercent {
  return { numerator: Math.trunc((p.value ?? 0) * 10000), denominator: 'MILLION' };
}

export function integerToFractional(n: number): FractionalPercent {
  return { numerator: Math.trunc(n), denominator: 'HUNDRED' };
}

export function translateFault(fault: HTTPFaultInjection | null | undefined): HTTPFault | undefined {
  if (!fault) return undefined;
  let delay: FaultDelay | undefined;
  let abort: FaultAbort | undefined;
  if (fault.delay) {
    const d = fault.delay;
    const fixed = toDuration(d.fixedDelay);
    if (fixed !== undefined) {
      delay = {
        fixedDelay: fixed,
        percentage: d.percentage ? percentToFractional(d.percentage) : integerToFractional(d.percent ?? 0),
      };
    }
  }
  if (fault.abort) {
    const a = fault.abort;
    const percentage = a.percentage ? percentToFractional(a.percentage) : undefined;
    if (a.httpStatus != null) abort = { httpStatus: a.httpStatus };
    else if (a.grpcStatus != null && GRPC_STATUS[a.grpcStatus] !== undefined) abort = { grpcStatus: GRPC_STATUS[a.grpcStatus] };
    if (abort && percentage) abort.percentage = percentage;
  }
  if (!delay && !abort) return undefined;
  const out: HTTPFault = { '@type': RouteTypeUrl.HTTPFault };
  if (delay) out.delay = delay;
  if (abort) out.abort = abort;
  return out;
}
