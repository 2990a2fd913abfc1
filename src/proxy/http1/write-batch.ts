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

const held: Marked[] = [];
let batch = 1;
let scheduled = false;

function flush(): void {
  scheduled = false;
  // Sockets corked from here on (by an uncork's callbacks) belong to the next batch.
  batch++;
  for (let i = 0; i < held.length; i++) held[i]!.uncork();
  held.length = 0;
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
