/**
 * The clusters Istio adds besides services: `BlackHoleCluster` (STATIC, no endpoints: where
 * REGISTRY_ONLY and unmatched routes send traffic), `PassthroughCluster` (ORIGINAL_DST: where
 * ALLOW_ANY sends unknown destinations; HTTP options follow the downstream protocol, 5 minute idle
 * timeout) and `InboundPassthroughCluster` (ORIGINAL_DST with Istio's 127.0.0.6 source bind, for
 * inbound traffic to ports no service declares). Sidecars get all three; gateways only the black hole.
 */
import {
  HTTP_PROTOCOL_OPTIONS_KEY, HTTP_PROTOCOL_OPTIONS_TYPE, type Cluster,
} from '../../api/envoy/cluster.js';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER } from '../../api/names.js';
import { defaultThresholds } from './connection-pool.js';
import { MESH_CONNECT_TIMEOUT } from './mesh-defaults.js';

/** Source address Istio binds inbound passthrough traffic to, so iptables lets it through. */
export const INBOUND_PASSTHROUGH_BIND_IPV4 = '127.0.0.6';

export function blackHoleCluster(): Cluster {
  return {
    name: BLACKHOLE_CLUSTER,
    altStatName: `${BLACKHOLE_CLUSTER};`,
    type: 'STATIC',
    connectTimeout: MESH_CONNECT_TIMEOUT,
    lbPolicy: 'ROUND_ROBIN',
  };
}

export function passthroughCluster(): Cluster {
  return {
    name: PASSTHROUGH_CLUSTER,
    altStatName: `${PASSTHROUGH_CLUSTER};`,
    type: 'ORIGINAL_DST',
    connectTimeout: MESH_CONNECT_TIMEOUT,
    lbPolicy: 'CLUSTER_PROVIDED',
    circuitBreakers: { thresholds: [defaultThresholds()] },
    typedExtensionProtocolOptions: {
      [HTTP_PROTOCOL_OPTIONS_KEY]: {
        '@type': HTTP_PROTOCOL_OPTIONS_TYPE,
        commonHttpProtocolOptions: { idleTimeout: '300s' },
        useDownstreamProtocolConfig: { httpProtocolOptions: {}, http2ProtocolOptions: {} },
      },
    },
  };
}

export function inboundPassthroughCluster(): Cluster {
  return {
    ...passthroughCluster(),
    name: INBOUND_PASSTHROUGH_CLUSTER,
    upstreamBindConfig: { sourceAddress: { address: INBOUND_PASSTHROUGH_BIND_IPV4, portValue: 0 } },
  };
}
