/**
 * Writes made while the event loop handles one batch of socket events go out together at the end
 * of the batch (setImmediate, the phase after I/O polling). The bytes for each socket are held
 * here, not in the socket: a lone piece (the usual head, or head and small body in one buffer) is
 * then one write at the flush, straight to the socket's handle when nothing is queued in it
 * (direct-write.ts), without the Writable's corked-chunk bookkeeping; several pieces go out
 * corked, as one writev. The number of write syscalls stays the same, but they come back to back,
 * so a peer woken by the first finds the rest already there instead of being woken once per write.
 *
 * Every write to a socket written through here must come through here too: `batchWrite` for
 * bytes, `batchEnd` to end it after what is held, `flushWrites` before the socket is handed to
 * other code. Strings are latin1 (serialize.ts turns anything beyond into bytes first).
 */
import type { Socket } from 'node:net';
import { writeDirect } from './direct-write.js';

type Piece = string | Buffer;
const HELD = Symbol('trellis.writeBatch');
type Marked = Socket & { [HELD]?: Piece | Piece[] };

let held: Marked[] = [];
/** The other list, swapped in while one is flushed. */
let spare: Marked[] = [];
let scheduled = false;

function send(s: Socket, p: Piece | Piece[]): void {
  if (s.destroyed) return;
  if (typeof p === 'string') { if (!writeDirect(s, p)) s.write(p, 'latin1'); }
  else if (!Array.isArray(p)) { if (!writeDirect(s, p)) s.write(p); }
  else {
    s.cork();
    for (let i = 0; i < p.length; i++) {
      const x = p[i]!;
      if (typeof x === 'string') s.write(x, 'latin1');
      else s.write(x);
    }
    s.uncork();
  }
}

function flush(): void {
  scheduled = false;
  // A socket written to while this batch is flushed (from a write callback) waits for the next.
  const list = held;
  held = spare;
  for (let i = 0; i < list.length; i++) {
    const m = list[i]!;
    const p = m[HELD];
    if (p === undefined) continue;
    m[HELD] = undefined;
    send(m, p);
  }
  list.length = 0;
  spare = list;
}

/**
 * Holds `data` for `s` until the end of the batch. Returns whether the caller may go on writing:
 * false only while the socket has more queued than its high-water mark, when a 'drain' is due.
 */
export function batchWrite(s: Socket, data: Piece): boolean {
  const m = s as Marked;
  const p = m[HELD];
  if (p === undefined) {
    m[HELD] = data;
    held.push(m);
    if (!scheduled) { scheduled = true; setImmediate(flush); }
  } else if (typeof p === 'string' && typeof data === 'string') m[HELD] = p + data;
  else if (Array.isArray(p)) p.push(data);
  else m[HELD] = [p, data];
  return !s.writableNeedDrain;
}

/** Writes what is held for `s` now. */
export function flushWrites(s: Socket): void {
  const m = s as Marked;
  const p = m[HELD];
  if (p === undefined) return;
  m[HELD] = undefined;
  send(m, p);
}

/** Ends `s` after what is held for it (and `data`, if given). */
export function batchEnd(s: Socket, data?: string): void {
  flushWrites(s);
  if (data === undefined) s.end();
  else s.end(data, 'latin1');
}
