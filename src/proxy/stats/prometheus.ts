/**
 * Prometheus text exposition (format 0.0.4) of the proxy's metrics: Istio's standard metrics
 * first, then the Envoy stats as Envoy's own `/stats/prometheus` shows them (`envoy_` families
 * with the scope and status code as labels). Each family gets one `# TYPE` line; label values
 * are escaped (`\` → `\\`, `"` → `\"`, newline → `\n`); histograms print cumulative `_bucket`
 * lines with `le`, then `_sum` and `_count`.
 *
 * Hand-rolled rather than prom-client: the hot path only bumps plain numbers on objects the data
 * path already holds (prom-client would hash a label object per call), and rendering on scrape
 * is one pass over those objects. Pure: returns a string.
 */
import { ISTIO_FAMILIES, type HttpSeries, type IstioMetrics, type TcpSeries } from './istio.js';
import type { Histogram, Stat, StatsStore } from './store.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = readonly (readonly [string, string])[];

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels, extra?: readonly [string, string]): string {
  const all = extra ? [...labels, extra] : labels;
  if (all.length === 0) return '';
  return `{${all.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function histogramLines(out: string[], family: string, labels: Labels, h: Histogram): void {
  const cum = h.cumulative();
  h.bounds.forEach((b, i) => out.push(`${family}_bucket${labelText(labels, ['le', formatValue(b)])} ${cum[i]}`));
  out.push(`${family}_bucket${labelText(labels, ['le', '+Inf'])} ${h.count}`);
  out.push(`${family}_sum${labelText(labels)} ${formatValue(h.sum)}`);
  out.push(`${family}_count${labelText(labels)} ${h.count}`);
}

function istioLines(out: string[], istio: IstioMetrics): void {
  const http = istio.httpSeries();
  if (http.length) {
    out.push(`# TYPE ${ISTIO_FAMILIES.requests} counter`);
    for (const s of http) out.push(`${ISTIO_FAMILIES.requests}${labelText(s.labels)} ${s.requests}`);
    const hist = (family: string, pick: (s: HttpSeries) => Histogram) => {
      out.push(`# TYPE ${family} histogram`);
      for (const s of http) histogramLines(out, family, s.labels, pick(s));
    };
    hist(ISTIO_FAMILIES.duration, (s) => s.duration);
    hist(ISTIO_FAMILIES.requestBytes, (s) => s.requestBytes);
    hist(ISTIO_FAMILIES.responseBytes, (s) => s.responseBytes);
  }
  const tcp = istio.tcpSeriesAll();
  if (tcp.length) {
    const counter = (family: string, pick: (s: TcpSeries) => number) => {
      out.push(`# TYPE ${family} counter`);
      for (const s of tcp) out.push(`${family}${labelText(s.labels)} ${pick(s)}`);
    };
    counter(ISTIO_FAMILIES.tcpSent, (s) => s.sent);
    counter(ISTIO_FAMILIES.tcpReceived, (s) => s.received);
    counter(ISTIO_FAMILIES.tcpOpened, (s) => s.opened);
    counter(ISTIO_FAMILIES.tcpClosed, (s) => s.closed);
  }
}

function envoyLines(out: string[], store: StatsStore): void {
  const families = new Map<string, Stat[]>();
  for (const s of store.all()) {
    const f = families.get(s.prom.family);
    if (f) f.push(s);
    else families.set(s.prom.family, [s]);
  }
  for (const family of [...families.keys()].sort()) {
    const stats = families.get(family)!;
    // A family keeps the kind of its first stat; a clash (same family, other kind) is skipped.
    const kind = stats[0]!.kind;
    out.push(`# TYPE ${family} ${kind}`);
    for (const s of stats) {
      if (s.kind !== kind) continue;
      if (s.kind === 'histogram') histogramLines(out, family, s.prom.labels, s);
      else out.push(`${family}${labelText(s.prom.labels)} ${formatValue(s.value)}`);
    }
  }
}

/** The `/stats/prometheus` body: Istio metrics, then (unless `istioOnly`) the Envoy stats. */
export function renderPrometheus(istio: IstioMetrics, store?: StatsStore): string {
  const out: string[] = [];
  istioLines(out, istio);
  if (store) envoyLines(out, store);
  return out.length ? `${out.join('\n')}\n` : '';
}
