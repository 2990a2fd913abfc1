/**
 * Reachability warnings for VirtualService rules (ISTIO-RULES rule 35), as Istio's webhook
 * gives them: a rule after a match-less rule is never used, a match identical to an earlier one
 * is ineffective, and an HTTP prefix match covered by an earlier, broader prefix (with the same
 * other conditions) is ineffective. Warnings only; never errors, never throws.
 */
import type { Ctx, Path } from '../ctx.js';
import type { HTTPMatchRequest, StringMatch } from '../../api/istio/virtual-service.js';
import { isSet } from './virtual-service-common.js';

type AnyRoute = { name?: string | null; match?: (object | null)[] | null } | null;

const ONEOF_KEYS = new Set(['exact', 'prefix', 'regex']);

/**
 * A stable serialisation that treats unset and default values alike (as Go's json.Marshal of the
 * proto structs does with omitempty), keeps oneof members even when empty, and sorts map keys.
 */
function canon(v: unknown, keepEmpty = false): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v === '' && !keepEmpty ? undefined : JSON.stringify(v);
  if (typeof v === 'number') return v === 0 && !keepEmpty ? undefined : String(v);
  if (typeof v === 'boolean') return v || keepEmpty ? String(v) : undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : `[${v.map((x) => canon(x, true) ?? 'null').join(',')}]`;
  if (typeof v === 'object') {
    const parts: string[] = [];
    for (const k of Object.keys(v).sort()) {
      const c = canon((v as Record<string, unknown>)[k], ONEOF_KEYS.has(k));
      if (c !== undefined) parts.push(`${JSON.stringify(k)}:${c}`);
    }
    return parts.length === 0 ? undefined : `{${parts.join(',')}}`;
  }
  return undefined;
}

function matchKey(m: object | null): string {
  if (!isSet(m)) return 'null';
  const { name: _name, ...rest } = m as HTTPMatchRequest;
  return canon(rest) ?? '{}';
}

function ruleName(r: AnyRoute, i: number): string {
  return r && typeof r.name === 'string' && r.name !== '' ? JSON.stringify(r.name) : `#${i}`;
}

function matchName(m: object | null, j: number): string {
  const n = (m as HTTPMatchRequest | null)?.name;
  return typeof n === 'string' && n !== '' ? JSON.stringify(n) : `#${j}`;
}

interface PrefixMatch {
  rule: number;
  match: number;
  ruleStr: string;
  matchStr: string;
  prefix: string;
  port: number;
  method: string;
  authority: string;
  headers: Map<string, string>;
  queryParams: Map<string, string>;
  withoutHeaders: Map<string, string>;
}

function exactOrPrefix(sm: StringMatch | null | undefined): string {
  if (isSet(sm?.exact) && sm.exact !== '') return `exact:${sm.exact}`;
  if (isSet(sm?.prefix) && sm.prefix !== '') return `prefix:${sm.prefix}`;
  return '';
}

function toMap(m: Record<string, StringMatch | null> | null | undefined): Map<string, string> {
  return new Map(Object.entries(m ?? {}).map(([k, v]) => [k, exactOrPrefix(v)]));
}

function prefixMatch(route: AnyRoute, m: HTTPMatchRequest, i: number, j: number): PrefixMatch | undefined {
  const prefix = m.uri?.prefix;
  if (!isSet(m.uri) || typeof prefix !== 'string' || prefix === '') return undefined;
  return {
    rule: i, match: j, ruleStr: ruleName(route, i), matchStr: matchName(m, j), prefix,
    port: m.port ?? 0,
    method: exactOrPrefix(m.method) || 'exact:GET',
    authority: exactOrPrefix(m.authority),
    headers: toMap(m.headers), queryParams: toMap(m.queryParams), withoutHeaders: toMap(m.withoutHeaders),
  };
}

/** Whether the earlier match `a` makes the later match `b` unreachable (Istio's coveredValidation). */
function covers(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix) || a.port !== b.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  for (const k of ['headers', 'queryParams', 'withoutHeaders'] as const) {
    if (a[k].size !== b[k].size) return false;
    for (const [key, av] of a[k]) {
      const bv = b[k].get(key);
      if (bv === undefined || (av !== bv && !av.startsWith(bv))) return false;
    }
  }
  return true;
}

/** Rule 35 for the `http`, `tcp` or `tls` list at `path`. */
export function analyzeReachability(ctx: Ctx, path: Path, routes: readonly AnyRoute[], http: boolean): void {
  const seen = new Map<string, number>();
  let catchAll = -1;
  const prefixes: PrefixMatch[] = [];
  routes.forEach((route, i) => {
    if (!isSet(route)) return;
    const matches = route.match ?? [];
    const rp = [...path, i];
    if (matches.length === 0) {
      if (catchAll >= 0) {
        ctx.warn(rp, `rule ${ruleName(route, i)} is not used: only the last rule can have no match, and rule ${ruleName(routes[catchAll]!, catchAll)} before it has none; add a match or remove one of them`);
      }
      catchAll = i;
      return;
    }
    if (catchAll >= 0) {
      ctx.warn(rp, `rule ${ruleName(route, i)} is not used: rule ${ruleName(routes[catchAll]!, catchAll)} before it has no match and takes all traffic; move the match-less rule last`);
      return;
    }
    let duplicates = 0;
    matches.forEach((m, j) => {
      const key = matchKey(m);
      const dup = seen.get(key);
      if (dup !== undefined) {
        ctx.warn([...rp, 'match', j], `rule ${ruleName(route, i)} match ${matchName(m, j)} is not used: it duplicates a match of rule ${ruleName(routes[dup]!, dup)}; remove it or make it more specific`);
        duplicates++;
        return;
      }
      seen.set(key, i);
      if (http && isSet(m)) {
        const pm = prefixMatch(route, m as HTTPMatchRequest, i, j);
        if (pm) prefixes.push(pm);
      }
    });
    if (duplicates === matches.length) {
      ctx.warn(rp, `rule ${ruleName(route, i)} is not used: all its matches are used by earlier rules; remove it or change its matches`);
    }
  });
  for (let a = 0; a < prefixes.length; a++) {
    for (let b = a + 1; b < prefixes.length; b++) {
      const pa = prefixes[a]!;
      const pb = prefixes[b]!;
      if (pa.prefix === pb.prefix || !covers(pa, pb)) continue;
      ctx.warn([...path, pb.rule, 'match', pb.match],
        `rule ${pb.ruleStr} match ${pb.matchStr} of prefix ${JSON.stringify(pb.prefix)} is not used: the match ${pa.matchStr} of prefix ${JSON.stringify(pa.prefix)} ` +
        `on rule ${pa.ruleStr} comes first and covers it; put the longer prefix first`);
    }
  }
}
