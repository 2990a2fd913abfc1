/**
 * The push queue, as Istio's pushqueue.go: at most `concurrency` proxies are pushed to at once;
 * a proxy waits in FIFO order of its first enqueue; enqueuing a proxy that is already waiting
 * merges the two requests into one (no second push); enqueuing a proxy that is being pushed to
 * now keeps the merged request aside and queues it again (at the tail) when the current push is
 * done, so a push never races another to the same proxy. With `slice`, pushes are started in
 * time slices: once a slice's time is up, the rest wait for the next turn of the event loop, so
 * that what the first proxies were sent goes out on their sockets (and their ACKs come in)
 * while the others are still being generated, instead of after all of them. Knows nothing of xDS.
 */

export type PushTask<K, R> = (key: K, request: R) => void | Promise<void>;

/** Time slicing of push starts (see above). */
export interface PushSlicing {
  /** Longest run of push starts before yielding. */
  sliceMs: number;
  /** Milliseconds, monotonic enough for a slice (the server's clock). */
  now(): number;
  /** Runs `fn` on a later turn of the event loop (setImmediate). */
  defer(fn: () => void): void;
}

export class PushQueue<K, R> {
  private readonly queued = new Map<K, R>();
  private readonly running = new Set<K>();
  /** Requests for proxies being pushed to now, merged, to run after. */
  private readonly again = new Map<K, R>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  /** A deferred pump is scheduled (the last slice ran out of time). */
  private deferred = false;
  /**
   * End of the slice in progress: one slice spans every pump of one synchronous run (a round's
   * enqueues call pump once per proxy), and ends with it (a microtask clears it) or on time.
   */
  private sliceEnd: number | undefined;
  /** Pushes started in the slice in progress (at least one per slice, so a 0 ms slice progresses). */
  private sliceStarted = 0;

  constructor(
    private readonly concurrency: number,
    private readonly merge: (older: R, newer: R) => R,
    private readonly task: PushTask<K, R>,
    private readonly onError: (key: K, err: unknown) => void = () => {},
    private readonly slice?: PushSlicing,
  ) {
    if (!(concurrency >= 1)) throw new RangeError(`push concurrency must be ≥ 1, got ${concurrency}`);
  }

  enqueue(key: K, request: R): void {
    if (this.closed) return;
    if (this.running.has(key)) {
      const prev = this.again.get(key);
      this.again.set(key, prev === undefined ? request : this.merge(prev, request));
      return;
    }
    const prev = this.queued.get(key);
    if (prev !== undefined) this.queued.set(key, this.merge(prev, request));
    else this.queued.set(key, request);
    this.pump();
  }

  /** Forgets a proxy (it disconnected): drops its waiting request; a running push finishes. */
  remove(key: K): void {
    this.queued.delete(key);
    this.again.delete(key);
    this.checkIdle();
  }

  get waiting(): number {
    return this.queued.size + this.again.size;
  }

  get inProgress(): number {
    return this.running.size;
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.queued.clear();
    this.again.clear();
    this.checkIdle();
  }

  private isIdle(): boolean {
    return this.queued.size === 0 && this.running.size === 0 && this.again.size === 0;
  }

  private pump(): void {
    if (this.deferred) return; // the next slice will start what is waiting
    while (this.running.size < this.concurrency && this.queued.size > 0) {
      if (this.slice && this.sliceEnd === undefined) {
        this.sliceEnd = this.slice.now() + this.slice.sliceMs;
        this.sliceStarted = 0;
        queueMicrotask(() => void (this.sliceEnd = undefined));
      } else if (this.slice && this.sliceStarted > 0 && this.slice.now() >= this.sliceEnd!) {
        this.deferred = true;
        this.slice.defer(() => {
          this.deferred = false;
          this.sliceEnd = undefined;
          this.pump();
        });
        return;
      }
      const [key, request] = this.queued.entries().next().value as [K, R];
      this.queued.delete(key);
      this.running.add(key);
      this.sliceStarted += 1;
      let result: void | Promise<void>;
      try {
        result = this.task(key, request);
      } catch (err) {
        this.onError(key, err);
        this.finish(key);
        continue;
      }
      if (result && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(
          () => this.done(key),
          (err: unknown) => {
            this.onError(key, err);
            this.done(key);
          },
        );
      } else {
        this.finish(key);
      }
    }
    this.checkIdle();
  }

  private done(key: K): void {
    this.finish(key);
    this.pump();
  }

  /** Bookkeeping after a push; the caller pumps. */
  private finish(key: K): void {
    this.running.delete(key);
    const next = this.again.get(key);
    if (next !== undefined) {
      this.again.delete(key);
      if (!this.closed) {
        const prev = this.queued.get(key);
        this.queued.set(key, prev === undefined ? next : this.merge(prev, next));
      }
    }
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
