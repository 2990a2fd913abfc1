/**
 * The DNS cache: refresh on a fake clock with a fake resolver, keeping the last good answer on
 * failure, tracking and forgetting hosts, and the hostnames a registry needs resolved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsCache, dnsHostnames } from '../../src/registry/dns.js';
import { buildRegistry } from '../../src/registry/build.js';
import { loadTexts } from '../../src/config/load.js';

function fake() {
  let now = 0;
  const answers = new Map<string, string[] | Error>();
  const calls: string[] = [];
  const clock = { now: () => now };
  const resolve = async (h: string) => {
    calls.push(h);
    const a = answers.get(h);
    if (!a) throw new Error(`ENOTFOUND ${h}`);
    if (a instanceof Error) throw a;
    return a;
  };
  return { clock, resolve, answers, calls, advance: (ms: number) => { now += ms; } };
}

test('resolves tracked hosts, then only after the refresh interval', async () => {
  const f = fake();
  const changes: number[] = [];
  const cache = new DnsCache({ resolve: f.resolve, clock: f.clock, refreshMs: 1000, onChange: (r) => changes.push(r.size) });
  f.answers.set('a.example.com', ['10.0.0.2', '10.0.0.1']);
  cache.track(['a.example.com']);
  assert.equal(await cache.refresh(), true);
  assert.deepEqual([...cache.results()], [['a.example.com', ['10.0.0.1', '10.0.0.2']]], 'sorted, deduplicated');
  assert.equal(await cache.refresh(), false, 'not due yet');
  assert.deepEqual(f.calls, ['a.example.com']);
  f.advance(999);
  await cache.refresh();
  assert.equal(f.calls.length, 1);
  f.advance(1);
  f.answers.set('a.example.com', ['10.0.0.3']);
  assert.equal(await cache.refresh(), true);
  assert.deepEqual(cache.results().get('a.example.com'), ['10.0.0.3']);
  assert.deepEqual(changes, [1, 1]);
  f.advance(1000);
  assert.equal(await cache.refresh(), false, 'same answer, no change');
  assert.equal(f.calls.length, 3);
});

test('a failed lookup keeps the last good answer and records the error', async () => {
  const f = fake();
  const cache = new DnsCache({ resolve: f.resolve, clock: f.clock, refreshMs: 10 });
  f.answers.set('b.example.com', ['1.1.1.1']);
  cache.track(['b.example.com', 'missing.example.com']);
  await cache.refresh();
  assert.deepEqual([...cache.results().keys()], ['b.example.com'], 'never-resolved hosts are absent');
  assert.match(cache.error('missing.example.com') ?? '', /ENOTFOUND/);
  f.answers.set('b.example.com', new Error('SERVFAIL'));
  f.advance(10);
  assert.equal(await cache.refresh(), false);
  assert.deepEqual(cache.results().get('b.example.com'), ['1.1.1.1']);
  assert.equal(cache.error('b.example.com'), 'SERVFAIL');
});

test('track() forgets untracked hosts; force refreshes everything; concurrent refreshes share one run', async () => {
  const f = fake();
  const cache = new DnsCache({ resolve: f.resolve, clock: f.clock, refreshMs: 1e9 });
  f.answers.set('a', ['1.0.0.1']);
  f.answers.set('b', ['1.0.0.2']);
  cache.track(['a', 'b']);
  await Promise.all([cache.refresh(), cache.refresh()]);
  assert.deepEqual(f.calls.sort(), ['a', 'b']);
  cache.track(['b']);
  assert.deepEqual([...cache.results().keys()], ['b']);
  await cache.refresh(true);
  assert.deepEqual(f.calls.sort(), ['a', 'b', 'b']);
});

test('dnsHostnames lists the hostname endpoints of DNS services only', () => {
  const cfg = loadTexts([{ file: 'x.yaml', text: `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: d}
spec: {hosts: [d.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: e}
spec:
  hosts: [e.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS_ROUND_ROBIN
  endpoints: [{address: e1.example.net}, {address: 10.9.9.9}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: s}
spec: {hosts: [s.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 10.0.0.1}]}
` }]);
  assert.deepEqual(dnsHostnames(buildRegistry(cfg.objects.map((o) => o.raw))), ['d.example.com', 'e1.example.net']);
});
