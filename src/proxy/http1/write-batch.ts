/**
 * Writes made while the event loop handles one batch of socket events go out together at the end
 * of the batch (setImmediate, the phase after I/O polling): each socket written to is corked on
 * its first write and uncorked once the batch is done. The number of write syscalls stays the
 * same, but they come back to back, so a peer woken by the first finds the rest already there
 * instead of being woken once per write.
 */
import type { Socket } from 'node:net';

const held: Socket[] = [];
const inBatch = new WeakSet<Socket>();
let scheduled = false;

function flush(): void {
  scheduled = false;
  for (let i = 0; i < held.length; i++) {
    const s = held[i]!;
    inBatch.delete(s);
    s.uncork();
  }
  held.length = 0;
}

/** Corks `s` until the end of the current event-loop batch (once per socket per batch). */
export function holdForBatch(s: Socket): void {
  if (inBatch.has(s)) return;
  inBatch.add(s);
  s.cork();
  held.push(s);
  if (!scheduled) { scheduled = true; setImmediate(flush); }
}
