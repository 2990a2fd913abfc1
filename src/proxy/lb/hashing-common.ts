/**
 * What ring hash and Maglev share: the host key Envoy hashes (`address:port`, IPv6 bracketed,
 * Envoy's Address::asString()), the 64-bit request hash (the context's, or a random one when the
 * route has no hash policy, as Envoy), and priority choice from that hash (hash % 100 + 1).
 */
import type { Host } from '../upstream/host.js';
import type { PrioritySet } from './priority.js';
import type { PickContext } from './types.js';

export function hostHashKey(h: Host): string {
  if (h.address.startsWith('unix://')) return h.address.slice('unix://'.length);
  return h.address.includes(':') ? `[${h.address}]:${h.port}` : `${h.address}:${h.port}`;
}

const MASK64 = (1n << 64n) - 1n;

export function pickHash(ctx: PickContext): bigint {
  if (ctx.hash !== undefined) return ctx.hash & MASK64;
  const hi = BigInt(Math.floor(ctx.random() * 2 ** 32));
  const lo = BigInt(Math.floor(ctx.random() * 2 ** 32));
  return (hi << 32n) | lo;
}

export function hashSelector(set: PrioritySet, h: bigint): number {
  return set.levels.length > 1 ? Number(h % 100n) + 1 : 1;
}
