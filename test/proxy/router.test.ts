/**
 * The route table (src/proxy/router): Envoy's virtual host domain precedence, each path, header
 * and query matcher kind, and the route action (weighted choice, rewrites, redirect).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Route, RouteConfiguration, RouteMatch } from '../../src/api/envoy/route.js';
import { applyRoute, compileRouteTable, matchRoute, pickWeighted, toRouterRequest } from '../../src/proxy/router/index.js';

const vh = (name: string, domains: string[], routes: Route[] = [{ match: { prefix: '/' }, route: { cluster: name } }]) => ({ name, domains, routes });

test('virtual hosts: exact, then suffix wildcard (longest), then prefix wildcard (longest), then *', () => {
  const rc: RouteConfiguration = {
    name: 'r', ignorePortInHostMatching: true,
    virtualHosts: [vh('any', ['*']), vh('pre', ['foo.*']), vh('pre-long', ['foo.bar.*']), vh('suf', ['*.com']), vh('suf-long', ['*.example.com']), vh('exact', ['www.example.com'])],
  };
  const t = compileRouteTable(rc);
  const host = (a: string) => matchRoute(t, { authority: a, path: '/' }).virtualHost?.name;
  assert.equal(host('www.example.com'), 'exact');
  assert.equal(host('WWW.Example.com:8080'), 'exact');
  assert.equal(host('api.example.com'), 'suf-long');
  assert.equal(host('x.com'), 'suf');
  assert.equal(host('foo.bar.org'), 'pre-long');
  assert.equal(host('foo.org'), 'pre');
  assert.equal(host('other.org'), 'any');
  // a wildcard never matches the empty string
  assert.equal(host('.example.com'), 'suf');
});

test('ports count in host matching unless ignorePortInHostMatching', () => {
  const rc: RouteConfiguration = { name: 'r', virtualHosts: [vh('a', ['a.io']), vh('a80', ['a.io:80'])] };
  const t = compileRouteTable(rc);
  assert.equal(matchRoute(t, { authority: 'a.io:80', path: '/' }).virtualHost?.name, 'a80');
  assert.equal(matchRoute(t, { authority: 'a.io:81', path: '/' }).virtualHost, undefined);
});

function first(matches: RouteMatch[], req: { path: string; headers?: Record<string, string>; method?: string }): { name?: string; reasons: string[][] } {
  const routes = matches.map((match, i) => ({ name: `r${i}`, match, route: { cluster: `c${i}` } }));
  const m = matchRoute(compileRouteTable({ name: 'x', virtualHosts: [vh('v', ['*'], routes)] }), { authority: 'h', ...req });
  return { name: m.routeName, reasons: m.reasons.map((r) => r.reasons) };
}

test('path matchers: exact, prefix, pathSeparatedPrefix, safe_regex (full match, no query), case sensitivity', () => {
  assert.equal(first([{ path: '/a' }], { path: '/a?x=1' }).name, 'r0');
  assert.deepEqual(first([{ path: '/a' }], { path: '/ab' }).reasons, [['path "/a" ≠ "/ab"']]);
  assert.equal(first([{ prefix: '/api' }], { path: '/apix' }).name, 'r0');
  assert.equal(first([{ pathSeparatedPrefix: '/api' }], { path: '/apix' }).name, undefined);
  assert.equal(first([{ pathSeparatedPrefix: '/api' }], { path: '/api/v1' }).name, 'r0');
  assert.equal(first([{ safeRegex: { regex: '/v[0-9]+' } }], { path: '/v12' }).name, 'r0');
  assert.equal(first([{ safeRegex: { regex: '/v[0-9]+' } }], { path: '/v12/x' }).name, undefined);
  assert.equal(first([{ prefix: '/API', caseSensitive: false }], { path: '/api/x' }).name, 'r0');
  assert.equal(first([{ prefix: '/API' }], { path: '/api/x' }).name, undefined);
});

test('header matchers: exact/prefix/suffix/contains/regex, present, invert, absent headers, pseudo-headers', () => {
  const h = (hm: NonNullable<RouteMatch['headers']>[number], headers: Record<string, string>, method?: string) =>
    first([{ prefix: '/', headers: [hm] }], { path: '/', headers, method }).name === 'r0';
  assert.ok(h({ name: 'end-user', stringMatch: { exact: 'jason' } }, { 'End-User': 'jason' }));
  assert.ok(!h({ name: 'end-user', stringMatch: { exact: 'jason' } }, { 'end-user': 'Jason' }));
  assert.ok(h({ name: 'end-user', stringMatch: { exact: 'jason', ignoreCase: true } }, { 'end-user': 'Jason' }));
  assert.ok(h({ name: 'x', stringMatch: { prefix: 'ab' } }, { x: 'abc' }));
  assert.ok(h({ name: 'x', stringMatch: { suffix: 'bc' } }, { x: 'abc' }));
  assert.ok(h({ name: 'x', stringMatch: { contains: 'b' } }, { x: 'abc' }));
  assert.ok(h({ name: 'x', stringMatch: { safeRegex: { regex: 'a.c' } } }, { x: 'abc' }));
  assert.ok(!h({ name: 'x', stringMatch: { safeRegex: { regex: 'a' } } }, { x: 'abc' }));
  assert.ok(h({ name: 'x', presentMatch: true }, { x: '' }));
  assert.ok(!h({ name: 'x', presentMatch: true }, {}));
  assert.ok(h({ name: 'x', presentMatch: false }, {}));
  assert.ok(h({ name: 'x', presentMatch: true, invertMatch: true }, {}));
  assert.ok(h({ name: 'x', stringMatch: { exact: 'a' }, invertMatch: true }, { x: 'b' }));
  // Envoy: an absent header does not satisfy an inverted string match
  assert.ok(!h({ name: 'x', stringMatch: { exact: 'a' }, invertMatch: true }, {}));
  assert.ok(h({ name: 'x', stringMatch: { exact: '' }, treatMissingHeaderAsEmpty: true }, {}));
  assert.ok(h({ name: ':method', stringMatch: { exact: 'POST' } }, {}, 'post'));
  assert.deepEqual(first([{ prefix: '/', headers: [{ name: 'end-user', stringMatch: { exact: 'jason' } }] }], { path: '/' }).reasons,
    [['header end-user exact "jason": the request has no end-user header']]);
});

test('query parameter matchers: string match on the first value, present match', () => {
  const q = (m: NonNullable<RouteMatch['queryParameters']>[number], path: string) => first([{ prefix: '/', queryParameters: [m] }], { path }).name === 'r0';
  assert.ok(q({ name: 'v', stringMatch: { exact: '1' } }, '/?v=1&v=2'));
  assert.ok(!q({ name: 'v', stringMatch: { exact: '2' } }, '/?v=1&v=2'));
  assert.ok(q({ name: 'v', stringMatch: { prefix: 'ab' } }, '/?v=abc'));
  assert.ok(q({ name: 'v', presentMatch: true }, '/?v='));
  assert.ok(!q({ name: 'v', presentMatch: true }, '/?w=1'));
});

test('weighted clusters: random % total, first cluster whose running sum exceeds it', () => {
  const cs = [{ name: 'a', weight: 90 }, { name: 'b', weight: 10 }];
  assert.equal(pickWeighted(cs, 0).chosen, 'a');
  assert.equal(pickWeighted(cs, 89).chosen, 'a');
  assert.equal(pickWeighted(cs, 90).chosen, 'b');
  assert.equal(pickWeighted(cs, 199).chosen, 'b');
  assert.equal(pickWeighted(cs, 150).chosen, 'a');
});

test('route actions: prefix rewrite on prefix and exact matches, regex rewrite, host rewrite, redirect, timeout default', () => {
  const v = vh('v', ['*']);
  const req = (path: string) => toRouterRequest({ authority: 'h:8080', path });
  const pre = applyRoute({ match: { prefix: '/canary' }, route: { cluster: 'c', prefixRewrite: '/' } }, v, req('/canary/x?q=1'));
  assert.equal(pre.path, '//x?q=1');
  assert.equal(pre.timeout, '15s');
  assert.equal(pre.timeoutSource, 'envoy default');
  assert.equal(applyRoute({ match: { path: '/simple/httpserver' }, route: { cluster: 'c', prefixRewrite: '/hello' } }, v, req('/simple/httpserver')).path, '/hello');
  const re = applyRoute({ match: { prefix: '/' }, route: { cluster: 'c', regexRewrite: { pattern: { regex: '^/api/(v[0-9])/(.*)' }, substitution: '/\\2/\\1' } } }, v, req('/api/v1/users'));
  assert.equal(re.path, '/users/v1');
  const host = applyRoute({ match: { prefix: '/' }, route: { cluster: 'c', hostRewriteLiteral: 'new.example.com', timeout: '2s' } }, v, req('/'));
  assert.equal(host.authority, 'new.example.com');
  assert.equal(host.timeout, '2s');
  const redir = applyRoute({ match: { prefix: '/old' }, redirect: { httpsRedirect: true, prefixRewrite: '/new', responseCode: 'FOUND' } }, v, req('/old/p?x=1'));
  assert.deepEqual(redir.redirect, { status: 302, location: 'https://h/new/p?x=1' });
  const direct = applyRoute({ match: { prefix: '/' }, directResponse: { status: 418, body: { inlineString: 'tea' } } }, v, req('/'));
  assert.deepEqual(direct.directResponse, { status: 418, body: 'tea' });
});

test('isHopByHop agrees with HOP_BY_HOP on every member and on look-alikes', async () => {
  const { HOP_BY_HOP, isHopByHop } = await import('../../src/proxy/router/headers.js');
  for (const n of HOP_BY_HOP) assert.equal(isHopByHop(n), true, n);
  for (const n of ['host', 'tE', 'trailers', 'connections', 'keep-alivE', 'x-upgrade', 'proxy-authorizatio', '', 'content-length']) assert.equal(isHopByHop(n), HOP_BY_HOP.has(n), n);
});

test('connectionListed: the names a Connection header lists, lower case, without those already hop-by-hop', async () => {
  const { connectionListed } = await import('../../src/proxy/router/headers.js');
  assert.equal(connectionListed(undefined), undefined);
  assert.equal(connectionListed('keep-alive'), undefined);
  assert.equal(connectionListed(' Keep-Alive , Upgrade'), undefined);
  assert.deepEqual(connectionListed('close'), ['close']);
  assert.deepEqual(connectionListed('X-Foo, keep-alive,,x-bar '), ['x-foo', 'x-bar']);
  assert.deepEqual(connectionListed('x-baz', ['x-foo']), ['x-foo', 'x-baz']);
});
