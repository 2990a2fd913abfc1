/**
 * VirtualService delegation as Istio merges it (pilot/pkg/model/virtualservice.go
 * mergeVirtualServicesIfNeeded): a VirtualService without hosts is a delegate and is not bound by
 * itself; an HTTP route of a root VirtualService with `delegate: {name, namespace}` is replaced by
 * the delegate's routes, each merged with the root route (root matches combined with the
 * delegate's — a delegate match must fit inside a root match, else that delegate route is
 * dropped — and root fields filling the delegate's unset ones). A delegate not found, or not
 * exported to the root's namespace, drops just that route. Pure.
 */
import type { HTTPMatchRequest, HTTPRoute, StringMatch, VirtualServiceSpec } from '../api/istio/virtual-service.js';
import { exportScopes, visibleFrom } from '../common/hosts.js';
import type { ConfigObject } from './types.js';

type VS = ConfigObject<VirtualServiceSpec>;

function conflict(root: StringMatch | null | undefined, leaf: StringMatch | null | undefined): boolean {
  if (!root || !leaf) return false;
  if (root.regex && (leaf.regex || leaf.prefix || leaf.exact)) return true;
  if (leaf.regex && (root.regex || root.prefix || root.exact)) return true;
  if (root.exact) return !!leaf.prefix || leaf.exact !== root.exact;
  if (root.prefix) {
    if (leaf.prefix) return !leaf.prefix.startsWith(root.prefix);
    if (leaf.exact) return !leaf.exact.startsWith(root.prefix);
  }
  return true;
}

function mapConflict(root: Record<string, StringMatch | null> | null | undefined, leaf: Record<string, StringMatch | null> | null | undefined): boolean {
  return Object.entries(leaf ?? {}).some(([k, v]) => conflict(root?.[k], v));
}

function hasConflict(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  if (conflict(root.uri, leaf.uri) || conflict(root.scheme, leaf.scheme) || conflict(root.method, leaf.method) ||
    conflict(root.authority, leaf.authority)) return true;
  if (mapConflict(root.headers, leaf.headers) || mapConflict(root.withoutHeaders, leaf.withoutHeaders) ||
    mapConflict(root.queryParams, leaf.queryParams)) return true;
  if (!!root.ignoreUriCase !== !!leaf.ignoreUriCase) return true;
  if (root.port && leaf.port && root.port !== leaf.port) return true;
  if (root.sourceNamespace && leaf.sourceNamespace !== root.sourceNamespace) return true;
  for (const [k, v] of Object.entries(leaf.sourceLabels ?? {})) {
    const r = root.sourceLabels?.[k];
    if (r !== undefined && r !== v) return true;
  }
  const rg = root.gateways ?? [];
  const lg = leaf.gateways ?? [];
  if (rg.length > 0 && lg.length > 0 && (rg.length < lg.length || lg.some((g) => !rg.includes(g)))) return true;
  return false;
}

/** Drops keys left undefined, null or `{}` by the merge, so merged routes look hand-written. */
function clean<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out as T;
}

function joinName(root: string | null | undefined, leaf: string | null | undefined): string | undefined {
  if (!leaf) return root ?? undefined;
  return root ? `${root}-${leaf}` : leaf;
}

function mergeMatch(root: HTTPMatchRequest, leaf: HTTPMatchRequest): HTTPMatchRequest {
  const name = joinName(root.name, leaf.name);
  return clean({
    ...leaf,
    ...(name ? { name } : {}),
    uri: leaf.uri ?? root.uri,
    scheme: leaf.scheme ?? root.scheme,
    method: leaf.method ?? root.method,
    authority: leaf.authority ?? root.authority,
    headers: { ...(root.headers ?? {}), ...(leaf.headers ?? {}) },
    withoutHeaders: { ...(root.withoutHeaders ?? {}), ...(leaf.withoutHeaders ?? {}) },
    queryParams: { ...(root.queryParams ?? {}), ...(leaf.queryParams ?? {}) },
    port: leaf.port || root.port,
    sourceLabels: { ...(root.sourceLabels ?? {}), ...(leaf.sourceLabels ?? {}) },
    sourceNamespace: leaf.sourceNamespace || root.sourceNamespace,
    gateways: leaf.gateways && leaf.gateways.length > 0 ? leaf.gateways : root.gateways,
    statPrefix: leaf.statPrefix || root.statPrefix,
  });
}

/** Root and delegate matches combined; undefined on conflict. */
function mergeMatches(root: HTTPMatchRequest[], leaf: HTTPMatchRequest[]): HTTPMatchRequest[] | undefined {
  if (root.length === 0) return leaf;
  if (leaf.length === 0) return root;
  const out: HTTPMatchRequest[] = [];
  for (const l of leaf) {
    let found = false;
    for (const r of root) {
      if (hasConflict(r, l)) continue;
      out.push(mergeMatch(r, l));
      found = true;
    }
    if (!found) return undefined;
  }
  return out.length > 0 ? out : undefined;
}

function mergeRoute(root: HTTPRoute, leaf: HTTPRoute): HTTPRoute | undefined {
  const match = mergeMatches((root.match ?? []).filter((m): m is HTTPMatchRequest => !!m), (leaf.match ?? []).filter((m): m is HTTPMatchRequest => !!m));
  if (!match) return undefined;
  const name = joinName(root.name, leaf.name);
  return clean({
    ...leaf,
    ...(name ? { name } : {}),
    ...(match.length > 0 ? { match } : {}),
    rewrite: leaf.rewrite ?? root.rewrite,
    directResponse: leaf.directResponse ?? root.directResponse,
    timeout: leaf.timeout ?? root.timeout,
    retries: leaf.retries ?? root.retries,
    fault: leaf.fault ?? root.fault,
    mirror: leaf.mirror ?? root.mirror,
    mirrorPercent: leaf.mirrorPercent ?? root.mirrorPercent,
    mirrorPercentage: leaf.mirrorPercentage ?? root.mirrorPercentage,
    corsPolicy: leaf.corsPolicy ?? root.corsPolicy,
    mirrors: leaf.mirrors ?? root.mirrors,
    headers: leaf.headers ?? root.headers,
  });
}

const isDelegate = (vs: VS) => (vs.spec.hosts ?? []).length === 0;

/** The VirtualServices to bind: delegates removed, root routes with `delegate` expanded. */
export function mergeDelegates(all: readonly VS[]): VS[] {
  const delegates = new Map(all.filter(isDelegate).map((vs) => [`${vs.namespace}/${vs.name}`, vs]));
  const out: VS[] = [];
  for (const vs of all) {
    if (isDelegate(vs)) continue;
    const http = vs.spec.http ?? [];
    if (!http.some((r) => r?.delegate)) {
      out.push(vs);
      continue;
    }
    const merged: HTTPRoute[] = [];
    for (const r of http) {
      if (!r) continue;
      if (!r.delegate) { merged.push(r); continue; }
      const d = delegates.get(`${r.delegate.namespace || vs.namespace}/${r.delegate.name ?? ''}`);
      if (!d || !visibleFrom(exportScopes(d.spec.exportTo, d.namespace), vs.namespace)) continue;
      const { delegate: _drop, ...root } = r;
      for (const leaf of d.spec.http ?? []) {
        const m = leaf && mergeRoute(root, leaf);
        if (m) merged.push(m);
      }
    }
    out.push({ ...vs, spec: { ...vs.spec, http: merged } });
  }
  return out;
}
