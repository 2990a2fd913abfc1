/**
 * The push queue: concurrency limit, FIFO order, coalescing of a waiting proxy's requests, and a
 * request for a proxy being pushed to now held back and run after (never two at once per proxy).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PushQueue } from '../../src/xds/push-queue.js';

interface Run { key: string; req: string[]; finish: () => void }

function setup(concurrency: number) {
  const runs: Run[] = [];
  const active = new Set<string>();
  let maxActive = 0;
  const q = new PushQueue<string, string[]>(concurrency, (a, b) => [...a, ...b], (key, req) => {
    assert.ok(!active.has(key), `two pushes at once to ${key}`);
    active.add(key);
    maxActive = Math.max(maxActive, active.size);
    return new Promise<void>((resolve) => {
      runs.push({ key, req, finish: () => { active.delete(key); resolve(); } });
    });
  });
  const tick = () => new Promise<void>((r) => setImmediate(r));
  return { q, runs, tick, maxActive: () => maxActive, active };
}

test('at most `concurrency` pushes run at once, in FIFO order', async () => {
  const { q, runs, tick, maxActive } = setup(2);
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.enqueue(k, [k]);
  assert.deepEqual(runs.map((r) => r.key), ['a', 'b']);
  assert.equal(q.inProgress, 2);
  assert.equal(q.waiting, 3);
  runs[1]!.finish();
  await tick();
  assert.deepEqual(runs.map((r) => r.key), ['a', 'b', 'c']);
  runs[0]!.finish();
  runs[2]!.finish();
  await tick();
  assert.deepEqual(runs.map((r) => r.key), ['a', 'b', 'c', 'd', 'e']);
  runs[3]!.finish();
  runs[4]!.finish();
  await q.idle();
  assert.equal(maxActive(), 2);
});

test('requests for a waiting proxy are merged into one push', async () => {
  const { q, runs, tick } = setup(1);
  q.enqueue('a', ['1']);
  q.enqueue('b', ['2']);
  q.enqueue('b', ['3']);
  q.enqueue('c', ['4']);
  q.enqueue('b', ['5']);
  runs[0]!.finish();
  await tick();
  assert.deepEqual(runs[1], { ...runs[1], key: 'b', req: ['2', '3', '5'] });
  runs[1]!.finish();
  await tick();
  assert.equal(runs[2]!.key, 'c');
  runs[2]!.finish();
  await q.idle();
  assert.equal(runs.length, 3);
});

test('a request for a proxy being pushed to runs after, at the tail, merged', async () => {
  const { q, runs, tick } = setup(2);
  q.enqueue('a', ['1']);
  q.enqueue('b', ['2']);
  q.enqueue('a', ['3']); // a is running
  q.enqueue('a', ['4']);
  q.enqueue('c', ['5']);
  assert.deepEqual(runs.map((r) => r.key), ['a', 'b']);
  runs[0]!.finish(); // a done: its held request joins the tail after c
  await tick();
  assert.deepEqual(runs.map((r) => r.key), ['a', 'b', 'c']);
  runs[1]!.finish();
  await tick();
  assert.deepEqual(runs[3], { ...runs[3], key: 'a', req: ['3', '4'] });
  runs[2]!.finish();
  runs[3]!.finish();
  await q.idle();
  assert.equal(runs.length, 4);
});

test('remove drops a waiting proxy; a failing push does not stop the queue; idle resolves', async () => {
  const errors: string[] = [];
  const done: string[] = [];
  const q = new PushQueue<string, number>(1, (a, b) => a + b, (k) => {
    if (k === 'bad') throw new Error('boom');
    done.push(k);
    return Promise.resolve();
  }, (k, e) => errors.push(`${k}: ${(e as Error).message}`));
  const hold = new PushQueue<string, number>(1, (a, b) => a + b, () => new Promise(() => {}));
  hold.enqueue('x', 1);
  hold.enqueue('y', 1);
  hold.remove('y');
  assert.equal(hold.waiting, 0);
  q.enqueue('bad', 1);
  q.enqueue('ok', 1);
  await q.idle();
  assert.deepEqual(errors, ['bad: boom']);
  assert.deepEqual(done, ['ok']);
  assert.throws(() => new PushQueue(0, (a) => a, () => {}), RangeError);
});

test('with slicing, pushes start in time slices shared by one run of enqueues, at least one per slice', { timeout: 10_000 }, async () => {
  let now = 0;
  const deferred: (() => void)[] = [];
  const started: string[] = [];
  const q = new PushQueue<string, number>(10, (a, b) => a + b, (key) => {
    started.push(key);
    now += 3; // each push takes 3 ms
  }, undefined, { sliceMs: 5, now: () => now, defer: (fn) => void deferred.push(fn) });
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.enqueue(k, 1);
  assert.deepEqual(started, ['a', 'b'], 'a round of enqueues is one slice: 5 ms hold two 3 ms pushes');
  assert.equal(deferred.length, 1, 'the rest wait for the next turn');
  q.enqueue('b', 1);
  q.enqueue('f', 1);
  assert.deepEqual(started, ['a', 'b'], 'a deferred slice is pending: enqueues do not start pushes');
  deferred.shift()!();
  assert.deepEqual(started, ['a', 'b', 'c', 'd']);
  deferred.shift()!();
  deferred.shift()!();
  assert.deepEqual(started, ['a', 'b', 'c', 'd', 'e', 'b', 'f']);
  await q.idle();
  // a slice of 0 ms still starts one push per turn
  const q0 = new PushQueue<string, number>(10, (a, b) => a + b, (key) => void started.push(key), undefined,
    { sliceMs: 0, now: () => now, defer: (fn) => void deferred.push(fn) });
  started.length = 0;
  q0.enqueue('x', 1);
  q0.enqueue('y', 1);
  assert.deepEqual(started, ['x']);
  deferred.shift()!();
  assert.deepEqual(started, ['x', 'y']);
  await q0.idle();
});
