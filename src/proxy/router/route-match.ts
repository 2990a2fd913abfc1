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
  /** Whether the request matches (test() without the reasons: nothing allocated; the data path's). */
  matches(req: RouterRequest): boolean;
}

type Check = (req: RouterRequest) => string | undefined;
type Ok = (req: RouterRequest) => boolean;

function pathCheck(m: RouteMatch): { check: Check; describe: string; ok: Ok } {
  const cs = m.caseSensitive !== false;
  const norm = (s: string): string => (cs ? s : s.toLowerCase());
  const ci = cs ? '' : ' (case-insensitive)';
  if (m.path !== undefined) {
    const want = norm(m.path);
    const describe = `path ${JSON.stringify(m.path)}${ci}`;
    const ok: Ok = cs ? (r) => r.pathOnly === want : (r) => r.pathOnly.toLowerCase() === want;
    return { describe, ok, check: (r) => (ok(r) ? undefined : `${describe} ≠ ${JSON.stringify(r.pathOnly)}`) };
  }
  if (m.prefix !== undefined) {
    const want = norm(m.prefix);
    const describe = `prefix ${JSON.stringify(m.prefix)}${ci}`;
    const ok: Ok = cs ? (r) => r.pathOnly.startsWith(want) : (r) => r.pathOnly.toLowerCase().startsWith(want);
    return { describe, ok, check: (r) => (ok(r) ? undefined : `${describe} does not match ${JSON.stringify(r.pathOnly)}`) };
  }
  if (m.pathSeparatedPrefix !== undefined) {
    const want = norm(m.pathSeparatedPrefix);
    const describe = `pathSeparatedPrefix ${JSON.stringify(m.pathSeparatedPrefix)}${ci}`;
    const ok: Ok = (r) => {
      const p = norm(r.pathOnly);
      return p === want || p.startsWith(`${want}/`);
    };
    return { describe, ok, check: (r) => (ok(r) ? undefined : `${describe} does not match ${JSON.stringify(r.pathOnly)}`) };
  }
  if (m.safeRegex) {
    const re = compileRe2(m.safeRegex.regex);
    const describe = `regex ${JSON.stringify(m.safeRegex.regex)}`;
    const ok: Ok = (r) => re.matches(r.pathOnly);
    return { describe, ok, check: (r) => (ok(r) ? undefined : `path ${describe} does not match ${JSON.stringify(r.pathOnly)}`) };
  }
  return { describe: '(no path specifier)', ok: () => false, check: () => 'route has no path specifier' };
}

function headerCheck(h: HeaderMatcher): { check: Check; describe: string; ok: Ok } {
  const name = h.name.toLowerCase();
  const sm: CompiledStringMatcher | undefined = h.stringMatch ? compileStringMatcher(h.stringMatch) : undefined;
  const inv = h.invertMatch === true;
  const what = h.presentMatch !== undefined ? (h.presentMatch ? 'present' : 'absent') : sm?.describe ?? 'present';
  const describe = `header ${h.name} ${inv ? 'NOT ' : ''}${what}`;
  const ok: Ok = (r) => {
    let value = r.headers.get(name);
    if (value === undefined && h.treatMissingHeaderAsEmpty) value = '';
    // Envoy: an absent header only satisfies `present_match: false`, or `present_match: true` inverted.
    if (value === undefined) return h.presentMatch !== undefined && (inv ? h.presentMatch : !h.presentMatch);
    const m = h.presentMatch !== undefined ? h.presentMatch : sm ? sm.matches(value) : true;
    return inv ? !m : m;
  };
  return {
    describe,
    ok,
    check: (r) => {
      if (ok(r)) return undefined;
      const value = r.headers.get(name) ?? (h.treatMissingHeaderAsEmpty ? '' : undefined);
      return value === undefined ? `${describe}: the request has no ${h.name} header` : `${describe}: got ${JSON.stringify(value)}`;
    },
  };
}

function queryCheck(q: QueryParameterMatcher): { check: Check; describe: string; ok: Ok } {
  const sm = q.stringMatch ? compileStringMatcher(q.stringMatch) : undefined;
  const describe = `query ${q.name} ${q.presentMatch ? 'present' : sm?.describe ?? 'present'}`;
  const ok: Ok = (r) => {
    const v = r.query.get(q.name);
    return v !== undefined && (q.presentMatch === true || !sm || sm.matches(v));
  };
  return {
    describe,
    ok,
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
    // A path condition alone (most routes) is its own test: no loop, one call less per route tried.
    matches: parts.length === 1 ? parts[0]!.ok : (req) => {
      for (let i = 0; i < parts.length; i++) if (!parts[i]!.ok(req)) return false;
      return true;
    },
  };
}
