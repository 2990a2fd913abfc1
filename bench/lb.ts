/**
 * Micro benchmark of load-balancer picks: picks/second per policy with 10 and 1000 hosts, all
 * healthy and with 10% ejected (exercising the skip paths). Hash policies get a fresh request hash
 * per pick (precomputed, so hashing the request is not measured). Not part of `npm test`.
 *
 *   node --import tsx bench/lb.ts
 */
import { makeHost, type Host } from '../src/proxy/upstream/host.js';
import { createLoadBalancer } from '../src/proxy/lb/factory.js';
import { initHashing, xxHash64 } from '../src/proxy/lb/hash.js';
import type { LbPolicy } from '../src/api/envoy/cluster.js';

await initHashing();

const POLICIES: LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'];
const HASHES = Array.from({ length: 4096 }, (_, i) => xxHash64(`req-${i}`));

function hosts(n: number, weighted: boolean): Host[] {
  return Array.from({ length: n }, (_, i) =>
    makeHost({ address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 8080, weight: weighted ? 1 + (i % 4) : 1 }),
  );
}

function bench(policy: LbPolicy, hs: Host[]): { build: number; rate: number } {
  const t0 = performance.now();
  const lb = createLoadBalancer(hs, { lbPolicy: policy });
  const build = performance.now() - t0;
  const random = Math.random;
  const ctx: { hash?: bigint; random: () => number } = { random };
  let sink = 0;
  const run = (n: number): number => {
    const s = performance.now();
    for (let i = 0; i < n; i++) {
      ctx.hash = HASHES[i & 4095];
      const h = lb.pick(ctx);
      if (h) {
        sink += h.port;
        h.activeRequests = i & 7;
      }
    }
    return performance.now() - s;
  };
  run(20_000); // warm-up
  let n = 100_000;
  let ms = run(n);
  while (ms < 300) {
    n *= 2;
    ms = run(n);
  }
  if (sink === -1) console.log(sink);
  return { build, rate: (n / ms) * 1000 };
}

const rows: string[][] = [['policy', 'hosts', 'weights', 'ejected', 'build ms', 'picks/s']];
for (const policy of POLICIES) {
  for (const n of [10, 1000]) {
    for (const weighted of [false, true]) {
      for (const ejected of [false, true]) {
        const hs = hosts(n, weighted);
        if (ejected) hs.forEach((h, i) => (h.ejected = i % 10 === 3));
        const { build, rate } = bench(policy, hs);
        rows.push([policy, String(n), weighted ? 'mixed' : 'equal', ejected ? '10%' : '0', build.toFixed(1), Math.round(rate).toLocaleString('en-US')]);
      }
    }
  }
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((v, c) => (c >= 4 ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  '));
