/**
 * Istio duration strings (Go syntax: "5s", "100ms", "1m30s") → proto3 JSON Durations ("5s",
 * "0.100s", "1.500s": 0, 3, 6 or 9 fractional digits, as canonical proto3 JSON writes them),
 * whole seconds where Envoy takes seconds (TCP keepalive, CORS maxAge), and the zero duration
 * Istio writes to disable a timeout. The one duration formatter of the compiler. Pure.
 */
import type { Duration } from '../api/envoy/common.js';
import { parseDuration } from '../config/duration.js';

export const ZERO_DURATION: Duration = '0s';

/** Milliseconds → canonical proto3 JSON Duration: "5s", "0.250s", "1.000001s". */
export function msToDuration(ms: number): Duration {
  const totalNanos = Math.round(ms * 1e6);
  const seconds = Math.trunc(totalNanos / 1e9);
  const nanos = totalNanos - seconds * 1e9;
  if (nanos === 0) return `${seconds}s`;
  const digits = nanos % 1e6 === 0 ? 3 : nanos % 1e3 === 0 ? 6 : 9;
  return `${seconds}.${String(nanos).padStart(9, '0').slice(0, digits)}s`;
}

/** An Istio duration → proto3 JSON Duration; undefined when absent, empty or unparsable. */
export function toDuration(text: string | null | undefined): Duration | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  const ms = parseDuration(text);
  return ms === undefined ? undefined : msToDuration(ms);
}

/** Whole seconds of an Istio duration (truncated); undefined when absent or unparsable. */
export function toSeconds(text: string | null | undefined): number | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  const ms = parseDuration(text);
  return ms === undefined ? undefined : Math.trunc(ms / 1000);
}

/** True for a proto duration of zero ("0s", "0.000s"). */
export function isZeroDuration(d: Duration): boolean {
  return /^0(\.0+)?s$/.test(d);
}
