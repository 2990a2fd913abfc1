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
  /** The status codes retried under `retriable-status-codes` (empty without it). */
  statusCodes: ReadonlySet<number>;
  perTryTimeoutMs: number;
  baseMs: number;
  maxMs: number;
  previousHosts: boolean;
  /** `on` read once into what each outcome asks (the per-response check looks up nothing). */
  onResponse5xx: boolean;
  onGatewayError: boolean;
  on409: boolean;
  /** gRPC status codes (as text) retried on. */
  grpc: ReadonlySet<string>;
  onPerTryTimeout: boolean;
  onConnectFailure: boolean;
  onReset: boolean;
}

const GRPC: Record<string, string> = { cancelled: '1', 'deadline-exceeded': '4', 'resource-exhausted': '8', internal: '13', unavailable: '14' };

function compile(on: ReadonlySet<string>, statusCodes: ReadonlySet<number>, rest: Pick<CompiledRetry, 'numRetries' | 'perTryTimeoutMs' | 'baseMs' | 'maxMs' | 'previousHosts'>): CompiledRetry {
  const any = (...xs: string[]) => xs.some((x) => on.has(x));
  return {
    ...rest, on,
    onResponse5xx: on.has('5xx'),
    onGatewayError: on.has('gateway-error'),
    on409: on.has('retriable-4xx'),
    statusCodes: on.has('retriable-status-codes') ? statusCodes : new Set(),
    grpc: new Set(Object.entries(GRPC).filter(([k]) => on.has(k)).map(([, v]) => v)),
    onPerTryTimeout: any('5xx', 'gateway-error', 'reset'),
    onConnectFailure: any('5xx', 'gateway-error', 'connect-failure', 'reset'),
    onReset: any('5xx', 'reset', 'gateway-error'),
  };
}

const NONE: CompiledRetry = compile(new Set(), new Set(), { numRetries: 0, perTryTimeoutMs: 0, baseMs: 25, maxMs: 250, previousHosts: false });
const cache = new WeakMap<RetryPolicy, CompiledRetry>();

export function compileRetry(p: RetryPolicy | undefined): CompiledRetry {
  if (!p) return NONE;
  let c = cache.get(p);
  if (!c) {
    const baseMs = durationMs(p.retryBackOff?.baseInterval, 25);
    c = compile(
      new Set((p.retryOn ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
      new Set(p.retriableStatusCodes ?? []),
      {
        // Envoy: num_retries defaults to 1 when a policy is present.
        numRetries: p.numRetries ?? 1,
        perTryTimeoutMs: durationMs(p.perTryTimeout, 0),
        baseMs,
        maxMs: durationMs(p.retryBackOff?.maxInterval, baseMs * 10),
        previousHosts: (p.retryHostPredicate ?? []).some((x) => x.name === 'envoy.retry_host_predicates.previous_hosts'),
      },
    );
    cache.set(p, c);
  }
  return c;
}

/** Whether this outcome may be retried under the policy (attempt budget is the caller's). */
export function retriable(c: CompiledRetry, o: AttemptOutcome): boolean {
  if (o.kind === 'response') {
    const s = o.status;
    if (s >= 500 && c.onResponse5xx) return true;
    if ((s === 502 || s === 503 || s === 504) && c.onGatewayError) return true;
    if (s === 409 && c.on409) return true;
    if (c.statusCodes.size > 0 && c.statusCodes.has(s)) return true;
    return o.grpcStatus !== undefined && c.grpc.size > 0 && c.grpc.has(o.grpcStatus);
  }
  if (o.kind === 'per-try-timeout') return c.onPerTryTimeout;
  if (o.kind === 'connect-failure') return c.onConnectFailure;
  return c.onReset;
}

/** The wait before retry number `n` (1-based), Envoy's full-jitter exponential backoff. */
export function backoffMs(c: CompiledRetry, n: number, random: () => number): number {
  const ceiling = Math.min(c.maxMs, c.baseMs * 2 ** Math.min(n - 1, 30));
  return Math.floor(Math.min(Math.max(random(), 0), 0.999999) * ceiling);
}
