/**
 * A route's retry policy compiled once (per RetryPolicy object) and the per-request decisions:
 * whether a response or a failed attempt is retriable under Envoy's `retry_on` conditions (5xx,
 * gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes,
 * and the gRPC ones read from `grpc-status`: cancelled, deadline-exceeded, internal,
 * resource-exhausted, unavailable), the per-try timeout, the previous_hosts predicate, and the
 * backoff before the next try: Envoy's jittered exponential strategy (base 25 ms unless
 * retryBackOff says otherwise, max 10× base, delay = random × min(max, base × 2^(n−1))), with the
 * randomness injected. Pure.
 */
import type { RetryPolicy } from '../../api/envoy/route.js';
import { durationMs } from './duration.js';

export type AttemptOutcome =
  | { kind: 'response'; status: number; grpcStatus?: string }
  | { kind: 'connect-failure' | 'reset' | 'per-try-timeout' };

export interface CompiledRetry {
  numRetries: number;
  on: ReadonlySet<string>;
  statusCodes: ReadonlySet<number>;
  perTryTimeoutMs: number;
  baseMs: number;
  maxMs: number;
  previousHosts: boolean;
}

const NONE: CompiledRetry = { numRetries: 0, on: new Set(), statusCodes: new Set(), perTryTimeoutMs: 0, baseMs: 25, maxMs: 250, previousHosts: false };
const cache = new WeakMap<RetryPolicy, CompiledRetry>();

export function compileRetry(p: RetryPolicy | undefined): CompiledRetry {
  if (!p) return NONE;
  let c = cache.get(p);
  if (!c) {
    const baseMs = durationMs(p.retryBackOff?.baseInterval, 25);
    c = {
      // Envoy: num_retries defaults to 1 when a policy is present.
      numRetries: p.numRetries ?? 1,
      on: new Set((p.retryOn ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
      statusCodes: new Set(p.retriableStatusCodes ?? []),
      perTryTimeoutMs: durationMs(p.perTryTimeout, 0),
      baseMs,
      maxMs: durationMs(p.retryBackOff?.maxInterval, baseMs * 10),
      previousHosts: (p.retryHostPredicate ?? []).some((x) => x.name === 'envoy.retry_host_predicates.previous_hosts'),
    };
    cache.set(p, c);
  }
  return c;
}

const GRPC: Record<string, string> = { cancelled: '1', 'deadline-exceeded': '4', 'resource-exhausted': '8', internal: '13', unavailable: '14' };

/** Whether this outcome may be retried under the policy (attempt budget is the caller's). */
export function retriable(c: CompiledRetry, o: AttemptOutcome): boolean {
  const on = c.on;
  if (o.kind === 'response') {
    const s = o.status;
    // The common answer, decided without a lookup: nothing below 500 but 409 and listed codes retries.
    if (s < 500 && s !== 409 && c.statusCodes.size === 0 && o.grpcStatus === undefined) return false;
    if (on.has('5xx') && s >= 500) return true;
    if (on.has('gateway-error') && (s === 502 || s === 503 || s === 504)) return true;
    if (on.has('retriable-4xx') && s === 409) return true;
    if (on.has('retriable-status-codes') && c.statusCodes.has(s)) return true;
    if (o.grpcStatus !== undefined) for (const [k, v] of Object.entries(GRPC)) if (on.has(k) && o.grpcStatus === v) return true;
    return false;
  }
  if (o.kind === 'per-try-timeout') return on.has('5xx') || on.has('gateway-error') || on.has('reset');
  if (o.kind === 'connect-failure') return on.has('5xx') || on.has('gateway-error') || on.has('connect-failure') || on.has('reset');
  return on.has('5xx') || on.has('reset') || on.has('gateway-error');
}

/** The wait before retry number `n` (1-based), Envoy's full-jitter exponential backoff. */
export function backoffMs(c: CompiledRetry, n: number, random: () => number): number {
  const ceiling = Math.min(c.maxMs, c.baseMs * 2 ** Math.min(n - 1, 30));
  return Math.floor(Math.min(Math.max(random(), 0), 0.999999) * ceiling);
}
