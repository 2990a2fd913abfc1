/**
 * Envoy's `StringMatcher` (exact, prefix, suffix, contains, safe_regex with RE2 full-match
 * semantics; `ignoreCase` for all but the regex), compiled once into a predicate that can also
 * describe itself for explanations. Pure.
 */
import type { StringMatcher } from '../../api/envoy/common.js';
import { compileRe2 } from '../../common/re2.js';

export interface CompiledStringMatcher {
  matches(value: string): boolean;
  /** `exact "jason"`, `prefix "/api"`, `regex "v[0-9]+"` (with ` (ignore case)` when set). */
  describe: string;
}

export function compileStringMatcher(m: StringMatcher): CompiledStringMatcher {
  const ic = m.ignoreCase === true;
  const norm = (s: string): string => (ic ? s.toLowerCase() : s);
  const tail = ic ? ' (ignore case)' : '';
  if (m.exact !== undefined) {
    const want = norm(m.exact);
    return { matches: (v) => norm(v) === want, describe: `exact ${JSON.stringify(m.exact)}${tail}` };
  }
  if (m.prefix !== undefined) {
    const want = norm(m.prefix);
    return { matches: (v) => norm(v).startsWith(want), describe: `prefix ${JSON.stringify(m.prefix)}${tail}` };
  }
  if (m.suffix !== undefined) {
    const want = norm(m.suffix);
    return { matches: (v) => norm(v).endsWith(want), describe: `suffix ${JSON.stringify(m.suffix)}${tail}` };
  }
  if (m.contains !== undefined) {
    const want = norm(m.contains);
    return { matches: (v) => norm(v).includes(want), describe: `contains ${JSON.stringify(m.contains)}${tail}` };
  }
  if (m.safeRegex) {
    const re = compileRe2(m.safeRegex.regex);
    return { matches: (v) => re.matches(v), describe: `regex ${JSON.stringify(m.safeRegex.regex)}` };
  }
  return { matches: () => false, describe: '(empty matcher)' };
}
