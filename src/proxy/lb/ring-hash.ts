/**
 * RING_HASH, as Envoy's RingHashLoadBalancer (ketama): per priority, each host gets ring entries
 * in proportion to its normalized weight — scale = min(ceil(minWeight × minimumRingSize) /
 * minWeight, maximumRingSize), entries hashed from `${address}:${port}_${i}` with xxHash64 seed 0
 * (or MurmurHash2 when hashFunction is MURMUR_HASH_2) — sorted by hash. A request maps to the
 * first entry whose hash is ≥ its hash, wrapping to the start (binary search). The ring is built
 * once over all hosts of the priority; when the entry's host is unavailable the walk continues
 * clockwise to the next usable entry, which is exactly the lookup on a ring without that host's
 * entries, so only the keys of an ejected host move. (Envoy rebuilds over healthy hosts, which
 * also rescales the per-host entry count; the key-to-host map differs only there.)
 */
import type { Host } from '../upstream/host.js';
import { murmurHash2, xxHash64 } from './hash.js';
import { hashSelector, hostHashKey, pickHash } from './hashing-common.js';
import { normalizedWeights, PrioritySet, type Level } from './priority.js';
import { LbConfigError, uint64, type LbConfig, type LoadBalancer, type PickContext } from './types.js';

export const DEFAULT_MIN_RING_SIZE = 1024;
export const DEFAULT_MAX_RING_SIZE = 8 * 1024 * 1024;

export interface Ring {
  /** Entry hashes split into high and low 32 bits, ascending. */
  hi: Uint32Array;
  lo: Uint32Array;
  /** Level-local host index per entry. */
  host: Uint32Array;
}

export function buildRing(
  hosts: readonly Host[],
  weights: Float64Array,
  minRing: number,
  maxRing: number,
  murmur: boolean,
): Ring {
  let minW = 1;
  for (const w of weights) if (w > 0 && w < minW) minW = w;
  const entries: { h: bigint; i: number }[] = [];
  if (hosts.length > 0 && weights.some((w) => w > 0)) {
    const scale = Math.min(Math.ceil(minW * minRing) / minW, maxRing);
    let current = 0;
    let target = 0;
    hosts.forEach((host, idx) => {
      const w = weights[idx]!;
      if (w <= 0) return;
      const key = hostHashKey(host);
      target += scale * w;
      for (let i = 0; current < target; i++, current++) {
        const k = `${key}_${i}`;
        entries.push({ h: murmur ? murmurHash2(k) : xxHash64(k), i: idx });
      }
    });
  }
  entries.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  const ring: Ring = {
    hi: new Uint32Array(entries.length),
    lo: new Uint32Array(entries.length),
    host: new Uint32Array(entries.length),
  };
  entries.forEach((e, k) => {
    ring.hi[k] = Number(e.h >> 32n);
    ring.lo[k] = Number(e.h & 0xffffffffn);
    ring.host[k] = e.i;
  });
  return ring;
}

/** Index of the first entry with hash ≥ (hi, lo), or 0 past the end (Envoy's chooseHost). */
export function ringIndex(ring: Ring, hi: number, lo: number): number {
  let l = 0;
  let r = ring.hi.length;
  while (l < r) {
    const m = (l + r) >>> 1;
    const mh = ring.hi[m]!;
    if (mh < hi || (mh === hi && ring.lo[m]! < lo)) l = m + 1;
    else r = m;
  }
  return l === ring.hi.length ? 0 : l;
}

export function createRingHash(hosts: readonly Host[], config: LbConfig): LoadBalancer {
  const rc = config.ringHashLbConfig;
  const minRing = uint64(rc?.minimumRingSize, DEFAULT_MIN_RING_SIZE);
  const maxRing = uint64(rc?.maximumRingSize, DEFAULT_MAX_RING_SIZE);
  if (minRing > maxRing) throw new LbConfigError(`ring hash: minimum_ring_size (${minRing}) > maximum_ring_size (${maxRing})`);
  if (maxRing > DEFAULT_MAX_RING_SIZE) throw new LbConfigError(`ring hash: maximum_ring_size (${maxRing}) > ${DEFAULT_MAX_RING_SIZE}`);
  const murmur = rc?.hashFunction === 'MURMUR_HASH_2';
  const set = new PrioritySet(hosts, config, { localityPick: false });
  const rings = set.levels.map((l) => buildRing(l.group.hosts, normalizedWeights(set, l), minRing, maxRing, murmur));

  const fromLevel = (level: Level, h: bigint): Host | undefined => {
    const ring = rings[level.priority]!;
    const size = ring.host.length;
    if (size === 0) return undefined;
    const start = ringIndex(ring, Number(h >> 32n), Number(h & 0xffffffffn));
    const g = level.group;
    for (let t = 0, j = start; t < size; t++, j = j + 1 === size ? 0 : j + 1) {
      const i = ring.host[j]!;
      if (set.usable(g, i)) return g.hosts[i];
    }
    return undefined;
  };

  return {
    policy: 'RING_HASH',
    pick(ctx: PickContext) {
      const h = pickHash(ctx);
      return set.pick(hashSelector(set, h), (g) => fromLevel(g.level, h));
    },
    refresh: () => set.refresh(),
  };
}
