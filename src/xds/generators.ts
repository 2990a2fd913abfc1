/**
 * The default generator per type URL, on the compiler (src/compile): LDS and CDS for the whole
 * proxy, RDS and EDS for the names the client subscribed to (all the proxy needs on a wildcard
 * subscription). LDS and CDS are made of two parts (`partedGenerator`): the outbound side, which
 * sidecars of a namespace share, and the inbound side, which reads the proxy's address. Also the push
 * order of types and which types are wildcard by default. Pure.
 */
import { TypeUrl } from '../api/envoy/common.js';
import { compileEndpoints, compileRoutes } from '../compile/index.js';
import { inboundSideClusters, outboundSideClusters } from '../compile/clusters/index.js';
import { inboundSideListeners, outboundSideListeners } from '../compile/listeners/index.js';
import type { Generator, GeneratorSet } from './types.js';

/** A generator whose output is its parts' outputs concatenated, in order. */
export type PartedGenerator = Generator & { readonly parts: readonly Generator[] };

/**
 * A generator made of `parts`: called, it concatenates their outputs; the generation cache
 * instead generates, shares and reuses each part on its own (generation-cache.ts). Each part
 * must be a pure generator, and for named types filter to the requested names itself.
 */
export function partedGenerator(parts: readonly Generator[]): PartedGenerator {
  const whole: Generator = (snapshot, proxy, names) => parts.flatMap((part) => part(snapshot, proxy, names));
  return Object.assign(whole, { parts });
}

/** The parts of a parted generator; undefined for any other. */
export function partsOf(gen: Generator): readonly Generator[] | undefined {
  return (gen as Partial<PartedGenerator>).parts;
}

export const defaultGenerators: GeneratorSet = {
  [TypeUrl.Listener]: partedGenerator([
    (snapshot, proxy) => outboundSideListeners(snapshot, proxy),
    (snapshot, proxy) => inboundSideListeners(snapshot, proxy),
  ]),
  [TypeUrl.RouteConfiguration]: (snapshot, proxy, names) => compileRoutes(snapshot, proxy, names),
  [TypeUrl.Cluster]: partedGenerator([
    (snapshot, proxy) => outboundSideClusters(snapshot, proxy),
    (snapshot, proxy) => inboundSideClusters(snapshot, proxy),
  ]),
  [TypeUrl.ClusterLoadAssignment]: (snapshot, proxy, names) => compileEndpoints(snapshot, proxy, names),
};

/**
 * Order of a full push, as Envoy recommends for ADS (make before break): clusters before the
 * endpoints they use, listeners before their routes. Other type URLs follow in request order.
 */
export const PUSH_ORDER: readonly string[] = [
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.Listener,
  TypeUrl.RouteConfiguration,
];

/** The name of a resource: `name`, or `clusterName` for a ClusterLoadAssignment. */
export function resourceName(resource: object): string {
  const r = resource as { name?: unknown; clusterName?: unknown };
  if (typeof r.name === 'string') return r.name;
  if (typeof r.clusterName === 'string') return r.clusterName;
  return '';
}
