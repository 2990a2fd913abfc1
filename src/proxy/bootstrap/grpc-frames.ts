/**
 * gRPC's length-prefixed message framing (the body of a gRPC call over HTTP/2): each message is a
 * 1-byte compressed flag, a 4-byte big-endian length, then the message. `frame` writes one;
 * `FrameReader` reassembles messages from DATA chunks of any size (a message split across many
 * frames, or many messages in one), refusing compressed messages (the client asks for identity
 * encoding only) and messages over the receive limit. No I/O.
 */

export const FRAME_HEADER_BYTES = 5;

/** One message with its 5-byte prefix. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, FRAME_HEADER_BYTES);
  return out;
}

/** Why the byte stream cannot be read on; `code` is the gRPC status to end the call with. */
export class FrameError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** google.rpc.Code values used here. */
const INTERNAL = 13;
const RESOURCE_EXHAUSTED = 8;

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the message being read; -1 while its prefix is incomplete. */
  private need = -1;

  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes received but not yet part of a whole message. */
  get pending(): number {
    return this.buffered;
  }

  /** Adds a chunk; returns the messages it completed, in order. Throws FrameError. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const header = this.take(FRAME_HEADER_BYTES);
        const flag = header[0]!;
        const length = header.readUInt32BE(1);
        if (flag === 1) throw new FrameError(INTERNAL, 'received a compressed message, but the client asked for identity encoding only (grpc-accept-encoding: identity)');
        if (flag !== 0) throw new FrameError(INTERNAL, `received a message with an invalid compressed flag ${flag}`);
        if (length > this.maxMessageBytes) throw new FrameError(RESOURCE_EXHAUSTED, `received a message of ${length} bytes, over the limit of ${this.maxMessageBytes}`);
        this.need = length;
      }
      if (this.buffered < this.need) break;
      out.push(this.take(this.need));
      this.need = -1;
    }
    return out;
  }

  /** The first `n` buffered bytes (a view when they sit in one chunk, else one copy). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first!.length >= n) {
      if (first!.length === n) this.chunks.shift();
      else this.chunks[0] = first!.subarray(n);
      return first!.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
