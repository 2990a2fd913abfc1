/**
 * Coalesces bursts of change notifications into one run, as Istio debounces config events
 * (PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX): the run happens once no new notification came for
 * `quietMs`, and at the latest `maxDelayMs` after the first notification of the burst, so a
 * steady stream of edits cannot postpone it forever. Time comes from the injected clock.
 */
import type { StoreClock } from './types.js';

export class Debouncer {
  private timer: unknown;
  private firstAt: number | undefined;
  private lastAt: number | undefined;

  constructor(
    private readonly clock: StoreClock,
    private readonly run: () => void,
    private readonly quietMs: number,
    private readonly maxDelayMs: number,
  ) {}

  /** Whether a run is scheduled. */
  get pending(): boolean {
    return this.firstAt !== undefined;
  }

  /** Notes a change; (re)schedules the run. */
  trigger(): void {
    const now = this.clock.now();
    this.firstAt ??= now;
    this.lastAt = now;
    this.arm();
  }

  /** Runs now if something is pending (the caller wants the result at once). */
  flush(): void {
    if (this.firstAt === undefined) return;
    this.cancel();
    this.run();
  }

  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.firstAt = undefined;
    this.lastAt = undefined;
  }

  private arm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const now = this.clock.now();
    const due = Math.min(this.lastAt! + this.quietMs, this.firstAt! + this.maxDelayMs);
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, due - now));
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    const due = Math.min(this.lastAt! + this.quietMs, this.firstAt! + this.maxDelayMs);
    if (now < due) {
      this.arm(); // a timer that fired early (coarse clocks): wait the rest
      return;
    }
    this.cancel();
    this.run();
  }
}
