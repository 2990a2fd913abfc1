/**
 * The `istio` filter metadata Istio attaches to clusters, so config dumps and `explain` can say
 * where a cluster came from: the services behind it (`services: [{host, name, namespace}]`), the
 * DestinationRule that shaped it (`config: /apis/networking.istio.io/v1/namespaces/NS/
 * destination-rule/NAME`), its subset, and `external: true` for mesh-external services.
 */
import type { Cluster } from '../../api/envoy/cluster.js';
import { istioConfigPath } from '../../api/names.js';
import type { EffectiveDestinationRule } from '../../model/types.js';
import type { Service } from '../../registry/types.js';

function istioMetadata(c: Cluster): Record<string, unknown> {
  c.metadata ??= {};
  c.metadata.filterMetadata ??= {};
  c.metadata.filterMetadata['istio'] ??= {};
  return c.metadata.filterMetadata['istio'];
}

export function serviceRef(s: Service): Record<string, string> {
  return { host: s.hostname, name: s.name, namespace: s.namespace };
}

export function addServices(c: Cluster, services: readonly Service[]): void {
  if (services.length === 0) return;
  istioMetadata(c)['services'] = services.map(serviceRef);
}

export function addRuleConfig(c: Cluster, rule: EffectiveDestinationRule | undefined): void {
  const src = rule?.sources[0];
  if (!src) return;
  istioMetadata(c)['config'] = istioConfigPath('DestinationRule', src.namespace, src.name);
}

export function addSubset(c: Cluster, subset: string): void {
  istioMetadata(c)['subset'] = subset;
}

export function addExternal(c: Cluster): void {
  istioMetadata(c)['external'] = true;
}
