/**
 * Runs queued work in time slices, in FIFO order, yielding to the event loop between slices, so
 * that a burst of requests (a thousand proxies connecting at once after a control-plane restart)
 * cannot hold the loop for seconds: socket reads, keepalive ping acknowledgements and timers get
 * their turn every `sliceMs`. Without a yield, a gRPC keepalive timeout can expire while its ping
 * acknowledgement waits unread behind other streams' requests, and grpc-js drops the connection.
 * Used by grpc.ts for incoming requests; knows nothing of xDS. Work that throws is reported to
 * `onError` and does not stop the queue.
 */

export interface SlicerOptions {
  /** Longest run of work before yielding. Default 10 ms. */
  sliceMs?: number;
  /** Monotonic milliseconds. Default performance.now. */
  now?: () => number;
  /** Schedules the next slice. Default setImmediate. */
  defer?: (fn: () => void) => void;
  onError?: (err: unknown) => void;
}

export class WorkSlicer {
  private readonly queue: (() => void)[] = [];
  private head = 0;
  private scheduled = false;
  private readonly sliceMs: number;
  private readonly now: () => number;
  private readonly defer: (fn: () => void) => void;
  private readonly onError: (err: unknown) => void;

  constructor(opts: SlicerOptions = {}) {
    this.sliceMs = opts.sliceMs ?? 10;
    this.now = opts.now ?? (() => performance.now());
    this.defer = opts.defer ?? ((fn) => void setImmediate(fn));
    this.onError = opts.onError ?? (() => {});
  }

  /** Queues `work`; it runs after everything queued before it. */
  run(work: () => void): void {
    this.queue.push(work);
    if (!this.scheduled) {
      this.scheduled = true;
      this.defer(() => this.slice());
    }
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  private slice(): void {
    const end = this.now() + this.sliceMs;
    while (this.head < this.queue.length) {
      const work = this.queue[this.head]!;
      this.queue[this.head] = noop;
      this.head += 1;
      try {
        work();
      } catch (err) {
        this.onError(err);
      }
      if (this.now() >= end) break;
    }
    if (this.head >= this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.scheduled = false;
    } else {
      if (this.head > 1024) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.defer(() => this.slice());
    }
  }
}

const noop = (): void => {};
