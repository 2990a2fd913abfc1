/**
 * The Sidecar resource in effect for a proxy, with Istio's precedence (pilot/pkg/model/sidecar.go,
 * push_context.go getSidecarScope): in the proxy's namespace, the first Sidecar (input order) whose
 * workloadSelector matches the proxy's labels; else the namespace's first selector-less Sidecar;
 * else the first selector-less Sidecar of the root namespace (istio-system), read as if it were in
 * the proxy's namespace (so `./host` means the proxy's namespace). Gateways (`router` proxies) only
 * get selector-less Sidecars. Without any, Istio's default scope: one egress listener `*\/*`.
 * A Sidecar without egress also imports `*\/*`. outboundTrafficPolicy: the Sidecar's (mode unset
 * = REGISTRY_ONLY, the proto default), else the mesh default (ALLOW_ANY).
 */
import type { Sidecar } from '../api/istio/sidecar.js';
import { ROOT_NAMESPACE } from '../api/names.js';
import { isEmptySelector, selects } from '../common/hosts.js';
import type { ConfigObject, EgressHost, Proxy, SidecarEgress, SidecarScope } from './types.js';

export type OutboundMode = SidecarScope['outboundTrafficPolicy'];

/** Parses `ns/host` of a Sidecar egress listener; `.` becomes `configNamespace`. */
export function parseEgressHost(h: string, configNamespace: string): EgressHost {
  const slash = h.indexOf('/');
  if (slash < 0) return { namespace: '*', host: h };
  const ns = h.slice(0, slash);
  return { namespace: ns === '.' ? configNamespace : ns, host: h.slice(slash + 1) };
}

export const DEFAULT_EGRESS: readonly SidecarEgress[] = [{ hosts: [{ namespace: '*', host: '*' }] }];

function hasSelector(sc: ConfigObject<Sidecar>): boolean {
  return !isEmptySelector(sc.spec.workloadSelector?.labels);
}

/** The Sidecar that applies to `proxy`, and the namespace its `.` refers to. */
export function selectSidecar(
  sidecars: readonly ConfigObject<Sidecar>[], proxy: Proxy, rootNamespace = ROOT_NAMESPACE,
): ConfigObject<Sidecar> | undefined {
  const local = sidecars.filter((s) => s.namespace === proxy.namespace);
  if (proxy.type === 'sidecar') {
    const bySelector = local.find((s) => hasSelector(s) && selects(s.spec.workloadSelector?.labels, proxy.labels));
    if (bySelector) return bySelector;
  }
  const nsDefault = local.find((s) => !hasSelector(s));
  if (nsDefault) return nsDefault;
  return sidecars.find((s) => s.namespace === rootNamespace && !hasSelector(s));
}

export function computeSidecarScope(
  sidecars: readonly ConfigObject<Sidecar>[], proxy: Proxy, meshDefault: OutboundMode = 'ALLOW_ANY',
  rootNamespace = ROOT_NAMESPACE,
): SidecarScope {
  const sidecar = selectSidecar(sidecars, proxy, rootNamespace);
  if (!sidecar) return { egress: DEFAULT_EGRESS, outboundTrafficPolicy: meshDefault };
  const configNs = proxy.namespace;
  const listeners = sidecar.spec.egress ?? [];
  const egress: SidecarEgress[] = listeners.length === 0
    ? [...DEFAULT_EGRESS]
    : listeners.map((l) => ({
      ...(l.port && l.port.number
        ? { port: { number: l.port.number, protocol: l.port.protocol ?? '', name: l.port.name ?? '' } }
        : {}),
      hosts: (l.hosts ?? []).map((h) => parseEgressHost(h, configNs)),
    }));
  const otp = sidecar.spec.outboundTrafficPolicy;
  const outboundTrafficPolicy: OutboundMode = otp ? (otp.mode ?? 'REGISTRY_ONLY') : meshDefault;
  return { sidecar, egress, outboundTrafficPolicy };
}
