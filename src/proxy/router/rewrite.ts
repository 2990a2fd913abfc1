/**
 * Envoy's `regex_rewrite`: every RE2 match in the path replaced by the substitution, where `\1`…
 * `\9` name capture groups (Envoy's RE2 GlobalReplace syntax). Pure; patterns come from config
 * already checked as RE2.
 */
import { RE2JS } from 're2js';

const cache = new Map<string, RE2JS>();

/** `\N` → `$N` for re2js, with a literal `$` written `$$`. */
function toRe2jsReplacement(sub: string): string {
  return sub.replace(/\$/g, '$$$$').replace(/\\(\d)/g, (_m, d: string) => `$${d}`);
}

export function regexReplaceAll(pattern: string, input: string, substitution: string): string {
  let re = cache.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re.matcher(input).replaceAll(toRe2jsReplacement(substitution));
}
