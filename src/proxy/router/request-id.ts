/**
 * x-request-id values as Envoy makes them: a random (version 4) UUID in its lower-case text form.
 * Random bytes come from the CSPRNG 4 KiB at a time; each id is written as ASCII into a scratch
 * buffer and read back as one string (crypto.randomUUID builds the same text from twenty string
 * concatenations, which a proxy pays for on every request).
 */
import { randomFillSync } from 'node:crypto';

const POOL = Buffer.alloc(16 * 256);
let at = POOL.length;
const TEXT = Buffer.alloc(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');

export function requestId(): string {
  if (at === POOL.length) { randomFillSync(POOL); at = 0; }
  const o = at;
  at += 16;
  POOL[o + 6] = (POOL[o + 6]! & 0x0f) | 0x40; // version 4
  POOL[o + 8] = (POOL[o + 8]! & 0x3f) | 0x80; // RFC 4122 variant
  let j = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) TEXT[j++] = 0x2d;
    const x = POOL[o + i]!;
    TEXT[j++] = HEX[x >> 4]!;
    TEXT[j++] = HEX[x & 15]!;
  }
  return TEXT.toString('latin1', 0, 36);
}
