/**
 * Debouncing of snapshot changes, as Istio's discovery server does (PILOT_DEBOUNCE_AFTER,
 * PILOT_DEBOUNCE_MAX): a burst of changes becomes one push, fired once no change arrived for
 * `quietMs`, or at the latest `maxMs` after the first change of the burst. The changed kinds of
 * the burst are merged. Timers come from the injected Clock; no other side effects.
 */
import type { Clock, SnapshotChange } from './types.js';

export interface DebouncedChange extends SnapshotChange {
  /** Clock time of the first change of the burst. */
  firstAt: number;
  /** How many changes were merged. */
  count: number;
}

export class Debouncer {
  private pending: DebouncedChange | undefined;
  private timer: unknown;

  constructor(
    private readonly clock: Clock,
    private readonly quietMs: number,
    private readonly maxMs: number,
    private readonly flush: (change: DebouncedChange) => void,
  ) {}

  push(change: SnapshotChange): void {
    const now = this.clock.now();
    if (!this.pending) {
      this.pending = { snapshot: change.snapshot, changedKinds: new Set(change.changedKinds), firstAt: now, count: 1 };
    } else {
      const kinds = new Set(this.pending.changedKinds);
      // An empty set means "everything": keep it empty once seen.
      if (kinds.size === 0 || change.changedKinds.size === 0) kinds.clear();
      else for (const k of change.changedKinds) kinds.add(k);
      this.pending = { snapshot: change.snapshot, changedKinds: kinds, firstAt: this.pending.firstAt, count: this.pending.count + 1 };
    }
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const untilMax = this.pending.firstAt + this.maxMs - now;
    const wait = Math.max(0, Math.min(this.quietMs, untilMax));
    this.timer = this.clock.setTimeout(() => this.fire(), wait);
  }

  /** Whether a burst is waiting. */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  /** Fires a waiting burst now. */
  flushNow(): void {
    if (this.pending) this.fire();
  }

  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private fire(): void {
    const p = this.pending;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    if (p) this.flush(p);
  }
}
