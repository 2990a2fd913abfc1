/**
 * Locality-aware load balancing as Istio's `loadbalancer` package applies it to a load
 * assignment, relative to the calling proxy's locality and labels: `distribute` rewrites locality
 * weights (and empties localities no rule sends to); otherwise, when outlier detection is on,
 * failover assigns priorities (same region/zone/subzone first, then `failover` region rules, and
 * `failoverPriority` label matching). Mesh default: locality LB enabled with no explicit rules.
 * Pure functions over fresh copies.
 */
import type { Locality } from '../../api/envoy/common.js';
import type { LocalityLbEndpoints } from '../../api/envoy/endpoint.js';
import type { LocalityLbSetting } from '../../api/istio/destination-rule.js';
import type { LocalityGroup } from './build.js';

/** Istio's `GetLocalityLbSetting` with the default mesh setting (`enabled: true`, no rules). */
export function effectiveLocalitySetting(fromRule: LocalityLbSetting | null | undefined): LocalityLbSetting | undefined {
  if (fromRule) return fromRule.enabled === false ? undefined : fromRule;
  return {};
}

/** Whether the cluster needs `commonLbConfig.localityWeightedLbConfig` (Istio's condition). */
export function needsLocalityWeightedConfig(setting: LocalityLbSetting | undefined, outlierDetection: boolean): boolean {
  if (!setting) return false;
  const failover = (setting.failover?.length ?? 0) > 0 || (setting.failoverPriority?.length ?? 0) > 0;
  return (outlierDetection && failover) || (setting.distribute?.length ?? 0) > 0;
}

/** Istio's `util.LocalityMatch`: rule `region/zone/subzone`, `*` or a missing part matches anything. */
export function localityMatch(loc: Locality | undefined, rule: string | undefined): boolean {
  const [region = '', zone = '', subZone = ''] = (rule ?? '').split('/');
  const regionOk = region === '*' || (loc?.region ?? '') === region;
  const zoneOk = zone === '*' || zone === '' || (loc?.zone ?? '') === zone;
  const subZoneOk = subZone === '*' || subZone === '' || (loc?.subZone ?? '') === subZone;
  return regionOk && zoneOk && subZoneOk;
}

/** 0 same subzone, 1 same zone, 2 same region, 3 elsewhere (Istio's `util.LbPriority`). */
export function lbPriority(proxy: Locality, ep: Locality | undefined): number {
  if ((proxy.region ?? '') !== (ep?.region ?? '')) return 3;
  if ((proxy.zone ?? '') !== (ep?.zone ?? '')) return 2;
  if ((proxy.subZone ?? '') !== (ep?.subZone ?? '')) return 1;
  return 0;
}

function compactPriorities(groups: LocalityLbEndpoints[]): void {
  const distinct = [...new Set(groups.map((g) => g.priority ?? 0))].sort((a, b) => a - b);
  for (const g of groups) {
    const p = distinct.indexOf(g.priority ?? 0);
    if (p === 0) delete g.priority;
    else g.priority = p;
  }
}

function applyDistribute(proxy: Locality, groups: LocalityLbEndpoints[], setting: LocalityLbSetting): void {
  for (const rule of setting.distribute ?? []) {
    if (!rule || !localityMatch(proxy, rule.from)) continue;
    const unmatched = new Set(groups.map((_, i) => i));
    for (const [to, weight] of Object.entries(rule.to ?? {})) {
      const claimed = new Map<number, number>();
      let total = 0;
      groups.forEach((g, i) => {
        if (unmatched.has(i) && localityMatch(g.locality, to)) {
          unmatched.delete(i);
          const w = g.loadBalancingWeight ?? 1;
          claimed.set(i, w);
          total += w;
        }
      });
      for (const [i, w] of claimed) {
        const dest = (w * weight) / total;
        if (dest > 0) groups[i]!.loadBalancingWeight = Math.ceil(dest);
      }
    }
    for (const i of unmatched) groups[i]!.lbEndpoints = [];
    return;
  }
}

function applyFailover(proxy: Locality, groups: LocalityLbEndpoints[], setting: LocalityLbSetting): void {
  for (const g of groups) {
    let p = lbPriority(proxy, g.locality);
    if (p === 3) {
      const rule = (setting.failover ?? []).find((f) => f && f.from === (proxy.region ?? ''));
      if (rule && (g.locality?.region ?? '') !== rule.to) p = 4;
    }
    g.priority = (g.priority ?? 0) * 5 + p;
  }
  compactPriorities(groups);
}

function splitByFailoverPriority(groups: LocalityGroup[], proxyLabels: Readonly<Record<string, string>>, priorities: readonly string[]): LocalityLbEndpoints[] {
  const names = priorities.map((p) => p.split('=')[0]!);
  const overrides = new Map(priorities.filter((p) => p.includes('=')).map((p) => [p.split('=')[0]!, p.split('=')[1] ?? '']));
  const out: LocalityLbEndpoints[] = [];
  for (const g of groups) {
    const byPriority = new Map<number, number[]>();
    g.sources.forEach((ep, i) => {
      let p = 0;
      for (let j = 0; j < names.length; j++) {
        const name = names[j]!;
        const want = overrides.has(name) ? overrides.get(name) : proxyLabels[name];
        if (want !== ep.labels[name]) { p = names.length - j; break; }
      }
      byPriority.set(p, [...(byPriority.get(p) ?? []), i]);
    });
    for (const p of [...byPriority.keys()].sort((a, b) => a - b)) {
      const lbEndpoints = byPriority.get(p)!.map((i) => g.group.lbEndpoints[i]!);
      const part: LocalityLbEndpoints = { ...g.group, lbEndpoints, priority: p };
      part.loadBalancingWeight = lbEndpoints.reduce((s, e) => s + (e.loadBalancingWeight ?? 1), 0);
      out.push(part);
    }
  }
  compactPriorities(out);
  return out;
}

/**
 * Applies a locality setting to grouped endpoints (Istio's `ApplyLocalityLoadBalancer`). Returns
 * new LocalityLbEndpoints; the input groups are not modified.
 */
export function applyLocalityLb(
  groups: readonly LocalityGroup[],
  proxyLocality: Locality,
  proxyLabels: Readonly<Record<string, string>>,
  setting: LocalityLbSetting | undefined,
  enableFailover: boolean,
): LocalityLbEndpoints[] {
  let out = groups.map((g) => ({ ...g.group, lbEndpoints: [...g.group.lbEndpoints] }));
  if (!setting) return out;
  if ((setting.distribute?.length ?? 0) > 0) {
    applyDistribute(proxyLocality, out, setting);
  } else if (enableFailover) {
    const fp = (setting.failoverPriority ?? []).filter((s) => s);
    if (fp.length > 0) {
      if (Object.keys(proxyLabels).length > 0 && groups.length > 0) {
        out = splitByFailoverPriority([...groups], proxyLabels, fp);
      }
      if ((setting.failover?.length ?? 0) > 0) applyFailover(proxyLocality, out, setting);
    } else {
      applyFailover(proxyLocality, out, setting);
    }
  }
  return out;
}
