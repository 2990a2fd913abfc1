/**
 * The watched-directory store on a real temporary directory, with a fake clock for the debounce:
 * coalescing of edits, an invalid edit keeping the last good version (reported with file:line,
 * object and field) and the recovery after the fix, deleted files, new sub-directories, atomic
 * saves (write + rename), only changed files re-parsed, and a directory that vanishes and comes
 * back. Bounded waits; every directory and watcher is cleaned up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrellisError } from '../../src/common/errors.js';
import { FileDirStore } from '../../src/config/store/file-dir.js';
import type { StoreEvent } from '../../src/config/store/types.js';
import { FakeClock, until, virtualService, workloadEntry } from './store-helpers.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function open(t: { after: (fn: () => void | Promise<void>) => void }, dir: string, clock = new FakeClock(), recursive = false) {
  const store = new FileDirStore({ dir, clock, log: () => {}, recursive });
  const events: StoreEvent[] = [];
  store.subscribe((e) => events.push(e));
  await store.start();
  t.after(() => store.close());
  return { store, clock, events };
}

/** Lets stray file-system events of the last write arrive (fake time does not move meanwhile). */
const settle = () => new Promise((r) => setTimeout(r, 60));

const hosts = (store: FileDirStore) => store.list().map((o) => `${o.raw.metadata.name}:${JSON.stringify((o.raw.body.spec as { hosts?: string[] }).hosts ?? null)}`);

test('file-dir store: loads a directory\'s own files (sub-directories only when recursive); a missing directory is E_READ', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'a.yaml'), virtualService('a', 'a'));
  writeFileSync(join(dir, 'sub', 'b.yml'), workloadEntry('b', '10.0.0.1'));
  writeFileSync(join(dir, 'notes.txt'), 'not config');
  const flat = await open(t, dir);
  assert.deepEqual(flat.store.list().map((o) => `${o.raw.kind}/${o.raw.metadata.name}`), ['VirtualService/a'], 'as kubectl apply -f DIR: sub/ is left out');
  assert.equal(flat.store.stats.watchedDirs, 1);
  const { store, events } = await open(t, dir, new FakeClock(), true);
  assert.deepEqual(store.list().map((o) => `${o.raw.kind}/${o.raw.metadata.name}`), ['VirtualService/a', 'WorkloadEntry/b']);
  assert.equal(events.length, 0, 'the initial load is read with list(), not announced');
  assert.equal(store.stats.mode, 'watch');
  assert.equal(store.stats.watchedDirs, 2);
  await assert.rejects(new FileDirStore({ dir: join(dir, 'nope') }).start(), (e: unknown) => e instanceof TrellisError && e.code === 'E_READ' && /no such file/.test(e.message));
  await assert.rejects(new FileDirStore({ dir: join(dir, 'a.yaml') }).start(), (e: unknown) => e instanceof TrellisError && e.code === 'E_READ');
});

test('file-dir store: edits within the quiet period are coalesced into one rescan and one event', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'vs.yaml');
  writeFileSync(file, virtualService('vs', 'v1'));
  const { store, clock, events } = await open(t, dir);
  const scans = store.stats.scans;

  writeFileSync(file, virtualService('vs', 'v2'));
  await until(() => store.pending, 'the watch event of the first edit');
  await settle();
  clock.advance(50);
  const seen = store.stats.watchEvents;
  writeFileSync(file, virtualService('vs', 'v3'));
  await until(() => store.stats.watchEvents > seen, 'the watch event of the second edit');
  await settle();
  clock.advance(99);
  assert.equal(events.length, 0, 'nothing before 100 ms of quiet');
  assert.equal(store.stats.scans, scans);
  clock.advance(1);
  assert.equal(events.length, 1);
  assert.equal(store.stats.scans, scans + 1);
  assert.deepEqual([...events[0]!.changed], ['VirtualService']);
  assert.deepEqual(hosts(store), ['vs:["v3"]']);
});

test('file-dir store: an invalid edit is reported with file:line, object and field and the last good version stays; the fix is accepted', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'vs.yaml');
  writeFileSync(file, `${virtualService('reviews', 'reviews', '    timeout: 2s\n')}---\n${workloadEntry('w1', '10.0.0.1')}`);
  const { store, clock, events } = await open(t, dir);

  writeFileSync(file, `${virtualService('reviews', 'reviews', '    timeout: 5x\n')}---\n${workloadEntry('w1', '10.0.0.9')}`);
  await until(() => store.pending, 'the watch event');
  await settle();
  clock.advance(100);
  assert.equal(events.length, 1);
  const e = events[0]!;
  assert.deepEqual([...e.changed], ['WorkloadEntry'], 'the valid object of the file is updated');
  const err = e.problems.find((p) => p.severity === 'error')!;
  assert.equal(err.file, file);
  assert.equal(err.line, 12);
  assert.equal(err.object, 'VirtualService default/reviews');
  assert.equal(err.field, 'spec.http[0].timeout');
  assert.deepEqual(err.kept, { file, line: 1 });
  const vs = store.list().find((o) => o.raw.kind === 'VirtualService')!;
  assert.equal((vs.raw.body as { spec: { http: { timeout: string }[] } }).spec.http[0]!.timeout, '2s');
  assert.equal(store.problems().length, 1);

  writeFileSync(file, `${virtualService('reviews', 'reviews', '    timeout: 3s\n')}---\n${workloadEntry('w1', '10.0.0.9')}`);
  await until(() => store.pending, 'the watch event of the fix');
  await settle();
  clock.advance(100);
  assert.equal(events.length, 2);
  assert.deepEqual(events[1]!.changes.map((c) => `${c.op} ${c.kind}/${c.name}`), ['updated VirtualService/reviews']);
  assert.equal(store.problems().length, 0);
});

test('file-dir store: a YAML syntax error keeps what the file defined', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a.yaml');
  writeFileSync(file, virtualService('a', 'a'));
  const { store, clock, events } = await open(t, dir);
  writeFileSync(file, 'apiVersion: networking.istio.io/v1\nkind: [\n');
  await until(() => store.pending, 'the watch event');
  await settle();
  clock.advance(100);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.changed.size, 0);
  assert.match(events[0]!.problems[0]!.message, /YAML syntax error/);
  assert.deepEqual(hosts(store), ['a:["a"]']);
});

test('file-dir store: deleted files remove their objects; new files and (recursive) sub-directories are picked up; only changed files are parsed', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.yaml'), virtualService('a', 'a'));
  writeFileSync(join(dir, 'b.yaml'), workloadEntry('b', '10.0.0.1'));
  writeFileSync(join(dir, 'c.yaml'), virtualService('c', 'c'));
  const { store, clock, events } = await open(t, dir, new FakeClock(), true);
  assert.equal(store.stats.parsed, 3);

  rmSync(join(dir, 'b.yaml'));
  await until(() => store.pending, 'the watch event of the delete');
  await settle();
  clock.advance(100);
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]!.changes.map((c) => `${c.op} ${c.kind}/${c.name}`), ['removed WorkloadEntry/b']);
  assert.equal(store.stats.parsed, 3, 'a.yaml and c.yaml were not parsed again');

  mkdirSync(join(dir, 'more'));
  writeFileSync(join(dir, 'more', 'd.yaml'), workloadEntry('d', '10.0.0.4'));
  await until(() => store.pending, 'the watch event of the new directory');
  await settle();
  clock.advance(100);
  // The new directory is watched from now on; a file written meanwhile is found by a second look.
  clock.advance(100);
  assert.deepEqual(store.list().map((o) => o.raw.metadata.name), ['a', 'c', 'd']);
  assert.equal(store.stats.watchedDirs, 2);
  const n = events.length;
  writeFileSync(join(dir, 'more', 'd.yaml'), workloadEntry('d', '10.0.0.5'));
  await until(() => store.pending, 'the watch event inside the new directory');
  await settle();
  clock.advance(100);
  assert.equal(events.length, n + 1);
  assert.deepEqual(events[n]!.changes.map((c) => `${c.op} ${c.name}`), ['updated d']);
});

test('file-dir store: an atomic save (write to a temporary file, rename over) is seen', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.yaml'), virtualService('a', 'a'));
  const { store, clock, events } = await open(t, dir);
  writeFileSync(join(dir, '.a.yaml.swp'), virtualService('a', 'renamed'));
  renameSync(join(dir, '.a.yaml.swp'), join(dir, 'a.yaml'));
  await until(() => store.pending, 'the watch event of the rename');
  await settle();
  clock.advance(100);
  assert.deepEqual(events.map((e) => e.changes.map((c) => c.op)), [['updated']]);
  assert.deepEqual(hosts(store), ['a:["renamed"]']);
});

test('file-dir store: a vanished directory keeps the last good config and is reported; it is read again when it comes back', async (t) => {
  const parent = tempDir(t);
  const dir = join(parent, 'config');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.yaml'), virtualService('a', 'a'));
  const { store, clock, events } = await open(t, dir);
  rmSync(dir, { recursive: true });
  await until(() => store.pending, 'the watch event of the removal');
  await settle();
  clock.advance(100);
  assert.equal(events.length, 1);
  assert.match(events[0]!.problems[0]!.message, /cannot read the config directory.*last good config stays in effect/);
  assert.deepEqual(hosts(store), ['a:["a"]']);
  assert.equal(store.stats.mode, 'poll');

  mkdirSync(dir);
  writeFileSync(join(dir, 'a.yaml'), virtualService('a', 'back'));
  clock.advance(1000); // the fallback poll
  assert.deepEqual(hosts(store), ['a:["back"]']);
  assert.equal(store.problems().length, 0);
  assert.equal(store.stats.mode, 'watch');
});

test('file-dir store: with the real clock, an edit is announced after the debounce', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.yaml'), virtualService('a', 'a'));
  const store = new FileDirStore({ dir, log: () => {} });
  t.after(() => store.close());
  await store.start();
  const got = new Promise<StoreEvent>((resolve) => store.subscribe(resolve));
  const t0 = Date.now();
  writeFileSync(join(dir, 'a.yaml'), virtualService('a', 'edited'));
  const e = await Promise.race([got, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no event within 3 s')), 3000))]);
  assert.deepEqual(e.changes.map((c) => c.op), ['updated']);
  assert.ok(Date.now() - t0 >= 90, 'not before the quiet period');
});
