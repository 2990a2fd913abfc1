/**
 * One route's match conditions compiled once (Envoy's RouteMatch): a path specifier — `path`
 * (exact), `prefix`, `pathSeparatedPrefix`, `safeRegex` (RE2, whole path, no query) — with
 * `caseSensitive` (default true, path and prefix only), header matchers (string match, present
 * match, invertMatch, treatMissingHeaderAsEmpty, Envoy's rules for absent headers) and query
 * parameter matchers (string or present match on the first value). `test` returns the reasons
 * the request does not match (empty when it does). runtimeFraction is not evaluated (treated as
 * matching, noted in `notes`). Pure.
 */
import type { HeaderMatcher, QueryParameterMatcher, RouteMatch } from '../../api/envoy/route.js';
import { compileRe2 } from '../../common/re2.js';
import type { RouterRequest } from './request.js';
import { compileStringMatcher, type CompiledStringMatcher } from './string-match.js';

export interface CompiledMatch {
  /** `prefix "/canary"`, `path "/x"`, `regex "…"`, plus headers and query parameters. */
  describe: string;
  notes: string[];
  test(req: RouterRequest): string[];
}

type Check = (req: RouterRequest) => string | undefined;

function pathCheck(m: RouteMatch): { check: Check; describe: string } {
  const cs = m.caseSensitive !== false;
  const norm = (s: string): string => (cs ? s : s.toLowerCase());
  const ci = cs ? '' : ' (case-insensitive)';
  if (m.path !== undefined) {
    const want = norm(m.path);
    const describe = `path ${JSON.stringify(m.path)}${ci}`;
    return { describe, check: (r) => (norm(r.pathOnly) === want ? undefined : `${describe} ≠ ${JSON.stringify(r.pathOnly)}`) };
  }
  if (m.prefix !== undefined) {
    const want = norm(m.prefix);
    const describe = `prefix ${JSON.stringify(m.prefix)}${ci}`;
    return { describe, check: (r) => (norm(r.pathOnly).startsWith(want) ? undefined : `${describe} does not match ${JSON.stringify(r.pathOnly)}`) };
  }
  if (m.pathSeparatedPrefix !== undefined) {
    const want = norm(m.pathSeparatedPrefix);
    const describe = `pathSeparatedPrefix ${JSON.stringify(m.pathSeparatedPrefix)}${ci}`;
    return {
      describe,
      check: (r) => {
        const p = norm(r.pathOnly);
        return p === want || p.startsWith(`${want}/`) ? undefined : `${describe} does not match ${JSON.stringify(r.pathOnly)}`;
      },
    };
  }
  if (m.safeRegex) {
    const re = compileRe2(m.safeRegex.regex);
    const describe = `regex ${JSON.stringify(m.safeRegex.regex)}`;
    return { describe, check: (r) => (re.matches(r.pathOnly) ? undefined : `path ${describe} does not match ${JSON.stringify(r.pathOnly)}`) };
  }
  return { describe: '(no path specifier)', check: () => 'route has no path specifier' };
}

function headerCheck(h: HeaderMatcher): { check: Check; describe: string } {
  const name = h.name.toLowerCase();
  const sm: CompiledStringMatcher | undefined = h.stringMatch ? compileStringMatcher(h.stringMatch) : undefined;
  const inv = h.invertMatch === true;
  const what = h.presentMatch !== undefined ? (h.presentMatch ? 'present' : 'absent') : sm?.describe ?? 'present';
  const describe = `header ${h.name} ${inv ? 'NOT ' : ''}${what}`;
  return {
    describe,
    check: (r) => {
      let value = r.headers.get(name);
      if (value === undefined && h.treatMissingHeaderAsEmpty) value = '';
      if (value === undefined) {
        // Envoy: an absent header only satisfies `present_match: false`, or `present_match: true` inverted.
        const ok = h.presentMatch !== undefined && (inv ? h.presentMatch : !h.presentMatch);
        return ok ? undefined : `${describe}: the request has no ${h.name} header`;
      }
      let ok: boolean;
      if (h.presentMatch !== undefined) ok = h.presentMatch;
      else ok = sm ? sm.matches(value) : true;
      if (inv) ok = !ok;
      return ok ? undefined : `${describe}: got ${JSON.stringify(value)}`;
    },
  };
}

function queryCheck(q: QueryParameterMatcher): { check: Check; describe: string } {
  const sm = q.stringMatch ? compileStringMatcher(q.stringMatch) : undefined;
  const describe = `query ${q.name} ${q.presentMatch ? 'present' : sm?.describe ?? 'present'}`;
  return {
    describe,
    check: (r) => {
      const v = r.query.get(q.name);
      if (v === undefined) return `${describe}: the request has no ${q.name} parameter`;
      if (q.presentMatch || !sm) return undefined;
      return sm.matches(v) ? undefined : `${describe}: got ${JSON.stringify(v)}`;
    },
  };
}

export function compileMatch(m: RouteMatch): CompiledMatch {
  const parts = [pathCheck(m), ...(m.headers ?? []).map(headerCheck), ...(m.queryParameters ?? []).map(queryCheck)];
  const notes = m.runtimeFraction ? ['runtimeFraction is not evaluated (treated as matching)'] : [];
  return {
    describe: parts.map((p) => p.describe).join(', '),
    notes,
    test: (req) => parts.flatMap((p) => {
      const why = p.check(req);
      return why === undefined ? [] : [why];
    }),
  };
}
