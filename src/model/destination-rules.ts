/**
 * DestinationRules indexed and merged as Istio's PushContext does (push_context.go
 * SetDestinationRules / destinationRule, destination_rule.go mergeDestinationRule):
 *
 * - hosts are resolved in the rule's namespace (short name → FQDN);
 * - per namespace, rules for the same host merge when their exportTo sets are equal and their
 *   workload selectors are both absent or equal: subsets are concatenated (first of a name
 *   wins), the first top-level trafficPolicy wins; otherwise they stay separate entries;
 * - lookup for a proxy: rules of the proxy's own namespace (any exportTo), else the rules the
 *   service's namespace exports to the proxy's namespace, else those the root namespace exports
 *   (a root-namespace proxy first sees the root's private rules); in each, the exact host beats
 *   the most specific wildcard;
 * - among the entries found, the first whose workloadSelector matches the proxy (only rules in
 *   the proxy's own namespace may select it) wins, else the first without a selector.
 */
import type { DestinationRuleSpec, Subset, TrafficPolicy } from '../api/istio/destination-rule.js';
import { ROOT_NAMESPACE } from '../api/names.js';
import { exportScopes, hostSubsetOf, isEmptySelector, isWildcard, selects, toFqdn, visibleFrom } from '../common/hosts.js';
import type { ConfigObject, EffectiveDestinationRule, Proxy } from './types.js';

type DR = ConfigObject<DestinationRuleSpec>;

interface Consolidated {
  host: string;
  namespace: string;
  exportTo: string[];
  selector?: Record<string, string>;
  trafficPolicy?: TrafficPolicy;
  subsets: Subset[];
  sources: DR[];
}

type HostTable = Map<string, Consolidated[]>;

function selectorOf(dr: DR): Record<string, string> | undefined {
  const m = dr.spec.workloadSelector?.matchLabels;
  return m && !isEmptySelector(m) ? { ...m } : undefined;
}

function sameSelector(a?: Record<string, string>, b?: Record<string, string>): boolean {
  if (!a || !b) return !a && !b;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

function fresh(dr: DR, host: string, exportTo: string[]): Consolidated {
  const selector = selectorOf(dr);
  return {
    host, namespace: dr.namespace, exportTo, ...(selector ? { selector } : {}),
    ...(dr.spec.trafficPolicy ? { trafficPolicy: dr.spec.trafficPolicy } : {}),
    subsets: (dr.spec.subsets ?? []).filter((s): s is Subset => !!s),
    sources: [dr],
  };
}

function merge(table: HostTable, dr: DR, host: string, exportTo: string[]): void {
  const list = table.get(host);
  if (!list) {
    table.set(host, [fresh(dr, host, exportTo)]);
    return;
  }
  const selector = selectorOf(dr);
  const target = list.find((c) => c.exportTo.join(',') === exportTo.join(',') && sameSelector(c.selector, selector));
  if (!target) {
    list.push(fresh(dr, host, exportTo));
    return;
  }
  const names = new Set(target.subsets.map((s) => s.name));
  for (const s of dr.spec.subsets ?? []) if (s && !names.has(s.name)) { target.subsets.push(s); names.add(s.name); }
  if (!target.trafficPolicy && dr.spec.trafficPolicy) target.trafficPolicy = dr.spec.trafficPolicy;
  target.sources.push(dr);
}

/** Istio's MostSpecificHostMatch: the exact host, else the longest wildcard that covers it. */
export function mostSpecificHost(needle: string, hosts: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const h of hosts) {
    if (h === needle) return h;
    if (isWildcard(h) && hostSubsetOf(needle, h) && (!best || h.length > best.length)) best = h;
  }
  return best;
}

export class DestinationRuleIndex {
  /** All rules of a namespace, for proxies in it. */
  private readonly local = new Map<string, HostTable>();
  /** Rules a namespace exports beyond itself. */
  private readonly exported = new Map<string, HostTable>();
  private readonly rootLocal: HostTable = new Map();

  constructor(rules: readonly DR[], private readonly rootNamespace = ROOT_NAMESPACE) {
    const table = (m: Map<string, HostTable>, ns: string) => {
      let t = m.get(ns);
      if (!t) m.set(ns, (t = new Map()));
      return t;
    };
    for (const dr of rules) {
      if (!dr.spec.host) continue;
      const host = toFqdn(dr.spec.host, dr.namespace);
      const exportTo = exportScopes(dr.spec.exportTo, dr.namespace);
      merge(table(this.local, dr.namespace), dr, host, exportTo);
      const privateOnly = exportTo.length === 1 && exportTo[0] === dr.namespace;
      if (!privateOnly) merge(table(this.exported, dr.namespace), dr, host, exportTo);
      else if (dr.namespace === rootNamespace) merge(this.rootLocal, dr, host, exportTo);
    }
  }

  private find(t: HostTable | undefined, host: string, clientNs?: string): Consolidated[] {
    if (!t) return [];
    const h = mostSpecificHost(host, t.keys());
    if (!h) return [];
    const list = t.get(h)!;
    return clientNs === undefined ? list : list.filter((c) => visibleFrom(c.exportTo, clientNs));
  }

  /** The candidate entries for `host` (already resolved) from a proxy, before selector choice. */
  private candidates(host: string, proxyNs: string, serviceNs: string | undefined): Consolidated[] {
    const own = proxyNs === this.rootNamespace ? this.find(this.rootLocal, host) : this.find(this.local.get(proxyNs), host);
    if (own.length) return own;
    if (serviceNs) {
      const fromSvc = this.find(this.exported.get(serviceNs), host, proxyNs);
      if (fromSvc.length) return fromSvc;
    }
    return this.find(this.exported.get(this.rootNamespace), host, proxyNs);
  }

  lookup(host: string, proxy: Proxy, serviceNs: string | undefined): EffectiveDestinationRule | undefined {
    const list = this.candidates(host, proxy.namespace, serviceNs);
    const chosen =
      list.find((c) => c.selector && c.namespace === proxy.namespace && selects(c.selector, proxy.labels)) ??
      list.find((c) => !c.selector);
    if (!chosen) return undefined;
    return {
      host: chosen.host,
      ...(chosen.trafficPolicy ? { trafficPolicy: chosen.trafficPolicy } : {}),
      subsets: chosen.subsets,
      sources: chosen.sources,
    };
  }
}
