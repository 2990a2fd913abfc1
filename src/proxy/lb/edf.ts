/**
 * Earliest-deadline-first scheduling, Envoy's EdfScheduler: each entry's next deadline is
 * `num/den`; the smallest deadline is served first, ties by entry index. Deadlines are compared by
 * cross-multiplication, so with integer `num` and weights as `den` (round robin: deadline k/w)
 * the order is exact and a host of weight w gets exactly w picks per cycle of sum(w) picks. The
 * weighted least-request balancer uses float deadlines (den = 1). A binary heap: O(log n) a pick.
 * Holds no hosts, only indices; never reads a clock or randomness.
 */

export class Edf {
  private readonly num: Float64Array;
  private readonly den: Float64Array;
  /** heap[k] = entry id. */
  private readonly heap: Uint32Array;
  private size = 0;

  constructor(capacity: number) {
    this.num = new Float64Array(capacity);
    this.den = new Float64Array(capacity);
    this.heap = new Uint32Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  private less(a: number, b: number): boolean {
    const l = this.num[a]! * this.den[b]!;
    const r = this.num[b]! * this.den[a]!;
    return l < r || (l === r && a < b);
  }

  /** Adds entry `id` (0 ≤ id < capacity) with deadline num/den. */
  push(id: number, num: number, den: number): void {
    this.num[id] = num;
    this.den[id] = den;
    const h = this.heap;
    let k = this.size++;
    h[k] = id;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!this.less(h[k]!, h[p]!)) break;
      const t = h[k]!;
      h[k] = h[p]!;
      h[p] = t;
      k = p;
    }
  }

  /** Removes and returns the entry id with the earliest deadline (heap must be non-empty). */
  pop(): number {
    const h = this.heap;
    const top = h[0]!;
    const last = h[--this.size]!;
    if (this.size > 0) {
      h[0] = last;
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        if (l >= this.size) break;
        const r = l + 1;
        const c = r < this.size && this.less(h[r]!, h[l]!) ? r : l;
        if (!this.less(h[c]!, h[k]!)) break;
        const t = h[k]!;
        h[k] = h[c]!;
        h[c] = t;
        k = c;
      }
    }
    return top;
  }

  numOf(id: number): number {
    return this.num[id]!;
  }

  denOf(id: number): number {
    return this.den[id]!;
  }

  /** Shifts every deadline back by `by` (an integer), keeping order; for exact-integer upkeep. */
  rebase(by: number): void {
    for (let k = 0; k < this.size; k++) {
      const id = this.heap[k]!;
      this.num[id] = this.num[id]! - by * this.den[id]!;
    }
  }
}
