/**
 * VirtualService validation as Istio's admission webhook does it (ISTIO-RULES §3.2, rules
 * 11–35, plus the shared rules for hosts, ports, durations and exportTo).
 *
 * This file holds the object-level rules (hosts, gateways, delegate VSs, JWT-claim routing),
 * the TLS and TCP routes, and dispatch; HTTP routes are in virtual-service-http.ts, reachability
 * warnings in virtual-service-reach.ts and the field schema in virtual-service-schema.ts.
 */
import type { KindValidator } from './kind.js';
import type { Ctx, Path } from '../ctx.js';
import { checkExportTo, isIPAddress, wildcardDomainError } from '../rules.js';
import type { HTTPRoute, TCPRoute, TLSRoute, VirtualServiceSpec } from '../../api/istio/virtual-service.js';
import { virtualServiceSchema } from './virtual-service-schema.js';
import { checkHttpRoute } from './virtual-service-http.js';
import { analyzeReachability } from './virtual-service-reach.js';
import {
  checkCommonMatch, checkGatewayNames, checkRouteDestinations, checkSubnets, hostSubsetOf, hostsOverlap, isJwtClaimHeader, isSet, vsHostError,
} from './virtual-service-common.js';

const MESH = 'mesh';

export const virtualService: KindValidator<VirtualServiceSpec> = {
  kind: 'VirtualService',
  schema: virtualServiceSchema,
  validate(spec, ctx) {
    const hosts = (spec.hosts ?? []).map((h) => (typeof h === 'string' ? h : ''));
    const gateways = (spec.gateways ?? []).filter((g): g is string => typeof g === 'string');
    const http = spec.http ?? [];
    const tls = spec.tls ?? [];
    const tcp = spec.tcp ?? [];
    const delegateVs = hosts.length === 0;

    // Rule 12: a VS without hosts is a delegate.
    if (delegateVs) {
      const why = 'a VirtualService without hosts is a delegate (it is included by a root VirtualService)';
      if (gateways.length > 0) ctx.error(['spec', 'gateways'], `${why}, so it must not set gateways; set them on the root VirtualService, or add hosts`);
      if (tls.length > 0) ctx.error(['spec', 'tls'], `${why}, so it cannot have tls routes (only http routes can be delegated); add hosts`);
      if (tcp.length > 0) ctx.error(['spec', 'tcp'], `${why}, so it cannot have tcp routes (only http routes can be delegated); add hosts`);
    }

    // Rule 16; a VS applies to gateways only when it names gateways and not "mesh".
    const appliesToGateway = gateways.length > 0 && !gateways.includes(MESH);
    const appliesToMesh = !appliesToGateway;
    if (gateways.length > 0) checkGatewayNames(ctx, ['spec', 'gateways'], spec.gateways);

    // Rule 17: JWT-claim routing is only for gateways.
    if (!appliesToGateway) checkNoJwtClaims(ctx, http, gateways);

    checkHosts(ctx, hosts, appliesToGateway, appliesToMesh, hasSniHosts(tls));

    // Rule 11.
    if (http.length === 0 && tcp.length === 0 && tls.length === 0) {
      ctx.error(['spec'], 'a VirtualService needs at least one of http, tcp or tls routes');
    }
    http.forEach((r, i) => {
      if (!isSet(r)) ctx.error(['spec', 'http', i], 'an http route may not be null; give at least a route, redirect or directResponse');
      else checkHttpRoute(ctx, ['spec', 'http', i], r, { delegateVs });
    });
    tls.forEach((r, i) => {
      if (isSet(r)) checkTlsRoute(ctx, ['spec', 'tls', i], r, hosts, gateways);
    });
    tcp.forEach((r, i) => {
      if (isSet(r)) checkTcpRoute(ctx, ['spec', 'tcp', i], r);
    });

    checkExportTo(ctx, ['spec', 'exportTo'], spec.exportTo);

    // Rule 35 (warnings).
    analyzeReachability(ctx, ['spec', 'http'], http, true);
    analyzeReachability(ctx, ['spec', 'tcp'], tcp, false);
    analyzeReachability(ctx, ['spec', 'tls'], tls, false);
  },
};

function checkNoJwtClaims(ctx: Ctx, http: readonly (HTTPRoute | null)[], gateways: readonly string[]): void {
  http.forEach((r, i) => {
    (r?.match ?? []).forEach((m, j) => {
      for (const field of ['headers', 'withoutHeaders'] as const) {
        for (const key of Object.keys(m?.[field] ?? {})) {
          if (!isJwtClaimHeader(key)) continue;
          ctx.error(['spec', 'http', i, 'match', j, field, key],
            `JWT claim based routing (${key}) is only supported on gateways; this VirtualService applies to the mesh ` +
            `(${gateways.length === 0 ? 'it names no gateways' : `gateways: [${gateways.join(', ')}]`}); bind it to an ingress gateway, without "mesh"`);
        }
      }
    });
  });
}

function hasSniHosts(tls: readonly (TLSRoute | null)[]): boolean {
  return tls.some((r) => (r?.match ?? []).some((m) => (m?.sniHosts ?? []).length > 0));
}

/** Rules 13–15. */
function checkHosts(ctx: Ctx, hosts: readonly string[], appliesToGateway: boolean, appliesToMesh: boolean, sni: boolean): void {
  let allValid = true;
  hosts.forEach((h, i) => {
    const e = appliesToGateway ? vsHostError(h, true, sni) : wildcardDomainError(h);
    if (e) {
      if (!isIPAddress(h)) {
        ctx.error(['spec', 'hosts', i], e);
        allValid = false;
      }
    } else if (appliesToMesh && h === '*') {
      ctx.error(['spec', 'hosts', i], 'wildcard host "*" is not allowed for a VirtualService that applies to the mesh; use a narrower host such as "*.example.com", or bind it to gateways without "mesh"');
      allValid = false;
    }
  });
  if (!allValid) return;
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      if (hostsOverlap(hosts[i]!, hosts[j]!)) {
        ctx.error(['spec', 'hosts', j], `duplicate hosts in virtual service: ${JSON.stringify(hosts[j])} overlaps ${JSON.stringify(hosts[i])} (hosts[${i}]); each host may appear only once, and wildcards must not cover other hosts`);
      }
    }
  }
}

/** Rule 33. */
function checkTlsRoute(ctx: Ctx, path: Path, r: TLSRoute, hosts: readonly string[], gateways: readonly string[]): void {
  const matches = r.match ?? [];
  if (matches.length === 0) ctx.error([...path, 'match'], 'a TLS route must have at least one match, e.g. match: [{sniHosts: [example.com]}]');
  // Istio validates SNI hosts with gateway rules unless the VS names "mesh" (even with no gateways).
  const gatewayRules = !gateways.includes(MESH);
  matches.forEach((m, j) => {
    const mp = [...path, 'match', j];
    if (!isSet(m)) {
      ctx.error(mp, 'a TLS match may not be null; give at least {sniHosts: [...]}');
      return;
    }
    const sniHosts = m.sniHosts ?? [];
    if (sniHosts.length === 0) ctx.error([...mp, 'sniHosts'], 'a TLS match must have at least one SNI host');
    sniHosts.forEach((s, k) => {
      if (typeof s === 'string') checkSniHost(ctx, [...mp, 'sniHosts', k], s, hosts, gatewayRules);
    });
    checkSubnets(ctx, [...mp, 'destinationSubnets'], m.destinationSubnets);
    checkCommonMatch(ctx, mp, m);
  });
  const routes = r.route ?? [];
  if (routes.length === 0) ctx.error([...path, 'route'], 'a TLS route needs route: at least one destination');
  checkRouteDestinations(ctx, [...path, 'route'], routes);
}

function checkSniHost(ctx: Ctx, path: Path, sni: string, hosts: readonly string[], gatewayRules: boolean): void {
  const e = gatewayRules ? vsHostError(sni, true, true) : wildcardDomainError(sni);
  if (e) {
    if (isIPAddress(sni)) ctx.warn(path, `using an IP address (${JSON.stringify(sni)}) as SNI host goes against the SNI spec and most clients do not support it; use a DNS name`);
    else ctx.error(path, e);
    return;
  }
  if (!hosts.some((h) => hostSubsetOf(sni, h))) {
    ctx.error(path, `SNI host ${JSON.stringify(sni)} is not a compatible subset of any of the virtual service hosts [${hosts.join(', ')}]; use one of those hosts or a name they cover`);
  }
}

/** Rule 34. */
function checkTcpRoute(ctx: Ctx, path: Path, r: TCPRoute): void {
  (r.match ?? []).forEach((m, j) => {
    const mp = [...path, 'match', j];
    if (!isSet(m)) {
      ctx.error(mp, 'a TCP match may not be null; remove it or give at least one condition such as {port: 27017}');
      return;
    }
    checkSubnets(ctx, [...mp, 'destinationSubnets'], m.destinationSubnets);
    checkCommonMatch(ctx, mp, m);
  });
  const routes = r.route ?? [];
  if (routes.length === 0) ctx.error([...path, 'route'], 'a TCP route needs route: at least one destination');
  checkRouteDestinations(ctx, [...path, 'route'], routes);
}
