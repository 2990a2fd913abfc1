/**
 * The one contract every load balancer honours. A balancer is built once per host set (when EDS,
 * DNS or a static list changes what the hosts are) from the Envoy Cluster's LB fields, and then
 * only `pick()`s. Health, ejection and in-flight counts are read live from each `Host` at pick
 * time: outlier detection and health checks flip `Host.healthy`/`Host.ejected` without asking the
 * balancer to rebuild. A balancer must not do I/O, keep clocks, or draw randomness other than
 * from `ctx.random` (so tests are exact).
 */
import type { LbPolicy } from '../../api/envoy/cluster.js';
import type { Host } from '../upstream/host.js';

export interface PickContext {
  /** The request's hash from the route's hash policies (ring hash and Maglev use it). */
  hash?: bigint;
  /** Uniform in [0, 1). Injected so tests are deterministic. */
  random: () => number;
}

export interface LoadBalancer {
  readonly policy: LbPolicy;
  /** An available host (a panicking priority may return any host), or undefined when none. */
  pick(ctx: PickContext): Host | undefined;
  /**
   * Optional hint: host health changed, recompute priority loads and panic now. Never required
   * for correctness of exclusion (an unavailable host is never returned outside panic); it only
   * makes the return of recovered hosts and priority shifts immediate instead of within a sweep
   * (see priority.ts).
   */
  refresh(): void;
}

/** RuntimeDouble in proto3 JSON, or a plain number. */
export type RuntimeDoubleLike = number | { defaultValue?: number; runtimeKey?: string };
/** UInt64Value in proto3 JSON is a decimal string. */
export type UInt64Like = string | number;

/**
 * The Cluster fields balancers read (a superset of src/api's Cluster shape for these fields, so a
 * `Cluster` is assignable), plus what the cluster manager knows from the ClusterLoadAssignment.
 */
export interface LbConfig {
  lbPolicy?: LbPolicy;
  ringHashLbConfig?: {
    minimumRingSize?: UInt64Like;
    maximumRingSize?: UInt64Like;
    hashFunction?: 'XX_HASH' | 'MURMUR_HASH_2';
  };
  maglevLbConfig?: { tableSize?: UInt64Like };
  leastRequestLbConfig?: {
    choiceCount?: number | { value?: number };
    activeRequestBias?: RuntimeDoubleLike;
  };
  commonLbConfig?: {
    /** Percent; default 50. */
    healthyPanicThreshold?: { value?: number };
    localityWeightedLbConfig?: object;
  };
  /** ClusterLoadAssignment.policy.overprovisioningFactor (percent, default 140). */
  overprovisioningFactor?: number;
  /**
   * Locality weights (LocalityLbEndpoints.loadBalancingWeight) keyed by `localityKey()`; used when
   * `commonLbConfig.localityWeightedLbConfig` is set. A locality without a weight gets no traffic
   * (as Envoy); when the map is absent every locality weighs 1.
   */
  localityWeights?: ReadonlyMap<string, number>;
}

export type LoadBalancerFactory = (hosts: readonly Host[], config: LbConfig) => LoadBalancer;

export class LbConfigError extends Error {
  readonly code = 'LB_CONFIG';
}

export function localityKey(l: { region: string; zone: string; subZone: string }): string {
  return `${l.region}/${l.zone}/${l.subZone}`;
}

export function uint64(v: UInt64Like | undefined, dflt: number): number {
  if (v === undefined || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : dflt;
}
