/**
 * The one fake clock of the tests: timers run only when the test moves time on, in time order
 * (equal times in the order they were set), and timers they set run too if due. It fits every
 * layer's Clock (src/common/clock.ts, which the xDS server's, the config store's, the xDS
 * client's and outlier detection's clocks all are, structurally or by alias).
 */
import type { Clock, TimerHandle } from '../../src/common/clock.js';

interface Timer {
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  /** `start`: the time `now()` reads before the test moves it (ms). */
  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /** A negative delay counts as 0 (due now, run at the next advance). */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Timers set and neither run nor cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, running due timers in time order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, Timer] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }

  /** Moves time forward to the absolute time `at`. */
  to(at: number): void {
    this.advance(at - this.t);
  }
}
