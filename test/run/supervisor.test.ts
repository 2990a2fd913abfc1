/**
 * The supervisor of `trellis up`'s processes, with a fake spawner and a fake clock: the backoff
 * sequence (200 ms doubling to 10 s, reset after 30 s up), the crash report (exit code or signal,
 * the last stderr line), restart policies (always, on-failure, never), a spawn failure, and stop
 * (SIGTERM, SIGKILL after the grace period, never restarted afterwards).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { Backoff } from '../../src/run/backoff.js';
import type { ProcessPlan, RestartPolicy } from '../../src/run/plan.js';
import { Supervised, type ChildLike, type Spawner, type SupervisorEvent } from '../../src/run/supervisor.js';
import { FakeClock } from '../config/store-helpers.js';

class FakeChild extends EventEmitter implements ChildLike {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  signals: string[] = [];
  constructor(readonly pid: number) {
    super();
  }
  /** The process ends: exit, then its streams close. */
  end(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.emit('exit', code, signal);
    this.stdout.end();
    this.stderr.end();
    this.emit('close');
  }
}

class FakeSpawner implements Spawner {
  children: FakeChild[] = [];
  fail = false;
  spawn(): ChildLike {
    const c = new FakeChild(1000 + this.children.length);
    this.children.push(c);
    if (this.fail) queueMicrotask(() => c.emit('error', Object.assign(new Error('spawn x ENOENT'), { code: 'ENOENT' })));
    return c;
  }
  signal(child: ChildLike, sig: NodeJS.Signals): void {
    (child as FakeChild).signals.push(sig);
  }
  get last(): FakeChild {
    return this.children[this.children.length - 1]!;
  }
}

function plan(restart: RestartPolicy = 'always'): ProcessPlan {
  return { name: 'demoapp', command: 'x', args: [], env: {}, restart, stdin: false };
}

function setup(restart: RestartPolicy = 'always') {
  const clock = new FakeClock();
  const spawner = new FakeSpawner();
  const events: SupervisorEvent[] = [];
  const s = new Supervised(plan(restart), { spawner, clock, onEvent: (e) => events.push(e), graceMs: 3000 });
  const exits = () => events.filter((e): e is Extract<SupervisorEvent, { type: 'exited' }> => e.type === 'exited');
  return { clock, spawner, events, s, exits };
}

const tick = () => new Promise((r) => setImmediate(r));

test('backoff: 200 ms doubling to 10 s; a process that ran 30 s starts over', () => {
  const b = new Backoff();
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map(() => b.next(10)), [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
  assert.equal(b.next(30_000), 200);
  assert.equal(b.next(100), 400);
});

test('supervisor: a crash is reported with its code and last stderr line and restarted after the backoff', { timeout: 5000 }, async () => {
  const { clock, spawner, s, exits } = setup();
  s.start();
  assert.equal(s.state, 'running');
  assert.equal(s.pid, 1000);
  spawner.last.stderr.write('listening\nError: listen EADDRINUSE 127.2.0.1:8080\n');
  await tick();
  clock.advance(1500);
  spawner.last.end(1);
  assert.equal(s.state, 'backoff');
  assert.deepEqual(exits().map((e) => [e.code, e.lastStderr, e.restartInMs, e.uptimeMs]), [[1, 'Error: listen EADDRINUSE 127.2.0.1:8080', 200, 1500]]);
  clock.advance(199);
  assert.equal(spawner.children.length, 1, 'not before 200 ms');
  clock.advance(1);
  assert.equal(spawner.children.length, 2);
  assert.equal(s.state, 'running');
  assert.equal(s.restarts, 1);
  assert.equal(s.pid, 1001);

  // Crashing again at once: 400, then 800 ms.
  spawner.last.end(null, 'SIGKILL');
  assert.equal(exits()[1]!.restartInMs, 400);
  assert.equal(exits()[1]!.signal, 'SIGKILL');
  assert.equal(exits()[1]!.lastStderr, undefined, 'the last line is per run');
  clock.advance(400);
  spawner.last.end(2);
  assert.equal(exits()[2]!.restartInMs, 800);
  clock.advance(800);
  // Up for 30 s: the next crash waits 200 ms again.
  clock.advance(30_000);
  spawner.last.end(3);
  assert.equal(exits()[3]!.restartInMs, 200);
  assert.equal(s.restarts, 3);
});

test('supervisor: restart policies never and on-failure', { timeout: 5000 }, () => {
  const never = setup('never');
  never.s.start();
  never.spawner.last.end(1);
  never.clock.advance(60_000);
  assert.equal(never.spawner.children.length, 1);
  assert.equal(never.s.state, 'exited');
  assert.equal(never.exits()[0]!.restartInMs, undefined);

  const onFailure = setup('on-failure');
  onFailure.s.start();
  onFailure.spawner.last.end(1);
  onFailure.clock.advance(200);
  assert.equal(onFailure.spawner.children.length, 2, 'a failure is restarted');
  onFailure.spawner.last.end(0);
  onFailure.clock.advance(60_000);
  assert.equal(onFailure.spawner.children.length, 2, 'a clean exit is not');
  assert.equal(onFailure.s.state, 'exited');
});

test('supervisor: a command that cannot be started is reported as such and retried', { timeout: 5000 }, async () => {
  const { spawner, s, exits, clock } = setup();
  spawner.fail = true;
  s.start();
  await tick();
  assert.equal(exits()[0]!.error, 'command not found: x');
  assert.equal(exits()[0]!.restartInMs, 200);
  spawner.fail = false;
  clock.advance(200);
  assert.equal(s.state, 'running');
});

test('supervisor: stop sends SIGTERM, SIGKILL after the grace period, and never restarts', { timeout: 5000 }, async () => {
  const { clock, spawner, s, exits } = setup();
  s.start();
  let stopped = false;
  const p = s.stop().then(() => { stopped = true; });
  assert.deepEqual(spawner.last.signals, ['SIGTERM']);
  clock.advance(2999);
  assert.deepEqual(spawner.last.signals, ['SIGTERM']);
  clock.advance(1);
  assert.deepEqual(spawner.last.signals, ['SIGTERM', 'SIGKILL']);
  await tick();
  assert.equal(stopped, false, 'resolves only once the process is gone');
  spawner.last.end(null, 'SIGKILL');
  await p;
  assert.equal(s.state, 'stopped');
  assert.equal(exits()[0]!.restartInMs, undefined);
  clock.advance(60_000);
  assert.equal(spawner.children.length, 1);

  // Stopping while waiting to restart cancels the restart.
  const b = setup();
  b.s.start();
  b.spawner.last.end(1);
  await b.s.stop();
  b.clock.advance(60_000);
  assert.equal(b.spawner.children.length, 1);
  assert.equal(b.s.state, 'stopped');
});

test('supervisor: output is split into lines, a partial last line included', { timeout: 5000 }, async () => {
  const { spawner, s, events } = setup('never');
  s.start();
  spawner.last.stdout.write('one\ntw');
  spawner.last.stdout.write('o\r\nthree');
  await tick();
  spawner.last.end(0);
  await tick();
  assert.deepEqual(events.filter((e) => e.type === 'line').map((e) => (e as { line: string }).line), ['one', 'two', 'three']);
});
