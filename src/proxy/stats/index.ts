/**
 * The proxy's telemetry in one object: Envoy-style stats (`store`, with scopes the data path
 * keeps references into) and Istio's standard metrics (`istio`). The admin server renders both;
 * the data path only bumps numbers. See store.ts and istio.ts for the hot-path contract.
 */
import { IstioMetrics } from './istio.js';
import { StatsStore, type Counter } from './store.js';

export * from './store.js';
export * from './istio.js';
export { renderPrometheus, escapeLabelValue, PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
export { renderStatsText } from './text.js';

/** Envoy's per-host counters shown in admin /clusters (gauges come from the Host itself). */
export interface HostCounters {
  cx_connect_fail: number;
  cx_total: number;
  rq_error: number;
  rq_success: number;
  rq_timeout: number;
  rq_total: number;
}

/** The counters the router bumps for every request to a cluster (Envoy's `cluster.NAME.*`). */
export interface ClusterCounters {
  readonly rqTotal: Counter;
  readonly rqRetry: Counter;
  readonly rqTimeout: Counter;
  readonly noneHealthy: Counter;
  readonly pendingOverflow: Counter;
  readonly retryOrShadowAbandoned: Counter;
}

export class ProxyStats {
  readonly store = new StatsStore();
  readonly istio = new IstioMetrics();
  private readonly hosts = new Map<string, HostCounters>();

  /** The counters of one host of one cluster (created on first use; keep the reference). */
  host(cluster: string, hostKey: string): HostCounters {
    const k = `${cluster}\u0000${hostKey}`;
    let c = this.hosts.get(k);
    if (!c) this.hosts.set(k, (c = { cx_connect_fail: 0, cx_total: 0, rq_error: 0, rq_success: 0, rq_timeout: 0, rq_total: 0 }));
    return c;
  }

  /** Read-only lookup for admin /clusters (no creation). */
  hostCountersOf = (cluster: string, hostKey: string): Readonly<HostCounters> | undefined => this.hosts.get(`${cluster}\u0000${hostKey}`);

  /** Shorthand for the Envoy scope `cluster.NAME.`. */
  cluster(name: string) {
    return this.store.scope('cluster', name);
  }

  /** `http.PREFIX.` (the HCM's stat_prefix). */
  http(statPrefix: string) {
    return this.store.scope('http', statPrefix);
  }

  /** `listener.ADDRESS.` (e.g. `0.0.0.0_8080`). */
  listener(address: string) {
    return this.store.scope('listener', address);
  }

  clusterManager() {
    return this.store.scope('cluster_manager');
  }

  // ── Name-based counters (the data path's `inc`/`get`/`blocked`) ─────────────────────────
  // `inc('cluster.outbound|8080||x.svc.cluster.local.upstream_rq_retry')` finds or creates the
  // counter by its full name (one Map lookup once created); prefer holding Scope counters.

  private readonly byName = new Map<string, Counter>();
  readonly blockedHosts = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.counter(name).inc(by);
  }

  /** The counter behind a full dotted name (the one `inc(name)` bumps); keep the reference. */
  counter(name: string): Counter {
    let c = this.byName.get(name);
    if (!c) this.byName.set(name, (c = counterForName(this.store, name)));
    return c;
  }

  /** `http.downstream_rq_total`, resolved once. */
  readonly downstreamRequests: Counter = this.counter('http.downstream_rq_total');

  private readonly clusters = new Map<string, ClusterCounters>();

  /** The router's per-cluster counters, resolved once per cluster name. */
  clusterCounters(cluster: string): ClusterCounters {
    let c = this.clusters.get(cluster);
    if (!c) {
      const n = (s: string) => this.counter(`cluster.${cluster}.${s}`);
      c = {
        rqTotal: n('upstream_rq_total'), rqRetry: n('upstream_rq_retry'), rqTimeout: n('upstream_rq_timeout'),
        noneHealthy: n('upstream_cx_none_healthy'), pendingOverflow: n('upstream_rq_pending_overflow'),
        retryOrShadowAbandoned: n('retry_or_shadow_abandoned'),
      };
      this.clusters.set(cluster, c);
    }
    return c;
  }

  get(name: string): number {
    const s = this.store.get(name);
    return s && s.kind !== 'histogram' ? s.value : 0;
  }

  /** A request or connection refused by REGISTRY_ONLY (BlackHoleCluster). */
  blocked(host: string): void {
    this.inc('blackhole.requests');
    this.blockedHosts.set(host, (this.blockedHosts.get(host) ?? 0) + 1);
  }

  /** Shorthand for `istio.recordRequest`. */
  recordRequest: IstioMetrics['recordRequest'] = (r) => this.istio.recordRequest(r);
}

/** Where a scoped stat's own name starts after `cluster.NAME.` / `http.PREFIX.` / `listener.ADDR.` (names contain dots). */
const SUFFIX: Readonly<Record<string, RegExp>> = {
  cluster: /(^|\.)(upstream_|circuit_breakers\.|outlier_detection\.|lb_|membership_|update_|retry_or_shadow_abandoned|max_host_weight|version|assignment_)/g,
  http: /(^|\.)(downstream_|no_route|no_cluster|rq_|rs_|fault\.|cors\.|rds\.|tracing\.)/g,
  listener: /(^|\.)(downstream_|no_filter_chain_match|server_ssl_|ssl\.)/g,
};

/** The counter for a full dotted name, split into Envoy's scope and stat name. */
export function counterForName(store: StatsStore, name: string): Counter {
  const dot = name.indexOf('.');
  if (dot < 0) return store.scope(name).counter('value');
  const root = name.slice(0, dot);
  const rest = name.slice(dot + 1);
  const re = SUFFIX[root];
  if (re) {
    let at = -1;
    for (const m of rest.matchAll(re)) at = m.index! + m[1]!.length;
    if (at < 0) at = rest.lastIndexOf('.') + 1;
    // at === 0: no scope name (`http.downstream_rq_total`).
    if (at > 1) return store.scope(root, rest.slice(0, at - 1)).counter(rest.slice(at));
  }
  return store.scope(root).counter(rest);
}
