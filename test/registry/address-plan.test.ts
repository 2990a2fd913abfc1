/** The address plan: deterministic, collision-free, never 127.0.0.1, VIPs in 240.240.0.0/16. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocate, allocateVips, allocateWorkloadAddresses, EGRESS_GATEWAY_ADDRESS, INGRESS_GATEWAY_ADDRESS } from '../../src/registry/address-plan.js';

test('same keys give the same addresses whatever their order', () => {
  const keys = Array.from({ length: 50 }, (_, i) => `ns/pod-${i}`);
  const a = allocateWorkloadAddresses(keys);
  const b = allocateWorkloadAddresses([...keys].reverse());
  assert.deepEqual([...a].sort(), [...b].sort());
  assert.equal(new Set(a.values()).size, 50);
  for (const v of a.values()) {
    assert.match(v, /^127\.1\.\d+\.\d+$/);
    assert.ok(!v.endsWith('.0') && !v.endsWith('.255'));
    assert.notEqual(v, INGRESS_GATEWAY_ADDRESS);
    assert.notEqual(v, EGRESS_GATEWAY_ADDRESS);
  }
});

test('collisions probe to the next address; taken addresses are skipped', () => {
  // A tiny space would be a different prefix; here force a collision by pre-taking the hash slot.
  const first = allocate(['x'], [127, 1]).get('x')!;
  const again = allocate(['x'], [127, 1], [first]).get('x')!;
  assert.notEqual(again, first);
  const [, , c, d] = first.split('.').map(Number) as [number, number, number, number];
  const next = ((c << 8) | d) + 1;
  const expected = (next & 0xff) === 255 || (next & 0xff) === 0 ? undefined : `127.1.${(next >> 8) & 0xff}.${next & 0xff}`;
  if (expected) assert.equal(again, expected);
});

test('VIPs come from 240.240.0.0/16', () => {
  const v = allocateVips(['default/a.example.com', 'default/b.example.com']);
  for (const x of v.values()) assert.match(x, /^240\.240\.\d+\.\d+$/);
});
