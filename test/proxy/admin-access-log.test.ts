/**
 * proxy/access-log: Envoy's and Istio's default formats for a sample request (`-` for unset
 * values, UTC start time with milliseconds), TCP lines, custom formats, unknown operators, and
 * `--no-access-log` (disabled) writes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessLogger, compileFormat, type AccessLogEntry } from '../../src/proxy/access-log.js';

const entry: AccessLogEntry = {
  startTime: Date.UTC(2024, 4, 1, 12, 0, 0, 123),
  method: 'GET', path: '/hello', protocol: 'HTTP/1.1', responseCode: 200, bytesReceived: 0, bytesSent: 112, durationMs: 4.4,
  upstreamServiceTimeMs: 3, userAgent: 'curl/8.0', requestId: '9a1b', authority: 'demoapp:8080', upstreamHost: '127.1.77.12:8080',
  upstreamCluster: 'outbound|8080|v11|demoapp.default.svc.cluster.local', upstreamLocalAddress: '127.1.0.5:40000',
  downstreamLocalAddress: '10.96.0.7:8080', downstreamRemoteAddress: '127.1.0.5:39000', routeName: 'default', responseCodeDetails: 'via_upstream',
};

test('access log: Envoy default format', () => {
  const lines: string[] = [];
  const log = new AccessLogger({ stream: { write: (s: string) => lines.push(s) }, format: 'envoy' });
  log.log(entry);
  assert.deepEqual(lines, [
    '[2024-05-01T12:00:00.123Z] "GET /hello HTTP/1.1" 200 - 0 112 4 3 "-" "curl/8.0" "9a1b" "demoapp:8080" "127.1.77.12:8080"\n',
  ]);
});

test('access log: Istio default format (the default), original path, flags', () => {
  const lines: string[] = [];
  const log = new AccessLogger({ stream: { write: (s: string) => lines.push(s) } });
  log.log({ ...entry, originalPath: '/v1/hello' });
  log.log({ startTime: entry.startTime, method: 'GET', path: '/x', protocol: 'HTTP/1.1', responseCode: 503, responseFlags: 'UO', responseCodeDetails: 'upstream_reset_before_response_started{overflow}', bytesReceived: 0, bytesSent: 81, durationMs: 0, authority: 'demoapp:8080', upstreamCluster: 'outbound|8080|v11|demoapp.default.svc.cluster.local' });
  assert.equal(lines[0], '[2024-05-01T12:00:00.123Z] "GET /v1/hello HTTP/1.1" 200 - via_upstream - "-" 0 112 4 3 "-" "curl/8.0" "9a1b" "demoapp:8080" "127.1.77.12:8080" outbound|8080|v11|demoapp.default.svc.cluster.local 127.1.0.5:40000 10.96.0.7:8080 127.1.0.5:39000 - default\n');
  assert.equal(lines[1], '[2024-05-01T12:00:00.123Z] "GET /x HTTP/1.1" 503 UO upstream_reset_before_response_started{overflow} - "-" 0 81 0 - "-" "-" "-" "demoapp:8080" "-" outbound|8080|v11|demoapp.default.svc.cluster.local - - - - -\n');
  // TCP: no method, protocol or code.
  assert.equal(log.format({ startTime: entry.startTime, bytesReceived: 10, bytesSent: 20, durationMs: 5, upstreamHost: '10.0.0.1:443', upstreamCluster: 'outbound|443||x', requestedServerName: 'x.com' }),
    '[2024-05-01T12:00:00.123Z] "- - -" - - - - "-" 10 20 5 - "-" "-" "-" "-" "10.0.0.1:443" outbound|443||x - - - x.com -\n');
});

test('access log: custom format, unknown operator, disabled', () => {
  assert.equal(compileFormat('%RESPONSE_CODE% %UPSTREAM_CLUSTER%\n')(entry), '200 outbound|8080|v11|demoapp.default.svc.cluster.local\n');
  assert.throws(() => compileFormat('%NOPE%'), /unsupported command operator %NOPE%/);
  const lines: string[] = [];
  const off = new AccessLogger({ stream: { write: (s: string) => lines.push(s) }, enabled: false });
  off.log(entry);
  assert.equal(lines.length, 0);
});
