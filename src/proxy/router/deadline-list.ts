/**
 * Timeouts for requests in flight without a Node timer each: entries sit in one list ordered by
 * deadline, and one timer is armed no later than the earliest. Nearly every request sets a
 * timeout (Envoy's 15 s route timeout by default) and clears it a millisecond later; a
 * `setTimeout`/`clearTimeout` pair per request costs a Timeout object and two list operations
 * in Node's timer lists, where here it is a link and an unlink. Entries come in with about the
 * same duration, so an insert walks back from the tail a step or two. Removing the head leaves
 * the timer armed early; when it fires, it expires what is due and re-arms for the new head.
 */

/** An entry: extend it, and `expire` is called once when its deadline passes (unless removed first). */
export abstract class Deadline {
  at = 0;
  prev: Deadline | undefined = undefined;
  next: Deadline | undefined = undefined;
  listed = false;
  abstract expire(): void;
}

export class DeadlineList {
  private head: Deadline | undefined;
  private tail: Deadline | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedAt = Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  /** Expires `d` at `at` (ms since the epoch, as `now()`). */
  add(d: Deadline, at: number): void {
    if (d.listed) this.remove(d);
    d.at = at;
    d.listed = true;
    let after = this.tail;
    while (after !== undefined && after.at > at) after = after.prev;
    d.prev = after;
    d.next = after === undefined ? this.head : after.next;
    if (d.next === undefined) this.tail = d;
    else d.next.prev = d;
    if (after === undefined) this.head = d;
    else after.next = d;
    if (at < this.armedAt) this.arm(at);
  }

  remove(d: Deadline): void {
    if (!d.listed) return;
    d.listed = false;
    if (d.prev === undefined) this.head = d.next;
    else d.prev.next = d.next;
    if (d.next === undefined) this.tail = d.prev;
    else d.next.prev = d.prev;
    d.prev = d.next = undefined;
  }

  /** Entries waiting. */
  get size(): number {
    let n = 0;
    for (let d = this.head; d !== undefined; d = d.next) n++;
    return n;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.max(1, at - this.now()));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = this.now();
    for (let d = this.head; d !== undefined && d.at <= now; d = this.head) {
      this.remove(d);
      d.expire();
    }
    // An expire() may have added entries (a retry's next attempt) and armed for them.
    if (this.head !== undefined && this.head.at < this.armedAt) this.arm(this.head.at);
  };
}
