// FieldList, the request's headers for the router, against the Map it stands in for: the
// pseudo-headers first, each name once with repeats joined by ',', arrival order; changes never
// reach the parser's arrays it reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldList } from '../../src/proxy/server/request-state.js';

function asMap(names: string[], values: string[]): Map<string, string> {
  const m = new Map<string, string>([[':authority', 'a.ns:80'], [':method', 'GET'], [':path', '/p?q'], [':scheme', 'http']]);
  names.forEach((k, i) => m.set(k, m.has(k) ? `${m.get(k)},${values[i]}` : values[i]!));
  return m;
}

function entries(f: FieldList): [string, string][] {
  const out: [string, string][] = [];
  f.forEach((v, k) => out.push([k, v]));
  return out;
}

const CASES: [string, string[], string[]][] = [
  ['no fields', [], []],
  ['distinct names', ['host', 'user-agent', 'x-user'], ['a.ns', 'wrk', 'alice']],
  ['a repeated name', ['accept', 'x-b', 'accept', 'cookie'], ['text/html', '1', 'application/json', 'k=v']],
];

for (const [what, names, values] of CASES) {
  test(`FieldList reads like the Map it replaces: ${what}`, () => {
    const want = asMap(names, values);
    const f = new FieldList('a.ns:80', 'GET', '/p?q', 'http', names, values);
    assert.deepEqual(entries(f), [...want.entries()]);
    for (const k of [...want.keys(), 'absent', ':other']) {
      assert.equal(f.get(k), want.get(k), k);
      assert.equal(f.has(k), want.has(k), k);
    }
  });

  test(`FieldList changes like the Map and leaves the parser's arrays alone: ${what}`, () => {
    const n0 = [...names];
    const v0 = [...values];
    const want = asMap(names, values);
    const f = new FieldList('a.ns:80', 'GET', '/p?q', 'http', names, values);
    f.set('x-new', '1');
    want.set('x-new', '1');
    f.set(':path', '/rewritten');
    want.set(':path', '/rewritten');
    assert.equal(f.delete('user-agent'), want.delete('user-agent'));
    assert.equal(f.delete('absent'), false);
    assert.deepEqual(entries(f), [...want.entries()]);
    assert.equal(f.get(':path'), '/rewritten');
    assert.deepEqual(names, n0);
    assert.deepEqual(values, v0);
  });
}

test('FieldList: new names set before any copy (the metadata-exchange pair) read and iterate like the Map', () => {
  const names = ['host', 'user-agent'];
  const values = ['a.ns', 'wrk'];
  const want = asMap(names, values);
  const f = new FieldList('a.ns:80', 'GET', '/p?q', 'http', names, values);
  for (const [k, v] of [['x-envoy-peer-metadata-id', 'sidecar~1'], ['x-envoy-peer-metadata', 'AAA'], ['x-envoy-peer-metadata-id', 'sidecar~2']] as const) {
    f.set(k, v);
    want.set(k, v);
  }
  assert.deepEqual(entries(f), [...want.entries()]);
  assert.equal(f.get('x-envoy-peer-metadata-id'), 'sidecar~2');
  assert.equal(f.has('x-envoy-peer-metadata'), true);
  // Then a change to a field the request had, and a deletion of an added one: the copy keeps both kinds.
  f.set('user-agent', 'curl');
  want.set('user-agent', 'curl');
  assert.equal(f.delete('x-envoy-peer-metadata'), want.delete('x-envoy-peer-metadata'));
  assert.deepEqual(entries(f), [...want.entries()]);
  assert.deepEqual(names, ['host', 'user-agent']);
  assert.deepEqual(values, ['a.ns', 'wrk']);
});
