/**
 * The load-balancer conformance suite, run against every policy through the factory: only
 * available hosts are picked; no hosts → undefined; a single host; weights over many picks
 * (seeded randomness; RANDOM is uniform, as Envoy's ignores weights); the same hash keeps the
 * same host (hash policies); priority spill; panic; ejection honoured without rebuilding.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeHost, type Host } from '../../src/proxy/upstream/host.js';
import { createLoadBalancer } from '../../src/proxy/lb/factory.js';
import { initHashing, requestHash } from '../../src/proxy/lb/hash.js';
import type { LbConfig, LoadBalancer, PickContext } from '../../src/proxy/lb/types.js';
import type { LbPolicy } from '../../src/api/envoy/cluster.js';

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POLICIES: { policy: LbPolicy; hashing: boolean; weighted: boolean }[] = [
  { policy: 'ROUND_ROBIN', hashing: false, weighted: true },
  { policy: 'LEAST_REQUEST', hashing: false, weighted: true },
  { policy: 'RANDOM', hashing: false, weighted: false },
  { policy: 'RING_HASH', hashing: true, weighted: true },
  { policy: 'MAGLEV', hashing: true, weighted: true },
];

function hosts(n: number, init: (i: number) => Partial<Parameters<typeof makeHost>[0]> = () => ({})): Host[] {
  return Array.from({ length: n }, (_, i) => makeHost({ address: `10.0.${i >> 8}.${i & 255}`, port: 8080, ...init(i) }));
}

/** Picks with a fresh random hash each time for hashing policies (each request a new key). */
function picker(lb: LoadBalancer, hashing: boolean, seed = 1): () => Host | undefined {
  const random = seeded(seed);
  return () => {
    const ctx: PickContext = { random };
    if (hashing) ctx.hash = (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
    return lb.pick(ctx);
  };
}

function counts(pick: () => Host | undefined, n: number): Map<Host | undefined, number> {
  const m = new Map<Host | undefined, number>();
  for (let i = 0; i < n; i++) {
    const h = pick();
    m.set(h, (m.get(h) ?? 0) + 1);
  }
  return m;
}

before(() => initHashing());

for (const { policy, hashing, weighted } of POLICIES) {
  const cfg = (extra: LbConfig = {}): LbConfig => ({ lbPolicy: policy, ...extra });

  describe(`lb conformance: ${policy}`, () => {
    it('returns undefined with no hosts', () => {
      const lb = createLoadBalancer([], cfg());
      assert.equal(lb.policy, policy);
      assert.equal(picker(lb, hashing)(), undefined);
    });

    it('handles a single host', () => {
      const hs = hosts(1);
      const pick = picker(createLoadBalancer(hs, cfg()), hashing);
      for (let i = 0; i < 50; i++) assert.equal(pick(), hs[0]);
    });

    it('picks only available hosts', () => {
      const hs = hosts(10);
      hs[1]!.healthy = false;
      hs[4]!.ejected = true;
      hs[7]!.healthy = false;
      const pick = picker(createLoadBalancer(hs, cfg()), hashing);
      const c = counts(pick, 3000);
      for (const h of [hs[1], hs[4], hs[7]]) assert.equal(c.get(h), undefined, `${h!.key} picked`);
      assert.equal(c.get(undefined), undefined);
      for (const h of hs.filter((x) => x.healthy && !x.ejected)) assert.ok((c.get(h) ?? 0) > 0, `${h.key} never picked`);
    });

    it(weighted ? 'respects weights within tolerance' : 'spreads uniformly (Envoy ignores weights)', () => {
      const hs = hosts(4, (i) => ({ weight: i + 1 }));
      const N = 40_000;
      const c = counts(picker(createLoadBalancer(hs, cfg()), hashing, 7), N);
      hs.forEach((h, i) => {
        const expected = weighted ? (N * (i + 1)) / 10 : N / 4;
        const got = c.get(h) ?? 0;
        assert.ok(Math.abs(got - expected) / expected < 0.12, `${h.key} weight ${h.weight}: ${got} vs ${expected}`);
      });
    });

    it('spills to a lower priority as health drops', () => {
      const hs = hosts(10, (i) => ({ priority: i < 5 ? 0 : 1 }));
      const lb = createLoadBalancer(hs, cfg());
      const pick = picker(lb, hashing, 3);
      let c = counts(pick, 1000);
      assert.equal([...c.keys()].filter((h) => h!.priority === 1).length, 0, 'all healthy: P0 only');
      // 2 of 5 healthy at P0: health min(100, 140×2/5) = 56 → P0 56%, P1 44%.
      for (const h of hs.slice(0, 3)) h.healthy = false;
      pick(); // detection happens on this pick (n ≤ SWEEP: the whole set is re-checked)
      c = counts(pick, 20_000);
      let p1 = 0;
      for (const [h, k] of c) {
        assert.ok(h && h.healthy, 'an unhealthy host was picked');
        if (h.priority === 1) p1 += k;
      }
      assert.ok(Math.abs(p1 / 20_000 - 0.44) < 0.03, `P1 share ${p1 / 20_000}`);
      // All of P0 down: everything goes to P1 on the very next pick.
      for (const h of hs.slice(0, 5)) h.healthy = false;
      for (let i = 0; i < 200; i++) assert.equal(pick()!.priority, 1);
      // P0 recovers: traffic returns.
      for (const h of hs.slice(0, 5)) h.healthy = true;
      pick();
      c = counts(pick, 500);
      assert.ok([...c.keys()].every((h) => h!.priority === 0));
    });

    it('panics below healthyPanicThreshold: picks among all hosts', () => {
      const hs = hosts(10);
      for (const h of hs.slice(0, 6)) h.healthy = false; // 40% healthy < 50%
      const pick = picker(createLoadBalancer(hs, cfg()), hashing, 5);
      const c = counts(pick, 5000);
      assert.ok(hs.slice(0, 6).some((h) => (c.get(h) ?? 0) > 0), 'panic should use unhealthy hosts');
      // At exactly 50% healthy there is no panic.
      hs[0]!.healthy = true;
      pick();
      const c2 = counts(pick, 3000);
      for (const h of hs.slice(1, 6)) assert.equal(c2.get(h), undefined);
      // A threshold of 0 disables panic: nothing healthy, nothing picked.
      const hs0 = hosts(3, () => ({ healthy: false }));
      const lb0 = createLoadBalancer(hs0, cfg({ commonLbConfig: { healthyPanicThreshold: { value: 0 } } }));
      assert.equal(picker(lb0, hashing)(), undefined);
    });

    it('honours ejection and un-ejection without rebuilding', () => {
      const hs = hosts(6);
      const lb = createLoadBalancer(hs, cfg());
      const pick = picker(lb, hashing, 11);
      counts(pick, 100);
      hs[2]!.ejected = true;
      const c = counts(pick, 3000);
      assert.equal(c.get(hs[2]), undefined);
      hs[2]!.ejected = false;
      const c2 = counts(pick, 3000);
      assert.ok((c2.get(hs[2]) ?? 0) > 0);
    });

    if (hashing) {
      it('keeps the same host for the same request hash (hash policies)', () => {
        const hs = hosts(8);
        const lb = createLoadBalancer(hs, cfg());
        const policies = [{ header: { headerName: 'x-user' } }];
        const random = seeded(9);
        const seen = new Set<Host>();
        for (let u = 0; u < 200; u++) {
          const { hash } = requestHash(policies, { headers: new Map([['x-user', `user-${u}`]]) });
          assert.notEqual(hash, undefined);
          const first = lb.pick({ hash: hash!, random })!;
          seen.add(first);
          for (let k = 0; k < 5; k++) assert.equal(lb.pick({ hash: hash!, random }), first);
        }
        assert.equal(seen.size, hs.length, 'keys spread over every host');
      });
    }
  });
}
