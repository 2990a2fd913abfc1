/**
 * Convergence tracking: a push round starts when a debounced change is flushed and ends when
 * every proxy it pushed to has answered (ACK or NACK) everything sent to it since, or left. Each
 * proxy's own convergence and the round's are reported as events, timed from the first source
 * change of the round. No timers, no I/O.
 */
import type { AdsEventListener, Clock } from './types.js';

export interface RoundMember {
  readonly connectionId: string;
  readonly proxyId: string;
}

export class PushRound {
  /** Proxies enqueued for this round whose push has not run yet. */
  private readonly toPush = new Set<string>();
  /** Proxies that were sent something and have not answered all of it yet. */
  private readonly pending = new Set<string>();
  private members = 0;
  private sealed = false;
  private finished = false;

  constructor(
    readonly snapshotVersion: string,
    /** Clock time of the first change of the round. */
    readonly firstAt: number,
    private readonly clock: Clock,
    private readonly emit: AdsEventListener,
  ) {}

  /** A proxy enqueued for this round. */
  expect(member: RoundMember): void {
    if (!this.finished) this.toPush.add(member.connectionId);
  }

  /**
   * The proxy's push ran. `waiting`: it was sent something (or still owes answers), so the round
   * waits for its `done`; otherwise it was unaffected and is not counted.
   */
  pushed(member: RoundMember, waiting: boolean): void {
    this.toPush.delete(member.connectionId);
    if (waiting && !this.finished && !this.pending.has(member.connectionId)) {
      this.pending.add(member.connectionId);
      this.members += 1;
    }
    this.check();
  }

  /** The proxy answered everything of this round. */
  done(member: RoundMember): void {
    if (!this.pending.delete(member.connectionId)) return;
    this.emit({
      type: 'proxy-converged', proxyId: member.proxyId, connectionId: member.connectionId,
      ms: this.clock.now() - this.firstAt, snapshotVersion: this.snapshotVersion,
    });
    this.check();
  }

  /** The proxy disconnected: no longer waited for, not counted as converged. */
  leave(member: RoundMember): void {
    const a = this.pending.delete(member.connectionId);
    const b = this.toPush.delete(member.connectionId);
    if (a || b) this.check();
  }

  /** Every proxy has been enqueued; from now on a round with nobody left is finished. */
  seal(): void {
    this.sealed = true;
    this.check();
  }

  get isFinished(): boolean {
    return this.finished;
  }

  private check(): void {
    if (this.finished || !this.sealed || this.pending.size > 0 || this.toPush.size > 0) return;
    this.finished = true;
    this.emit({ type: 'converged', ms: this.clock.now() - this.firstAt, proxies: this.members, snapshotVersion: this.snapshotVersion });
  }
}
