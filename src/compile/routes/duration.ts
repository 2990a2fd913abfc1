/**
 * Istio duration strings (Go syntax: "5s", "100ms", "1m30s") to proto3 JSON Durations ("5s",
 * "0.100s"), and the zero duration Istio writes to disable a timeout. Pure.
 */
import { parseDuration } from '../../config/duration.js';
import type { Duration } from '../../api/envoy/common.js';

export const ZERO_DURATION: Duration = '0s';

/** Proto3 JSON form of a millisecond count: "5s", "0.250s", "1.000001s". */
export function msToDuration(ms: number): Duration {
  const totalNanos = Math.round(ms * 1e6);
  const seconds = Math.floor(totalNanos / 1e9);
  const nanos = totalNanos - seconds * 1e9;
  if (nanos === 0) return `${seconds}s`;
  let frac = String(nanos).padStart(9, '0');
  if (nanos % 1e6 === 0) frac = frac.slice(0, 3);
  else if (nanos % 1e3 === 0) frac = frac.slice(0, 6);
  return `${seconds}.${frac}s`;
}

/** Converts an Istio duration; undefined when absent or unparsable (validation rejects those). */
export function toDuration(text: string | null | undefined): Duration | undefined {
  if (text === null || text === undefined) return undefined;
  const ms = parseDuration(text);
  return ms === undefined ? undefined : msToDuration(ms);
}

/** Whole seconds of a duration, as Istio's CORS maxAge writes them. */
export function durationSeconds(text: string): number | undefined {
  const ms = parseDuration(text);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

/** True for a proto duration of zero ("0s", "0.000s"). */
export function isZeroDuration(d: Duration): boolean {
  return /^0(\.0+)?s$/.test(d);
}
