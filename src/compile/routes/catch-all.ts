/**
 * The last virtual host of every sidecar outbound route configuration (Istio's
 * buildCatchAllVirtualHost): `allow_any` forwarding any other Host to PassthroughCluster under
 * ALLOW_ANY, or `block_all` answering 502 under REGISTRY_ONLY. Pure.
 */
import type { VirtualHost } from '../../api/envoy/route.js';
import { PASSTHROUGH_CLUSTER } from '../../api/names.js';
import { ZERO_DURATION } from '../duration.js';

export const ALLOW_ANY_VHOST = 'allow_any';
export const BLOCK_ALL_VHOST = 'block_all';

export function catchAllVirtualHost(policy: 'ALLOW_ANY' | 'REGISTRY_ONLY'): VirtualHost {
  if (policy === 'ALLOW_ANY') {
    return {
      name: ALLOW_ANY_VHOST,
      domains: ['*'],
      routes: [
        {
          name: ALLOW_ANY_VHOST,
          match: { prefix: '/' },
          route: { cluster: PASSTHROUGH_CLUSTER, timeout: ZERO_DURATION, maxGrpcTimeout: ZERO_DURATION },
        },
      ],
      includeRequestAttemptCount: true,
    };
  }
  return {
    name: BLOCK_ALL_VHOST,
    domains: ['*'],
    routes: [{ name: BLOCK_ALL_VHOST, match: { prefix: '/' }, directResponse: { status: 502 } }],
    includeRequestAttemptCount: true,
  };
}
