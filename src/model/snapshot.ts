/**
 * Builds the immutable Snapshot (types.ts) from validated objects: the registry (registry/build.ts)
 * plus the Istio config, with its indexes built once — services by host, endpoints by service
 * port and by address, workloads by address, VirtualServices by gateway, DestinationRules by namespace and host,
 * Sidecars — and per-proxy answers (sidecar scope, visible services) memoised by proxy identity.
 * Input order stands in for Istio's creation-time order; later objects with the same kind,
 * namespace and name replace earlier ones in place. `rebuildSnapshot` reuses the registry when
 * only non-registry kinds changed.
 */
import { createHash } from 'node:crypto';
import type { RawObject } from '../api/resource.js';
import type { DestinationRuleSpec } from '../api/istio/destination-rule.js';
import type { Gateway } from '../api/istio/gateway.js';
import type { Sidecar } from '../api/istio/sidecar.js';
import type { VirtualServiceSpec } from '../api/istio/virtual-service.js';
import { ROOT_NAMESPACE } from '../api/names.js';
import { selects, visibleFrom } from '../common/hosts.js';
import { buildRegistry, type RegistryOptions } from '../registry/build.js';
import { latestObjects } from '../registry/objects.js';
import type { Endpoint, Registry, Service, Workload } from '../registry/types.js';
import { configsOfKind } from './config.js';
import { DestinationRuleIndex } from './destination-rules.js';
import { computeSidecarScope, type OutboundMode } from './sidecar-scope.js';
import type { GatewayServer, Proxy, SidecarScope, Snapshot } from './types.js';
import { VirtualServiceIndex } from './virtual-services.js';
import { computeVisibleServices } from './visibility.js';
import { MESH_GATEWAY } from './gateway-names.js';
import { mergeDelegates } from './delegation.js';

export interface SnapshotOptions extends RegistryOptions {
  /** Mesh-wide outboundTrafficPolicy when no Sidecar sets one. Default ALLOW_ANY (Istio's default). */
  outboundTrafficPolicy?: OutboundMode;
  /** Reuse this registry instead of building one (see rebuildSnapshot). */
  registry?: Registry;
}

/** Kinds that feed the registry; a change to any other kind keeps the registry. */
export const REGISTRY_KINDS: ReadonlySet<string> = new Set(['Service', 'ServiceEntry', 'WorkloadEntry', 'WorkloadGroup', 'Deployment', 'Pod']);

const proxyKeys = new WeakMap<Proxy, string>();

/** The memo key of per-proxy answers; remembered per Proxy object (proxies are not mutated). */
function proxyKey(p: Proxy): string {
  let k = proxyKeys.get(p);
  if (k === undefined) {
    const labels = Object.keys(p.labels).sort().map((l) => `${l}=${p.labels[l]}`).join(',');
    proxyKeys.set(p, (k = `${p.type}|${p.namespace}|${labels}`));
  }
  return k;
}

function versionOf(objects: readonly RawObject[], opts: SnapshotOptions): string {
  const h = createHash('sha256');
  for (const o of objects) h.update(JSON.stringify([o.kind, o.metadata, o.body.spec ?? null, o.origin.file])).update('\n');
  if (opts.dns) for (const [k, v] of [...opts.dns].sort()) h.update(`dns ${k}=${v.join(',')}\n`);
  h.update(`otp ${opts.outboundTrafficPolicy ?? 'ALLOW_ANY'} gw ${opts.builtinGateways ?? true}`);
  return h.digest('hex').slice(0, 16);
}

export function buildSnapshot(input: readonly RawObject[], opts: SnapshotOptions = {}): Snapshot {
  const objects = latestObjects(input);
  const registry = opts.registry ?? buildRegistry(objects, opts);
  const meshMode = opts.outboundTrafficPolicy ?? 'ALLOW_ANY';

  const virtualServices = configsOfKind<VirtualServiceSpec>(objects, 'VirtualService');
  const destinationRules = configsOfKind<DestinationRuleSpec>(objects, 'DestinationRule');
  const gateways = configsOfKind<Gateway>(objects, 'Gateway');
  const sidecars = configsOfKind<Sidecar>(objects, 'Sidecar');

  const byHost = new Map<string, Service[]>();
  for (const s of registry.services) {
    const list = byHost.get(s.hostname);
    if (list) list.push(s);
    else byHost.set(s.hostname, [s]);
  }
  const byPort = new Map<string, Endpoint[]>();
  for (const e of registry.endpoints) {
    const k = `${e.serviceNamespace}|${e.hostname}|${e.servicePort}`;
    const list = byPort.get(k);
    if (list) list.push(e);
    else byPort.set(k, [e]);
  }
  const byAddress = new Map<string, Workload>();
  for (const w of registry.workloads) if (!byAddress.has(w.address)) byAddress.set(w.address, w);
  // built on first use: only sidecar and proxyless generation asks (a proxy's own endpoints)
  let endpointsByAddress: Map<string, Endpoint[]> | undefined;
  const endpointsAt = (address: string): readonly Endpoint[] => {
    if (!endpointsByAddress) {
      endpointsByAddress = new Map();
      for (const e of registry.endpoints) {
        const list = endpointsByAddress.get(e.address);
        if (list) list.push(e);
        else endpointsByAddress.set(e.address, [e]);
      }
    }
    return endpointsByAddress.get(address) ?? [];
  };

  // Delegate VirtualServices are merged into their roots before binding (delegation.ts).
  const vsIndex = new VirtualServiceIndex(mergeDelegates(virtualServices));
  const drIndex = new DestinationRuleIndex(destinationRules, ROOT_NAMESPACE);
  const scopes = new Map<string, SidecarScope>();
  const visible = new Map<string, readonly Service[]>();

  const snapshot: Snapshot = {
    version: versionOf(objects, opts),
    registry,
    virtualServices,
    destinationRules,
    gateways,
    sidecars,

    servicesByHost: (hostname) => byHost.get(hostname) ?? [],

    service(hostname, fromNamespace) {
      const list = (byHost.get(hostname) ?? []).filter((s) => visibleFrom(s.exportTo, fromNamespace));
      return list.find((s) => s.namespace === fromNamespace) ?? list[0];
    },

    endpoints: (hostname, serviceNamespace, servicePort) => byPort.get(`${serviceNamespace}|${hostname}|${servicePort}`) ?? [],

    workloadByAddress: (ip) => byAddress.get(ip),

    endpointsAt,

    sidecarScope(proxy) {
      const k = proxyKey(proxy);
      let s = scopes.get(k);
      if (!s) scopes.set(k, (s = computeSidecarScope(sidecars, proxy, meshMode, ROOT_NAMESPACE)));
      return s;
    },

    visibleServices(proxy) {
      const k = proxyKey(proxy);
      let v = visible.get(k);
      if (!v) {
        const meshVs = vsIndex.forGateway(MESH_GATEWAY, proxy.namespace);
        v = computeVisibleServices(registry.services, snapshot.sidecarScope(proxy), meshVs, proxy.namespace);
        visible.set(k, v);
      }
      return v;
    },

    virtualServicesFor: (gateway, fromNamespace) => vsIndex.forGateway(gateway, fromNamespace),

    destinationRule(hostname, proxy) {
      const svc = snapshot.service(hostname, proxy.namespace);
      return drIndex.lookup(hostname, proxy, svc?.namespace);
    },

    gatewayServers(proxy) {
      if (proxy.type !== 'router') return [];
      const out: GatewayServer[] = [];
      for (const gateway of gateways) {
        if (!selects(gateway.spec.selector, proxy.labels)) continue;
        (gateway.spec.servers ?? []).forEach((server, index) => out.push({ gateway, server, index }));
      }
      return out;
    },
  };
  return snapshot;
}

/**
 * A new snapshot after a change to `changedKinds`: the previous registry is reused when none of
 * them feeds the registry (and the DNS results are unchanged), everything else is re-indexed.
 */
export function rebuildSnapshot(
  previous: Snapshot, input: readonly RawObject[], changedKinds: Iterable<string>, opts: SnapshotOptions = {},
): Snapshot {
  const touchesRegistry = [...changedKinds].some((k) => REGISTRY_KINDS.has(k));
  return buildSnapshot(input, touchesRegistry || opts.dns ? opts : { ...opts, registry: previous.registry });
}
