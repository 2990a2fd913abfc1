/**
 * Message bodies streaming through the proxy, with flow control, instead of whole buffers.
 *
 * - `BodySink`: where a body goes (an upstream request, a downstream response); `write` returning
 *   false asks the source to pause until the sink calls the source's `resume()`.
 * - `ResponseBody`: an upstream response body, produced by the pool's connection and consumed once
 *   (piped to the downstream, or discarded when a retry makes it moot). Chunks that arrive before
 *   the consumer pipes are queued.
 * - `RequestBody`: a downstream request body, consumed by each upstream attempt in turn. It keeps
 *   what it has received so that a retry (or a mirror) can replay it, up to `limit` bytes (Envoy's
 *   per-connection buffer limit, 1 MiB by default); past that the copy is dropped and the body can
 *   no longer be replayed — retries and mirrors are abandoned for that request, as Envoy does
 *   (`retry_or_shadow_abandoned`). Until a consumer attaches, at most `limit` bytes are held and
 *   the producer is paused.
 *
 * Producers (connections) implement `BodyProducer`; no per-request closures are made here.
 */

export interface BodySink {
  /** A piece of the body; false asks the source to pause until `resume()`. */
  write(chunk: Buffer): boolean;
  end(): void;
  /** The body failed mid-way (peer reset, malformed framing). */
  abort(reason: Error): void;
}

export interface BodyProducer {
  pauseBody(): void;
  resumeBody(): void;
  /** Nobody will read the rest: stop producing (close the connection or drain it). */
  dropBody(): void;
}

/** A body a consumer can pipe once. */
export interface BodySource {
  /** Content-Length, or -1 when not known in advance. */
  readonly length: number;
  /** Bytes produced so far. */
  readonly bytes: number;
  pipe(sink: BodySink): void;
  /** The sink drained: continue. */
  resume(): void;
  /** Not wanted: stop. */
  discard(): void;
}

export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;

export class ResponseBody implements BodySource {
  bytes = 0;
  private queued: Buffer[] | undefined;
  private ended = false;
  private error: Error | undefined;
  private sink: BodySink | undefined;
  private dropped = false;
  /** Called once when the body is over: ended, failed or discarded (the router releases its limits). */
  private onFinish: (() => void) | undefined;

  constructor(private readonly producer: BodyProducer, readonly length: number) {}

  private over = false;

  private finished(): void {
    this.over = true;
    const f = this.onFinish;
    this.onFinish = undefined;
    f?.();
  }

  /** Runs `fn` once the body is over (now, if it already is). */
  whenFinished(fn: () => void): void {
    if (this.over) fn();
    else this.onFinish = fn;
  }

  get complete(): boolean {
    return this.ended;
  }

  push(chunk: Buffer): void {
    if (this.dropped) return;
    this.bytes += chunk.length;
    if (this.sink) {
      if (!this.sink.write(chunk)) this.producer.pauseBody();
    } else (this.queued ??= []).push(chunk);
  }

  end(): void {
    if (this.ended || this.error) return;
    this.ended = true;
    if (!this.dropped) this.sink?.end();
    this.finished();
  }

  fail(e: Error): void {
    if (this.ended || this.error) return;
    this.error = e;
    if (!this.dropped) this.sink?.abort(e);
    this.finished();
  }

  /**
   * The whole body when it is already in and small (at most `max` bytes), taken at once instead
   * of piped: the writer sends it with the head in one write.
   */
  takeWhole(max: number): Buffer | undefined {
    if (!this.ended || this.sink || this.dropped || this.bytes > max) return undefined;
    const q = this.queued;
    this.queued = undefined;
    this.dropped = true;
    this.finished();
    if (!q) return Buffer.alloc(0);
    return q.length === 1 ? q[0] : Buffer.concat(q);
  }

  pipe(sink: BodySink): void {
    this.sink = sink;
    const q = this.queued;
    this.queued = undefined;
    let ok = true;
    if (q) for (const c of q) ok = sink.write(c) && ok;
    if (this.error) sink.abort(this.error);
    else if (this.ended) sink.end();
    else if (!ok) this.producer.pauseBody();
  }

  resume(): void {
    if (!this.ended && !this.error) this.producer.resumeBody();
  }

  discard(): void {
    if (this.dropped) return;
    this.dropped = true;
    this.sink = undefined;
    this.queued = undefined;
    if (!this.ended && !this.error) this.producer.dropBody();
    this.finished();
  }
}

const NO_PRODUCER: BodyProducer = { pauseBody() {}, resumeBody() {}, dropBody() {} };

export class RequestBody {
  /** The empty body of a request without one (shared; never changes). */
  static readonly EMPTY: RequestBody = new RequestBody(NO_PRODUCER, 0, 0, true);

  received = 0;
  complete: boolean;
  error: Error | undefined;
  /** Still replayable from the start (within the limit). */
  replayable = true;
  private kept: Buffer[] = [];
  private keptBytes = 0;
  private sink: BodySink | undefined;
  private delivered = false;
  private paused = false;
  private waiters: ((body: Buffer | undefined) => void)[] | undefined;
  /** Called once when the replay copy is dropped (the router counts retry_or_shadow_abandoned). */
  onAbandon: (() => void) | undefined;

  constructor(private readonly producer: BodyProducer, readonly length: number, readonly limit = DEFAULT_BUFFER_LIMIT, complete = false) {
    this.complete = complete || length === 0;
  }

  /** A complete body from bytes already in memory. */
  static of(bytes: Buffer): RequestBody {
    if (bytes.length === 0) return RequestBody.EMPTY;
    const b = new RequestBody(NO_PRODUCER, bytes.length, Math.max(DEFAULT_BUFFER_LIMIT, bytes.length));
    b.push(bytes);
    b.end();
    return b;
  }

  /** Whether nothing at all will be sent (known empty). */
  get empty(): boolean {
    return this.complete && this.received === 0;
  }

  push(chunk: Buffer): void {
    if (this.complete || chunk.length === 0) return;
    this.received += chunk.length;
    const sink = this.sink;
    if (this.replayable || !sink) {
      this.kept.push(chunk);
      this.keptBytes += chunk.length;
    }
    if (sink) {
      if (!sink.write(chunk)) this.pause();
      if (this.replayable && this.keptBytes > this.limit) this.abandon();
    } else if (this.keptBytes > this.limit) this.pause();
  }

  end(): void {
    if (this.complete) return;
    this.complete = true;
    this.sink?.end();
    this.settleWaiters();
  }

  fail(e: Error): void {
    if (this.complete || this.error) return;
    this.error = e;
    this.sink?.abort(e);
    this.settleWaiters();
  }

  /** Whether a new consumer can get the whole body (nothing sent and dropped yet). */
  get canAttach(): boolean {
    return this.replayable || !this.delivered;
  }

  /**
   * Sends the body to `sink`: what was received so far, then the rest as it comes. Returns false
   * (and attaches nothing) when part of the body was sent to an earlier consumer and dropped.
   */
  attach(sink: BodySink): boolean {
    if (this === RequestBody.EMPTY) { sink.end(); return true; }
    if (!this.canAttach) return false;
    this.sink = sink;
    this.delivered = true;
    let ok = true;
    for (const c of this.kept) ok = sink.write(c) && ok;
    if (!this.replayable) { this.kept = []; this.keptBytes = 0; } else if (this.keptBytes > this.limit) this.abandon();
    if (this.error) sink.abort(this.error);
    else if (this.complete) sink.end();
    else if (!ok) this.pause();
    else if (this.paused) this.resume();
    return true;
  }

  /** The consumer is done with the body (its attempt finished or was abandoned). */
  detach(sink: BodySink): void {
    if (this.sink === sink) this.sink = undefined;
  }

  /** The sink drained. */
  resume(): void {
    if (!this.paused) return;
    if (!this.sink && this.keptBytes > this.limit) return;
    this.paused = false;
    this.producer.resumeBody();
  }

  /** Resolves with the whole body once complete, or undefined if it cannot be replayed. */
  whole(cb: (body: Buffer | undefined) => void): void {
    if (this.error || !this.replayable) return cb(undefined);
    if (this.complete) return cb(this.kept.length === 1 ? this.kept[0] : Buffer.concat(this.kept));
    (this.waiters ??= []).push(cb);
  }

  private settleWaiters(): void {
    const w = this.waiters;
    if (!w) return;
    this.waiters = undefined;
    for (const cb of w) this.whole(cb);
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.producer.pauseBody();
  }

  private abandon(): void {
    this.replayable = false;
    this.kept = [];
    this.keptBytes = 0;
    this.settleWaiters();
    this.onAbandon?.();
  }
}
