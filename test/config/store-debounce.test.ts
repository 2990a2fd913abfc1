/**
 * The store's debouncer with a fake clock: a burst runs once after the quiet period, a steady
 * stream runs at the latest after the maximum delay, flush and cancel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Debouncer } from '../../src/config/store/debounce.js';
import { FakeClock } from './store-helpers.js';

test('debounce: a burst of triggers runs once, quietMs after the last one', () => {
  const clock = new FakeClock();
  const runs: number[] = [];
  const d = new Debouncer(clock, () => runs.push(clock.now()), 100, 1000);
  d.trigger();
  clock.advance(60);
  d.trigger();
  clock.advance(60);
  d.trigger();
  assert.ok(d.pending);
  clock.advance(99);
  assert.deepEqual(runs, []);
  clock.advance(1);
  assert.deepEqual(runs, [220]);
  assert.equal(d.pending, false);
  assert.equal(clock.pendingTimers, 0);
});

test('debounce: a steady stream runs at the latest maxDelayMs after its first trigger', () => {
  const clock = new FakeClock();
  const runs: number[] = [];
  const d = new Debouncer(clock, () => runs.push(clock.now()), 100, 1000);
  for (let i = 0; i < 30; i++) {
    d.trigger();
    clock.advance(50);
  }
  // 0..1450: runs at 1000 (max delay), then the triggers from 1000 on form a new burst.
  assert.equal(runs[0], 1000);
  clock.advance(200);
  assert.equal(runs.length, 2);
  assert.equal(runs[1], 1550); // last trigger at 1450 + 100
});

test('debounce: flush runs a pending change at once; cancel drops it', () => {
  const clock = new FakeClock();
  let n = 0;
  const d = new Debouncer(clock, () => n++, 100, 1000);
  d.flush();
  assert.equal(n, 0);
  d.trigger();
  d.flush();
  assert.equal(n, 1);
  assert.equal(clock.pendingTimers, 0);
  d.trigger();
  d.cancel();
  clock.advance(1000);
  assert.equal(n, 1);
});
