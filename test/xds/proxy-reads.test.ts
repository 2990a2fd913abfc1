/**
 * Recording what a generator reads of a Proxy: distinct reads in order with their answers, for
 * nested objects too (labels); another proxy's answers to the same reads; key lists (spread,
 * Object.keys, JSON) and key tests are reads; symbol keys and writes make a recording unshareable
 * (writes still happen); after stop() nothing is recorded; frozen properties are returned as is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, ReadRecorder } from '../../src/xds/proxy-reads.js';

const proxy = (ip: string, labels: Record<string, string>) => ({ id: `sidecar~${ip}~p.a~a.svc.cluster.local`, ip, namespace: 'a', labels, type: 'sidecar' });

test('reads are recorded once, in order, with answers another proxy can be compared on', () => {
  const rec = new ReadRecorder();
  const p = rec.view(proxy('10.0.0.1', { app: 'x', version: 'v1' }));
  void p.namespace;
  void p.namespace;
  void p.labels.app;
  void ('version' in p.labels);
  assert.equal(p.labels, p.labels, 'one view per nested object');
  rec.stop();
  assert.deepEqual(rec.reads.map((r) => `${r.path.join('.')}:${r.op}:${r.key}`), [':get:namespace', ':get:labels', 'labels:get:app', 'labels:has:version']);
  assert.equal(rec.shareable, true);
  // same answers: another IP, other labels values that were not read
  assert.equal(evaluate(proxy('10.0.0.2', { app: 'x', version: 'v9' }), rec.reads), rec.key);
  // a read value differs
  assert.notEqual(evaluate(proxy('10.0.0.1', { app: 'y', version: 'v1' }), rec.reads), rec.key);
  // a tested key is missing
  assert.notEqual(evaluate(proxy('10.0.0.1', { app: 'x' }), rec.reads), rec.key);
  // strings that would collide when joined naively do not
  assert.notEqual(evaluate({ ...proxy('1', { app: 'x' }), namespace: 'a\u0000b' }, rec.reads), rec.key);
});

test('spreading, listing keys and serializing are reads of every key and value', () => {
  const rec = new ReadRecorder();
  const p = rec.view(proxy('10.0.0.1', { app: 'x' }));
  const copy = { ...p.labels };
  assert.deepEqual(copy, { app: 'x' });
  assert.equal(JSON.stringify(p.labels), '{"app":"x"}');
  rec.stop();
  assert.ok(rec.reads.some((r) => r.op === 'keys'));
  assert.equal(evaluate(proxy('10.0.0.9', { app: 'x' }), rec.reads), rec.key);
  assert.notEqual(evaluate(proxy('10.0.0.1', { app: 'x', extra: '1' }), rec.reads), rec.key, 'an extra label changes the key list');
  assert.notEqual(evaluate(proxy('10.0.0.1', { app: 'z' }), rec.reads), rec.key);
});

test('symbol reads and writes make a recording unshareable; writes still apply', () => {
  const r1 = new ReadRecorder();
  const target = proxy('10.0.0.1', { app: 'x' });
  const v1 = r1.view(target);
  void (v1 as unknown as Record<symbol, unknown>)[Symbol.toStringTag];
  assert.equal(r1.shareable, false);
  const r2 = new ReadRecorder();
  const v2 = r2.view(target);
  (v2.labels as Record<string, string>).app = 'changed';
  assert.equal(r2.shareable, false);
  assert.equal(target.labels.app, 'changed');
});

test('nothing is recorded after stop(); a frozen nested object is returned as is and unshareable', () => {
  const rec = new ReadRecorder();
  const p = rec.view(proxy('10.0.0.1', { app: 'x' }));
  rec.stop();
  void p.ip;
  assert.deepEqual(rec.reads, []);
  const frozen = Object.freeze({ ip: '1', labels: Object.freeze({ app: 'x' }) });
  const r2 = new ReadRecorder();
  const f = r2.view(frozen);
  assert.equal(f.labels, frozen.labels);
  assert.equal(r2.shareable, false);
});

test('call reads are answered by the given function', () => {
  const rec = new ReadRecorder();
  rec.view(proxy('10.0.0.1', {}));
  rec.noteCall('sidecarScope', 'scope-1');
  rec.stop();
  assert.equal(evaluate(proxy('10.0.0.5', {}), rec.reads, () => 'scope-1'), rec.key);
  assert.notEqual(evaluate(proxy('10.0.0.5', {}), rec.reads, () => 'scope-2'), rec.key);
  assert.equal(evaluate(proxy('10.0.0.5', {}), rec.reads), undefined, 'no answer without the function');
});
