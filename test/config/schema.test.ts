/**
 * The schema checker: types, unknown fields with suggestions, enums, integer ranges, durations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ctx } from '../../src/config/ctx.js';
import { arr, checkSchema, dur, durOrZero, enumOf, map, obj, str, uint32 } from '../../src/config/schema.js';
import { parseDuration } from '../../src/config/duration.js';

const schema = obj({ timeout: dur(), idle: durOrZero(), mode: enumOf('ROUND_ROBIN', 'RANDOM'), n: uint32(), hosts: arr(str()), labels: map(str()) });

function problems(value: unknown): string[] {
  const ctx = new Ctx('ns', 'x');
  checkSchema(schema, value, ['spec'], ctx);
  return ctx.problems.map((p) => `${p.path.join('.')}: ${p.message}`);
}

test('valid values pass; null and missing fields are unset', () => {
  assert.deepEqual(problems({ timeout: '1.5s', idle: '0s', mode: 'RANDOM', n: 0, hosts: ['a'], labels: { a: 'b' } }), []);
  assert.deepEqual(problems({ timeout: null, hosts: null }), []);
});

test('unknown fields and enum values suggest the closest valid name', () => {
  const p = problems({ timeot: '1s', mode: 'ROUND_ROBBIN' });
  assert.match(p[0]!, /^spec\.timeot: unknown field "timeot"; did you mean "timeout"\? valid fields here are: timeout, idle/);
  assert.match(p[1]!, /^spec\.mode: unknown value "ROUND_ROBBIN"; did you mean "ROUND_ROBIN"\?/);
  assert.doesNotMatch(problems({ zzzzzz: 1 })[0]!, /did you mean/);
});

test('wrong types, ranges and durations name the field and what is valid', () => {
  const p = problems({ timeout: 5, n: -1, hosts: 'a', labels: [], idle: '0.5ms' });
  assert.equal(p.length, 5, p.join('\n'));
  assert.ok(p.some((s) => /spec\.hosts: must be a list, got the string "a"/.test(s)));
  assert.ok(p.some((s) => /spec\.labels: must be a mapping, got a list/.test(s)));
  assert.ok(p.some((s) => /spec\.timeout: must be a duration string such as "1s"/.test(s)));
  assert.ok(p.some((s) => /spec\.n: must be between 0 and 4294967295, got -1/.test(s)));
  assert.ok(p.some((s) => /spec\.idle: duration "0.5ms" is too small; it must be at least 1ms/.test(s)));
  assert.deepEqual(problems({ timeout: '0s' }).length, 1, 'only durOrZero fields accept 0s');
  assert.match(problems({ timeout: '1.0005s' })[0]!, /sub-millisecond/);
});

test('durations follow Go syntax', () => {
  assert.equal(parseDuration('1h2m3.5s'), 3723500);
  assert.equal(parseDuration('100ms'), 100);
  assert.equal(parseDuration('.5s'), 500);
  assert.equal(parseDuration('1us'), 0.001);
  for (const bad of ['', '5', '-1s', '1x', 's', '1.s.', '1 s']) assert.equal(parseDuration(bad), undefined, bad);
});
