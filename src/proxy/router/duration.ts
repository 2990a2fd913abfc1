/**
 * proto3 JSON Durations ("1.5s", "0.250s", "0s") as milliseconds, for the per-request path
 * (timeouts, backoff, ejection times). Parsed values are cached per string so a route's timeout is
 * converted once. Pure.
 */
const cache = new Map<string, number>();

/** Milliseconds, or `dflt` when absent or malformed. "0s" is 0 (Envoy: disabled for timeouts). */
export function durationMs(d: string | undefined, dflt: number): number;
export function durationMs(d: string | undefined): number | undefined;
export function durationMs(d: string | undefined, dflt?: number): number | undefined {
  if (d === undefined) return dflt;
  let v = cache.get(d);
  if (v === undefined) {
    const m = /^(-?\d+(?:\.\d+)?)s$/.exec(d.trim());
    if (!m) return dflt;
    v = Math.round(Number(m[1]) * 1000);
    if (cache.size < 10_000) cache.set(d, v);
  }
  return v;
}
