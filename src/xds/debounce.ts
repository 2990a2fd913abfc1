/**
 * Debouncing of snapshot changes. Istio's discovery server (PILOT_DEBOUNCE_AFTER, 100 ms;
 * PILOT_DEBOUNCE_MAX) waits for a quiet period after every change before pushing, so that a burst
 * (a `kubectl apply` of many objects, an endpoint storm) becomes one push. Trellis keeps the
 * coalescing but pushes on the leading edge: a change that arrives when no push happened within
 * the last `quietMs` is pushed at once (on a 0 ms timer, so that changes of the same tick join
 * it), which is what makes an isolated edit reach proxies in milliseconds instead of 100 ms; the
 * config store already debounces file-system events, so an isolated change here really is one.
 * Changes that arrive within `quietMs` of a push are coalesced into one trailing push, fired once
 * no change arrived for `quietMs`, or at the latest `maxMs` after the first change of the burst.
 * With `leading` false it behaves as Istio's (every push waits for the quiet period). The changed
 * kinds of a burst are merged (an empty set, "everything", absorbs the rest), and so are the
 * endpoint changes (unknown if any change lacks them). Timers come from the injected Clock; no
 * other side effects.
 */
import type { Clock, EndpointChanges, SnapshotChange } from './types.js';

export interface DebouncedChange extends SnapshotChange {
  /** Clock time of the first change of the burst. */
  firstAt: number;
  /** How many changes were merged. */
  count: number;
}

/** Both known: the union; else unknown. */
function mergeEndpoints(a: EndpointChanges | undefined, b: EndpointChanges | undefined): EndpointChanges | undefined {
  if (!a || !b) return undefined;
  return { hosts: new Set([...a.hosts, ...b.hosts]), workloadAddresses: new Set([...a.workloadAddresses, ...b.workloadAddresses]) };
}

export class Debouncer {
  private pending: DebouncedChange | undefined;
  /** The pending burst fires on the leading edge (0 ms timer). */
  private pendingLeading = false;
  private timer: unknown;
  private lastFlushAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly quietMs: number,
    private readonly maxMs: number,
    private readonly flush: (change: DebouncedChange) => void,
    private readonly leading = true,
  ) {}

  push(change: SnapshotChange): void {
    const now = this.clock.now();
    if (!this.pending) {
      this.pending = {
        snapshot: change.snapshot, changedKinds: new Set(change.changedKinds), firstAt: now, count: 1,
        ...(change.endpoints ? { endpoints: change.endpoints } : {}),
      };
      if (this.leading && (this.lastFlushAt === undefined || now - this.lastFlushAt >= this.quietMs)) {
        this.pendingLeading = true;
        this.schedule(0);
        return;
      }
    } else {
      const kinds = new Set(this.pending.changedKinds);
      // An empty set means "everything": keep it empty once seen.
      if (kinds.size === 0 || change.changedKinds.size === 0) kinds.clear();
      else for (const k of change.changedKinds) kinds.add(k);
      const endpoints = mergeEndpoints(this.pending.endpoints, change.endpoints);
      this.pending = {
        snapshot: change.snapshot, changedKinds: kinds, firstAt: this.pending.firstAt, count: this.pending.count + 1,
        ...(endpoints ? { endpoints } : {}),
      };
      // joins the leading push already scheduled for this tick
      if (this.pendingLeading) return;
    }
    const untilMax = this.pending.firstAt + this.maxMs - now;
    this.schedule(Math.max(0, Math.min(this.quietMs, untilMax)));
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
    this.pendingLeading = false;
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.fire(), ms);
  }

  private fire(): void {
    const p = this.pending;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    this.pendingLeading = false;
    if (!p) return;
    this.lastFlushAt = this.clock.now();
    this.flush(p);
  }
}
