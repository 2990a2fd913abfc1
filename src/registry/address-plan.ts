/**
 * The address plan: deterministic addresses for things the files do not give an address to.
 *
 * Workloads (Deployment replicas, Pods) each get their own loopback address so that every pod
 * can listen on its own `:8080` on one machine (DESIGN.md §2):
 *   - the built-in ingress gateway is 127.0.10.1, the egress gateway 127.0.10.2;
 *   - every other workload key (`namespace/podName`) is hashed (FNV-1a 32) into 127.1.0.0/16,
 *     skipping host parts .0 and .255; on a collision the next address is probed (+1, wrapping).
 *     Keys are allocated in sorted order, so the result depends only on the set of keys, never
 *     on file order; addresses already taken (e.g. WorkloadEntry addresses) are avoided.
 *   - 127.0.0.1 is never handed out (it is the host's own loopback, used by admin ports).
 *
 * Service VIPs for services without an address (ServiceEntries without `addresses`, Kubernetes
 * Services without `clusterIP`) are allocated the same way from Istio's auto-allocation range
 * 240.240.0.0/16, keyed by `namespace/hostname`.
 *
 * Pure functions; the registry builder calls them once per build.
 */

export const INGRESS_GATEWAY_ADDRESS = '127.0.10.1';
export const EGRESS_GATEWAY_ADDRESS = '127.0.10.2';
export const WORKLOAD_PREFIX = [127, 1] as const;
export const VIP_PREFIX = [240, 240] as const;

/** FNV-1a, 32 bits. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function usable(low16: number): boolean {
  const last = low16 & 0xff;
  return last !== 0 && last !== 255;
}

/**
 * Allocates one address per key inside `prefix.0.0/16`, deterministically: keys in sorted
 * order, each at its hash, probing upwards on collision. `taken` addresses are never returned.
 */
export function allocate(
  keys: Iterable<string>,
  prefix: readonly [number, number],
  taken: Iterable<string> = [],
): Map<string, string> {
  const used = new Set<string>(taken);
  used.add('127.0.0.1');
  const out = new Map<string, string>();
  const sorted = [...new Set(keys)].sort();
  for (const key of sorted) {
    let low = fnv1a(key) & 0xffff;
    for (let tries = 0; tries < 0x10000; tries++, low = (low + 1) & 0xffff) {
      if (!usable(low)) continue;
      const addr = `${prefix[0]}.${prefix[1]}.${low >> 8}.${low & 0xff}`;
      if (used.has(addr)) continue;
      used.add(addr);
      out.set(key, addr);
      break;
    }
  }
  return out;
}

/** Workload addresses for `namespace/podName` keys. */
export function allocateWorkloadAddresses(keys: Iterable<string>, taken: Iterable<string> = []): Map<string, string> {
  return allocate(keys, WORKLOAD_PREFIX, [INGRESS_GATEWAY_ADDRESS, EGRESS_GATEWAY_ADDRESS, ...taken]);
}

/** Service VIPs for `namespace/hostname` keys (Istio's 240.240.0.0/16 auto-allocation). */
export function allocateVips(keys: Iterable<string>, taken: Iterable<string> = []): Map<string, string> {
  return allocate(keys, VIP_PREFIX, taken);
}
