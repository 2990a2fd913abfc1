/**
 * MAGLEV, as Envoy's MaglevLoadBalancer: per priority a lookup table of tableSize entries
 * (prime, default 65537). Hosts sorted by key; each has offset = xxHash64(key) % M and
 * skip = xxHash64(key, seed 1) % (M − 1) + 1 and claims slots along its permutation
 * (offset + skip·j) % M in turns, a host of normalized weight w taking a turn every
 * max_weight / w rounds, until the table is full. A request goes to table[hash % M].
 * The table is built once over all hosts of the priority; when the slot's host is unavailable the
 * hash is perturbed as Envoy does for retry attempts (hash ^= 2⁶⁴ − attempt) until a usable
 * host turns up (then a linear probe), so keys of available hosts never move and an ejected
 * host's keys spread over the rest in proportion to their table share. (Envoy rebuilds the table
 * over healthy hosts instead, which also moves a few other keys.)
 */
import type { Host } from '../upstream/host.js';
import { xxHash64 } from './hash.js';
import { hashSelector, hostHashKey, pickHash } from './hashing-common.js';
import { normalizedWeights, PrioritySet, type Level } from './priority.js';
import { LbConfigError, uint64, type LbConfig, type LoadBalancer, type PickContext } from './types.js';

export const DEFAULT_TABLE_SIZE = 65537;
const MAX_REHASH = 16;
const MASK64 = (1n << 64n) - 1n;

export function isPrime(n: number): boolean {
  if (n < 2 || !Number.isInteger(n)) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** Slot → level-local host index (−1 when the table is empty). */
export function buildMaglevTable(hosts: readonly Host[], weights: Float64Array, M: number): Int32Array {
  const table = new Int32Array(M).fill(-1);
  const entries = hosts
    .map((h, i) => ({ key: hostHashKey(h), i, w: weights[i]! }))
    .filter((e) => e.w > 0)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => {
      const offset = Number(xxHash64(e.key) % BigInt(M));
      const skip = Number(xxHash64(e.key, 1n) % BigInt(M - 1)) + 1;
      return { ...e, skip, pos: offset, target: 0 };
    });
  if (entries.length === 0) return table;
  const maxW = entries.reduce((m, e) => Math.max(m, e.w), 0);
  let filled = 0;
  for (let iteration = 1; filled < M; iteration++) {
    for (let k = 0; k < entries.length && filled < M; k++) {
      const e = entries[k]!;
      if (iteration * e.w < e.target) continue;
      e.target += maxW;
      while (table[e.pos] !== -1) e.pos = (e.pos + e.skip) % M;
      table[e.pos] = e.i;
      e.pos = (e.pos + e.skip) % M;
      filled++;
    }
  }
  return table;
}

export function createMaglev(hosts: readonly Host[], config: LbConfig): LoadBalancer {
  const M = uint64(config.maglevLbConfig?.tableSize, DEFAULT_TABLE_SIZE);
  if (!isPrime(M)) throw new LbConfigError(`The table size of maglev must be prime number (got ${M})`);
  const Mb = BigInt(M);
  const set = new PrioritySet(hosts, config, { localityPick: false });
  const tables = set.levels.map((l) => buildMaglevTable(l.group.hosts, normalizedWeights(set, l), M));

  const fromLevel = (level: Level, h: bigint): Host | undefined => {
    const table = tables[level.priority]!;
    const g = level.group;
    const slot = Number(h % Mb);
    let i = table[slot]!;
    if (i < 0) return undefined;
    if (set.usable(g, i)) return g.hosts[i];
    for (let attempt = 1; attempt <= MAX_REHASH; attempt++) {
      i = table[Number((h ^ ((MASK64 - BigInt(attempt) + 1n) & MASK64)) % Mb)]!;
      if (set.usable(g, i)) return g.hosts[i];
    }
    for (let t = 1; t < M; t++) {
      i = table[(slot + t) % M]!;
      if (set.usable(g, i)) return g.hosts[i];
    }
    return undefined;
  };

  return {
    policy: 'MAGLEV',
    pick(ctx: PickContext) {
      const h = pickHash(ctx);
      return set.pick(hashSelector(set, h), (g) => fromLevel(g.level, h));
    },
    refresh: () => set.refresh(),
  };
}
