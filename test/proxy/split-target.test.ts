// Request-targets split into authority and path: origin-form, and absolute-form as an explicit proxy receives it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitTarget } from '../../src/proxy/server/request-state.js';

test('origin-form keeps the Host; absolute-form takes the URL authority (lower case, default port dropped)', () => {
  const cases: [string, string, { authority: string; path: string }][] = [
    ['/a?b', 'h:1', { authority: 'h:1', path: '/a?b' }],
    ['*', 'h', { authority: 'h', path: '*' }],
    ['http://svc.ns:8080/x/y?q=1', 'ignored', { authority: 'svc.ns:8080', path: '/x/y?q=1' }],
    ['http://svc.ns', 'h', { authority: 'svc.ns', path: '/' }],
    ['http://svc.ns:80/p', 'h', { authority: 'svc.ns', path: '/p' }],
    ['http://svc.ns?q', 'h', { authority: 'svc.ns', path: '/?q' }],
    ['http://svc.ns#f', 'h', { authority: 'svc.ns', path: '/#f' }],
    ['http://Svc.NS:8080/P', 'h', { authority: 'svc.ns:8080', path: '/P' }],
    ['http://user:pw@svc.ns:81/', 'h', { authority: 'svc.ns:81', path: '/' }],
    ['HTTP://svc.ns/', 'h', { authority: 'svc.ns', path: '/' }],
    ['https://svc.ns:443/s', 'h', { authority: 'svc.ns', path: '/s' }],
    ['http://[::1]:80/v6', 'h', { authority: '[::1]', path: '/v6' }],
    ['http:///nohost', 'h', { authority: '', path: '/nohost' }],
    ['1http://x/', 'h', { authority: 'h', path: '1http://x/' }],
  ];
  for (const [url, host, want] of cases) assert.deepEqual(splitTarget(url, host), want, url);
});
