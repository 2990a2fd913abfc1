/**
 * The generation cache with hand-written generators over fake snapshots: output is shared only
 * between proxies that answer the generator's reads alike; a generator that throws is not
 * cached; equal resources become one object; a stream's output is kept across a snapshot change
 * that touches nothing it read, regenerated when it does, when the change is unknown, or when
 * the snapshot member read is not in the dependency table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { proxyFromNode } from '../../src/model/proxy.js';
import type { Snapshot } from '../../src/model/types.js';
import { GenerationCache, namesKey, type Basis } from '../../src/xds/generation-cache.js';
import type { Generator } from '../../src/xds/types.js';

const LDS = TypeUrl.Listener;
const node = (ip: string, ns: string, labels: Record<string, string> = {}) =>
  proxyFromNode(`sidecar~${ip}~p-${ip}.${ns}~${ns}.svc.cluster.local`, { NAMESPACE: ns, LABELS: labels });

interface Fake { version: string; registry: object; virtualServicesFor(gw: string, ns: string): object[]; destinationRules: object[] }
const fake = (version: string, registry: object, vs: string[]): Snapshot =>
  ({ version, registry, virtualServicesFor: () => vs.map((name) => ({ name })), destinationRules: [] }) satisfies Fake as unknown as Snapshot;

test('output is shared between proxies that read the same values, and only those', () => {
  let runs = 0;
  // reads the namespace, and the ip only in namespace "b"
  const gen: Generator = (_s, p) => {
    runs += 1;
    return [{ name: p.namespace === 'b' ? `l-${p.ip}` : `l-${p.namespace}` }];
  };
  const cache = new GenerationCache();
  const snap = fake('1', {}, []);
  const a1 = cache.generate(snap, LDS, gen, node('10.0.0.1', 'a'), undefined);
  const a2 = cache.generate(snap, LDS, gen, node('10.0.0.2', 'a'), undefined);
  assert.equal(a2, a1, 'same namespace: shared');
  const b1 = cache.generate(snap, LDS, gen, node('10.0.0.3', 'b'), undefined);
  const b2 = cache.generate(snap, LDS, gen, node('10.0.0.4', 'b'), undefined);
  assert.deepEqual(b1.resources, [{ '@type': LDS, name: 'l-10.0.0.3' }]);
  assert.deepEqual(b2.resources, [{ '@type': LDS, name: 'l-10.0.0.4' }], 'ip read in b: not shared');
  assert.equal(cache.generate(snap, LDS, gen, node('10.0.0.3', 'b'), undefined), b1, 'same ip and namespace: shared');
  assert.equal(runs, 3);
  assert.deepEqual({ ...cache.stats }, { reused: 0, incremental: 0, shared: 2, generated: 3, unshareable: 0 });
});

test('labels embedded in the output are part of what is compared', () => {
  const gen: Generator = (_s, p) => [{ name: 'x', metadata: { filterMetadata: { istio: { labels: p.labels } } } }];
  const cache = new GenerationCache();
  const snap = fake('1', {}, []);
  const one = cache.generate(snap, LDS, gen, node('10.0.0.1', 'a', { app: 'one' }), undefined);
  const two = cache.generate(snap, LDS, gen, node('10.0.0.2', 'a', { app: 'two' }), undefined);
  assert.notEqual(two, one);
  assert.match(JSON.stringify(two.resources), /"two"/);
});

test('a generator that throws is not cached; equal resources of different proxies are one object', () => {
  let fail = true;
  const gen: Generator = (_s, p) => {
    if (fail) throw new Error('boom');
    return [{ name: 'same' }, { name: p.ip }];
  };
  const cache = new GenerationCache();
  const snap = fake('1', {}, []);
  assert.throws(() => cache.generate(snap, LDS, gen, node('10.0.0.1', 'a'), undefined), /boom/);
  fail = false;
  const x = cache.generate(snap, LDS, gen, node('10.0.0.1', 'a'), undefined);
  const y = cache.generate(snap, LDS, gen, node('10.0.0.2', 'a'), undefined);
  assert.notEqual(x, y);
  assert.equal(x.resources[0], y.resources[0], 'interned');
  assert.notEqual(x.version, y.version);
});

test('kept across snapshot changes that touch nothing it read; regenerated otherwise', () => {
  let runs = 0;
  const gen: Generator = (s, p) => {
    runs += 1;
    return s.virtualServicesFor('mesh', p.namespace).map((v) => ({ name: (v as { name: string }).name }));
  };
  const cache = new GenerationCache();
  const registry = {};
  const p = node('10.0.0.1', 'a');
  let snap = fake('1', registry, ['r1']);
  const step = (next: Snapshot, kinds: string[], basis: Basis | undefined) => {
    cache.noteTransition(snap, next, new Set(kinds));
    snap = next;
    return cache.generate(snap, LDS, gen, p, undefined, basis);
  };
  const g1 = cache.generate(snap, LDS, gen, p, undefined);
  const basis = (g: typeof g1): Basis => ({ generated: g, validAt: snap.version, names: namesKey(undefined) });
  const g2 = step(fake('2', registry, ['r1']), ['DestinationRule'], basis(g1));
  assert.equal(g2, g1, 'a DestinationRule change: virtualServicesFor did not change');
  assert.equal(runs, 1);
  const g3 = step(fake('3', registry, ['r2']), ['VirtualService'], basis(g2));
  assert.deepEqual(g3.resources, [{ '@type': LDS, name: 'r2' }]);
  assert.equal(runs, 2);
  const g4 = step(fake('4', registry, ['r2']), [], basis(g3));
  assert.notEqual(g4, g3, 'an empty change set means anything changed');
  assert.equal(runs, 3);
  // a basis from a snapshot the cache has no transition for
  const g5 = cache.generate(fake('5', registry, ['r2']), LDS, gen, p, undefined, { generated: g4, validAt: 'unknown', names: namesKey(undefined) });
  assert.notEqual(g5, g4);
  assert.equal(runs, 4);
  // members outside the dependency table always count as changed
  const byVersion: Generator = (s) => [{ name: s.version }];
  const v1 = cache.generate(snap, LDS, byVersion, p, undefined);
  cache.noteTransition(snap, fake('6', registry, ['r2']), new Set(['Gateway']));
  snap = fake('6', registry, ['r2']);
  const v2 = cache.generate(snap, LDS, byVersion, p, undefined, { generated: v1, validAt: '4', names: namesKey(undefined) });
  assert.deepEqual(v2.resources, [{ '@type': LDS, name: '6' }]);
});
