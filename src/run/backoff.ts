/**
 * Restart backoff for crashed processes, as Kubernetes' CrashLoopBackOff does it (with shorter
 * times, for a laptop): the first restart waits `initialMs`, each further crash doubles the wait
 * up to `maxMs`, and a process that ran `resetAfterMs` or more before it crashed starts over at
 * `initialMs`. Pure state; the caller supplies how long the process ran.
 */

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 10_000, resetAfterMs: 30_000 };

export class Backoff {
  private last: number | undefined;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /** The wait before restarting a process that crashed after running `uptimeMs`. */
  next(uptimeMs: number): number {
    if (this.last === undefined || uptimeMs >= this.policy.resetAfterMs) this.last = this.policy.initialMs;
    else this.last = Math.min(this.policy.maxMs, this.last * 2);
    return this.last;
  }

  reset(): void {
    this.last = undefined;
  }
}
