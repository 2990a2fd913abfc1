/**
 * Debouncing with a fake clock: a burst becomes one flush after the quiet period, the max wait
 * is honoured under a steady stream, changed kinds are merged (an empty set meaning everything).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Debouncer, type DebouncedChange } from '../../src/xds/debounce.js';
import type { Snapshot } from '../../src/model/types.js';
import { FakeClock } from './fakes.js';

const snap = (v: string): Snapshot => ({ version: v }) as unknown as Snapshot;

function setup(quiet = 100, max = 1000) {
  const clock = new FakeClock();
  const flushed: DebouncedChange[] = [];
  const d = new Debouncer(clock, quiet, max, (c) => flushed.push(c));
  return { clock, flushed, d };
}

test('a burst of changes is coalesced into one flush after the quiet period', () => {
  const { clock, flushed, d } = setup();
  const start = clock.now();
  d.push({ snapshot: snap('1'), changedKinds: new Set(['VirtualService']) });
  clock.advance(50);
  d.push({ snapshot: snap('2'), changedKinds: new Set(['DestinationRule']) });
  clock.advance(99);
  assert.equal(flushed.length, 0);
  d.push({ snapshot: snap('3'), changedKinds: new Set(['endpoints']) });
  clock.advance(99);
  assert.equal(flushed.length, 0);
  clock.advance(1);
  assert.equal(flushed.length, 1);
  const f = flushed[0]!;
  assert.equal(f.snapshot.version, '3', 'the latest snapshot');
  assert.equal(f.count, 3);
  assert.equal(f.firstAt, start);
  assert.deepEqual([...f.changedKinds].sort(), ['DestinationRule', 'VirtualService', 'endpoints']);
  clock.advance(10_000);
  assert.equal(flushed.length, 1);
  assert.equal(clock.pendingTimers, 0);
});

test('the max wait is honoured under a steady stream of changes', () => {
  const { clock, flushed, d } = setup(100, 1000);
  const start = clock.now();
  for (let i = 0; i < 30; i++) {
    d.push({ snapshot: snap(String(i)), changedKinds: new Set(['VirtualService']) });
    clock.advance(60);
  }
  // changes every 60 ms never leave a 100 ms quiet period: flushes come from the max wait
  assert.ok(flushed.length >= 1);
  assert.equal(flushed[0]!.firstAt, start);
  assert.ok(flushed[0]!.count >= 16 && flushed[0]!.count <= 17, `count ${flushed[0]!.count}`);
  // the first flush happened exactly at the max wait
  assert.equal(flushed.length, Math.floor((clock.now() - start) / 1000));
});

test('flush fires at the max wait exactly, not after the quiet period', () => {
  const { clock, flushed, d } = setup(100, 250);
  d.push({ snapshot: snap('a'), changedKinds: new Set(['X']) });
  clock.advance(90);
  d.push({ snapshot: snap('b'), changedKinds: new Set(['X']) });
  clock.advance(90);
  d.push({ snapshot: snap('c'), changedKinds: new Set(['X']) }); // at 180: quiet would fire at 280 > max 250
  clock.advance(69);
  assert.equal(flushed.length, 0);
  clock.advance(1);
  assert.equal(flushed.length, 1);
  assert.equal(flushed[0]!.snapshot.version, 'c');
});

test('an empty change set means everything and stays so when merged', () => {
  const { clock, flushed, d } = setup();
  d.push({ snapshot: snap('1'), changedKinds: new Set(['endpoints']) });
  d.push({ snapshot: snap('2'), changedKinds: new Set() });
  d.push({ snapshot: snap('3'), changedKinds: new Set(['endpoints']) });
  clock.advance(100);
  assert.equal(flushed[0]!.changedKinds.size, 0);
});

test('cancel drops a waiting burst; flushNow fires it at once', () => {
  const { clock, flushed, d } = setup();
  d.push({ snapshot: snap('1'), changedKinds: new Set(['X']) });
  d.cancel();
  clock.advance(1000);
  assert.equal(flushed.length, 0);
  d.push({ snapshot: snap('2'), changedKinds: new Set(['X']) });
  assert.equal(d.waiting, true);
  d.flushNow();
  assert.equal(flushed.length, 1);
  assert.equal(clock.pendingTimers, 0);
});
