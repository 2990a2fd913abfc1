/**
 * The one-cell descriptions istioctl's proxy-config tables share: a route match (`/canary*`,
 * `/exact`, `regex ^/x`, `PathPrefix:/p`), the Istio config behind a resource (`name.namespace`
 * from `filterMetadata.istio.config`), and a virtual host's domains abbreviated as istioctl does
 * (shortest forms without ports, at most two, `+ N more...`). Pure string functions.
 */
import type { Metadata } from '../../api/envoy/common.js';
import type { RouteMatch } from '../../api/envoy/route.js';

/** Path condition of a route match; headers and query parameters are left out, as istioctl does. */
export function describeMatch(match: RouteMatch | undefined): string {
  const conds: string[] = [];
  if (match?.prefix) conds.push(`${match.prefix}*`);
  if (match?.pathSeparatedPrefix) conds.push(`PathPrefix:${match.pathSeparatedPrefix}`);
  if (match?.path) conds.push(match.path);
  if (match?.safeRegex) conds.push(`regex ${match.safeRegex.regex}`);
  return conds.join(' ');
}

/**
 * `name.namespace` of the Istio object a resource came from (`/apis/networking.istio.io/VERSION/
 * namespaces/NS/KIND/NAME`), '' without metadata, `<unknown>` for another config path.
 */
export function describeManagement(metadata: Metadata | undefined): string {
  const config = metadata?.filterMetadata?.['istio']?.['config'];
  if (typeof config !== 'string') return '';
  if (!config.startsWith('/apis/networking.istio.io/')) return '<unknown>';
  const pieces = config.split('/');
  if (pieces.length !== 8) return '';
  return `${pieces[7]}.${pieces[5]}`;
}

/** Drops `x.ns.svc.cluster.local` and `x.ns.svc` when `x.ns` is also there, keeping order. */
function unexpandDomains(domains: readonly string[]): string[] {
  const unique = new Set(domains);
  const drop = new Set<string>();
  for (const h of domains) {
    for (const suffix of ['.svc.cluster.local', '.svc']) {
      if (h.endsWith(suffix) && unique.has(h.slice(0, -suffix.length))) drop.add(h);
    }
  }
  return domains.filter((h) => !drop.has(h));
}

/** The DOMAINS cell of the routes table. */
export function describeRouteDomains(domains: readonly string[] | undefined): string {
  if (!domains || domains.length === 0) return '';
  if (domains.length === 1) return domains[0]!;
  const max = 2;
  const withoutPort: string[] = [];
  for (const d of domains) {
    if (!d.includes(':')) withoutPort.push(d);
    else if (d.split(':').length - 1 > 2 && d.endsWith(']')) withoutPort.push(d); // bare IPv6 [a::b]
  }
  const shown = unexpandDomains(withoutPort);
  if (shown.length > max) return `${shown.slice(0, max).join(', ')} + ${shown.length - max} more...`;
  return shown.join(', ');
}
