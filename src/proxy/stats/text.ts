/**
 * Envoy's `/stats` text: one `name: value` line per stat, sorted by name; histograms as Envoy
 * prints them, `name: P0(nan,X) P25(nan,X) … P100(nan,X)` (interval values are not kept, so
 * they read `nan`; cumulative quantiles are bucket upper bounds) or `No recorded values`.
 * Optional `filter` is a regular expression on the name, like Envoy's `?filter=`. Pure.
 */
import type { Histogram, StatsStore } from './store.js';

const QUANTILES: readonly [string, number][] = [
  ['P0', 0], ['P25', 0.25], ['P50', 0.5], ['P75', 0.75], ['P90', 0.9], ['P95', 0.95], ['P99', 0.99], ['P99.5', 0.995], ['P99.9', 0.999], ['P100', 1],
];

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'nan' : 'inf';
}

function histogramText(h: Histogram): string {
  if (h.count === 0) return 'No recorded values';
  return QUANTILES.map(([n, q]) => `${n}(nan,${num(h.quantile(q))})`).join(' ');
}

export function renderStatsText(store: StatsStore, filter?: RegExp): string {
  let out = '';
  for (const s of store.all()) {
    if (filter && !filter.test(s.name)) continue;
    out += `${s.name}: ${s.kind === 'histogram' ? histogramText(s) : s.value}\n`;
  }
  return out;
}
