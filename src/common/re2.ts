/**
 * RE2 regular expressions, as Envoy and Istio use them (no lookaround, no backreferences).
 *
 * `checkRe2` tells whether a pattern compiles under RE2 and, if not, why; `compileRe2` returns a
 * matcher with full-match semantics (Envoy's `safe_regex` matches the whole string). Compiled
 * patterns are cached, since config repeats the same regexes across objects.
 */
import { RE2JS } from 're2js';

const cache = new Map<string, RE2JS | string>();

function compile(pattern: string): RE2JS | string {
  let hit = cache.get(pattern);
  if (hit === undefined) {
    try {
      hit = RE2JS.compile(pattern);
    } catch (e) {
      hit = e instanceof Error ? e.message : String(e);
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, hit);
  }
  return hit;
}

/** Returns undefined when `pattern` is valid RE2, else the reason it is not. */
export function checkRe2(pattern: string): string | undefined {
  const r = compile(pattern);
  return typeof r === 'string' ? r : undefined;
}

export interface Re2Matcher {
  /** True when the whole input matches. */
  matches(input: string): boolean;
}

export function compileRe2(pattern: string): Re2Matcher {
  const r = compile(pattern);
  if (typeof r === 'string') throw new Error(`invalid RE2 pattern ${JSON.stringify(pattern)}: ${r}`);
  return { matches: (input: string) => r.matches(input) };
}
