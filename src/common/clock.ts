/**
 * Time and randomness, injected everywhere they matter (debouncing, backoff, outlier detection,
 * DNS refresh) so that tests drive them exactly with a fake clock and a seeded random. The real
 * clock's timers are unref'd: a timer alone never keeps a process alive.
 */

export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch (may be fractional in fakes); only differences are relied on. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** A uniform random number in [0, 1). */
export type Random = () => number;

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
