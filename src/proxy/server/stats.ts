/**
 * The proxy's own counters (Envoy-style names, e.g. `http.downstream_rq_total`,
 * `cluster.<name>.upstream_rq_retry`, `blackhole.requests`) and the hosts blocked by
 * REGISTRY_ONLY (`blockedHosts`), kept as plain numbers on the hot path; read by tests and,
 * later, the admin endpoint.
 */
export class ProxyStats {
  readonly counters = new Map<string, number>();
  readonly blockedHosts = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  blocked(host: string): void {
    this.inc('blackhole.requests');
    this.blockedHosts.set(host, (this.blockedHosts.get(host) ?? 0) + 1);
  }
}
