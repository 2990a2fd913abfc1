/**
 * From compiled xDS objects back to the Istio objects behind them: the `istio` filter metadata
 * routes and clusters carry (`config: /apis/…/namespaces/NS/KIND/NAME`, `services: […]`) looked
 * up in the snapshot, with file and line from each object's origin.
 */
import type { Metadata } from '../../api/envoy/common.js';
import { parseIstioConfigPath } from '../../api/names.js';
import type { ConfigObject, Snapshot } from '../../model/types.js';
import type { Service } from '../../registry/types.js';
import type { SourceRef } from './types.js';

export function refOf(o: Pick<ConfigObject<unknown>, 'kind' | 'namespace' | 'name' | 'origin'>, field?: string): SourceRef {
  const r: SourceRef = { kind: o.kind, namespace: o.namespace, name: o.name, file: o.origin.file, line: o.origin.line };
  if (field) r.field = field;
  return r;
}

export function serviceRef(s: Service, field?: string): SourceRef {
  const r: SourceRef = { kind: s.origin.kind, namespace: s.origin.namespace, name: s.origin.name, file: s.origin.file, line: s.origin.line };
  if (field) r.field = field;
  return r;
}

function istio(md: Metadata | undefined): Record<string, unknown> | undefined {
  return md?.filterMetadata?.['istio'];
}

/** The object named by `filterMetadata.istio.config`, found in the snapshot when it is there. */
export function configSource(snapshot: Snapshot, md: Metadata | undefined, field?: string): SourceRef | undefined {
  const path = istio(md)?.['config'];
  if (typeof path !== 'string') return undefined;
  const p = parseIstioConfigPath(path);
  if (!p) return undefined;
  const pools: Record<string, readonly ConfigObject<unknown>[]> = {
    'virtual-service': snapshot.virtualServices,
    'destination-rule': snapshot.destinationRules,
    gateway: snapshot.gateways,
    sidecar: snapshot.sidecars,
  };
  const hit = pools[p.kind]?.find((o) => o.namespace === p.namespace && o.name === p.name);
  if (hit) return refOf(hit, field);
  const kind = p.kind.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase());
  return { kind, namespace: p.namespace, name: p.name, ...(field ? { field } : {}) };
}

export function metadataSubset(md: Metadata | undefined): string | undefined {
  const s = istio(md)?.['subset'];
  return typeof s === 'string' ? s : undefined;
}

/** The services listed in a cluster's `istio.services` metadata. */
export function metadataServices(snapshot: Snapshot, md: Metadata | undefined): SourceRef[] {
  const list = istio(md)?.['services'];
  if (!Array.isArray(list)) return [];
  const out: SourceRef[] = [];
  for (const e of list as { host?: string; namespace?: string }[]) {
    const s = snapshot.servicesByHost(e.host ?? '').find((x) => x.namespace === e.namespace);
    if (s) out.push(serviceRef(s));
  }
  return out;
}

export function describeSource(s: SourceRef | undefined): string {
  if (!s) return '';
  const where = s.file ? ` (${s.file}${s.line ? `:${s.line}` : ''})` : '';
  return `${s.kind} ${s.namespace}/${s.name}${s.field ? ` ${s.field}` : ''}${where}`;
}
