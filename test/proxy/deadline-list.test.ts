// The shared deadline list behind per-try and route timeouts: entries expire in deadline order,
// not before their time, removed ones never, and one added from an expiry is still served.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deadline, DeadlineList } from '../../src/proxy/router/deadline-list.js';

class Entry extends Deadline {
  constructor(readonly name: string, private readonly log: { name: string; late: number }[], private readonly onExpire?: () => void) {
    super();
  }

  expire(): void {
    this.log.push({ name: this.name, late: Date.now() - this.at });
    this.onExpire?.();
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('entries expire in deadline order, never early; removed entries never expire', async () => {
  const list = new DeadlineList();
  const log: { name: string; late: number }[] = [];
  const now = Date.now();
  const a = new Entry('a', log);
  const b = new Entry('b', log);
  const c = new Entry('c', log);
  const d = new Entry('d', log);
  list.add(a, now + 60);
  list.add(b, now + 20); // earlier than the armed timer: re-arms
  list.add(c, now + 40);
  list.add(d, now + 30);
  assert.equal(list.size, 4);
  list.remove(d);
  list.remove(d); // twice is harmless
  assert.equal(list.size, 3);
  await wait(120);
  assert.deepEqual(log.map((e) => e.name), ['b', 'c', 'a']);
  for (const e of log) assert.ok(e.late >= 0, `${e.name} expired ${-e.late} ms early`);
  assert.equal(list.size, 0);
});

test('removing the head before its time leaves the rest on time', async () => {
  const list = new DeadlineList();
  const log: { name: string; late: number }[] = [];
  const now = Date.now();
  const first = new Entry('first', log);
  const second = new Entry('second', log);
  list.add(first, now + 15);
  list.add(second, now + 45);
  list.remove(first);
  await wait(30);
  assert.equal(log.length, 0);
  await wait(50);
  assert.deepEqual(log.map((e) => e.name), ['second']);
});

test('an entry added while another expires (a retry) is expired too; re-adding moves an entry', async () => {
  const list = new DeadlineList();
  const log: { name: string; late: number }[] = [];
  const retry = new Entry('retry', log);
  const first = new Entry('first', log, () => list.add(retry, Date.now() + 10));
  const moved = new Entry('moved', log);
  list.add(moved, Date.now() + 5);
  list.add(moved, Date.now() + 50);
  list.add(first, Date.now() + 10);
  await wait(100);
  assert.deepEqual(log.map((e) => e.name), ['first', 'retry', 'moved']);
});
