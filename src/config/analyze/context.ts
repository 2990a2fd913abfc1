/**
 * The shared index every analyzer reads: services by host (Kubernetes Services as
 * `NAME.NS.svc.cluster.local`, ServiceEntry hosts as written, each with its exportTo scopes),
 * workloads with their labels and namespaces (Deployments, Pods, WorkloadEntries,
 * WorkloadGroups, plus Trellis's built-in ingress and egress gateways), and the Istio objects by
 * kind. Built once per `analyze()` call from already-validated objects; never mutated afterwards
 * and never reports anything itself.
 */
import type { RawObject } from '../../api/resource.js';
import { SVC_DOMAIN as CLUSTER_DOMAIN, exportScopes, hostCandidates, hostsMatch, isWildcard, visibleFrom } from '../../common/hosts.js';
import { list, specOf, type KubeServiceSpec, type ServiceEntrySpec } from './specs.js';

export interface ServicePortInfo {
  number: number;
  name: string;
  protocol: string;
  targetPort?: number | string;
}

export interface ServiceInfo {
  host: string;
  kind: 'Service' | 'ServiceEntry';
  name: string;
  namespace: string;
  ports: ServicePortInfo[];
  /** exportTo, normalised: `['*']` or namespace names. */
  scopes: string[];
  /** Kubernetes Service selector, or ServiceEntry workloadSelector labels. */
  selector?: Record<string, string>;
  /** Labels of a ServiceEntry's inline endpoints. */
  endpointLabels?: Record<string, string>[];
  obj?: RawObject;
}

export interface Workload {
  kind: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  obj?: RawObject;
}

const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';
export const ROOT_NAMESPACE = 'istio-system';

/** Trellis's built-in gateways: `istio-system/NAME` workload and Service (80→8080, 443→8443). */
const BUILTIN_GATEWAYS = [
  { name: 'istio-ingressgateway', labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } },
  { name: 'istio-egressgateway', labels: { istio: 'egressgateway', app: 'istio-egressgateway' } },
];
// The built-in gateways' Service ports: 80 and 443 as Istio's default profile, plus 15443, the
// east-west port (SNI, AUTO_PASSTHROUGH) that DESIGN.md lists and the multi-cluster guide uses.
const BUILTIN_PORTS: ServicePortInfo[] = [
  { number: 80, name: 'http2', protocol: 'TCP', targetPort: 8080 },
  { number: 443, name: 'https', protocol: 'TCP', targetPort: 8443 },
  { number: 15443, name: 'tls', protocol: 'TCP', targetPort: 15443 },
];

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  }
  return out;
}

function podTemplateLabels(o: RawObject): Record<string, string> {
  const spec = specOf<{ template?: { metadata?: { labels?: unknown } } }>(o);
  return strMap(spec.template?.metadata?.labels);
}

export class AnalysisContext {
  readonly virtualServices: RawObject[];
  readonly destinationRules: RawObject[];
  readonly gateways: RawObject[];
  readonly serviceEntries: RawObject[];
  readonly sidecars: RawObject[];
  readonly services: ServiceInfo[] = [];
  readonly workloads: Workload[] = [];
  private readonly byHost = new Map<string, ServiceInfo[]>();
  private readonly gatewayByName = new Map<string, RawObject>();

  constructor(input: readonly RawObject[]) {
    const objects = latestOfEach(input);
    const of = (kind: string) => objects.filter((o) => o.kind === kind);
    this.virtualServices = of('VirtualService');
    this.destinationRules = of('DestinationRule');
    this.gateways = of('Gateway');
    this.serviceEntries = of('ServiceEntry');
    this.sidecars = of('Sidecar');
    for (const g of this.gateways) this.gatewayByName.set(`${g.metadata.namespace}/${g.metadata.name}`, g);

    for (const o of of('Service')) this.addKubeService(o);
    for (const o of this.serviceEntries) this.addServiceEntry(o);
    for (const o of of('Deployment')) this.addWorkload(o, podTemplateLabels(o));
    for (const o of of('Pod')) this.addWorkload(o, o.metadata.labels);
    for (const o of of('WorkloadEntry')) this.addWorkload(o, { ...o.metadata.labels, ...strMap(specOf<{ labels?: unknown }>(o).labels) });
    for (const o of of('WorkloadGroup')) {
      this.addWorkload(o, strMap(specOf<{ metadata?: { labels?: unknown } }>(o).metadata?.labels));
    }
    this.addBuiltins(objects);
  }

  private addService(s: ServiceInfo): void {
    this.services.push(s);
    const l = this.byHost.get(s.host);
    if (l) l.push(s);
    else this.byHost.set(s.host, [s]);
  }

  private addKubeService(o: RawObject): void {
    const spec = specOf<KubeServiceSpec>(o);
    const ns = o.metadata.namespace;
    const anno = o.metadata.annotations?.[EXPORT_TO_ANNOTATION];
    const exportTo = anno ? anno.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
    const ports = list(spec.ports).map((p) => ({
      number: p.port ?? 0,
      name: p.name ?? '',
      protocol: p.protocol ?? 'TCP',
      ...(p.targetPort !== undefined && p.targetPort !== null ? { targetPort: p.targetPort } : {}),
    }));
    const selector = spec.selector ? strMap(spec.selector) : undefined;
    this.addService({
      host: `${o.metadata.name}.${ns}.${CLUSTER_DOMAIN}`, kind: 'Service', name: o.metadata.name, namespace: ns,
      ports, scopes: exportScopes(exportTo, ns), ...(selector ? { selector } : {}), obj: o,
    });
  }

  private addServiceEntry(o: RawObject): void {
    const spec = specOf<ServiceEntrySpec>(o);
    const ns = o.metadata.namespace;
    const ports = list(spec.ports).map((p) => ({
      number: p.number ?? 0, name: p.name ?? '', protocol: p.protocol ?? '',
      ...(p.targetPort ? { targetPort: p.targetPort } : {}),
    }));
    const ws = spec.workloadSelector?.labels ? strMap(spec.workloadSelector.labels) : undefined;
    const endpointLabels = spec.endpoints ? list(spec.endpoints).map((e) => strMap(e?.labels)) : undefined;
    for (const host of list(spec.hosts)) {
      this.addService({
        host, kind: 'ServiceEntry', name: o.metadata.name, namespace: ns, ports,
        scopes: exportScopes(spec.exportTo, ns), ...(ws ? { selector: ws } : {}),
        ...(endpointLabels ? { endpointLabels } : {}), obj: o,
      });
    }
  }

  private addWorkload(o: RawObject, labels: Record<string, string>): void {
    this.workloads.push({ kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace, labels, obj: o });
  }

  private addBuiltins(objects: readonly RawObject[]): void {
    const defined = (kinds: string[], name: string) =>
      objects.some((o) => kinds.includes(o.kind) && o.metadata.namespace === ROOT_NAMESPACE && o.metadata.name === name);
    for (const gw of BUILTIN_GATEWAYS) {
      if (!defined(['Deployment', 'Pod', 'WorkloadEntry', 'WorkloadGroup'], gw.name)) {
        this.workloads.push({ kind: 'Deployment', name: gw.name, namespace: ROOT_NAMESPACE, labels: { ...gw.labels } });
      }
      if (!defined(['Service'], gw.name)) {
        this.addService({
          host: `${gw.name}.${ROOT_NAMESPACE}.${CLUSTER_DOMAIN}`, kind: 'Service', name: gw.name,
          namespace: ROOT_NAMESPACE, ports: BUILTIN_PORTS, scopes: ['*'], selector: { ...gw.labels },
        });
      }
    }
  }

  /** The Gateway a VirtualService's `gateways` entry names (`ns/name`, `name`, or `name.ns…`). */
  gateway(ref: string, vsNamespace: string): RawObject | undefined {
    return this.gatewayByName.get(gatewayKey(ref, vsNamespace));
  }

  /**
   * Services that a reference to `host` from namespace `ns` can reach, seen from the namespaces in
   * `from` (a VirtualService's or DestinationRule's exportTo scopes; `*` means every namespace).
   * Exact names first; failing that, wildcard hosts on either side, as Istio matches them.
   */
  findServices(host: string, ns: string, from: readonly string[]): ServiceInfo[] {
    const visible = (s: ServiceInfo) => from.some((f) => visibleFrom(s.scopes, f));
    for (const cand of hostCandidates(host, ns)) {
      const exact = (this.byHost.get(cand) ?? []).filter(visible);
      if (exact.length > 0) return exact;
    }
    const fq = hostCandidates(host, ns)[0]!;
    return this.services.filter((s) => (isWildcard(s.host) || isWildcard(fq)) && hostsMatch(s.host, fq) && visible(s));
  }

  workloadsIn(ns: string): Workload[] {
    return this.workloads.filter((w) => w.namespace === ns);
  }
}

/**
 * One object per kind/namespace/name, the last one given winning (as repeated `kubectl apply`
 * would leave it), so that a directory holding variants of one object does not report the
 * object as conflicting with itself.
 */
function latestOfEach(objects: readonly RawObject[]): RawObject[] {
  const byKey = new Map<string, RawObject>();
  for (const o of objects) {
    const key = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    byKey.delete(key);
    byKey.set(key, o);
  }
  return [...byKey.values()];
}

/** `ns/name` for a gateway reference, resolved as Istio resolves VirtualService gateways. */
export function gatewayKey(ref: string, vsNamespace: string): string {
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const ns = ref.slice(0, slash);
    return `${ns === '.' ? vsNamespace : ns}/${ref.slice(slash + 1)}`;
  }
  if (ref.includes('.')) {
    const [name, ns] = ref.split('.');
    return `${ns}/${name}`;
  }
  return `${vsNamespace}/${ref}`;
}
