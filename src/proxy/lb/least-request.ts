/**
 * LEAST_REQUEST, as Envoy's LeastRequestLoadBalancer. Equal weights: power of N choices
 * (choiceCount, default 2) — draw N random available hosts and keep the one with the fewest
 * `activeRequests` (the first drawn wins ties). Differing weights: an EDF schedule whose weight
 * is recomputed each time a host is re-queued, `weight / (activeRequests + 1)^activeRequestBias`
 * (bias default 1.0), reading the live counter. Unavailable hosts are redrawn or skipped.
 */
import type { Host } from '../upstream/host.js';
import { Edf } from './edf.js';
import { PrioritySet, randomSelector, type HostGroup } from './priority.js';
import { randomUsableIndex } from './random.js';
import type { LbConfig, LoadBalancer, PickContext } from './types.js';

function positive(v: number | { value?: number } | undefined, dflt: number): number {
  const n = typeof v === 'number' ? v : v?.value;
  return n !== undefined && n >= 2 ? Math.floor(n) : dflt;
}

export function createLeastRequest(hosts: readonly Host[], config: LbConfig): LoadBalancer {
  const set = new PrioritySet(hosts, config, { localityPick: true });
  const choices = positive(config.leastRequestLbConfig?.choiceCount, 2);
  const b = config.leastRequestLbConfig?.activeRequestBias;
  const bias = Math.max(0, (typeof b === 'number' ? b : b?.defaultValue) ?? 1);
  const weightOf = (h: Host): number => {
    if (bias === 0) return h.weight;
    const a = h.activeRequests + 1;
    return bias === 1 ? h.weight / a : h.weight / Math.pow(a, bias);
  };
  interface St {
    edf: Edf;
    started: boolean;
  }
  const states: (St | undefined)[] = set.groups.map((g) => {
    if (g.weightsEqual || g.hosts.length <= 1) return undefined;
    const edf = new Edf(g.hosts.length);
    g.hosts.forEach((h, i) => edf.push(i, 1 / weightOf(h), 1));
    return { edf, started: false };
  });

  const edfPick = (g: HostGroup, st: St, random: () => number): Host | undefined => {
    const n = g.hosts.length;
    const step = (): number => {
      const i = st.edf.pop();
      st.edf.push(i, st.edf.numOf(i) + 1 / weightOf(g.hosts[i]!), 1);
      return i;
    };
    if (!st.started) {
      st.started = true;
      const seed = Math.floor(random() * n);
      for (let k = 0; k < seed; k++) step();
    }
    for (let t = 0; t < n; t++) {
      const i = step();
      if (set.usable(g, i)) return g.hosts[i];
    }
    return undefined;
  };

  const p2c = (g: HostGroup, random: () => number): Host | undefined => {
    let best: Host | undefined;
    for (let c = 0; c < choices; c++) {
      const i = randomUsableIndex(set, g, random);
      if (i < 0) return undefined;
      const h = g.hosts[i]!;
      if (!best || h.activeRequests < best.activeRequests) best = h;
    }
    return best;
  };

  // The pick's random source, set before each (synchronous) pick: one group callback for all picks.
  let random: () => number = Math.random;
  const inGroup = (g: HostGroup): Host | undefined => {
    const st = states[g.id];
    return st ? edfPick(g, st, random) : p2c(g, random);
  };

  return {
    policy: 'LEAST_REQUEST',
    pick(ctx: PickContext) {
      random = ctx.random;
      return set.pick(randomSelector(set, random), inGroup);
    },
    refresh: () => set.refresh(),
  };
}
