/**
 * Circuit breakers: Envoy's defaults, overflow at each limit with its stat, release, gauges with
 * trackRemaining, the DEFAULT-priority threshold selection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CircuitBreaker, ENVOY_DEFAULT_LIMITS, OVERFLOW_REPLY, resolveBreakerLimits, type BreakerResource,
} from '../../src/proxy/upstream/circuit-breaker.js';

test('defaults are Envoy\'s: 1024 connections, pending, requests; 3 retries', () => {
  assert.deepEqual(resolveBreakerLimits(undefined), {
    maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3, trackRemaining: false,
  });
  assert.deepEqual(resolveBreakerLimits({ thresholds: [{ maxRequests: 7 }] }), { ...ENVOY_DEFAULT_LIMITS, maxRequests: 7 });
  const cb = CircuitBreaker.fromCluster(undefined);
  for (let i = 0; i < 1024; i++) assert.ok(cb.tryAcquire('requests'));
  assert.equal(cb.tryAcquire('requests'), false);
  for (let i = 0; i < 3; i++) assert.ok(cb.tryAcquire('retries'));
  assert.equal(cb.tryAcquire('retries'), false);
});

test('the first DEFAULT-priority thresholds apply; HIGH ones are ignored', () => {
  const l = resolveBreakerLimits({
    thresholds: [{ priority: 'HIGH', maxConnections: 1 }, { priority: 'DEFAULT', maxConnections: 2 }, { maxConnections: 3 }],
  });
  assert.equal(l.maxConnections, 2);
});

const overflowStat = {
  connections: 'upstream_cx_overflow',
  pending: 'upstream_rq_pending_overflow',
  requests: 'upstream_rq_pending_overflow',
  retries: 'upstream_rq_retry_overflow',
} as const;

for (const kind of ['connections', 'pending', 'requests', 'retries'] as BreakerResource[]) {
  test(`overflow at the ${kind} limit, counted as ${overflowStat[kind]}, and release`, () => {
    const cb = CircuitBreaker.fromCluster({
      thresholds: [{ maxConnections: 2, maxPendingRequests: 2, maxRequests: 2, maxRetries: 2, trackRemaining: true }],
    });
    assert.ok(cb.tryAcquire(kind));
    assert.ok(cb.tryAcquire(kind));
    assert.equal(cb.canAcquire(kind), false);
    assert.equal(cb.tryAcquire(kind), false);
    assert.equal(cb.tryAcquire(kind), false);
    assert.equal(cb.stats[overflowStat[kind]], 2);
    const others = Object.entries(cb.stats).filter(([k]) => k !== overflowStat[kind]);
    assert.ok(others.every(([, v]) => v === 0), 'other overflow stats untouched');
    cb.release(kind);
    assert.ok(cb.canAcquire(kind));
    assert.ok(cb.tryAcquire(kind));
    // the other resources are independent
    for (const other of ['connections', 'pending', 'requests', 'retries'] as BreakerResource[]) {
      if (other !== kind) assert.ok(cb.canAcquire(other));
    }
  });
}

test('release never goes below zero', () => {
  const cb = new CircuitBreaker({ ...ENVOY_DEFAULT_LIMITS, maxRequests: 1 });
  cb.release('requests');
  assert.equal(cb.requests, 0);
  assert.ok(cb.tryAcquire('requests'));
  assert.equal(cb.tryAcquire('requests'), false);
});

test('a zero limit refuses everything (Istio never sets 0; Envoy honours it)', () => {
  const cb = CircuitBreaker.fromCluster({ thresholds: [{ maxRetries: 0 }] });
  assert.equal(cb.tryAcquire('retries'), false);
  assert.equal(cb.stats.upstream_rq_retry_overflow, 1);
});

test('gauges: *_open at the limit, remaining_* only with trackRemaining', () => {
  const cb = CircuitBreaker.fromCluster({ thresholds: [{ maxConnections: 1, maxPendingRequests: 5, maxRequests: 2, maxRetries: 1, trackRemaining: true }] });
  cb.tryAcquire('connections');
  cb.tryAcquire('requests');
  cb.tryAcquire('retries');
  assert.deepEqual(cb.gauges(), {
    cx_open: 1, rq_pending_open: 0, rq_open: 0, rq_retry_open: 1,
    remaining_cx: 0, remaining_pending: 5, remaining_rq: 1, remaining_retries: 0,
  });
  const plain = CircuitBreaker.fromCluster({ thresholds: [{ maxConnections: 1 }] });
  assert.deepEqual(plain.gauges(), { cx_open: 0, rq_pending_open: 0, rq_open: 0, rq_retry_open: 0 });
});

test('Istio\'s thresholds (2^32−1 everywhere) never overflow in practice', () => {
  const max = 4294967295;
  const cb = CircuitBreaker.fromCluster({ thresholds: [{ maxConnections: max, maxPendingRequests: max, maxRequests: max, maxRetries: max, trackRemaining: true }] });
  for (let i = 0; i < 10_000; i++) assert.ok(cb.tryAcquire('retries'));
  assert.equal(cb.gauges().remaining_retries, max - 10_000);
});

test('the overflow reply is Envoy\'s: 503, UO, x-envoy-overloaded', () => {
  assert.equal(OVERFLOW_REPLY.status, 503);
  assert.equal(OVERFLOW_REPLY.responseFlag, 'UO');
  assert.equal(OVERFLOW_REPLY.headers['x-envoy-overloaded'], 'true');
  assert.match(OVERFLOW_REPLY.body, /reset reason: overflow$/);
});
