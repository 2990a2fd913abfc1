// x-request-id generation: version 4 UUID text, distinct across a pool refill.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestId } from '../../src/proxy/router/request-id.js';

test('request ids are lower-case version 4 UUIDs, all distinct across several pool refills', () => {
  const seen = new Set<string>();
  const nibbles = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = requestId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(id);
    nibbles.add(id[0]!);
  }
  assert.equal(seen.size, 2000);
  // Random, not a counter: the first hex digit takes (nearly) every value.
  assert.ok(nibbles.size >= 14, `first digits seen: ${[...nibbles].join('')}`);
});
