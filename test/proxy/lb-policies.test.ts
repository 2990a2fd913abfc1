/**
 * Per-policy load-balancer tests: Envoy's golden ring and Maglev tables, round robin's exact
 * weighted cycle, least request's preference for idle hosts, consistency of the hashing policies
 * when a host leaves, the hash-policy combinator, priority loads and locality weighting.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeHost, type Host } from '../../src/proxy/upstream/host.js';
import { createLoadBalancer } from '../../src/proxy/lb/factory.js';
import { initHashing, murmurHash2, requestHash, xxHash64 } from '../../src/proxy/lb/hash.js';
import { PrioritySet, SWEEP } from '../../src/proxy/lb/priority.js';
import { toRouterRequest } from '../../src/proxy/router/request.js';
import { localityKey, LbConfigError, type LbConfig } from '../../src/proxy/lb/types.js';

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
const local = (ports: number[], extra: (i: number) => object = () => ({})): Host[] =>
  ports.map((port, i) => makeHost({ address: '127.0.0.1', port, ...extra(i) }));
const MAX64 = (1n << 64n) - 1n;
const rnd = seeded(1);

before(() => initHashing());

describe('hash', () => {
  it('xxHash64 matches the reference vectors', () => {
    assert.equal(xxHash64(''), 0xef46db3751d8e999n);
    assert.equal(xxHash64('', 1n) !== xxHash64(''), true);
  });

  it('combines policies with rotate-left-1 XOR and stops at a terminal hash', () => {
    const headers = new Map([
      ['x-a', 'one'],
      ['x-b', 'two'],
    ]);
    const a = xxHash64('one');
    const b = xxHash64('two');
    const both = requestHash([{ header: { headerName: 'X-A' } }, { header: { headerName: 'x-b' } }], { headers });
    assert.equal(both.hash, (((a << 1n) | (a >> 63n)) & MAX64) ^ b);
    const term = requestHash([{ header: { headerName: 'x-a' }, terminal: true }, { header: { headerName: 'x-b' } }], { headers });
    assert.equal(term.hash, a);
    // A terminal policy that yields nothing does not stop the walk.
    const skip = requestHash([{ header: { headerName: 'x-none' }, terminal: true }, { header: { headerName: 'x-b' } }], { headers });
    assert.equal(skip.hash, b);
    assert.equal(requestHash([{ header: { headerName: 'x-none' } }], { headers }).hash, undefined);
    // Identical rules do not cancel out.
    const dup = requestHash([{ header: { headerName: 'x-a' } }, { header: { headerName: 'x-a' } }], { headers });
    assert.notEqual(dup.hash, 0n);
  });

  it('hashes header values sorted, with regex rewrite', () => {
    const h1 = requestHash([{ header: { headerName: 'x' } }], { headers: new Map([['x', ['b', 'a']]]) }).hash;
    const h2 = requestHash([{ header: { headerName: 'x' } }], { headers: new Map([['x', ['a', 'b']]]) }).hash;
    assert.equal(h1, h2);
    const rw = requestHash(
      [{ header: { headerName: ':path', regexRewrite: { pattern: { regex: '^/user/([0-9]+)/.*$' }, substitution: '\\1' } } }],
      { headers: new Map([[':path', '/user/42/profile']]) },
    );
    assert.equal(rw.hash, xxHash64('42'));
  });

  it('reads cookies, query parameters and the source IP', () => {
    const headers = new Map([
      ['cookie', 'a=1; session="s-77"; b=2'],
      [':path', '/x?user=bob&user=alice&empty'],
    ]);
    assert.equal(requestHash([{ cookie: { name: 'session' } }], { headers }).hash, xxHash64('s-77'));
    assert.equal(requestHash([{ queryParameter: { name: 'user' } }], { headers }).hash, xxHash64('bob'));
    assert.equal(requestHash([{ queryParameter: { name: 'empty' } }], { headers }).hash, xxHash64(''));
    assert.equal(requestHash([{ queryParameter: { name: 'nope' } }], { headers }).hash, undefined);
    const ip = requestHash([{ connectionProperties: { sourceIp: true } }], { headers }, { sourceIp: '10.1.2.3' });
    assert.equal(ip.hash, xxHash64('10.1.2.3'));
  });

  it("accepts the router's request as is", () => {
    const req = toRouterRequest({ authority: 'a', path: '/x?user=bob', headers: { 'X-User': 'u1' } });
    assert.equal(requestHash([{ queryParameter: { name: 'user' } }], req).hash, xxHash64('bob'));
    assert.equal(requestHash([{ header: { headerName: 'x-user' } }], req).hash, xxHash64('u1'));
  });

  it('generates a cookie when absent and a ttl is set (Envoy generateCookie)', () => {
    const pol = [{ cookie: { name: 'sticky', ttl: '3600s', path: '/' } }];
    const conn = { remoteAddress: '10.0.0.9:51000', localAddress: '10.0.0.1:8080' };
    const r = requestHash(pol, { headers: new Map() }, conn);
    const value = xxHash64('10.0.0.9:51000' + '10.0.0.1:8080').toString(16).padStart(16, '0');
    assert.equal(r.cookie?.value, value);
    assert.equal(r.cookie?.setCookie, `sticky="${value}"; Max-Age=3600; Path=/; HttpOnly`);
    assert.equal(r.hash, xxHash64(value));
    // Without a ttl, or without addresses, no cookie and no hash.
    assert.equal(requestHash([{ cookie: { name: 'sticky' } }], { headers: new Map() }, conn).hash, undefined);
    assert.deepEqual(requestHash(pol, { headers: new Map() }), { hash: undefined });
    // The next request carries it: same hash, no new cookie.
    const again = requestHash(pol, { headers: new Map([['cookie', `sticky="${value}"`]]) }, conn);
    assert.equal(again.hash, r.hash);
    assert.equal(again.cookie, undefined);
  });
});

describe('RING_HASH', () => {
  it("matches Envoy's golden ring (xxHash, minimum ring 12)", () => {
    const hs = local([90, 91, 92, 93, 94, 95]);
    const lb = createLoadBalancer(hs, { lbPolicy: 'RING_HASH', ringHashLbConfig: { minimumRingSize: '12' } });
    const at = (hash: bigint) => lb.pick({ hash, random: rnd });
    assert.equal(at(0n), hs[4]);
    assert.equal(at(MAX64), hs[4]);
    assert.equal(at(3551244743356806947n), hs[5]);
    assert.equal(at(3551244743356806948n), hs[3]);
    assert.equal(at(16117243373044804880n), hs[0]);
    // Everything unhealthy: panic, the same ring over all hosts.
    for (const h of hs) h.healthy = false;
    assert.equal(at(0n), hs[4]);
  });

  it("matches Envoy's golden ring (MurmurHash2)", () => {
    const hs = local([80, 81, 82, 83, 84, 85]);
    const lb = createLoadBalancer(hs, {
      lbPolicy: 'RING_HASH',
      ringHashLbConfig: { minimumRingSize: '12', hashFunction: 'MURMUR_HASH_2' },
    });
    assert.equal(murmurHash2('127.0.0.1:85_0') === 1358027074129602068n || murmurHash2('127.0.0.1:85_1') === 1358027074129602068n, true);
    const at = (hash: bigint) => lb.pick({ hash, random: rnd });
    assert.equal(at(0n), hs[5]);
    assert.equal(at(MAX64), hs[5]);
    assert.equal(at(1358027074129602068n), hs[5]);
    assert.equal(at(1358027074129602069n), hs[3]);
    assert.equal(at(10150910876324007730n), hs[2]);
  });

  it("fails over by priority from the hash as Envoy's BasicFailover", () => {
    const hs = [...local([80, 81]), makeHost({ address: '127.0.0.1', port: 82, priority: 1 })];
    hs[1]!.healthy = false; // P0 health = 70 → P0 70%, P1 30%
    const lb = createLoadBalancer(hs, { lbPolicy: 'RING_HASH', ringHashLbConfig: { minimumRingSize: '12' } });
    assert.equal(lb.pick({ hash: 69n, random: rnd }), hs[0]);
    assert.equal(lb.pick({ hash: 71n, random: rnd }), hs[2]);
  });

  it('rejects minimum > maximum ring size', () => {
    assert.throws(
      () => createLoadBalancer(local([1]), { lbPolicy: 'RING_HASH', ringHashLbConfig: { minimumRingSize: 20, maximumRingSize: 10 } }),
      (e: unknown) => e instanceof LbConfigError && /minimum_ring_size \(20\) > maximum_ring_size \(10\)/.test(e.message),
    );
  });
});

describe('MAGLEV', () => {
  it("matches Envoy's golden table (size 7)", () => {
    const hs = local([90, 91, 92, 93, 94, 95]);
    const lb = createLoadBalancer(hs, { lbPolicy: 'MAGLEV', maglevLbConfig: { tableSize: '7' } });
    const expected = [2, 4, 0, 1, 5, 0, 3];
    for (let i = 0; i < 21; i++) assert.equal(lb.pick({ hash: BigInt(i), random: rnd }), hs[expected[i % 7]!], `hash ${i}`);
  });

  it('rejects a table size that is not prime', () => {
    assert.throws(() => createLoadBalancer(local([1]), { lbPolicy: 'MAGLEV', maglevLbConfig: { tableSize: 8 } }), LbConfigError);
  });
});

for (const policy of ['RING_HASH', 'MAGLEV'] as const) {
  describe(`${policy} consistency`, () => {
    let keys: bigint[] = [];
    before(async () => {
      await initHashing();
      keys = Array.from({ length: 5000 }, (_, i) => xxHash64(`key-${i}`));
    });
    const mk = (n: number) => Array.from({ length: n }, (_, i) => makeHost({ address: `10.1.0.${i + 1}`, port: 80 }));

    it('maps a key to the same host, and spreads keys over all hosts', () => {
      const hs = mk(10);
      const lb = createLoadBalancer(hs, { lbPolicy: policy });
      const c = new Map<Host, number>();
      for (const k of keys) {
        const h = lb.pick({ hash: k, random: rnd })!;
        assert.equal(lb.pick({ hash: k, random: rnd }), h);
        c.set(h, (c.get(h) ?? 0) + 1);
      }
      for (const h of hs) assert.ok((c.get(h) ?? 0) > 300 && (c.get(h) ?? 0) < 700, `${h.key}: ${c.get(h)}`);
    });

    it('ejecting a host remaps only its keys (no rebuild)', () => {
      const hs = mk(10);
      const lb = createLoadBalancer(hs, { lbPolicy: policy });
      const before = keys.map((k) => lb.pick({ hash: k, random: rnd })!);
      hs[3]!.ejected = true;
      keys.forEach((k, i) => {
        const now = lb.pick({ hash: k, random: rnd })!;
        if (before[i] !== hs[3]) assert.equal(now, before[i]);
        else assert.notEqual(now, hs[3]);
      });
    });

    it('rebuilding without a host moves few other keys', () => {
      const hs = mk(10);
      const lb = createLoadBalancer(hs, { lbPolicy: policy });
      const lb2 = createLoadBalancer(hs.filter((_, i) => i !== 3), { lbPolicy: policy });
      let kept = 0;
      let others = 0;
      for (const k of keys) {
        const a = lb.pick({ hash: k, random: rnd })!;
        if (a === hs[3]) continue;
        others++;
        if (lb2.pick({ hash: k, random: rnd }) === a) kept++;
      }
      assert.ok(kept / others > 0.9, `kept ${kept}/${others}`);
    });
  });
}

describe('ROUND_ROBIN', () => {
  it('serves weights exactly over every cycle (EDF)', () => {
    const hs = local([1, 2, 3], (i) => ({ weight: i + 1 }));
    const lb = createLoadBalancer(hs, { lbPolicy: 'ROUND_ROBIN' });
    const random = seeded(4);
    lb.pick({ random }); // the random start offset
    // Align to a cycle boundary: EDF picks form a periodic sequence of length 6.
    const seq = Array.from({ length: 600 }, () => lb.pick({ random })!);
    for (let s = 0; s + 6 <= seq.length; s += 6) {
      const window = seq.slice(s, s + 6);
      for (const h of hs) assert.equal(window.filter((x) => x === h).length, h.weight);
    }
  });

  it('rotates through equal-weight hosts in order, skipping ejected ones', () => {
    const hs = local([1, 2, 3, 4]);
    const lb = createLoadBalancer(hs, { lbPolicy: 'ROUND_ROBIN' });
    const random = () => 0; // start at 0
    assert.deepEqual(Array.from({ length: 8 }, () => lb.pick({ random })!.port), [1, 2, 3, 4, 1, 2, 3, 4]);
    hs[1]!.ejected = true;
    assert.deepEqual(Array.from({ length: 6 }, () => lb.pick({ random })!.port), [1, 3, 4, 1, 3, 4]);
  });
});

describe('LEAST_REQUEST', () => {
  it('prefers less loaded hosts (P2C)', () => {
    const hs = local([1, 2, 3, 4]);
    hs.forEach((h, i) => (h.activeRequests = i === 1 ? 0 : 10));
    const lb = createLoadBalancer(hs, { lbPolicy: 'LEAST_REQUEST' });
    const random = seeded(2);
    let idle = 0;
    const N = 20_000;
    for (let i = 0; i < N; i++) if (lb.pick({ random }) === hs[1]) idle++;
    // P(idle among 2 draws) = 1 − (3/4)² = 7/16.
    assert.ok(Math.abs(idle / N - 7 / 16) < 0.02, `idle share ${idle / N}`);
    const lb4 = createLoadBalancer(hs, { lbPolicy: 'LEAST_REQUEST', leastRequestLbConfig: { choiceCount: 4 } });
    idle = 0;
    for (let i = 0; i < N; i++) if (lb4.pick({ random }) === hs[1]) idle++;
    assert.ok(Math.abs(idle / N - (1 - (3 / 4) ** 4)) < 0.02, `idle share (4 choices) ${idle / N}`);
  });

  it('weighted: weight / (active + 1)^bias', () => {
    const hs = local([1, 2], (i) => ({ weight: i === 0 ? 1 : 2 }));
    hs[1]!.activeRequests = 3; // effective 2/4 = 0.5 vs 1/1
    const lb = createLoadBalancer(hs, { lbPolicy: 'LEAST_REQUEST' });
    const random = seeded(3);
    let first = 0;
    for (let i = 0; i < 3000; i++) if (lb.pick({ random }) === hs[0]) first++;
    assert.ok(Math.abs(first / 3000 - 2 / 3) < 0.02, `share ${first / 3000}`);
    const flat = createLoadBalancer(hs, { lbPolicy: 'LEAST_REQUEST', leastRequestLbConfig: { activeRequestBias: { defaultValue: 0 } } });
    first = 0;
    for (let i = 0; i < 3000; i++) if (flat.pick({ random }) === hs[0]) first++;
    assert.ok(Math.abs(first / 3000 - 1 / 3) < 0.02, `bias 0 share ${first / 3000}`);
  });
});

describe('priorities and localities', () => {
  it("computes Envoy's priority load with overprovisioning and total panic", () => {
    const hs = [
      ...Array.from({ length: 10 }, (_, i) => makeHost({ address: `10.0.0.${i}`, port: 1, priority: 0 })),
      ...Array.from({ length: 10 }, (_, i) => makeHost({ address: `10.0.1.${i}`, port: 1, priority: 1 })),
    ];
    const set = new PrioritySet(hs, {}, { localityPick: false });
    assert.deepEqual(set.priorityLoad(), [100, 0]);
    for (const h of hs.slice(0, 5)) h.healthy = false; // 50% → 70
    set.refresh();
    assert.deepEqual(set.priorityLoad(), [70, 30]);
    for (const h of hs) h.healthy = false;
    hs[0]!.healthy = true; // everything panics: load by host counts
    set.refresh();
    assert.deepEqual(set.priorityLoad(), [50, 50]);
    assert.ok(set.levels.every((l) => l.panic));
  });

  it('shifts priority load within ceil(n / SWEEP) picks with 1000 hosts', () => {
    const hs = Array.from({ length: 1000 }, (_, i) => makeHost({ address: `10.2.${i >> 8}.${i & 255}`, port: 1, priority: i < 500 ? 0 : 1 }));
    const lb = createLoadBalancer(hs, { lbPolicy: 'ROUND_ROBIN' });
    const random = seeded(8);
    lb.pick({ random });
    for (const h of hs.slice(0, 300)) h.healthy = false; // 40% healthy → P0 56%
    for (let i = 0; i < Math.ceil(1000 / SWEEP) + 1; i++) assert.ok(lb.pick({ random })!.healthy);
    let p1 = 0;
    for (let i = 0; i < 10_000; i++) if (lb.pick({ random })!.priority === 1) p1++;
    assert.ok(Math.abs(p1 / 10_000 - 0.44) < 0.03, `P1 share ${p1 / 10_000}`);
  });

  it('picks a locality by weight first (localityWeightedLbConfig)', () => {
    const zone = (z: string) => ({ locality: { region: 'r', zone: z } });
    const hs = [
      ...Array.from({ length: 2 }, (_, i) => makeHost({ address: `10.3.0.${i}`, port: 1, ...zone('a') })),
      ...Array.from({ length: 6 }, (_, i) => makeHost({ address: `10.3.1.${i}`, port: 1, ...zone('b') })),
    ];
    const cfg: LbConfig = {
      lbPolicy: 'ROUND_ROBIN',
      commonLbConfig: { localityWeightedLbConfig: {} },
      localityWeights: new Map([
        [localityKey({ region: 'r', zone: 'a', subZone: '' }), 3],
        [localityKey({ region: 'r', zone: 'b', subZone: '' }), 1],
      ]),
    };
    for (const policy of ['ROUND_ROBIN', 'RANDOM', 'LEAST_REQUEST', 'RING_HASH', 'MAGLEV'] as const) {
      const lb = createLoadBalancer(hs, { ...cfg, lbPolicy: policy });
      const random = seeded(6);
      let a = 0;
      const N = 8000;
      for (let i = 0; i < N; i++) {
        const hash = (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
        if (lb.pick({ random, hash })!.locality.zone === 'a') a++;
      }
      assert.ok(Math.abs(a / N - 0.75) < 0.04, `${policy}: zone a share ${a / N}`);
    }
  });
});
