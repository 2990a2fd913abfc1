/**
 * ROUND_ROBIN, as Envoy's RoundRobinLoadBalancer: with equal weights a plain rotating index
 * (started at a random offset so proxies do not march in step); with differing weights an EDF
 * schedule where host i's k-th deadline is k/wᵢ, so over every cycle of sum(w) picks each host is
 * picked exactly wᵢ times. One schedule per group, built once over all its hosts; a host that is
 * unavailable when its turn comes is skipped (its deadline still advances), which yields the same
 * order as a schedule over the available hosts only, without rebuilding.
 */
import type { Host } from '../upstream/host.js';
import { Edf } from './edf.js';
import { PrioritySet, randomSelector, type HostGroup } from './priority.js';
import type { LbConfig, LoadBalancer, PickContext } from './types.js';

const REBASE_AT = 2 ** 32;

interface GroupState {
  started: boolean;
  rr: number;
  edf: Edf | undefined;
}

export function createRoundRobin(hosts: readonly Host[], config: LbConfig): LoadBalancer {
  const set = new PrioritySet(hosts, config, { localityPick: true });
  const states: GroupState[] = set.groups.map((g) => {
    if (g.weightsEqual || g.hosts.length <= 1) return { started: false, rr: 0, edf: undefined };
    const edf = new Edf(g.hosts.length);
    g.hosts.forEach((h, i) => edf.push(i, 1, h.weight));
    return { started: false, rr: 0, edf };
  });

  const fromGroup = (g: HostGroup, random: () => number): Host | undefined => {
    const st = states[g.id]!;
    const n = g.hosts.length;
    if (!st.started) {
      // Envoy seeds each scheduler with a random number of initial picks.
      st.started = true;
      const seed = Math.floor(random() * n);
      if (st.edf) for (let k = 0; k < seed; k++) advance(st.edf);
      else st.rr = seed;
    }
    for (let t = 0; t < n; t++) {
      let i: number;
      if (st.edf) i = advance(st.edf);
      else {
        i = st.rr;
        st.rr = i + 1 === n ? 0 : i + 1;
      }
      if (set.usable(g, i)) return g.hosts[i];
    }
    return undefined;
  };

  // The pick's random source, set before each (synchronous) pick: one group callback for all picks.
  let random: () => number = Math.random;
  const inGroup = (g: HostGroup): Host | undefined => fromGroup(g, random);
  return {
    policy: 'ROUND_ROBIN',
    pick(ctx: PickContext) {
      random = ctx.random;
      return set.pick(randomSelector(set, random), inGroup);
    },
    refresh: () => set.refresh(),
  };
}

function advance(edf: Edf): number {
  const i = edf.pop();
  const num = edf.numOf(i);
  const den = edf.denOf(i);
  edf.push(i, num + 1, den);
  if (num / den >= REBASE_AT) edf.rebase(REBASE_AT);
  return i;
}
