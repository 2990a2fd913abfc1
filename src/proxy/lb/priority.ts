/**
 * Priorities, localities and panic, as Envoy's LoadBalancerBase / ZoneAwareLoadBalancerBase:
 * hosts are grouped by priority (levels 0..max, empty levels kept); each level's health is
 * min(100, overprovisioning(140%) × healthy/total); load goes to the highest priorities first and
 * spills down as health drops (distributeLoad); a level is in panic when its healthy percent is
 * below healthyPanicThreshold (default 50%) unless the normalized total health is 100, and then
 * any of its hosts may be picked regardless of health; when every level panics, load follows host
 * counts (recalculateLoadInTotalPanic). With localityWeightedLbConfig a locality is chosen first
 * by EDF over weight × min(1, 1.4 × healthy ratio) (Envoy's LocalityWrr).
 *
 * Keeping pick fast without rebuilds: the availability seen at the last `refresh()` is kept as a
 * bitmap. Each pick (1) re-checks the next SWEEP hosts against it, round robin over all hosts, and
 * (2) every host a policy considers is checked live through `usable()`, which also notes any
 * disagreement with the bitmap. Any disagreement triggers an O(n) refresh of loads and panic. So
 * an unavailable host is never returned outside panic (exclusion is immediate); a priority whose
 * hosts are all gone is abandoned on the same pick; and recoveries or partial changes shift
 * priority loads within ceil(n / SWEEP) picks (immediately for n ≤ SWEEP, or after `refresh()`).
 */
import type { Host } from '../upstream/host.js';
import type { LbConfig } from './types.js';
import { localityKey } from './types.js';
import { Edf } from './edf.js';

/** Hosts re-checked against the availability bitmap on each pick. */
export const SWEEP = 16;

/** A list of hosts a policy picks from: a whole priority level or one locality of it. */
export interface HostGroup {
  /** Dense id across the set (policies keep per-group state in arrays). */
  readonly id: number;
  readonly level: Level;
  readonly hosts: readonly Host[];
  /** Index of each host in the set's flat host list. */
  readonly global: Uint32Array;
  readonly weightsEqual: boolean;
}

export interface Level {
  readonly priority: number;
  readonly group: HostGroup;
  readonly localities: readonly HostGroup[];
  readonly localityWeights: readonly number[];
  /** Recomputed by refresh(). */
  panic: boolean;
  healthy: number;
}

export interface PriorityOptions {
  /** Pick a locality first when localityWeightedLbConfig is set (non-hash policies). */
  localityPick: boolean;
}

export class PrioritySet {
  readonly hosts: readonly Host[];
  readonly levels: readonly Level[];
  readonly groups: readonly HostGroup[];
  readonly panicThreshold: number;
  readonly overprovisioning: number;
  readonly localityWeighted: boolean;
  /** Set when a live check disagreed with the snapshot; the next tick() refreshes. */
  dirty = false;
  private readonly avail: Uint8Array;
  private readonly load: Uint8Array;
  private readonly localityEdf: (Edf | undefined)[];
  private readonly localityEff: Float64Array[];
  private sweepPos = 0;
  private readonly localityPick: boolean;

  constructor(hosts: readonly Host[], config: LbConfig, opts: PriorityOptions) {
    this.hosts = hosts;
    this.panicThreshold = Math.min(100, Math.max(0, config.commonLbConfig?.healthyPanicThreshold?.value ?? 50));
    this.overprovisioning = config.overprovisioningFactor ?? 140;
    this.localityWeighted = config.commonLbConfig?.localityWeightedLbConfig !== undefined;
    this.localityPick = opts.localityPick && this.localityWeighted;
    const maxP = hosts.reduce((m, h) => Math.max(m, h.priority), 0);
    const byLevel: number[][] = Array.from({ length: hosts.length ? maxP + 1 : 0 }, () => []);
    hosts.forEach((h, i) => byLevel[h.priority]!.push(i));
    const groups: HostGroup[] = [];
    const mkGroup = (level: Level, idx: number[]): HostGroup => {
      const hs = idx.map((i) => hosts[i]!);
      const g: HostGroup = {
        id: groups.length,
        level,
        hosts: hs,
        global: Uint32Array.from(idx),
        weightsEqual: hs.every((h) => h.weight === hs[0]!.weight),
      };
      groups.push(g);
      return g;
    };
    this.levels = byLevel.map((idx, priority) => {
      const level = { priority, panic: false, healthy: 0 } as Level & { group: HostGroup; localities: HostGroup[]; localityWeights: number[] };
      level.group = mkGroup(level, idx);
      level.localities = [];
      level.localityWeights = [];
      if (this.localityWeighted) {
        const byLoc = new Map<string, number[]>();
        for (const i of idx) {
          const k = localityKey(hosts[i]!.locality);
          let a = byLoc.get(k);
          if (!a) byLoc.set(k, (a = []));
          a.push(i);
        }
        for (const [k, a] of byLoc) {
          level.localities.push(mkGroup(level, a));
          level.localityWeights.push(config.localityWeights ? config.localityWeights.get(k) ?? 0 : 1);
        }
      }
      return level;
    });
    this.groups = groups;
    this.avail = new Uint8Array(hosts.length);
    this.load = new Uint8Array(this.levels.length);
    this.localityEdf = this.levels.map(() => undefined);
    this.localityEff = this.levels.map((l) => new Float64Array(l.localities.length));
    this.refresh();
  }

  /** Per-pick upkeep: sweep part of the snapshot, refresh if anything disagreed. */
  tick(): void {
    const n = this.hosts.length;
    if (n === 0) return;
    const k = n < SWEEP ? n : SWEEP;
    let pos = this.sweepPos;
    for (let j = 0; j < k; j++) {
      const h = this.hosts[pos]!;
      if ((h.healthy && !h.ejected ? 1 : 0) !== this.avail[pos]) this.dirty = true;
      if (++pos === n) pos = 0;
    }
    this.sweepPos = pos;
    if (this.dirty) this.refresh();
  }

  /** Live availability of `g.hosts[i]` for a pick: available, or its level panics. */
  usable(g: HostGroup, i: number): boolean {
    const h = g.hosts[i]!;
    const a = h.healthy && !h.ejected;
    if ((a ? 1 : 0) !== this.avail[g.global[i]!]) this.dirty = true;
    return a || g.level.panic;
  }

  /** Recompute snapshot, per-level health, priority load and panic (O(n)). */
  refresh(): void {
    this.dirty = false;
    const n = this.hosts.length;
    for (let i = 0; i < n; i++) {
      const h = this.hosts[i]!;
      this.avail[i] = h.healthy && !h.ejected ? 1 : 0;
    }
    const L = this.levels.length;
    if (L === 0) return;
    const health: number[] = [];
    for (const level of this.levels) {
      let healthy = 0;
      for (const gi of level.group.global) healthy += this.avail[gi]!;
      level.healthy = healthy;
      const total = level.group.hosts.length;
      health.push(total === 0 ? 0 : Math.min(100, Math.floor((this.overprovisioning * healthy) / total)));
    }
    const normTotal = Math.min(100, health.reduce((a, b) => a + b, 0));
    this.load.fill(0);
    if (normTotal > 0) {
      let remaining = 100;
      let first = -1;
      for (let i = 0; i < L; i++) {
        if (first < 0 && health[i]! > 0) first = i;
        const l = Math.min(remaining, Math.floor((health[i]! * 100) / normTotal));
        this.load[i] = l;
        remaining -= l;
      }
      if (remaining !== 0 && first >= 0) this.load[first]! += remaining;
    }
    if (this.panicThreshold === 0 && normTotal === 0) {
      this.load[0] = 100;
      for (const level of this.levels) level.panic = false;
    } else {
      let totalPanic = true;
      for (const level of this.levels) {
        const total = level.group.hosts.length;
        const pct = total === 0 ? 0 : (100 * level.healthy) / total;
        level.panic = normTotal === 100 ? false : pct < this.panicThreshold;
        totalPanic &&= level.panic;
      }
      if (totalPanic) {
        // Envoy's recalculateLoadInTotalPanic: load by host counts, regardless of health.
        let remaining = 100;
        let first = -1;
        for (let i = 0; i < L; i++) {
          const c = this.levels[i]!.group.hosts.length;
          if (first < 0 && c > 0) first = i;
          const l = Math.floor((100 * c) / n);
          this.load[i] = l;
          remaining -= l;
        }
        this.load[first]! += remaining;
      }
    }
    if (this.localityPick) this.rebuildLocalities();
  }

  private rebuildLocalities(): void {
    this.levels.forEach((level, li) => {
      const eff = this.localityEff[li]!;
      let any = false;
      level.localities.forEach((g, k) => {
        let healthy = 0;
        for (const gi of g.global) healthy += this.avail[gi]!;
        const ratio = g.hosts.length ? healthy / g.hosts.length : 0;
        eff[k] = level.localityWeights[k]! * Math.min(1, (this.overprovisioning / 100) * ratio);
        if (eff[k]! > 0) any = true;
      });
      if (!any) {
        this.localityEdf[li] = undefined;
        return;
      }
      const edf = new Edf(level.localities.length);
      for (let k = 0; k < eff.length; k++) if (eff[k]! > 0) edf.push(k, 1, eff[k]!);
      this.localityEdf[li] = edf;
    });
  }

  /** Envoy's choosePriority: `selector` in 1..100 against the cumulative priority load. */
  levelFor(selector: number): Level | undefined {
    let acc = 0;
    for (let i = 0; i < this.levels.length; i++) {
      acc += this.load[i]!;
      if (selector <= acc) return this.levels[i];
    }
    return this.levels[0];
  }

  /** The group a pick at `level` draws from: a locality by weight, or the whole level. */
  groupFor(level: Level): HostGroup | undefined {
    if (!this.localityPick || level.panic) return level.group;
    const edf = this.localityEdf[level.priority];
    if (!edf) return level.localities.length ? undefined : level.group;
    const k = edf.pop();
    edf.push(k, edf.numOf(k) + 1, edf.denOf(k));
    return level.localities[k];
  }

  /** Percent load per priority (for admin output and tests). */
  priorityLoad(): number[] {
    return Array.from(this.load);
  }

  /**
   * The shared pick driver: choose a priority with `selector` (1..100), a group in it, and let the
   * policy pick there. If the policy found nothing and saw stale availability, refresh and retry
   * once, so a priority that just lost all its hosts spills on this very pick.
   */
  pick(selector: number, fn: (g: HostGroup) => Host | undefined): Host | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (n === 1 && this.levels.length === 1) {
      // One host: every policy picks it when it is available or its level panics.
      const h = this.hosts[0]!;
      const a = h.healthy && !h.ejected;
      if ((a ? 1 : 0) !== this.avail[0]) this.refresh();
      return a || this.levels[0]!.panic ? h : undefined;
    }
    this.tick();
    for (let attempt = 0; ; attempt++) {
      const level = this.levelFor(selector);
      const g = level && this.groupFor(level);
      const host = g && g.hosts.length ? fn(g) : undefined;
      if (host || !this.dirty || attempt > 0) return host;
      this.refresh();
    }
  }
}

/** Random 1..100 for priority choice (no draw when there is one level). */
export function randomSelector(set: PrioritySet, random: () => number): number {
  return set.levels.length > 1 ? Math.floor(random() * 100) + 1 : 1;
}

/**
 * Envoy's normalized host weights for hashing balancers over a level: weight / sum, times the
 * locality's share when locality weighting is on (hosts of zero-weight localities get 0).
 */
export function normalizedWeights(set: PrioritySet, level: Level): Float64Array {
  const out = new Float64Array(level.group.hosts.length);
  const pos = new Map<Host, number>();
  level.group.hosts.forEach((h, i) => pos.set(h, i));
  if (!set.localityWeighted || level.localities.length === 0) {
    const sum = level.group.hosts.reduce((a, h) => a + h.weight, 0);
    level.group.hosts.forEach((h, i) => (out[i] = h.weight / sum));
    return out;
  }
  const lsum = level.localityWeights.reduce((a, b) => a + b, 0);
  if (lsum === 0) return out;
  level.localities.forEach((g, k) => {
    const lw = level.localityWeights[k]! / lsum;
    const sum = g.hosts.reduce((a, h) => a + h.weight, 0);
    for (const h of g.hosts) out[pos.get(h)!] = (h.weight * lw) / sum;
  });
  return out;
}
