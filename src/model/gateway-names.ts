/**
 * Istio's gateway references in VirtualServices (`spec.gateways`, `match.gateways`): `mesh`, a
 * short name (the VirtualService's namespace), `ns/name`, `./name`, or the legacy FQDN
 * `name.ns.svc.cluster.local` (→ `ns/name`). No gateways means `mesh`. Pure functions.
 */
import type { VirtualServiceSpec } from '../api/istio/virtual-service.js';

export const MESH_GATEWAY = 'mesh';

/** Normalises one gateway reference made from a VirtualService in namespace `vsNamespace`. */
export function resolveGatewayName(name: string, vsNamespace: string): string {
  if (name === MESH_GATEWAY) return name;
  const slash = name.indexOf('/');
  if (slash >= 0) return name.slice(0, slash) === '.' ? `${vsNamespace}/${name.slice(slash + 1)}` : name;
  const dot = name.indexOf('.');
  if (dot < 0) return `${vsNamespace}/${name}`;
  const rest = name.slice(dot + 1);
  const next = rest.indexOf('.');
  return `${next < 0 ? rest : rest.slice(0, next)}/${name.slice(0, dot)}`;
}

/** The gateways a VirtualService binds to, normalised (`['mesh']` when it names none). */
export function virtualServiceGateways(spec: VirtualServiceSpec, vsNamespace: string): string[] {
  const gws = spec.gateways ?? [];
  if (gws.length === 0) return [MESH_GATEWAY];
  return [...new Set(gws.map((g) => resolveGatewayName(g, vsNamespace)))];
}
