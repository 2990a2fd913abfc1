/**
 * The mesh-wide defaults of Istio's MeshConfig the cluster compiler uses (connect timeout, DNS
 * refresh rate), and Istio's "unlimited" values. Duration formatting lives in ../duration.ts.
 */

/** Istio MeshConfig defaults. */
export const MESH_CONNECT_TIMEOUT = '10s';
export const MESH_DNS_REFRESH_RATE = '60s';
/** Circuit-breaker default Istio writes for every unset threshold (math.MaxUint32). */
export const MAX_UINT32 = 4294967295;
/** Istio's "never" for cleanup intervals: (MaxInt64 - 999999999) / 1e9 seconds. */
export const MAX_DURATION = '9223372035s';
