/**
 * Which forward proxy the built-in clients use (proxyFor) and what NO_PROXY exempts
 * (bypassesProxy): curl's rules — `*`, names and their subdomains, `.suffix`, `host:port`, CIDR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bypassesProxy, proxyFor } from '../../../src/run/apps/outbound.js';

test('bypassesProxy: names, suffixes, ports, CIDR blocks, wildcard', () => {
  const cases: [string, number, string, boolean][] = [
    ['demoapp', 8080, 'demoapp', true],
    ['demoapp.default.svc.cluster.local', 8080, 'cluster.local', true],
    ['demoapp.default.svc.cluster.local', 8080, '.cluster.local', true],
    ['demoapp.default.svc.cluster.local', 8080, '*.svc.cluster.local', true],
    ['notcluster.local', 80, 'cluster.local', false],
    ['demoapp', 8080, 'demoapp:8080', true],
    ['demoapp', 80, 'demoapp:8080', false],
    ['DemoApp', 80, 'demoapp', true],
    ['10.1.2.3', 80, '10.0.0.0/8', true],
    ['11.1.2.3', 80, '10.0.0.0/8', false],
    ['[::1]', 80, '::1/128', true],
    ['::1', 80, '[::1]', true],
    ['[::1]', 80, '::1', true],
    ['[::2]', 80, '::1', false],
    ['demoapp', 80, 'a, b ,demoapp', true],
    ['anything', 80, '*', true],
    ['anything', 80, '', false],
    ['10.1.2.3', 80, '10.0.0.0/99', false],
  ];
  for (const [host, port, np, want] of cases) assert.equal(bypassesProxy(host, port, np), want, `${host}:${port} vs ${JSON.stringify(np)}`);
});

test('proxyFor: http_proxy before HTTP_PROXY, https_proxy for https, NO_PROXY, bad values ignored', () => {
  const at = (u: string, env: Record<string, string>) => proxyFor(new URL(u), env)?.host;
  assert.equal(at('http://demoapp:8080/', { HTTP_PROXY: 'http://127.0.0.5:15001' }), '127.0.0.5:15001');
  assert.equal(at('http://demoapp:8080/', { http_proxy: '127.0.0.6:15001', HTTP_PROXY: 'http://127.0.0.5:15001' }), '127.0.0.6:15001');
  assert.equal(at('https://example.com/', { HTTP_PROXY: 'http://127.0.0.5:15001' }), undefined);
  assert.equal(at('https://example.com/', { HTTPS_PROXY: 'http://127.0.0.5:15001' }), '127.0.0.5:15001');
  assert.equal(at('http://demoapp:8080/', { HTTP_PROXY: 'http://127.0.0.5:15001', no_proxy: 'demoapp' }), undefined);
  assert.equal(at('http://demoapp:8080/', { HTTP_PROXY: '' }), undefined);
  assert.equal(at('http://demoapp:8080/', { HTTP_PROXY: 'socks5://127.0.0.5:1080' }), undefined);
  assert.equal(at('http://demoapp:8080/', { HTTP_PROXY: 'http://[bad' }), undefined);
});
