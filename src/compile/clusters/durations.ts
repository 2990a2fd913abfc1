/**
 * Istio YAML durations ("10ms", "2m", "1.5s") → proto3 JSON Durations ("0.010s", "120s",
 * "1.500s": 0, 3, 6 or 9 fractional digits, as canonical proto3 JSON writes them), plus the
 * mesh-wide defaults of Istio's MeshConfig the cluster compiler uses. Pure.
 */
import { parseDuration } from '../../config/duration.js';

/** Istio MeshConfig defaults. */
export const MESH_CONNECT_TIMEOUT = '10s';
export const MESH_DNS_REFRESH_RATE = '60s';
/** Circuit-breaker default Istio writes for every unset threshold (math.MaxUint32). */
export const MAX_UINT32 = 4294967295;
/** Istio's "never" for cleanup intervals: (MaxInt64 - 999999999) / 1e9 seconds. */
export const MAX_DURATION = '9223372035s';

/** Milliseconds → canonical proto3 JSON Duration. */
export function msToDuration(ms: number): string {
  const totalNanos = Math.round(ms * 1e6);
  const seconds = Math.trunc(totalNanos / 1e9);
  const nanos = totalNanos - seconds * 1e9;
  if (nanos === 0) return `${seconds}s`;
  const digits = nanos % 1e6 === 0 ? 3 : nanos % 1e3 === 0 ? 6 : 9;
  const frac = String(nanos).padStart(9, '0').slice(0, digits);
  return `${seconds}.${frac}s`;
}

/** An Istio duration string → proto3 JSON Duration; undefined when absent or unparseable. */
export function toDuration(text: string | null | undefined): string | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  const ms = parseDuration(text);
  return ms === undefined ? undefined : msToDuration(ms);
}

/** Whole seconds of an Istio duration (Envoy's TcpKeepalive takes seconds). */
export function toSeconds(text: string | null | undefined): number | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  const ms = parseDuration(text);
  return ms === undefined ? undefined : Math.trunc(ms / 1000);
}
