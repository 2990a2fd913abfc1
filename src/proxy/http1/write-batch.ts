/**
 * Writes made while the event loop handles one batch of socket events go out together at the end
 * of the batch (setImmediate, the phase after I/O polling): each socket written to is corked on
 * its first write and uncorked once the batch is done. The number of write syscalls stays the
 * same, but they come back to back, so a peer woken by the first finds the rest already there
 * instead of being woken once per write. A socket is marked with the number of the batch that
 * holds it (a plain property: no weak-collection lookup per write).
 */
import type { Socket } from 'node:net';

const BATCH = Symbol('trellis.writeBatch');
type Marked = Socket & { [BATCH]?: number };

let held: Marked[] = [];
/** The other list, swapped in while one is flushed. */
let spare: Marked[] = [];
let batch = 1;
let scheduled = false;

function flush(): void {
  scheduled = false;
  // A socket written to while this batch is flushed (from a write callback) is held for the next.
  const list = held;
  held = spare;
  batch++;
  for (let i = 0; i < list.length; i++) list[i]!.uncork();
  list.length = 0;
  spare = list;
}

/** Corks `s` until the end of the current event-loop batch (once per socket per batch). */
export function holdForBatch(s: Socket): void {
  const m = s as Marked;
  if (m[BATCH] === batch) return;
  m[BATCH] = batch;
  s.cork();
  held.push(m);
  if (!scheduled) { scheduled = true; setImmediate(flush); }
}
