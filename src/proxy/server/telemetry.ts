/**
 * Who is talking to whom, for Istio's standard metrics: the local workload (from the node, given
 * at start), and each upstream as its cluster and endpoint metadata name it (the cluster's
 * `filterMetadata.istio.services[0]` {host, name, namespace} and the endpoint's
 * `istio.workload` "NAME;NS;CANONICAL;REVISION;CLUSTER" label, carried as Host.labels.workload).
 * Peers are interned once per cluster object and host (a WeakMap on the Cluster resource, so a new
 * snapshot's clusters get new entries), keeping the per-request cost to two Map lookups. With
 * Istio's metadata exchange (`exchange`, this proxy's header pair), peers announced in
 * `x-envoy-peer-metadata` headers are decoded once per distinct value (stats/peer-metadata.ts).
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import type { Peer, PeerLabels, ProxyStats, Reporter } from '../stats/index.js';
import { PeerMetadataCache, peerLabelsOf, type LocalExchange } from '../stats/peer-metadata.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';

export interface Telemetry {
  readonly local: Peer;
  /** A peer whose labels are all `unknown` (the inbound source without peer metadata exchange). */
  readonly unknown: Peer;
  /** The destination of a request sent to `cluster` (host `hostKey`, when one was picked). */
  destinationOf(cluster: string | undefined, hostKey?: string): Peer;
  /** This proxy's metadata-exchange headers; absent: no exchange. */
  readonly exchange?: LocalExchange;
  /** The peer an `x-envoy-peer-metadata` value announces (undefined when it is not one). */
  peerFrom(value: string): Peer | undefined;
  /** `base` (a destination as the cluster names it) with the workload labels the peer announced. */
  withPeer(base: Peer, peer: Peer): Peer;
}

export function makeTelemetry(stats: ProxyStats, local: Peer, clusters: ClusterManager, exchange?: LocalExchange): Telemetry {
  const cache = new WeakMap<Cluster, Map<string, Peer>>();
  const byName = new Map<string, Peer>();
  const unknown = stats.istio.peer({});
  const decoded = new PeerMetadataCache();
  const announced = new Map<string, Peer | null>();
  const merged = new Map<string, Peer>();
  return {
    local,
    unknown,
    ...(exchange ? { exchange } : {}),
    peerFrom(value) {
      let p = announced.get(value);
      if (p === undefined) {
        const m = decoded.get(value);
        p = m ? stats.istio.peer(peerLabelsOf(m)) : null;
        if (announced.size >= 1024) announced.clear();
        announced.set(value, p);
      }
      return p ?? undefined;
    },
    withPeer(base, peer) {
      const k = `${base.id}|${peer.id}`;
      let p = merged.get(k);
      if (!p) {
        const { service, serviceName, serviceNamespace } = base.labels;
        p = stats.istio.peer({ ...peer.labels, service, serviceName, serviceNamespace });
        if (merged.size >= 4096) merged.clear();
        merged.set(k, p);
      }
      return p;
    },
    destinationOf(cluster, hostKey) {
      if (!cluster) return unknown;
      const uc = clusters.get(cluster);
      if (!uc) {
        let p = byName.get(cluster);
        if (!p) byName.set(cluster, (p = stats.istio.peer({ service: cluster, serviceName: cluster })));
        return p;
      }
      let m = cache.get(uc.cluster);
      if (!m) cache.set(uc.cluster, (m = new Map()));
      const k = hostKey ?? '';
      let p = m.get(k);
      if (!p) {
        const host = hostKey ? uc.hosts.find((h) => h.key === hostKey) : undefined;
        m.set(k, (p = stats.istio.peer(peerLabels(uc.cluster, cluster, host?.labels['workload']))));
      }
      return p;
    },
  };
}

function peerLabels(c: Cluster, name: string, workload: string | undefined): PeerLabels {
  const istio = c.metadata?.filterMetadata?.['istio'] as Record<string, unknown> | undefined;
  const svc = Array.isArray(istio?.['services']) ? (istio['services'][0] as { host?: string; name?: string; namespace?: string } | undefined) : undefined;
  const fqdn = svc?.host ?? name.split('|')[3];
  const labels: PeerLabels = {
    ...(fqdn ? { service: fqdn } : { service: name, serviceName: name }),
    ...(svc?.name ? { serviceName: svc.name } : {}),
    ...(svc?.namespace ? { serviceNamespace: svc.namespace } : {}),
  };
  if (workload) {
    labels.workload = workload;
    labels.namespace = svc?.namespace;
  }
  return labels;
}

/** Istio's reporter for a listener: inbound sidecar listeners report as destination. */
export function reporterFor(inbound: boolean): Reporter {
  return inbound ? 'destination' : 'source';
}
