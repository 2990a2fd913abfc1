/**
 * The time and randomness the xDS client needs, injected so that tests are exact: a Clock
 * (`now`, `setTimeout`, `clearTimeout`; structurally the same as the control plane's) and a
 * random source in [0, 1). Also the reconnect backoff: Envoy's jittered exponential strategy
 * (base 500 ms, doubling per failed attempt, capped at 30 s, full jitter: a uniform pick below the
 * ceiling), reset once a stream delivers a response. Timers are unref'd so they never keep a
 * process alive on their own. No I/O.
 */

export type { Clock, Random, TimerHandle } from '../../common/clock.js';
export { realClock as systemClock } from '../../common/clock.js';
import type { Random } from '../../common/clock.js';

export const DEFAULT_BACKOFF_BASE_MS = 500;
export const DEFAULT_BACKOFF_MAX_MS = 30_000;

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
}

/** Envoy's JitteredExponentialBackOffStrategy: delay = random × min(max, base × 2^attempt). */
export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(private readonly random: Random, o: BackoffOptions = {}) {
    this.baseMs = Math.max(1, o.baseMs ?? DEFAULT_BACKOFF_BASE_MS);
    this.maxMs = Math.max(this.baseMs, o.maxMs ?? DEFAULT_BACKOFF_MAX_MS);
  }

  /** The ceiling of the next delay (for logs and tests). */
  ceiling(): number {
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
  }

  /** The next delay in ms; each call widens the following one until the cap. */
  next(): number {
    const ceiling = this.ceiling();
    this.attempt++;
    const r = Math.min(Math.max(this.random(), 0), 1);
    return Math.floor(r * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
