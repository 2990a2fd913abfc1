/**
 * RANDOM, as Envoy's RandomLoadBalancer: a uniformly random available host of the chosen
 * priority (Envoy ignores endpoint weights here: `hosts[random % size]`). Unavailable hosts are
 * skipped by redrawing, which stays uniform over the available ones; after a few misses a scan
 * from a random start finishes the pick in O(n).
 */
import type { Host } from '../upstream/host.js';
import { PrioritySet, randomSelector, type HostGroup } from './priority.js';
import type { LbConfig, LoadBalancer, PickContext } from './types.js';

const REDRAWS = 8;

export function createRandom(hosts: readonly Host[], config: LbConfig): LoadBalancer {
  const set = new PrioritySet(hosts, config, { localityPick: true });
  const fromGroup = (g: HostGroup, random: () => number): Host | undefined => randomUsable(set, g, random);
  // The pick's random source, set before each (synchronous) pick: one group callback for all picks.
  let random: () => number = Math.random;
  const inGroup = (g: HostGroup): Host | undefined => fromGroup(g, random);
  return {
    policy: 'RANDOM',
    pick(ctx: PickContext) {
      random = ctx.random;
      return set.pick(randomSelector(set, random), inGroup);
    },
    refresh: () => set.refresh(),
  };
}

/** Index of a uniformly random usable host of `g`, or -1. */
export function randomUsableIndex(set: PrioritySet, g: HostGroup, random: () => number): number {
  const n = g.hosts.length;
  for (let t = 0; t < REDRAWS; t++) {
    const i = Math.floor(random() * n);
    if (set.usable(g, i)) return i;
  }
  const start = Math.floor(random() * n);
  for (let t = 0; t < n; t++) {
    const i = (start + t) % n;
    if (set.usable(g, i)) return i;
  }
  return -1;
}

function randomUsable(set: PrioritySet, g: HostGroup, random: () => number): Host | undefined {
  const i = randomUsableIndex(set, g, random);
  return i < 0 ? undefined : g.hosts[i];
}
