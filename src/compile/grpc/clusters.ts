/**
 * CDS for proxyless gRPC (Istio's grpcgen cds.go): the requested clusters `outbound|PORT||FQDN`
 * and `outbound|PORT|SUBSET|FQDN`, out of the same cluster plans as sidecars (so subsets and the
 * merged, port-level traffic policy agree with them), each an EDS cluster over ADS named like its
 * load assignment. Only what gRPC implements is set: load balancing ROUND_ROBIN, or RING_HASH for
 * a consistent-hash policy (maglev too, which gRPC lacks), and ISTIO_MUTUAL as TLS through the
 * bootstrap's `default` certificate provider. Other DestinationRule settings (connection pool,
 * outlier detection, LEAST_REQUEST, SIMPLE/MUTUAL TLS) are not sent, as Istio does not. With no
 * names (a debug dump), every plan. Names of unknown clusters are left out. Pure.
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import { TLS_TRANSPORT_SOCKET, UPSTREAM_TLS_CONTEXT_TYPE } from '../../api/envoy/cluster.js';
import type { Proxy, Snapshot } from '../../model/types.js';
import { applyConsistentHash, outboundPlans, serviceIdentities, type OutboundPlan } from '../clusters/index.js';
import { CERTIFICATE_PROVIDER, type GrpcUpstreamTlsContextAny } from './types.js';

function edsCluster(name: string): Cluster {
  return {
    name,
    type: 'EDS',
    edsClusterConfig: { serviceName: name, edsConfig: { ads: {}, resourceApiVersion: 'V3' } },
  };
}

function applyLoadBalancing(c: Cluster, plan: OutboundPlan): void {
  c.lbPolicy = 'ROUND_ROBIN';
  applyConsistentHash({ cluster: c }, plan.policy?.loadBalancer);
  if ((c.lbPolicy as Cluster['lbPolicy']) === 'MAGLEV') {
    c.lbPolicy = 'RING_HASH';
    delete c.maglevLbConfig;
  }
}

function istioMutualTls(snapshot: Snapshot, plan: OutboundPlan): GrpcUpstreamTlsContextAny {
  const sans = plan.policy?.tls?.subjectAltNames?.length ? plan.policy.tls.subjectAltNames : serviceIdentities(snapshot, plan);
  return {
    '@type': UPSTREAM_TLS_CONTEXT_TYPE,
    commonTlsContext: {
      tlsCertificateProviderInstance: { instanceName: CERTIFICATE_PROVIDER, certificateName: 'default' },
      validationContext: {
        caCertificateProviderInstance: { instanceName: CERTIFICATE_PROVIDER, certificateName: 'ROOTCA' },
        ...(sans.length ? { matchSubjectAltNames: sans.map((s) => ({ exact: s })) } : {}),
      },
    },
  };
}

export function grpcCluster(snapshot: Snapshot, plan: OutboundPlan): Cluster {
  const c = edsCluster(plan.name);
  applyLoadBalancing(c, plan);
  if (plan.policy?.tls?.mode === 'ISTIO_MUTUAL') {
    c.transportSocket = { name: TLS_TRANSPORT_SOCKET, typedConfig: istioMutualTls(snapshot, plan) };
  }
  return c;
}

/** CDS for a gRPC client: the requested clusters in request order, or every outbound cluster. */
export function grpcClusters(snapshot: Snapshot, proxy: Proxy, names?: readonly string[]): Cluster[] {
  const byName = new Map<string, OutboundPlan>();
  for (const p of outboundPlans(snapshot, proxy)) if (!byName.has(p.name)) byName.set(p.name, p);
  const wanted = names ? [...new Set(names)] : [...byName.keys()];
  const out: Cluster[] = [];
  for (const name of wanted) {
    const plan = byName.get(name);
    if (plan) out.push(grpcCluster(snapshot, plan));
  }
  return out;
}
