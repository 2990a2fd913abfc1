/**
 * Outlier detection with a fake clock and scripted randomness: consecutive 5xx and gateway
 * failures, enforcement, max ejection percent, ejection time growth and cap, interval
 * granularity, local-origin errors with and without the split, membership changes, events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHost, type Host } from '../../src/proxy/upstream/host.js';
import {
  OutlierDetector, validateOutlierDetection, resolveOutlierSettings,
  type OutlierDetectionConfig, type OutlierEvent,
} from '../../src/proxy/upstream/outlier.js';
import { FakeClock } from '../helpers/fake-clock.js';

function hosts(n: number): Host[] {
  return Array.from({ length: n }, (_, i) => makeHost({ address: `10.0.0.${i + 1}`, port: 8080 }));
}

function setup(config: OutlierDetectionConfig, n = 10, random: () => number = () => 0) {
  const clock = new FakeClock();
  const hs = hosts(n);
  const events: OutlierEvent[] = [];
  const d = new OutlierDetector(config, hs, { clock, random, onEvent: (e) => events.push(e) });
  return { clock, hs, events, d };
}

const fail = (d: OutlierDetector, h: Host, status: number, times: number): void => {
  for (let i = 0; i < times; i++) d.onResult(h, { status });
};

test('defaults are Envoy\'s', () => {
  const s = resolveOutlierSettings({});
  assert.equal(s.intervalMs, 10_000);
  assert.equal(s.baseEjectionMs, 30_000);
  assert.equal(s.maxEjectionMs, 300_000);
  assert.equal(s.maxEjectionPercent, 10);
  assert.equal(s.consecutive5xx, 5);
  assert.equal(s.consecutiveGatewayFailure, 5);
  assert.equal(s.enforcingConsecutive5xx, 100);
  assert.equal(s.enforcingConsecutiveGatewayFailure, 0);
  assert.equal(s.consecutiveLocalOriginFailure, 5);
  assert.equal(s.enforcingConsecutiveLocalOriginFailure, 100);
  assert.equal(s.successRateStdevFactor, 1.9);
  // max ejection time defaults to max(300s, base)
  assert.equal(resolveOutlierSettings({ baseEjectionTime: '400s' }).maxEjectionMs, 400_000);
  assert.equal(resolveOutlierSettings({ interval: '0.500s' }).intervalMs, 500);
});

test('validation: max ejection time below base is rejected, as Envoy does', () => {
  assert.match(validateOutlierDetection({ baseEjectionTime: '60s', maxEjectionTime: '30s' }) ?? '', /max_ejection_time/);
  assert.match(validateOutlierDetection({ interval: 'ten' }) ?? '', /interval/);
  assert.match(validateOutlierDetection({ maxEjectionPercent: 101 }) ?? '', /maxEjectionPercent/);
  assert.equal(validateOutlierDetection({ consecutive5xx: 3, interval: '1s', baseEjectionTime: '30s' }), undefined);
});

test('consecutive5xx ejects after N, only that host', () => {
  const { hs, d, events } = setup({ consecutive5xx: 3, maxEjectionPercent: 100 });
  fail(d, hs[0], 500, 2);
  assert.equal(hs[0].ejected, false);
  d.onResult(hs[0], { status: 500 });
  assert.equal(hs[0].ejected, true);
  assert.ok(hs.slice(1).every((h) => !h.ejected));
  assert.equal(d.ejectedCount(), 1);
  assert.equal(d.stats.ejections_enforced_consecutive_5xx, 1);
  assert.equal(d.stats.ejections_detected_consecutive_5xx, 1);
  assert.equal(d.stats.ejections_enforced_total, 1);
  assert.deepEqual(events.map((e) => [e.action, e.host.key, e.type, e.enforced, e.durationMs]), [
    ['eject', '10.0.0.1:8080', 'CONSECUTIVE_5XX', true, 30_000],
  ]);
  d.close();
});

test('a success resets the consecutive counter', () => {
  const { hs, d } = setup({ consecutive5xx: 3, maxEjectionPercent: 100 });
  fail(d, hs[0], 503, 2);
  d.onResult(hs[0], { status: 200 });
  fail(d, hs[0], 503, 2);
  assert.equal(hs[0].ejected, false);
  assert.equal(d.hostInfo(hs[0])?.consecutive5xx, 2);
  // 4xx are not failures either
  d.onResult(hs[0], { status: 404 });
  fail(d, hs[0], 500, 2);
  assert.equal(hs[0].ejected, false);
  d.onResult(hs[0], { status: 500 });
  assert.equal(hs[0].ejected, true);
  d.close();
});

test('gateway failures are counted separately: only 502/503/504, and any other 5xx resets them', () => {
  const { hs, d } = setup({
    consecutive5xx: 0, enforcingConsecutive5xx: 0,
    consecutiveGatewayFailure: 3, enforcingConsecutiveGatewayFailure: 100, maxEjectionPercent: 100,
  });
  fail(d, hs[0], 502, 2);
  d.onResult(hs[0], { status: 500 }); // 5xx but not a gateway error: resets the gateway counter
  fail(d, hs[0], 504, 2);
  assert.equal(hs[0].ejected, false);
  assert.equal(d.hostInfo(hs[0])?.consecutiveGatewayFailure, 2);
  d.onResult(hs[0], { status: 503 });
  assert.equal(hs[0].ejected, true);
  assert.equal(d.stats.ejections_enforced_consecutive_gateway_failure, 1);
  assert.equal(d.stats.ejections_detected_consecutive_5xx, 0);
  // 500s never count as gateway failures
  fail(d, hs[1], 500, 10);
  assert.equal(hs[1].ejected, false);
  d.close();
});

test('gateway failures also count toward consecutive 5xx', () => {
  const { hs, d, events } = setup({ consecutive5xx: 3, consecutiveGatewayFailure: 10, maxEjectionPercent: 100 });
  fail(d, hs[0], 503, 3);
  assert.equal(hs[0].ejected, true);
  assert.equal(events[0].type, 'CONSECUTIVE_5XX');
  d.close();
});

test('Envoy default: gateway failures are detected but not enforced (enforcing 0%)', () => {
  const { hs, d, events } = setup({ consecutive5xx: 100, consecutiveGatewayFailure: 2, maxEjectionPercent: 100 });
  fail(d, hs[0], 502, 2);
  assert.equal(hs[0].ejected, false);
  assert.equal(d.stats.ejections_detected_consecutive_gateway_failure, 1);
  assert.equal(d.stats.ejections_enforced_total, 0);
  assert.deepEqual(events.map((e) => [e.action, e.type, e.enforced]), [['eject', 'CONSECUTIVE_GATEWAY_FAILURE', false]]);
  // the counter was reset: two more are needed to detect again
  d.onResult(hs[0], { status: 502 });
  assert.equal(d.stats.ejections_detected_consecutive_gateway_failure, 1);
  d.onResult(hs[0], { status: 502 });
  assert.equal(d.stats.ejections_detected_consecutive_gateway_failure, 2);
  d.close();
});

test('enforcing 0% never ejects; a partial percentage draws from the injected random', () => {
  const never = setup({ consecutive5xx: 1, enforcingConsecutive5xx: 0, maxEjectionPercent: 100 });
  fail(never.d, never.hs[0], 500, 50);
  assert.equal(never.d.ejectedCount(), 0);
  assert.equal(never.d.stats.ejections_detected_consecutive_5xx, 50);
  never.d.close();

  const draws = [0.7, 0.2];
  const half = setup({ consecutive5xx: 1, enforcingConsecutive5xx: 50, maxEjectionPercent: 100 }, 10, () => draws.shift()!);
  half.d.onResult(half.hs[0], { status: 500 }); // 70 ≥ 50: not enforced
  assert.equal(half.hs[0].ejected, false);
  half.d.onResult(half.hs[0], { status: 500 }); // 20 < 50: enforced
  assert.equal(half.hs[0].ejected, true);
  half.d.close();
});

test('maxEjectionPercent caps ejections (overflow counted)', () => {
  const { hs, d } = setup({ consecutive5xx: 1, maxEjectionPercent: 20 }, 10);
  for (const h of hs.slice(0, 4)) d.onResult(h, { status: 500 });
  assert.deepEqual(hs.map((h) => h.ejected), [true, true, false, false, false, false, false, false, false, false]);
  assert.equal(d.ejectedCount(), 2);
  assert.equal(d.stats.ejections_overflow, 2);
  d.close();
});

test('default 10% with fewer than 10 hosts ejects nothing (Envoy: no rounding up), unless alwaysEjectOneHost', () => {
  const few = setup({ consecutive5xx: 1 }, 5);
  few.d.onResult(few.hs[0], { status: 500 });
  assert.equal(few.d.ejectedCount(), 0);
  assert.equal(few.d.stats.ejections_overflow, 1);
  few.d.close();

  const ten = setup({ consecutive5xx: 1 }, 10);
  ten.d.onResult(ten.hs[0], { status: 500 });
  ten.d.onResult(ten.hs[1], { status: 500 });
  assert.equal(ten.d.ejectedCount(), 1);
  ten.d.close();

  const one = setup({ consecutive5xx: 1, alwaysEjectOneHost: true }, 3);
  one.d.onResult(one.hs[0], { status: 500 });
  one.d.onResult(one.hs[1], { status: 500 });
  assert.deepEqual(one.hs.map((h) => h.ejected), [true, false, false]);
  one.d.close();
});

test('ejection ends after baseEjectionTime (at interval granularity); the second lasts twice as long; capped at maxEjectionTime', () => {
  const { clock, hs, d, events } = setup({
    consecutive5xx: 1, maxEjectionPercent: 100, interval: '10s', baseEjectionTime: '30s', maxEjectionTime: '50s',
  });
  const h = hs[0];
  d.onResult(h, { status: 500 }); // t=0, ejection #1: 30s
  clock.to(29_999);
  assert.equal(h.ejected, true);
  clock.to(30_000);
  assert.equal(h.ejected, false);
  assert.equal(events.at(-1)?.action, 'uneject');

  clock.to(35_000);
  d.onResult(h, { status: 500 }); // ejection #2 before a healthy interval passed: 60s, capped at 50s
  assert.equal(events.at(-1)?.durationMs, 50_000);
  clock.to(80_000); // 45s later
  assert.equal(h.ejected, true);
  clock.to(90_000); // tick at 90: 55s ≥ 50s
  assert.equal(h.ejected, false);
  assert.equal(d.hostInfo(h)?.numEjections, 2);
  d.close();
});

test('the second ejection lasts twice the base time; healthy intervals bring the multiplier back down', () => {
  const { clock, hs, d, events } = setup({ consecutive5xx: 1, maxEjectionPercent: 100, interval: '10s', baseEjectionTime: '30s' });
  const h = hs[0];
  d.onResult(h, { status: 500 });
  assert.equal(events.at(-1)?.durationMs, 30_000);
  clock.to(30_000);
  assert.equal(h.ejected, false);
  clock.to(35_000);
  d.onResult(h, { status: 500 });
  assert.equal(events.at(-1)?.durationMs, 60_000);
  clock.to(90_000);
  assert.equal(h.ejected, true); // 55s < 60s
  clock.to(100_000);
  assert.equal(h.ejected, false); // 65s ≥ 60s
  // multiplier 2 → healthy ticks at 110 and 120 take it to 0, so the next ejection is 30s again
  clock.to(125_000);
  d.onResult(h, { status: 500 });
  assert.equal(events.at(-1)?.durationMs, 30_000);
  d.close();
});

test('unejection resets the consecutive counters', () => {
  const { clock, hs, d } = setup({ consecutive5xx: 3, maxEjectionPercent: 100, interval: '1s', baseEjectionTime: '1s' });
  fail(d, hs[0], 500, 3);
  fail(d, hs[0], 500, 2); // while ejected: the counter keeps counting
  clock.advance(1000);
  assert.equal(hs[0].ejected, false);
  fail(d, hs[0], 500, 2);
  assert.equal(hs[0].ejected, false);
  d.onResult(hs[0], { status: 500 });
  assert.equal(hs[0].ejected, true);
  d.close();
});

test('local-origin failures count as 503/504 without the split', () => {
  const { hs, d } = setup({ consecutive5xx: 3, consecutiveGatewayFailure: 3, enforcingConsecutiveGatewayFailure: 100, maxEjectionPercent: 100 });
  d.onResult(hs[0], { localOrigin: 'connect-failure' });
  d.onResult(hs[0], { localOrigin: 'timeout' });
  d.onResult(hs[0], { localOrigin: 'reset' });
  assert.equal(hs[0].ejected, true);
  assert.equal(d.stats.ejections_enforced_consecutive_gateway_failure, 1); // gateway fires first, as the counters are bumped
  d.onResult(hs[1], { localOrigin: 'timeout' });
  d.onResult(hs[1], { status: 200 });
  d.onResult(hs[1], { localOrigin: 'timeout' });
  d.onResult(hs[1], { localOrigin: 'timeout' });
  assert.equal(hs[1].ejected, false);
  d.close();
});

test('with splitExternalLocalOriginErrors, local-origin failures have their own counter and a response resets it', () => {
  const { hs, d, events } = setup({
    splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 2, consecutive5xx: 3, maxEjectionPercent: 100,
  });
  d.onResult(hs[0], { localOrigin: 'connect-failure' });
  d.onResult(hs[0], { status: 500 }); // a response: the connection worked (local counter reset), 5xx counted
  d.onResult(hs[0], { localOrigin: 'timeout' });
  assert.equal(hs[0].ejected, false);
  assert.equal(d.hostInfo(hs[0])?.consecutive5xx, 1); // local-origin failures do not count as 5xx
  d.onResult(hs[0], { localOrigin: 'reset' });
  assert.equal(hs[0].ejected, true);
  assert.equal(events.at(-1)?.type, 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE');
  assert.equal(d.stats.ejections_enforced_consecutive_local_origin_failure, 1);
  // external 5xx still eject on their own
  fail(d, hs[1], 503, 3);
  assert.equal(hs[1].ejected, true);
  d.close();
});

test('results for unknown hosts are ignored; a replaced Host keeps its ejection; removed hosts free their share', () => {
  const { hs, d } = setup({ consecutive5xx: 1, maxEjectionPercent: 50 }, 2);
  d.onResult(makeHost({ address: '10.9.9.9', port: 1 }), { status: 500 });
  d.onResult(hs[0], { status: 500 });
  assert.equal(hs[0].ejected, true);
  const replaced = makeHost({ address: '10.0.0.1', port: 8080, weight: 5 });
  d.setHosts([replaced, hs[1]]);
  assert.equal(replaced.ejected, true);
  assert.equal(d.ejectedCount(), 1);
  d.onResult(hs[1], { status: 500 }); // 2 of 2 = 100% > 50%
  assert.equal(hs[1].ejected, false);
  d.setHosts([hs[1], makeHost({ address: '10.0.1.1', port: 8080 }), makeHost({ address: '10.0.1.2', port: 8080 })]); // 10.0.0.1 removed
  assert.equal(d.ejectedCount(), 0);
  d.onResult(hs[1], { status: 500 }); // 1 of 3 ≤ 50%
  assert.equal(hs[1].ejected, true);
  d.close();
});

test('success-rate and failure-percentage ejection over the interval', () => {
  const { clock, hs, d, events } = setup({
    consecutive5xx: 1000, maxEjectionPercent: 100, interval: '10s',
    successRateMinimumHosts: 5, successRateRequestVolume: 10, enforcingSuccessRate: 100,
    enforcingFailurePercentage: 100, failurePercentageThreshold: 60, failurePercentageMinimumHosts: 5, failurePercentageRequestVolume: 10,
  }, 5);
  for (const h of hs.slice(1)) fail(d, h, 200, 20);
  for (let i = 0; i < 20; i++) d.onResult(hs[0], { status: i % 2 === 0 ? 500 : 200 }); // 50% success
  clock.advance(10_000);
  assert.equal(hs[0].ejected, true);
  assert.equal(events.at(-1)?.type, 'SUCCESS_RATE');
  assert.equal(d.hostInfo(hs[1])?.successRate, 100);
  d.close();

  const fp = setup({
    consecutive5xx: 1000, maxEjectionPercent: 100, interval: '10s', enforcingSuccessRate: 0,
    enforcingFailurePercentage: 100, failurePercentageThreshold: 85, failurePercentageMinimumHosts: 2, failurePercentageRequestVolume: 10,
  }, 3);
  fail(fp.d, fp.hs[0], 503, 9);
  fp.d.onResult(fp.hs[0], { status: 200 }); // 90% failures
  fail(fp.d, fp.hs[1], 200, 10);
  fp.clock.advance(10_000);
  assert.equal(fp.hs[0].ejected, true);
  assert.equal(fp.events.at(-1)?.type, 'FAILURE_PERCENTAGE');
  assert.equal(fp.d.stats.ejections_enforced_failure_percentage, 1);
  fp.d.close();
});

test('Istio mapping: enforcingSuccessRate 0 detects but never ejects', () => {
  const { clock, hs, d } = setup({ consecutive5xx: 1000, enforcingSuccessRate: 0, maxEjectionPercent: 100, successRateRequestVolume: 10 }, 5);
  for (const h of hs.slice(1)) fail(d, h, 200, 20);
  fail(d, hs[0], 500, 20);
  clock.advance(10_000);
  assert.equal(d.ejectedCount(), 0);
  assert.equal(d.stats.ejections_detected_success_rate, 1);
  d.close();
});

test('close() stops the timer and releases ejected hosts', () => {
  const { clock, hs, d } = setup({ consecutive5xx: 1, maxEjectionPercent: 100 });
  assert.equal(clock.pendingTimers, 1);
  d.onResult(hs[0], { status: 500 });
  d.close();
  assert.equal(clock.pendingTimers, 0);
  assert.equal(hs[0].ejected, false);
  assert.equal(d.ejectedCount(), 0);
  d.onResult(hs[1], { status: 500 });
  assert.equal(hs[1].ejected, false);
});
