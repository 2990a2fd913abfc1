/**
 * Maps a Cluster's lbPolicy to its balancer (ROUND_ROBIN when unset, as Envoy's default).
 * CLUSTER_PROVIDED (ORIGINAL_DST clusters pick by destination) is not a balancer here: the
 * cluster manager handles it, so asking for it is a config error. Ring hash and Maglev need
 * `initHashing()` to have resolved.
 */
import type { LbPolicy } from '../../api/envoy/cluster.js';
import type { Host } from '../upstream/host.js';
import { createLeastRequest } from './least-request.js';
import { createMaglev } from './maglev.js';
import { createRandom } from './random.js';
import { createRingHash } from './ring-hash.js';
import { createRoundRobin } from './round-robin.js';
import { LbConfigError, type LbConfig, type LoadBalancer, type LoadBalancerFactory } from './types.js';

export const LB_FACTORIES: Readonly<Record<Exclude<LbPolicy, 'CLUSTER_PROVIDED'>, LoadBalancerFactory>> = {
  ROUND_ROBIN: createRoundRobin,
  LEAST_REQUEST: createLeastRequest,
  RANDOM: createRandom,
  RING_HASH: createRingHash,
  MAGLEV: createMaglev,
};

export function createLoadBalancer(hosts: readonly Host[], config: LbConfig): LoadBalancer {
  const policy = config.lbPolicy ?? 'ROUND_ROBIN';
  if (policy === 'CLUSTER_PROVIDED') throw new LbConfigError('CLUSTER_PROVIDED is handled by the cluster, not a load balancer');
  const f = LB_FACTORIES[policy];
  if (!f) throw new LbConfigError(`unsupported lbPolicy ${String(policy)}`);
  return f(hosts, config);
}
