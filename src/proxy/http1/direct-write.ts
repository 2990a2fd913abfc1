/**
 * A small piece written straight to a connected socket's stream handle, the write side of what
 * user-buffer.ts does for reads. `socket.write` runs the Writable machinery for every write: the
 * state checks, a WriteWrap object, the dispatch, and a nextTick to report completion. For the
 * two writes a request costs (a head upstream, a head and small body downstream) that is about
 * 0.3 µs each. Here the same handle method Node's own `writeGeneric` calls is called directly,
 * with one request object reused while writes complete at once (the usual case: the kernel takes
 * a few hundred bytes whole). A write the kernel could not take whole is completed by Node's
 * stream code like any other, holding its own request object; until it completes, further
 * writes go through `socket.write`, which libuv queues after it, so order holds.
 *
 * Only for a piece within the socket's high-water mark (bodies stream through the Writable, whose
 * queue is the backpressure signal), when its Writable has nothing queued, and the socket is
 * connected and not ended;
 * otherwise, and when this Node does not have the pieces (probed once), `writeDirect` returns
 * false and the caller uses `socket.write`. A failed write destroys the socket with the errno
 * error Node would give it.
 */
import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

interface ReqWrap {
  handle: unknown;
  oncomplete: ((status: number) => void) | null;
  buffer?: Buffer | string | null;
}

interface StreamHandle {
  writeLatin1String(req: ReqWrap, s: string): number;
  writeBuffer(req: ReqWrap, b: Buffer): number;
}

interface Binding {
  WriteWrap: new () => ReqWrap;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

const PENDING = Symbol('trellis.directWritesPending');
type Tracked = Socket & { [PENDING]?: number; _handle?: StreamHandle | null };

function probe(): Binding | null {
  try {
    const b = (process as unknown as { binding(name: string): Partial<Binding> }).binding('stream_wrap');
    if (typeof b.WriteWrap !== 'function' || !(b.streamBaseState instanceof Int32Array) || typeof b.kLastWriteWasAsync !== 'number') return null;
    return b as Binding;
  } catch {
    return null;
  }
}

const binding = process.env['TRELLIS_DIRECT_WRITE'] === '0' ? null : probe();
let req: ReqWrap | undefined = binding ? new binding.WriteWrap() : undefined;

function writeError(status: number): Error {
  let name = 'EIO';
  try { name = getSystemErrorName(status); } catch { /* keep EIO */ }
  return Object.assign(new Error(`write ${name}`), { code: name, errno: status, syscall: 'write' });
}

/** Writes `data` (a string as latin1) to `s` now; false when the caller must use `s.write`. */
export function writeDirect(s: Socket, data: string | Buffer): boolean {
  const t = s as Tracked;
  const h = t._handle;
  if (binding === null || req === undefined || !h || typeof h.writeLatin1String !== 'function') return false;
  // Bigger pieces (a body) go through the Writable, whose queue length is the backpressure signal.
  if (data.length > s.writableHighWaterMark || s.writableLength !== 0 || s.connecting || s.writableEnded || (t[PENDING] ?? 0) > 0) return false;
  const r = req;
  r.handle = h;
  r.oncomplete = null;
  r.buffer = null;
  const err = typeof data === 'string' ? h.writeLatin1String(r, data) : h.writeBuffer(r, data);
  if (err !== 0) {
    s.destroy(writeError(err));
    return true;
  }
  if (binding.streamBaseState[binding.kLastWriteWasAsync] !== 0) {
    // The rest goes out when the kernel has room: that request object now belongs to the write.
    t[PENDING] = (t[PENDING] ?? 0) + 1;
    r.buffer = data;
    r.oncomplete = (status: number) => {
      t[PENDING] = (t[PENDING] ?? 1) - 1;
      r.buffer = null;
      if (status < 0 && !s.destroyed) s.destroy(writeError(status));
    };
    req = new binding.WriteWrap();
  }
  return true;
}

/** Whether direct writes are in use on this Node. */
export const directWrites = binding !== null;

/** Writes of `s` handed to the kernel directly and not yet complete. */
export function directPending(s: Socket): number {
  return (s as Tracked)[PENDING] ?? 0;
}
