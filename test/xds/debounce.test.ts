/**
 * Debouncing with a fake clock: an isolated change is pushed at once (leading edge, on a 0 ms
 * timer that changes of the same tick join); changes within the quiet period after a push are
 * coalesced into one trailing flush after the quiet period; the max wait is honoured under a
 * steady stream; changed kinds are merged (an empty set meaning everything); with leading off,
 * every flush waits for the quiet period (Istio's behaviour).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Debouncer, type DebouncedChange } from '../../src/xds/debounce.js';
import type { Snapshot } from '../../src/model/types.js';
import { FakeClock } from './fakes.js';

const snap = (v: string): Snapshot => ({ version: v }) as unknown as Snapshot;

function setup(quiet = 100, max = 1000, leading = true) {
  const clock = new FakeClock();
  const flushed: (DebouncedChange & { at: number })[] = [];
  const d = new Debouncer(clock, quiet, max, (c) => flushed.push({ ...c, at: clock.now() }), leading);
  return { clock, flushed, d };
}

test('an isolated change is flushed at once (leading edge)', () => {
  const { clock, flushed, d } = setup();
  const start = clock.now();
  d.push({ snapshot: snap('1'), changedKinds: new Set(['VirtualService']) });
  assert.equal(flushed.length, 0, 'not synchronously: on a 0 ms timer');
  clock.advance(0);
  assert.equal(flushed.length, 1);
  assert.equal(flushed[0]!.at, start);
  assert.equal(flushed[0]!.count, 1);
  assert.equal(flushed[0]!.firstAt, start);
  // a change after a quiet period is leading again
  clock.advance(100);
  d.push({ snapshot: snap('2'), changedKinds: new Set(['DestinationRule']) });
  clock.advance(0);
  assert.equal(flushed.length, 2);
  assert.equal(flushed[1]!.at, start + 100);
  assert.equal(clock.pendingTimers, 0);
});

test('changes of the same tick join the leading flush', () => {
  const { clock, flushed, d } = setup();
  d.push({ snapshot: snap('1'), changedKinds: new Set(['VirtualService']) });
  d.push({ snapshot: snap('2'), changedKinds: new Set(['DestinationRule']) });
  clock.advance(0);
  assert.equal(flushed.length, 1);
  assert.equal(flushed[0]!.snapshot.version, '2');
  assert.equal(flushed[0]!.count, 2);
  assert.deepEqual([...flushed[0]!.changedKinds].sort(), ['DestinationRule', 'VirtualService']);
});

test('after a leading flush, a burst is coalesced into one trailing flush after the quiet period', () => {
  const { clock, flushed, d } = setup();
  const start = clock.now();
  d.push({ snapshot: snap('1'), changedKinds: new Set(['VirtualService']) });
  clock.advance(50);
  assert.equal(flushed.length, 1, 'the first change leads');
  d.push({ snapshot: snap('2'), changedKinds: new Set(['DestinationRule']) });
  clock.advance(99);
  assert.equal(flushed.length, 1, 'within the window: waits');
  d.push({ snapshot: snap('3'), changedKinds: new Set(['endpoints']) });
  clock.advance(99);
  assert.equal(flushed.length, 1);
  clock.advance(1);
  assert.equal(flushed.length, 2);
  const f = flushed[1]!;
  assert.equal(f.at, start + 249, 'quiet period after the last change');
  assert.equal(f.snapshot.version, '3', 'the latest snapshot');
  assert.equal(f.count, 2);
  assert.equal(f.firstAt, start + 50);
  assert.deepEqual([...f.changedKinds].sort(), ['DestinationRule', 'endpoints']);
  clock.advance(10_000);
  assert.equal(flushed.length, 2);
  assert.equal(clock.pendingTimers, 0);
});

test('the max wait is honoured under a steady stream of changes', () => {
  const { clock, flushed, d } = setup(100, 1000);
  const start = clock.now();
  for (let i = 0; i < 30; i++) {
    d.push({ snapshot: snap(String(i)), changedKinds: new Set(['VirtualService']) });
    clock.advance(60);
  }
  // the first change leads; the ones every 60 ms after it never leave a 100 ms quiet period,
  // so the next flush comes from the max wait, 1000 ms after the first change of the burst
  assert.equal(flushed.length, 2);
  assert.equal(flushed[0]!.count, 1);
  assert.equal(flushed[0]!.at, start);
  assert.equal(flushed[1]!.firstAt, start + 60);
  assert.equal(flushed[1]!.at, start + 1060);
  assert.equal(flushed[1]!.count, 17);
  assert.equal(flushed[1]!.snapshot.version, '17');
});

test('a trailing flush fires at the max wait exactly, not after the quiet period', () => {
  const { clock, flushed, d } = setup(100, 250);
  d.push({ snapshot: snap('lead'), changedKinds: new Set(['X']) });
  clock.advance(0);
  const start = clock.now();
  d.push({ snapshot: snap('a'), changedKinds: new Set(['X']) });
  clock.advance(90);
  d.push({ snapshot: snap('b'), changedKinds: new Set(['X']) });
  clock.advance(90);
  d.push({ snapshot: snap('c'), changedKinds: new Set(['X']) }); // at 180: quiet would fire at 280 > max 250
  clock.advance(69);
  assert.equal(flushed.length, 1);
  clock.advance(1);
  assert.equal(flushed.length, 2);
  assert.equal(flushed[1]!.snapshot.version, 'c');
  assert.equal(flushed[1]!.at, start + 250);
});

test('with leading off, every flush waits for the quiet period (Istio)', () => {
  const { clock, flushed, d } = setup(100, 1000, false);
  const start = clock.now();
  d.push({ snapshot: snap('1'), changedKinds: new Set(['VirtualService']) });
  clock.advance(50);
  d.push({ snapshot: snap('2'), changedKinds: new Set(['DestinationRule']) });
  clock.advance(99);
  assert.equal(flushed.length, 0);
  clock.advance(1);
  assert.equal(flushed.length, 1);
  assert.equal(flushed[0]!.count, 2);
  assert.equal(flushed[0]!.firstAt, start);
  // even long after, an isolated change waits
  clock.advance(5000);
  d.push({ snapshot: snap('3'), changedKinds: new Set(['X']) });
  clock.advance(99);
  assert.equal(flushed.length, 1);
  clock.advance(1);
  assert.equal(flushed.length, 2);
});

test('an empty change set means everything and stays so when merged', () => {
  const { clock, flushed, d } = setup();
  d.push({ snapshot: snap('1'), changedKinds: new Set(['endpoints']) });
  d.push({ snapshot: snap('2'), changedKinds: new Set() });
  d.push({ snapshot: snap('3'), changedKinds: new Set(['endpoints']) });
  clock.advance(0);
  assert.equal(flushed[0]!.changedKinds.size, 0);
  // and in a trailing burst
  d.push({ snapshot: snap('4'), changedKinds: new Set(['endpoints']) });
  d.push({ snapshot: snap('5'), changedKinds: new Set() });
  clock.advance(50);
  d.push({ snapshot: snap('6'), changedKinds: new Set(['endpoints']) });
  clock.advance(100);
  assert.equal(flushed.length, 2);
  assert.equal(flushed[1]!.changedKinds.size, 0);
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
  // flushNow counts as a push: a change right after waits for the quiet period
  d.push({ snapshot: snap('3'), changedKinds: new Set(['X']) });
  clock.advance(99);
  assert.equal(flushed.length, 1);
  clock.advance(1);
  assert.equal(flushed.length, 2);
});
