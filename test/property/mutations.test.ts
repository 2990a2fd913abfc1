/**
 * Property test: thousands of random mutations of valid configs (wrong types, missing and extra
 * fields, huge numbers, odd unicode, deep nesting) go through parse and validate. No exception may
 * escape, and every rejection must carry a field path. The generator is seeded, so a failure
 * names a seed that reproduces it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { loadTexts } from '../../src/config/load.js';
import { listFiles } from '../../src/config/source.js';
import { CONFORMANCE, REPO_ROOT } from '../helpers/shared.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Mulberry32: small, fast, seedable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function corpus(): Json[] {
  const dirs = [join(REPO_ROOT, 'examples'), join(CONFORMANCE, 'istio-validation', 'dataset'), join(CONFORMANCE, 'istio-samples', 'samples-bookinfo-networking')];
  const docs: Json[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of listFiles([d], { recursive: true })) {
      for (const doc of parseAllDocuments(readFileSync(f, 'utf8')) as unknown as Array<{ errors: unknown[]; toJS(): Json }>) {
        if (doc.errors.length === 0) {
          const v = doc.toJS();
          if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.kind === 'string') docs.push(v);
        }
      }
    }
  }
  // A built-in fallback so the test means something without ../shared.
  docs.push({
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'default' },
    spec: { hosts: ['reviews'], http: [{ match: [{ headers: { 'end-user': { exact: 'jason' } }, uri: { prefix: '/v1' } }], route: [{ destination: { host: 'reviews', subset: 'v2' }, weight: 80 }, { destination: { host: 'reviews', subset: 'v1' }, weight: 20 }], retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' }, timeout: '10s', fault: { delay: { fixedDelay: '5s', percentage: { value: 10 } } } }] },
  });
  return docs;
}

const ODD: Json[] = [
  null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, -1e308, 4294967296, 65536,
  '', ' ', '*', '-', '0', '1e3', 'true', '\u0000', '\u202eevil', '🙂🙂', 'é'.normalize('NFD'), 'a'.repeat(5000),
  '../../etc/passwd', '%VAR', '(?!x)', '[', '1.1.1.1/33', 'unix://', '::', [], {}, [null], { '': '' }, { '*': '*' },
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function deep(depth: number): Json {
  let v: Json = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { nested: v };
  return v;
}

/** Every (container, key) pair in the tree, so a mutation can hit any node. */
function slots(v: Json, out: Array<[Json[] | { [k: string]: Json }, string | number]> = []) {
  if (Array.isArray(v)) v.forEach((c, i) => { out.push([v, i]); slots(c, out); });
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) { out.push([v, k]); slots(v[k]!, out); }
  return out;
}

function mutate(doc: Json, r: () => number): Json {
  const copy = structuredClone(doc);
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const all = slots(copy);
    if (all.length === 0) break;
    const [container, key] = pick(r, all);
    const op = Math.floor(r() * 6);
    const c = container as Record<string | number, Json>;
    if (op === 0) c[key] = pick(r, ODD);
    else if (op === 1) { if (Array.isArray(container)) container.splice(key as number, 1); else delete c[key]; }
    else if (op === 2 && !Array.isArray(container)) c[pick(r, ['extra', 'Hosts', 'spec', '_x', '🙂', 'weight'])] = pick(r, ODD);
    else if (op === 3) c[key] = deep(20 + Math.floor(r() * 200));
    else if (op === 4) c[key] = typeof c[key] === 'number' ? (c[key] as number) * 1e12 : String(c[key]);
    else c[key] = Array.isArray(c[key]) ? {} : [c[key]!];
  }
  return copy;
}

test('thousands of random mutations: no exception escapes and every rejection names a field', () => {
  const docs = corpus();
  assert.ok(docs.length > 0);
  const seed = Number(process.env.TRELLIS_SEED ?? 20261123);
  const r = rng(seed);
  const iterations = 4000;
  let rejected = 0;
  for (let i = 0; i < iterations; i++) {
    const base = docs[i % docs.length]!;
    const m = mutate(base, r);
    let text: string;
    try { text = stringify(m, { aliasDuplicateObjects: false }); } catch { continue; }
    let cfg;
    try {
      cfg = loadTexts([{ file: `mut-${i}.yaml`, text }]);
    } catch (e) {
      assert.fail(`seed ${seed} iteration ${i}: exception escaped: ${(e as Error).stack}\n${text.slice(0, 2000)}`);
    }
    for (const o of cfg.objects) {
      if (!o.valid) rejected++;
      for (const p of [...o.errors, ...o.warnings]) {
        assert.ok(p.field.length > 0, `seed ${seed} iteration ${i}: ${o.raw.kind} problem without a field path: ${p.message}\n${text.slice(0, 2000)}`);
        assert.ok(!/internal error/.test(p.message), `seed ${seed} iteration ${i}: ${p.message}\n${text.slice(0, 2000)}`);
        assert.ok(typeof p.line === 'number' && p.line >= 1);
      }
    }
    for (const f of cfg.failures) assert.ok(f.line >= 1 && f.message.length > 0);
  }
  assert.ok(rejected > iterations / 4, `only ${rejected} of ${iterations} mutations were rejected: the validators are too lax or the mutator too weak`);
});
