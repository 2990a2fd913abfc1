/**
 * The rules every config store follows (object-set.ts), through the memory store: last good
 * version kept on invalid edits and syntax errors, removals, duplicates (first wins, warned),
 * creation order, changed kinds, and line-only moves that are not changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTexts } from '../../src/config/load.js';
import { MemoryStore } from '../../src/config/store/memory.js';
import type { StoreEvent } from '../../src/config/store/types.js';
import { virtualService, workloadEntry } from './store-helpers.js';

const names = (s: MemoryStore) => s.list().map((o) => `${o.raw.kind}/${o.raw.metadata.name}@${o.raw.origin.file}:${o.raw.origin.line}`);

test('memory store: objects in file order, each event names the changed kinds', () => {
  const s = new MemoryStore();
  const events: StoreEvent[] = [];
  s.subscribe((e) => events.push(e));
  const e1 = s.applyText('a.yaml', `${virtualService('a', 'a')}---\n${workloadEntry('w1', '10.0.0.1')}`);
  assert.deepEqual([...e1.changed].sort(), ['VirtualService', 'WorkloadEntry']);
  assert.deepEqual(e1.changes.map((c) => `${c.op} ${c.kind} ${c.namespace}/${c.name} ${c.file}:${c.line}`), [
    'added VirtualService default/a a.yaml:1',
    'added WorkloadEntry default/w1 a.yaml:13',
  ]);
  s.applyText('b.yaml', virtualService('b', 'b'));
  assert.deepEqual(names(s), ['VirtualService/a@a.yaml:1', 'WorkloadEntry/w1@a.yaml:13', 'VirtualService/b@b.yaml:1']);
  const e3 = s.applyText('a.yaml', `${virtualService('a', 'a')}---\n${workloadEntry('w1', '10.0.0.2')}`);
  assert.deepEqual([...e3.changed], ['WorkloadEntry']);
  assert.deepEqual(e3.changes.map((c) => c.op), ['updated']);
  assert.equal(events.length, 3);
  // Updates keep the creation position.
  assert.deepEqual(names(s), ['VirtualService/a@a.yaml:1', 'WorkloadEntry/w1@a.yaml:13', 'VirtualService/b@b.yaml:1']);
});

test('memory store: an invalid edit is rejected with file:line, object and field; the last good version stays; fixing it is accepted', () => {
  const s = new MemoryStore();
  s.applyText('vs.yaml', virtualService('reviews', 'reviews', '    timeout: 2s\n'));
  const bad = s.applyText('vs.yaml', virtualService('reviews', 'reviews', '    timeout: 5x\n'));
  assert.equal(bad.changed.size, 0);
  assert.equal(bad.problems.length, 1);
  const p = bad.problems[0]!;
  assert.equal(p.severity, 'error');
  assert.equal(p.file, 'vs.yaml');
  assert.equal(p.line, 12);
  assert.equal(p.object, 'VirtualService default/reviews');
  assert.equal(p.field, 'spec.http[0].timeout');
  assert.match(p.message, /invalid duration "5x"/);
  assert.deepEqual(p.kept, { file: 'vs.yaml', line: 1 });
  const vs = s.list()[0]!.raw.body as { spec: { http: { timeout: string }[] } };
  assert.equal(vs.spec.http[0]!.timeout, '2s');
  assert.equal(s.problems().length, 1);

  const fixed = s.applyText('vs.yaml', virtualService('reviews', 'reviews', '    timeout: 3s\n'));
  assert.deepEqual(fixed.changes.map((c) => c.op), ['updated']);
  assert.equal(fixed.problems.length, 0);
  assert.equal(s.problems().length, 0);
  assert.equal((s.list()[0]!.raw.body as { spec: { http: { timeout: string }[] } }).spec.http[0]!.timeout, '3s');
});

test('memory store: a new object that is invalid is just rejected (nothing to keep)', () => {
  const s = new MemoryStore();
  const e = s.applyText('vs.yaml', virtualService('reviews', 'reviews', '    timeout: 5x\n'));
  assert.equal(s.list().length, 0);
  assert.equal(e.problems[0]!.kept, undefined);
});

test('memory store: a YAML syntax error keeps every object the file defined; other documents still update', () => {
  const s = new MemoryStore();
  s.applyText('a.yaml', `${virtualService('a', 'a')}---\n${workloadEntry('w1', '10.0.0.1')}---\n${virtualService('c', 'c')}`);
  assert.equal(s.list().length, 3);
  const e = s.applyText('a.yaml', `${virtualService('a', 'a2')}---\nkind: [\n---\n${virtualService('c', 'c')}`);
  assert.deepEqual(e.changes.map((c) => `${c.op} ${c.name}`), ['updated a']);
  assert.equal(e.problems.length, 1);
  assert.match(e.problems[0]!.message, /YAML syntax error/);
  assert.equal(e.problems[0]!.line, 14); // where the yaml parser places the unclosed `[`
  assert.deepEqual(s.list().map((o) => o.raw.metadata.name), ['a', 'w1', 'c']);
  // Fixed without w1: now it is removed.
  const e2 = s.applyText('a.yaml', `${virtualService('a', 'a2')}---\n${virtualService('c', 'c')}`);
  assert.deepEqual(e2.changes.map((c) => `${c.op} ${c.kind}/${c.name}`), ['removed WorkloadEntry/w1']);
  assert.deepEqual([...e2.changed], ['WorkloadEntry']);
});

test('memory store: removing a file removes its objects', () => {
  const s = new MemoryStore();
  s.applyText('a.yaml', virtualService('a', 'a'));
  s.applyText('b.yaml', workloadEntry('w', '10.0.0.1'));
  const e = s.removeFile('b.yaml');
  assert.deepEqual(e.changes.map((c) => `${c.op} ${c.kind}/${c.name} ${c.file}`), ['removed WorkloadEntry/w b.yaml']);
  assert.deepEqual(s.list().map((o) => o.raw.metadata.name), ['a']);
});

test('memory store: duplicates across files: the first stays in effect, the other is warned about; it takes over when the first goes', () => {
  const s = new MemoryStore();
  s.applyText('a.yaml', virtualService('x', 'from-a'));
  const e = s.applyText('b.yaml', virtualService('x', 'from-b'));
  assert.equal(e.changes.length, 0);
  assert.equal(e.problems.length, 1);
  assert.equal(e.problems[0]!.severity, 'warning');
  assert.equal(e.problems[0]!.file, 'b.yaml');
  assert.match(e.problems[0]!.message, /already defined at a\.yaml:1, which stays in effect/);
  assert.equal(s.list()[0]!.raw.origin.file, 'a.yaml');
  // Editing the one in effect keeps it in effect.
  s.applyText('a.yaml', virtualService('x', 'from-a2'));
  assert.equal(s.list()[0]!.raw.origin.file, 'a.yaml');
  const gone = s.removeFile('a.yaml');
  assert.deepEqual(gone.changes.map((c) => `${c.op} ${c.file}`), ['updated b.yaml']);
  assert.equal(s.list()[0]!.raw.origin.file, 'b.yaml');
  assert.equal(s.problems().length, 0);
});

test('memory store: a duplicate within one file: the first definition is used', () => {
  const s = new MemoryStore();
  const e = s.applyText('a.yaml', `${virtualService('x', 'one')}---\n${virtualService('x', 'two')}`);
  assert.equal(s.list().length, 1);
  assert.deepEqual((s.list()[0]!.raw.body as { spec: { hosts: string[] } }).spec.hosts, ['one']);
  assert.match(e.problems[0]!.message, /defined twice in this file; the first definition \(line 1\)/);
});

test('memory store: an object that only moved to another line is not a change, but its line is updated', () => {
  const s = new MemoryStore();
  s.applyText('a.yaml', `${virtualService('a', 'a')}---\n${workloadEntry('w1', '10.0.0.1')}`);
  const e = s.applyText('a.yaml', `# a comment\n${virtualService('a', 'a')}---\n${workloadEntry('w1', '10.0.0.1')}`);
  assert.equal(e.changes.length, 0);
  assert.deepEqual(s.list().map((o) => o.raw.origin.line), [2, 14]);
});

test('memory store: set() and delete() change objects one by one', () => {
  const s = new MemoryStore();
  const loaded = loadTexts([{ file: 'gen', text: `${workloadEntry('w1', '10.0.0.1')}---\n${workloadEntry('w2', '10.0.0.2')}` }]);
  const e = s.set(loaded.objects);
  assert.deepEqual(e.changes.map((c) => `${c.op} ${c.name}`), ['added w1', 'added w2']);
  const bad = loadTexts([{ file: 'gen', text: workloadEntry('w1', 'not an address!') }]);
  const e2 = s.set(bad.objects);
  assert.equal(e2.changes.length, 0);
  assert.ok(e2.problems.some((p) => p.object === 'WorkloadEntry default/w1' && p.field === 'spec.address' && p.kept));
  const e3 = s.delete([{ kind: 'WorkloadEntry', namespace: 'default', name: 'w1' }]);
  assert.deepEqual(e3.changes.map((c) => `${c.op} ${c.name}`), ['removed w1']);
  assert.deepEqual(s.list().map((o) => o.raw.metadata.name), ['w2']);
});
