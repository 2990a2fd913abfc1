/**
 * The cluster manager: for each Cluster of a runtime snapshot, the upstream cluster the router
 * sends to — its hosts (from the ClusterLoadAssignment for EDS and STATIC, from DNS for
 * STRICT_DNS / LOGICAL_DNS, none for ORIGINAL_DST, whose host is the request's original
 * destination), its LoadBalancer (lb/factory.ts), CircuitBreaker, OutlierDetector (only when the
 * Cluster configures outlier detection) and HTTP connection pool. `update(snapshot)` is called on
 * every snapshot swap: a cluster whose Cluster and assignment are unchanged is kept as it is
 * (balancer position, breaker counters, ejections, pooled connections); a changed assignment
 * keeps the breaker, detector and pool and carries each host's counters and ejection over by
 * `Host.key`; a changed Cluster is rebuilt (counters carried over too). Removed clusters are
 * closed after a grace period so that requests in flight on the old snapshot finish.
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import type { ClusterLoadAssignment } from '../../api/envoy/endpoint.js';
import type { RuntimeSnapshot } from '../bootstrap/runtime.js';
import { createLoadBalancer } from '../lb/factory.js';
import type { LoadBalancer, PickContext } from '../lb/types.js';
import { localityKey } from '../lb/types.js';
import { HttpPool, poolSettings } from '../pool/http-pool.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { resolveDns, type DnsResolver } from './dns.js';
import { makeHost, type Host } from './host.js';
import { OutlierDetector, type OutlierEvent } from './outlier.js';

export interface UpstreamCluster {
  readonly name: string;
  readonly cluster: Cluster;
  readonly type: NonNullable<Cluster['type']>;
  hosts: readonly Host[];
  lb: LoadBalancer | undefined;
  readonly breaker: CircuitBreaker;
  readonly outlier: OutlierDetector | undefined;
  readonly pool: HttpPool;
  /** An available host; `exclude` (retry host predicate) is honoured when others remain. */
  pick(ctx: PickContext, exclude?: ReadonlySet<Host>): Host | undefined;
  /** An ORIGINAL_DST cluster's host for a destination (cached per address). */
  originalDst(address: string, port: number): Host;
}

export interface ClusterManagerOptions {
  random?: () => number;
  dns?: DnsResolver;
  onOutlierEvent?: (cluster: string, e: OutlierEvent) => void;
  log?: (line: string) => void;
  /** How long a removed cluster's pool stays open for requests in flight (ms). */
  drainMs?: number;
  /**
   * A sidecar whose app listens on its own address (`--app HOST[:PORT]`, explicit mode): inbound
   * clusters' endpoints at the pod IP `ip` go to `host` (at `port`, else the same port), since
   * the sidecar itself owns the pod IP's ports.
   */
  localApp?: { ip: string; host: string; port?: number };
}

interface Entry {
  key: string;
  laKey: string;
  uc: Cluster_;
}

class Cluster_ implements UpstreamCluster {
  hosts: readonly Host[] = [];
  lb: LoadBalancer | undefined;
  readonly breaker: CircuitBreaker;
  outlier: OutlierDetector | undefined;
  readonly pool: HttpPool;
  readonly type: NonNullable<Cluster['type']>;
  private readonly dstHosts = new Map<string, Host>();
  private dnsTimer: ReturnType<typeof setTimeout> | undefined;
  closed = false;

  constructor(readonly name: string, readonly cluster: Cluster, private readonly opts: ClusterManagerOptions, prev?: Cluster_) {
    this.type = cluster.type ?? 'EDS';
    this.breaker = CircuitBreaker.fromCluster(cluster.circuitBreakers);
    this.pool = new HttpPool(poolSettings(cluster, this.breaker.limits.maxConnections));
    if (cluster.outlierDetection) {
      this.outlier = new OutlierDetector(cluster.outlierDetection, [], {
        random: opts.random, onEvent: (e) => opts.onOutlierEvent?.(name, e),
      });
    }
    if (prev) this.carry(prev.hosts);
  }

  private carry(old: readonly Host[]): void {
    this.prevHosts = new Map(old.map((h) => [h.key, h]));
  }

  private prevHosts = new Map<string, Host>();

  setAssignment(la: ClusterLoadAssignment | undefined): void {
    const hosts: Host[] = [];
    const localityWeights = new Map<string, number>();
    for (const loc of la?.endpoints ?? []) {
      const locality = { region: loc.locality?.region ?? '', zone: loc.locality?.zone ?? '', subZone: loc.locality?.subZone ?? '' };
      if (loc.loadBalancingWeight !== undefined) localityWeights.set(localityKey(locality), loc.loadBalancingWeight);
      for (const e of loc.lbEndpoints ?? []) {
        const sa = e.endpoint.address.socketAddress;
        if (!sa) continue;
        const istio = e.metadata?.filterMetadata?.['istio'] as Record<string, unknown> | undefined;
        const labels: Record<string, string> = {};
        const workload = typeof istio?.['workload'] === 'string' ? istio['workload'] : undefined;
        if (workload) labels['workload'] = workload.split(';')[0] ?? '';
        const hs = e.healthStatus;
        const app = this.opts.localApp;
        const toApp = app !== undefined && sa.address === app.ip && this.name.startsWith('inbound|');
        hosts.push(makeHost({
          address: toApp ? app.host : sa.address, port: toApp && app.port ? app.port : (sa.portValue ?? 0), weight: e.loadBalancingWeight, locality, priority: loc.priority ?? 0,
          labels, healthy: hs === undefined || hs === 'UNKNOWN' || hs === 'HEALTHY' || hs === 'DEGRADED',
        }));
      }
    }
    if (this.type === 'STRICT_DNS' || this.type === 'LOGICAL_DNS') {
      this.resolve(hosts, localityWeights);
      return;
    }
    this.setHosts(hosts, localityWeights);
  }

  private resolve(named: Host[], weights: Map<string, number>): void {
    const dns = this.opts.dns ?? resolveDns;
    const refresh = Math.max(1000, Number(/^(\d+(?:\.\d+)?)s$/.exec(this.cluster.dnsRefreshRate ?? '5s')?.[1] ?? 5) * 1000);
    const run = async () => {
      const out: Host[] = [];
      for (const h of named) {
        try {
          const ips = await dns(h.address, this.cluster.dnsLookupFamily);
          const list = this.type === 'LOGICAL_DNS' ? ips.slice(0, 1) : ips;
          for (const ip of list) out.push(makeHost({ address: ip, port: h.port, weight: h.weight, locality: h.locality, priority: h.priority, labels: h.labels }));
        } catch (e) {
          this.opts.log?.(`cluster ${this.name}: DNS resolution of ${h.address} failed: ${(e as Error).message}`);
        }
      }
      if (this.closed) return;
      this.setHosts(out, weights);
      this.dnsTimer = setTimeout(() => void run(), refresh);
      this.dnsTimer.unref();
    };
    void run();
  }

  private setHosts(hosts: Host[], localityWeights: Map<string, number>): void {
    const before = new Map([...this.prevHosts, ...this.hosts.map((h) => [h.key, h] as const)]);
    for (const h of hosts) {
      const o = before.get(h.key);
      if (o) {
        h.activeRequests = o.activeRequests;
        h.activeConnections = o.activeConnections;
        h.ejected = o.ejected;
      }
    }
    this.prevHosts = new Map();
    this.hosts = hosts;
    this.outlier?.setHosts(hosts);
    if (this.type === 'ORIGINAL_DST' || (this.cluster.lbPolicy ?? 'ROUND_ROBIN') === 'CLUSTER_PROVIDED') {
      this.lb = undefined;
      return;
    }
    try {
      const c = this.cluster;
      this.lb = createLoadBalancer(hosts, {
        lbPolicy: c.lbPolicy, ringHashLbConfig: c.ringHashLbConfig, maglevLbConfig: c.maglevLbConfig, commonLbConfig: c.commonLbConfig,
        localityWeights: this.cluster.commonLbConfig?.localityWeightedLbConfig ? localityWeights : undefined,
      });
    } catch (e) {
      this.opts.log?.(`cluster ${this.name}: no load balancer: ${(e as Error).message}`);
      this.lb = undefined;
    }
  }

  pick(ctx: PickContext, exclude?: ReadonlySet<Host>): Host | undefined {
    if (!this.lb) return undefined;
    let h = this.lb.pick(ctx);
    // Envoy's hostSelectionRetryMaxAttempts (Istio: 5) for the previous_hosts predicate.
    for (let i = 0; h && exclude?.has(h) && i < 5; i++) h = this.lb.pick(ctx);
    return h;
  }

  originalDst(address: string, port: number): Host {
    const key = `${address}:${port}`;
    let h = this.dstHosts.get(key);
    if (!h) {
      h = makeHost({ address, port });
      if (this.dstHosts.size > 1024) this.dstHosts.clear();
      this.dstHosts.set(key, h);
    }
    return h;
  }

  close(): void {
    this.closed = true;
    if (this.dnsTimer) clearTimeout(this.dnsTimer);
    this.outlier?.close();
    this.pool.close();
  }
}

function stable(o: unknown): string {
  return JSON.stringify(o ?? null);
}

export class ClusterManager {
  private entries = new Map<string, Entry>();
  private closed = false;

  constructor(private readonly opts: ClusterManagerOptions = {}) {}

  get(name: string): UpstreamCluster | undefined {
    return this.entries.get(name)?.uc;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Brings the clusters in line with a new snapshot (see the opening comment). */
  update(s: RuntimeSnapshot): void {
    if (this.closed) return;
    const next = new Map<string, Entry>();
    for (const [name, ce] of s.clusters) {
      const key = stable(ce.cluster);
      const la = s.loadAssignmentFor(name);
      const laKey = stable(la);
      const old = this.entries.get(name);
      if (old && old.key === key) {
        if (old.laKey !== laKey) old.uc.setAssignment(la);
        next.set(name, { key, laKey, uc: old.uc });
        continue;
      }
      const uc = new Cluster_(name, ce.cluster, this.opts, old?.uc);
      uc.setAssignment(la);
      next.set(name, { key, laKey, uc });
      if (old) this.retire(old.uc);
    }
    for (const [name, old] of this.entries) if (!next.has(name)) this.retire(old.uc);
    this.entries = next;
  }

  private retire(uc: Cluster_): void {
    const t = setTimeout(() => uc.close(), this.opts.drainMs ?? 30_000);
    t.unref();
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) e.uc.close();
    this.entries.clear();
  }
}
