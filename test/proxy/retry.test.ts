// Envoy's retry_on conditions as the router evaluates them per attempt outcome, and the backoff.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, compileRetry, retriable, type AttemptOutcome } from '../../src/proxy/router/retry.js';

const res = (status: number, grpcStatus?: string): AttemptOutcome => ({ kind: 'response', status, grpcStatus });
const CF: AttemptOutcome = { kind: 'connect-failure' };
const RESET: AttemptOutcome = { kind: 'reset' };
const PTT: AttemptOutcome = { kind: 'per-try-timeout' };

function on(retryOn: string, retriableStatusCodes?: number[]) {
  return compileRetry({ retryOn, numRetries: 2, retriableStatusCodes });
}

test('5xx retries every 5xx, resets, connect failures and per-try timeouts; nothing below 500', () => {
  const c = on('5xx');
  for (const s of [500, 501, 502, 503, 504, 599]) assert.equal(retriable(c, res(s)), true, String(s));
  for (const s of [200, 404, 409, 429]) assert.equal(retriable(c, res(s)), false, String(s));
  for (const o of [CF, RESET, PTT]) assert.equal(retriable(c, o), true, o.kind);
});

test('gateway-error: 502/503/504 and the failures that stand for them, not 500', () => {
  const c = on('gateway-error');
  assert.deepEqual([500, 502, 503, 504].map((s) => retriable(c, res(s))), [false, true, true, true]);
  for (const o of [CF, RESET, PTT]) assert.equal(retriable(c, o), true, o.kind);
});

test('connect-failure, reset, retriable-4xx each answer only their own outcomes', () => {
  const cf = on('connect-failure');
  assert.deepEqual([retriable(cf, CF), retriable(cf, RESET), retriable(cf, PTT), retriable(cf, res(503))], [true, false, false, false]);
  const rs = on('reset');
  assert.deepEqual([retriable(rs, CF), retriable(rs, RESET), retriable(rs, PTT), retriable(rs, res(503))], [true, true, true, false]);
  const r4 = on('retriable-4xx');
  assert.deepEqual([retriable(r4, res(409)), retriable(r4, res(404)), retriable(r4, res(503))], [true, false, false]);
});

test('retriable-status-codes retries the listed codes only with that condition named', () => {
  assert.equal(retriable(on('retriable-status-codes', [404, 503]), res(404)), true);
  assert.equal(retriable(on('retriable-status-codes', [404, 503]), res(500)), false);
  assert.equal(retriable(on('connect-failure', [404]), res(404)), false);
});

test('gRPC conditions read grpc-status (Istio default policy: unavailable, cancelled, …)', () => {
  const c = on('connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', [503]);
  assert.equal(retriable(c, res(200, '14')), true);
  assert.equal(retriable(c, res(200, '1')), true);
  assert.equal(retriable(c, res(200, '4')), false);
  assert.equal(retriable(c, res(200, '0')), false);
  assert.equal(retriable(c, res(200)), false);
  assert.equal(retriable(c, res(503)), true);
  assert.equal(retriable(on('deadline-exceeded,internal,resource-exhausted'), res(200, '13')), true);
});

test('no policy retries nothing; numRetries defaults to 1 when a policy is present', () => {
  const none = compileRetry(undefined);
  assert.equal(none.numRetries, 0);
  for (const o of [CF, RESET, PTT, res(503)]) assert.equal(retriable(none, o), false);
  assert.equal(compileRetry({ retryOn: '5xx' }).numRetries, 1);
});

test('backoff: full jitter under base x 2^(n-1), capped at 10x base by default', () => {
  const c = compileRetry({ retryOn: '5xx', retryBackOff: { baseInterval: '0.1s' } });
  assert.equal(backoffMs(c, 1, () => 0.999999), 99);
  assert.equal(backoffMs(c, 3, () => 0.5), 200);
  assert.equal(backoffMs(c, 10, () => 0.5), 500);
  assert.equal(backoffMs(c, 2, () => 0), 0);
});
