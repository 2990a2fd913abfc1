/**
 * Reading sockets into one buffer shared by all connections: `sharedOnread` for upstream ones
 * (`net.connect({ onread })`), `readIntoShared` for accepted ones, the same way. No allocation
 * per read and no Readable stream machinery (push, 'data' events, the nextTick after every read). Node has no public
 * option for sockets a server accepted, so this sets the same two properties and calls the same
 * handle method the `onread` option does; they are found by probing a client socket made with
 * `onread`, and when a Node version does not have them, `readIntoShared` returns false and the
 * caller keeps its 'data' listener.
 *
 * The callback gets a view of the shared buffer, valid only during the call. `toStream` hands
 * the socket back to stream reading (node:http taking over an upgrade or CONNECT): later reads
 * are copied and pushed into the socket's Readable side.
 */
import net from 'node:net';

/** Gets each read as a view of the shared buffer, valid only during the call. */
export type ChunkCb = (chunk: Buffer) => void;

/**
 * 64 KiB, what Node allocates per read otherwise; one for every connection, downstream and
 * upstream (each read is handled, and what is kept copied, before the next one lands).
 */
const SHARED = Buffer.allocUnsafe(64 * 1024);

function viewing(cb: ChunkCb): (n: number, buf: Uint8Array) => boolean {
  return (n, buf) => {
    cb(Buffer.from(buf.buffer, buf.byteOffset, n));
    return true;
  };
}

/** `net.connect`'s `onread` option, reading into the shared buffer. */
export function sharedOnread(cb: ChunkCb): { buffer: Uint8Array; callback: (n: number, buf: Uint8Array) => boolean } {
  return { buffer: SHARED, callback: viewing(cb) };
}

interface Keys { buffer: symbol; callback: symbol }

let keys: Keys | null | undefined;

function probe(): Keys | null {
  try {
    const s = new net.Socket({ onread: { buffer: Buffer.alloc(1), callback: () => true } } as net.SocketConstructorOpts);
    const syms = Object.getOwnPropertySymbols(s);
    const buffer = syms.find((k) => k.description === 'kBuffer');
    const callback = syms.find((k) => k.description === 'kBufferCb');
    s.destroy();
    return buffer && callback ? { buffer, callback } : null;
  } catch {
    return null;
  }
}

interface UserBufferHandle { useUserBuffer?: (b: Uint8Array) => void }

/** Starts delivering `socket`'s reads to `cb` through the shared buffer; false when not possible. */
export function readIntoShared(socket: net.Socket, cb: ChunkCb): boolean {
  if (keys === undefined) keys = probe();
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (!keys || !handle || typeof handle.useUserBuffer !== 'function') return false;
  const s = socket as unknown as Record<symbol, unknown>;
  s[keys.buffer] = SHARED;
  s[keys.callback] = viewing(cb);
  handle.useUserBuffer(SHARED);
  return true;
}

/** After readIntoShared: reads go to the socket's Readable side again (copied). */
export function toStream(socket: net.Socket): void {
  if (!keys) return;
  (socket as unknown as Record<symbol, unknown>)[keys.callback] = (n: number, buf: Uint8Array) =>
    socket.push(Buffer.from(buf.subarray(0, n)));
}
