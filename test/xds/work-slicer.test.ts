/**
 * The work slicer runs queued work in order, in slices of at most `sliceMs` (with a fake clock
 * and a manual scheduler), yields between slices, survives work that throws, and schedules
 * nothing when idle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkSlicer } from '../../src/xds/work-slicer.js';

function setup(sliceMs = 10) {
  let t = 0;
  const deferred: (() => void)[] = [];
  const errors: unknown[] = [];
  const s = new WorkSlicer({ sliceMs, now: () => t, defer: (fn) => deferred.push(fn), onError: (e) => errors.push(e) });
  return { s, deferred, errors, advance: (ms: number) => { t += ms; } };
}

test('work runs in order, in slices, yielding between them', () => {
  const { s, deferred, advance } = setup(10);
  const ran: number[] = [];
  for (let i = 0; i < 5; i++) s.run(() => { ran.push(i); advance(4); });
  assert.equal(ran.length, 0, 'nothing runs synchronously');
  assert.equal(deferred.length, 1);
  deferred.shift()!(); // 0, 1, 2 (12 ms ≥ 10): yield
  assert.deepEqual(ran, [0, 1, 2]);
  assert.equal(s.pending, 2);
  assert.equal(deferred.length, 1);
  s.run(() => ran.push(9));
  assert.equal(deferred.length, 1, 'one slice scheduled at a time');
  deferred.shift()!();
  assert.deepEqual(ran, [0, 1, 2, 3, 4, 9]);
  assert.equal(deferred.length, 0, 'idle: nothing scheduled');
  s.run(() => ran.push(10));
  assert.equal(deferred.length, 1);
  deferred.shift()!();
  assert.deepEqual(ran.at(-1), 10);
});

test('work that throws is reported and the queue goes on', () => {
  const { s, deferred, errors } = setup();
  const ran: string[] = [];
  s.run(() => { throw new Error('bad'); });
  s.run(() => ran.push('after'));
  deferred.shift()!();
  assert.deepEqual(ran, ['after']);
  assert.equal((errors[0] as Error).message, 'bad');
});
