/**
 * VirtualService validation (ISTIO-RULES §3.2, rules 11–35, plus the shared rules that apply):
 * at least one accepted and one rejected case per rule, asserting on field paths and messages.
 * Specs are written as JS objects and embedded as JSON (which is YAML).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTexts } from '../../src/config/load.js';
import type { ValidatedObject } from '../../src/config/validate.js';

function run(spec: unknown, namespace = 'default'): ValidatedObject {
  const text = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: t\n  namespace: ${namespace}\nspec: ${JSON.stringify(spec)}\n`;
  const cfg = loadTexts([{ file: 'vs.yaml', text }]);
  assert.equal(cfg.failures.length, 0, JSON.stringify(cfg.failures));
  assert.equal(cfg.objects.length, 1);
  return cfg.objects[0]!;
}

const show = (ps: { field: string; message: string }[]) => ps.map((p) => `${p.field}: ${p.message}`).join('\n') || '(none)';

function ok(spec: unknown): ValidatedObject {
  const o = run(spec);
  assert.equal(o.errors.length, 0, `expected valid, got errors:\n${show(o.errors)}`);
  return o;
}

function bad(spec: unknown, field: string, substr: string): void {
  const o = run(spec);
  assert.ok(!o.valid, `expected invalid (${field}: ${substr})`);
  assert.ok(o.errors.some((e) => e.field === field && e.message.includes(substr)),
    `expected an error at ${field} containing ${JSON.stringify(substr)}; got:\n${show(o.errors)}`);
}

function warns(spec: unknown, field: string, substr: string): void {
  const o = ok(spec);
  assert.ok(o.warnings.some((w) => w.field === field && w.message.includes(substr)),
    `expected a warning at ${field} containing ${JSON.stringify(substr)}; got:\n${show(o.warnings)}`);
}

function noWarnings(spec: unknown): void {
  const o = ok(spec);
  assert.equal(o.warnings.length, 0, `expected no warnings, got:\n${show(o.warnings)}`);
}

const dest = (host = 'reviews', extra: object = {}) => ({ destination: { host, ...extra } });
const route = [dest()];
const vs = (http: object, extra: object = {}) => ({ hosts: ['reviews'], http: [http], ...extra });
const r = (extra: object) => vs({ route, ...extra });

test('rule 11: at least one of http, tcp, tls', () => {
  ok({ hosts: ['reviews'], http: [{ route }] });
  bad({ hosts: ['reviews'] }, 'spec', 'at least one of http, tcp or tls');
});

test('rule 12: delegate VirtualServices', () => {
  ok({ http: [{ route }] });
  bad({ gateways: ['mesh'], http: [{ route }] }, 'spec.gateways', 'must not set gateways');
  bad({ http: [{ route }], tcp: [{ route }] }, 'spec.tcp', 'cannot have tcp routes');
  bad({ http: [{ route }], tls: [{ match: [{ sniHosts: ['a.com'] }], route }] }, 'spec.tls', 'cannot have tls routes');
  bad({ http: [{ delegate: { name: 'x', namespace: 'y' } }] }, 'spec.http[0].delegate', 'cannot delegate again');
  ok(vs({ delegate: { name: 'reviews-delegate', namespace: 'prod' } }));
});

test('rule 13: hosts are wildcard domains or IPs; outbound_ SNI form on gateways', () => {
  ok({ hosts: ['reviews', '*.example.com', '10.0.0.1'], http: [{ route }] });
  bad({ hosts: ['Reviews_1'], http: [{ route }] }, 'spec.hosts[0]', 'invalid');
  const sni = { hosts: ['outbound_.80_._.e2e.foobar.mesh'], gateways: ['ns/gw'], tls: [{ match: [{ sniHosts: ['outbound_.80_._.e2e.foobar.mesh'] }], route }] };
  ok(sni);
  bad({ ...sni, gateways: ['mesh'] }, 'spec.hosts[0]', 'invalid');
});

test('rule 14: host "*" only for gateway-bound VSs', () => {
  ok({ hosts: ['*'], gateways: ['istio-system/ingress'], http: [{ route }] });
  bad({ hosts: ['*'], http: [{ route }] }, 'spec.hosts[0]', 'not allowed');
  bad({ hosts: ['*'], gateways: ['ns/gw', 'mesh'], http: [{ route }] }, 'spec.hosts[0]', 'applies to the mesh');
});

test('rule 15: overlapping hosts', () => {
  ok({ hosts: ['a.foo.com', 'b.foo.com'], http: [{ route }] });
  bad({ hosts: ['*.foo.com', '*.com'], http: [{ route }] }, 'spec.hosts[1]', 'duplicate hosts');
  bad({ hosts: ['reviews', 'reviews'], http: [{ route }] }, 'spec.hosts[1]', 'duplicate hosts');
});

test('rule 16: gateway references', () => {
  noWarnings({ hosts: ['a.com'], gateways: ['istio-system/ingress', 'mesh', 'my-gw'], http: [{ route }] });
  bad({ hosts: ['a.com'], gateways: ['Bad/gw'], http: [{ route }] }, 'spec.gateways[0]', 'invalid namespace');
  bad({ hosts: ['a.com'], gateways: ['ns/'], http: [{ route }] }, 'spec.gateways[0]', 'cannot be empty');
  bad({ hosts: ['a.com'], gateways: ['Bad_Gw'], http: [{ route }] }, 'spec.gateways[0]', 'invalid gateway');
  warns({ hosts: ['a.com'], gateways: ['gw.istio-system'], http: [{ route }] }, 'spec.gateways[0]', 'istio-system/gw');
  // Istio stops checking after an entry without "/": later bad entries are only warnings.
  warns({ hosts: ['a.com'], gateways: ['mesh', 'Bad/x'], http: [{ route }] }, 'spec.gateways[1]', 'invalid namespace');
  bad(vs({ route, match: [{ gateways: ['ns/Bad'] }] }), 'spec.http[0].match[0].gateways[0]', 'invalid gateway name');
});

test('rule 17: JWT claim matches only on gateways', () => {
  const http = { route, match: [{ headers: { '@request.auth.claims.group': { exact: 'admin' } } }] };
  ok({ hosts: ['a.com'], gateways: ['istio-system/ingress'], http: [http] });
  bad({ hosts: ['a.com'], http: [http] }, 'spec.http[0].match[0].headers["@request.auth.claims.group"]', 'only supported on gateways');
  bad({ hosts: ['a.com'], gateways: ['ns/gw', 'mesh'], http: [{ route, match: [{ withoutHeaders: { '@request.auth.claims[a]': {} } }] }] },
    'spec.http[0].match[0].withoutHeaders["@request.auth.claims[a]"]', 'only supported on gateways');
});

test('rule 18: exactly one action', () => {
  ok(vs({ redirect: { uri: '/new' } }));
  ok(vs({ directResponse: { status: 503 } }));
  bad(vs({ match: [{ uri: { prefix: '/' } }] }), 'spec.http[0]', 'needs an action');
  bad(r({ redirect: { uri: '/new' } }), 'spec.http[0].route', 'both route and redirect');
  bad(vs({ redirect: { uri: '/new' }, fault: { abort: { httpStatus: 500 } } }), 'spec.http[0].fault', 'both fault and redirect');
  bad(vs({ redirect: { uri: '/new' }, rewrite: { uri: '/x' } }), 'spec.http[0].rewrite', 'both rewrite and redirect');
  bad(vs({ redirect: { uri: '/new' }, directResponse: { status: 200 } }), 'spec.http[0].directResponse', 'both directResponse and redirect');
  bad(vs({ directResponse: { status: 200 }, route }), 'spec.http[0].route', 'both route and directResponse');
  bad(vs({ directResponse: { status: 200 }, fault: { delay: { fixedDelay: '1s' } } }), 'spec.http[0].fault', 'both fault and directResponse');
  bad(vs({ delegate: { name: 'd' }, route }), 'spec.http[0].route', 'must not set route');
  bad(vs({ delegate: { name: 'd' }, redirect: { uri: '/' } }), 'spec.http[0].redirect', 'must not set redirect');
  ok(r({ mirror: { host: 'shadow' } }));
  bad(r({ mirror: { host: 'shadow' }, mirrors: [dest('shadow2')] }), 'spec.http[0].mirrors', 'both mirror and mirrors');
});

test('rule 19: weights', () => {
  ok(vs({ route: [{ ...dest(), weight: 75 }, { ...dest('ratings'), weight: 15 }] }));
  bad(vs({ route: [{ ...dest(), weight: 115 }, { ...dest('ratings'), weight: -15 }] }), 'spec.http[0].route[1].weight', 'weight must be >= 0, got -15');
  bad(vs({ route: [dest(), dest('ratings')] }), 'spec.http[0].route', 'total destination weight is 0');
  ok(vs({ route: [{ ...dest(), weight: 0 }] }));
  bad(vs({ route: [{ weight: 100 }] }), 'spec.http[0].route[0].destination', 'destination is required');
});

test('rule 20: destinations', () => {
  ok(vs({ route: [dest('reviews.prod.svc.cluster.local', { subset: 'v1', port: { number: 9080 } })] }));
  bad(vs({ route: [dest('*')] }), 'spec.http[0].route[0].destination.host', 'invalid destination host "*"');
  bad(vs({ route: [dest('Reviews')] }), 'spec.http[0].route[0].destination.host', 'invalid');
  bad(vs({ route: [dest('reviews', { subset: 'V_1' })] }), 'spec.http[0].route[0].destination.subset', 'invalid subset name');
  bad(vs({ route: [dest('reviews', { port: { number: 70000 } })] }), 'spec.http[0].route[0].destination.port.number', '1..65535');
  bad(vs({ route: [dest('reviews', { port: {} })] }), 'spec.http[0].route[0].destination.port.number', '1..65535');
  bad(r({ mirror: { host: '*' } }), 'spec.http[0].mirror.host', 'invalid destination host');
});

test('rule 21: match header names and null values', () => {
  ok(r({ match: [{ headers: { 'x-user': { exact: 'jason' }, ':authority': { prefix: 'a' }, 'x-present': {} } }] }));
  bad(r({ match: [{ headers: { 'bad header': { exact: 'x' } } }] }), 'spec.http[0].match[0].headers["bad header"]', 'not a valid header name');
  bad(r({ match: [{ headers: { 'x-user': null } }] }), 'spec.http[0].match[0].headers["x-user"]', 'cannot be null');
  bad(r({ match: [{ withoutHeaders: { ':foo': { exact: 'x' } } }] }), 'spec.http[0].match[0].withoutHeaders[":foo"]', 'not a valid header name');
});

test('rule 22: StringMatch', () => {
  ok(r({ match: [{ uri: { prefix: '' } }] }));
  bad(r({ match: [{ method: { prefix: '' } }] }), 'spec.http[0].match[0].method.prefix', 'must not be empty');
  bad(r({ match: [{ headers: { 'x-a': { prefix: '' } } }] }), 'spec.http[0].match[0].headers["x-a"].prefix', 'must not be empty');
  ok(r({ match: [{ uri: { regex: '/api/v[0-9]+/.*' } }] }));
  bad(r({ match: [{ uri: { regex: '^(?!/admin).*' } }] }), 'spec.http[0].match[0].uri.regex', 'RE2');
  bad(r({ match: [{ uri: { regex: '(a)\\1' } }] }), 'spec.http[0].match[0].uri.regex', 'invalid regex');
  bad(r({ match: [{ uri: { regex: '' } }] }), 'spec.http[0].match[0].uri.regex', 'must not be empty');
  bad(r({ match: [{ authority: { regex: 'a'.repeat(1025) } }] }), 'spec.http[0].match[0].authority.regex', 'too large');
  bad(r({ match: [{ queryParams: { q: { regex: '(' } } }] }), 'spec.http[0].match[0].queryParams.q.regex', 'invalid regex');
  ok(r({ match: [{ withoutHeaders: { 'x-a': { regex: '*' } } }] }));
  bad(r({ match: [{ withoutHeaders: { 'x-a': { regex: '*a' } } }] }), 'spec.http[0].match[0].withoutHeaders["x-a"].regex', 'invalid regex');
  bad(r({ match: [{ uri: { exact: '/a', prefix: '/b' } }] }), 'spec.http[0].match[0].uri', 'only one of exact, prefix, regex');
});

test('rule 23: sourceNamespace and match port', () => {
  ok(r({ match: [{ sourceNamespace: 'prod', port: 8080, sourceLabels: { app: 'x' } }] }));
  bad(r({ match: [{ sourceNamespace: 'Prod_1' }] }), 'spec.http[0].match[0].sourceNamespace', 'invalid sourceNamespace');
  bad(r({ match: [{ port: 70000 }] }), 'spec.http[0].match[0].port', '1..65535');
  bad(r({ match: [{ sourceLabels: { 'bad key!': 'x' } }] }), 'spec.http[0].match[0].sourceLabels["bad key!"]', 'invalid label key');
});

test('rule 24: header operations', () => {
  ok(r({ headers: { request: { set: { ':authority': 'a.com', 'x-a': '%HOSTNAME%', 'x-b': '100%%', 'x-c': '%REQ(x-y)%' }, remove: ['x-old'] }, response: { add: { 'x-d': 'v' } } } }));
  bad(r({ headers: { request: { set: { ':path': '/x' } } } }), 'spec.http[0].headers.request.set[":path"]', 'cannot start with ":"');
  bad(r({ headers: { request: { remove: ['Host'] } } }), 'spec.http[0].headers.request.remove[0]', 'Host header');
  bad(r({ headers: { response: { set: { host: 'x' } } } }), 'spec.http[0].headers.response.set.host', 'Host header');
  bad(r({ headers: { response: { remove: [':status'] } } }), 'spec.http[0].headers.response.remove[0]', 'cannot start with ":"');
  bad(r({ headers: { request: { add: { 'x-a': 'a\u0001b' } } } }), 'spec.http[0].headers.request.add["x-a"]', 'control characters');
  bad(r({ headers: { request: { add: { 'x-a': '%START_TIME%%' } } } }), 'spec.http[0].headers.request.add["x-a"]', 'unescaped %');
  bad(r({ headers: { request: { add: { 'x-a': 'abc%123' } } } }), 'spec.http[0].headers.request.add["x-a"]', 'unterminated');
  bad(vs({ route: [{ ...dest(), headers: { response: { set: { ':status': '200' } } } }] }), 'spec.http[0].route[0].headers.response.set[":status"]', 'cannot start with ":"');
});

test('rule 25: authority rewritten in one place', () => {
  ok(r({ rewrite: { authority: 'a.com' }, headers: { request: { set: { 'x-a': 'b' } } } }));
  bad(r({ rewrite: { authority: 'a.com' }, headers: { request: { set: { host: 'b.com' } } } }), 'spec.http[0].headers.request.set.host', 'already rewritten');
  bad(r({ headers: { request: { set: { host: 'b.com' }, add: { ':authority': 'c.com' } } } }), 'spec.http[0].headers.request.add[":authority"]', 'already rewritten');
});

test('rule 26: rewrite', () => {
  ok(r({ rewrite: { uri: '/v2' } }));
  ok(r({ rewrite: { uriRegexRewrite: { match: '^/old/(.*)', rewrite: '/new/\\1' } } }));
  bad(r({ rewrite: { uri: '/v2', uriRegexRewrite: { match: 'a', rewrite: 'b' } } }), 'spec.http[0].rewrite', 'only one of uri and uriRegexRewrite');
  bad(r({ rewrite: {} }), 'spec.http[0].rewrite', 'at least one of uri, uriRegexRewrite or authority');
  bad(r({ rewrite: { uriRegexRewrite: { match: 'a' } } }), 'spec.http[0].rewrite.uriRegexRewrite', 'needs both match');
  bad(r({ rewrite: { uriRegexRewrite: { match: '(?<=a)b', rewrite: 'c' } } }), 'spec.http[0].rewrite.uriRegexRewrite.match', 'invalid regex');
});

test('rule 27: redirect', () => {
  ok(vs({ redirect: { scheme: 'https', redirectCode: 301, port: 443 } }));
  ok(vs({ redirect: { derivePort: 'FROM_REQUEST_PORT' } }));
  ok(vs({ match: [{ uri: { prefix: '/old' } }], redirect: { prefixRewrite: '/new' } }));
  bad(vs({ redirect: {} }), 'spec.http[0].redirect', 'at least one of uri, prefixRewrite');
  bad(vs({ redirect: { uri: '/a', prefixRewrite: '/b' } }), 'spec.http[0].redirect.prefixRewrite', 'only one of uri and prefixRewrite');
  bad(vs({ match: [{ uri: { exact: '/old' } }], redirect: { prefixRewrite: '/new' } }), 'spec.http[0].redirect.prefixRewrite', 'match[0].uri is not a prefix match');
  bad(vs({ redirect: { uri: '/a', redirectCode: 200 } }), 'spec.http[0].redirect.redirectCode', '3xx');
  bad(vs({ redirect: { scheme: 'ftp' } }), 'spec.http[0].redirect.scheme', '"http" or "https"');
  bad(vs({ redirect: { port: 80, derivePort: 'FROM_PROTOCOL_DEFAULT' } }), 'spec.http[0].redirect', 'only one of port, derivePort');
  bad(vs({ redirect: { port: 70000 } }), 'spec.http[0].redirect.port', '1..65535');
  bad(vs({ redirect: { derivePort: 'SOMETIMES' } }), 'spec.http[0].redirect.derivePort', 'valid values are: FROM_PROTOCOL_DEFAULT, FROM_REQUEST_PORT');
});

test('rule 28: direct response', () => {
  ok(vs({ directResponse: { status: 404, body: { string: 'not found' } } }));
  ok(vs({ directResponse: { status: 200, body: { bytes: 'aGVsbG8=' } } }));
  bad(vs({ directResponse: { status: 100 } }), 'spec.http[0].directResponse.status', '200-599');
  bad(vs({ directResponse: { body: { string: 'x' } } }), 'spec.http[0].directResponse.status', 'status is required');
  bad(vs({ directResponse: { status: 200, body: { string: 'x'.repeat(1024 * 1024 + 1) } } }), 'spec.http[0].directResponse.body', 'less than 1MB');
  warns(vs({ directResponse: { status: 200, body: { string: 'x'.repeat(200 * 1024) } } }), 'spec.http[0].directResponse.body', 'control plane performance');
  bad(vs({ directResponse: { status: 200, body: { string: 'a', bytes: 'YQ==' } } }), 'spec.http[0].directResponse.body', 'only one of string, bytes');
  bad(vs({ directResponse: { status: 200, body: { bytes: 'not base64!' } } }), 'spec.http[0].directResponse.body.bytes', 'base64');
});

test('rule 29: fault injection', () => {
  ok(r({ fault: { delay: { fixedDelay: '5s', percentage: { value: 0.1 } }, abort: { httpStatus: 503, percentage: { value: 100 } } } }));
  ok(r({ fault: { abort: { grpcStatus: 'UNAVAILABLE' } } }));
  bad(r({ fault: {} }), 'spec.http[0].fault', 'abort and/or a delay');
  bad(r({ fault: { abort: { httpStatus: 503, percentage: { value: 150 } } } }), 'spec.http[0].fault.abort.percentage.value', '[0.0001, 100]');
  bad(r({ fault: { delay: { fixedDelay: '1s', percentage: { value: 0.00001 } } } }), 'spec.http[0].fault.delay.percentage.value', '[0.0001, 100]');
  bad(r({ fault: { abort: { httpStatus: 100 } } }), 'spec.http[0].fault.abort.httpStatus', '200-599');
  bad(r({ fault: { abort: { grpcStatus: 'NOPE' } } }), 'spec.http[0].fault.abort.grpcStatus', 'UNAVAILABLE');
  bad(r({ fault: { abort: { http2Error: 'x' } } }), 'spec.http[0].fault.abort.http2Error', 'not supported');
  bad(r({ fault: { delay: { exponentialDelay: '1s' } } }), 'spec.http[0].fault.delay.exponentialDelay', 'not supported');
  bad(r({ fault: { abort: { httpStatus: 500, grpcStatus: 'OK' } } }), 'spec.http[0].fault.abort', 'only one of httpStatus, grpcStatus, http2Error');
  warns(r({ fault: { abort: { percentage: { value: 10 } } } }), 'spec.http[0].fault.abort', 'without an error type');
});

test('rule 30: retries', () => {
  ok(r({ retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,503,reset,retriable-status-codes', retryRemoteLocalities: true, backoff: '25ms' } }));
  ok(r({ retries: { attempts: 0 } }));
  bad(r({ retries: { attempts: -1 } }), 'spec.http[0].retries.attempts', 'attempts must be >= 0');
  bad(r({ retries: { attempts: 0, retryOn: '5xx' } }), 'spec.http[0].retries.retryOn', 'retries are disabled');
  bad(r({ retries: { perTryTimeout: '2s' } }), 'spec.http[0].retries.perTryTimeout', 'attempts is unset');
  bad(r({ retries: { attempts: 2, retryOn: '5xx,foo' } }), 'spec.http[0].retries.retryOn', '"foo" is not a valid retryOn policy');
  bad(r({ retries: { attempts: 2, retryOn: '5xx, reset' } }), 'spec.http[0].retries.retryOn', '" reset" is not a valid');
  bad(r({ retries: { attempts: 2, retryOn: '999' } }), 'spec.http[0].retries.retryOn', 'not a valid retryOn policy');
  bad(r({ retries: { attempts: 2, perTryTimeout: '0.5ms' } }), 'spec.http[0].retries.perTryTimeout', 'at least 1ms');
});

test('rule 31: CORS', () => {
  ok(r({ corsPolicy: { allowOrigins: [{ exact: 'https://a.com' }, { regex: 'https://.*\\.a\\.com' }], allowMethods: ['GET', 'POST', '*'],
    allowHeaders: ['x-a', '*'], exposeHeaders: ['x-b'], maxAge: '24h', allowCredentials: true, unmatchedPreflights: 'IGNORE' } }));
  bad(r({ corsPolicy: { allowOrigins: [{ exact: '' }] } }), 'spec.http[0].corsPolicy.allowOrigins[0]', 'non-empty');
  bad(r({ corsPolicy: { allowOrigins: [{ regex: '(?=a)' }] } }), 'spec.http[0].corsPolicy.allowOrigins[0].regex', 'invalid regex');
  bad(r({ corsPolicy: { allowMethods: ['get'] } }), 'spec.http[0].corsPolicy.allowMethods[0]', 'not a supported HTTP method');
  bad(r({ corsPolicy: { allowHeaders: ['bad header'] } }), 'spec.http[0].corsPolicy.allowHeaders[0]', 'not a valid header name');
  bad(r({ corsPolicy: { exposeHeaders: [''] } }), 'spec.http[0].corsPolicy.exposeHeaders[0]', 'must not be empty');
  bad(r({ corsPolicy: { maxAge: '1500ms' } }), 'spec.http[0].corsPolicy.maxAge', 'whole seconds');
  bad(r({ corsPolicy: { unmatchedPreflights: 'DROP' } }), 'spec.http[0].corsPolicy.unmatchedPreflights', 'FORWARD');
});

test('rule 32: mirror percentages', () => {
  noWarnings(r({ mirror: { host: 'shadow' }, mirrorPercentage: { value: 50 } }));
  bad(r({ mirror: { host: 'shadow' }, mirrorPercentage: { value: 101 } }), 'spec.http[0].mirrorPercentage.value', '0-100');
  warns(r({ mirror: { host: 'shadow' }, mirrorPercent: 50 }), 'spec.http[0].mirrorPercent', 'deprecated');
  warns(r({ mirror: { host: 'shadow' }, mirror_percent: 50 }), 'spec.http[0].mirror_percent', 'deprecated');
  bad(r({ mirror: { host: 'shadow' }, mirrorPercent: 150 }), 'spec.http[0].mirrorPercent', 'at most 100');
  ok(r({ mirrors: [{ destination: { host: 'shadow' }, percentage: { value: 5 } }] }));
  bad(r({ mirrors: [{ destination: { host: 'shadow' }, percentage: { value: 500 } }] }), 'spec.http[0].mirrors[0].percentage.value', '0-100');
  bad(r({ mirrors: [{ percentage: { value: 5 } }] }), 'spec.http[0].mirrors[0].destination', 'destination is required');
});

test('rule 33: TLS routes', () => {
  const tls = (match: unknown, extra: object = {}) => ({ hosts: ['*.foo.com'], gateways: ['ns/gw'], tls: [{ match, route, ...extra }] });
  ok(tls([{ sniHosts: ['a.foo.com', '*.b.foo.com'], destinationSubnets: ['10.0.0.0/8', '10.1.1.1'], port: 443 }]));
  bad(tls([]), 'spec.tls[0].match', 'at least one match');
  bad(tls([{ sniHosts: [] }]), 'spec.tls[0].match[0].sniHosts', 'at least one SNI host');
  bad(tls([{ sniHosts: ['a.bar.com'] }]), 'spec.tls[0].match[0].sniHosts[0]', 'not a compatible subset');
  bad(tls([{ sniHosts: ['*.com'] }]), 'spec.tls[0].match[0].sniHosts[0]', 'not a compatible subset');
  warns(tls([{ sniHosts: ['10.0.0.1'] }]), 'spec.tls[0].match[0].sniHosts[0]', 'IP address');
  bad(tls([{ sniHosts: ['a.foo.com'], destinationSubnets: ['10.0.0.0/33'] }]), 'spec.tls[0].match[0].destinationSubnets[0]', 'not a valid IP');
  bad({ hosts: ['a.foo.com'], tls: [{ match: [{ sniHosts: ['a.foo.com'] }] }] }, 'spec.tls[0].route', 'at least one destination');
  bad({ hosts: ['a.foo.com'], tls: [{ match: [null], route }] }, 'spec.tls[0].match[0]', 'may not be null');
});

test('rule 34: TCP routes', () => {
  ok({ hosts: ['mongo'], tcp: [{ match: [{ port: 27017, destinationSubnets: ['10.0.0.0/16'], sourceLabels: { app: 'x' } }], route }] });
  bad({ hosts: ['mongo'], tcp: [{ match: [{ port: 27017 }] }] }, 'spec.tcp[0].route', 'at least one destination');
  bad({ hosts: ['mongo'], tcp: [{ match: [{ destinationSubnets: ['nope'] }], route }] }, 'spec.tcp[0].match[0].destinationSubnets[0]', 'not a valid IP');
  bad({ hosts: ['mongo'], tcp: [{ match: [{ port: 70000 }], route }] }, 'spec.tcp[0].match[0].port', '1..65535');
  bad({ hosts: ['mongo'], tcp: [{ route: [{ ...dest(), weight: -1 }] }] }, 'spec.tcp[0].route[0].weight', '>= 0');
});

test('rule 35: reachability warnings', () => {
  noWarnings({ hosts: ['a'], http: [{ match: [{ uri: { prefix: '/api/v1/products' } }], route }, { match: [{ uri: { prefix: '/api' } }], route }, { route }] });
  warns({ hosts: ['a'], http: [{ route }, { route }] }, 'spec.http[1]', 'only the last rule can have no match');
  warns({ hosts: ['a'], http: [{ route }, { match: [{ uri: { prefix: '/' } }], route }] }, 'spec.http[1]', 'has no match and takes all traffic');
  warns({ hosts: ['a'], http: [{ match: [{ uri: { exact: '/a' } }], route }, { match: [{ name: 'other', uri: { exact: '/a' } }], route }] },
    'spec.http[1].match[0]', 'duplicates a match of rule #0');
  warns({ hosts: ['a'], http: [{ match: [{ uri: { exact: '/a' } }], route }, { match: [{ uri: { exact: '/a' } }], route }] },
    'spec.http[1]', 'all its matches are used');
  warns({ hosts: ['a'], http: [{ match: [{ uri: { prefix: '/api' } }], route }, { name: 'v1', match: [{ uri: { prefix: '/api/v1' } }], route }] },
    'spec.http[1].match[0]', 'of prefix "/api" on rule #0 comes first');
  warns({ hosts: ['a'], tcp: [{ match: [{ port: 1 }], route }, { match: [{ port: 1 }], route }] }, 'spec.tcp[1].match[0]', 'duplicates');
});

test('cases from Istio\'s own validation tests', () => {
  const get = (prefix: string, method?: string) => ({ uri: { prefix }, ...(method ? { method: { exact: method } } : {}) });
  warns({ hosts: ['foo.bar'], http: [{ route, match: [get('/api/v1/product'), get('/api/v1/products', 'GET')] }] },
    'spec.http[0].match[1]', 'covers it');
  noWarnings({ hosts: ['foo.bar'], http: [{ route, match: [get('/'), { uri: { exact: '/' }, method: { exact: 'GET' } }] }] });
  warns({ hosts: ['foo.bar'], tls: [{ route, match: [{ port: 999, sniHosts: ['1.1.1.1'] }] }] }, 'spec.tls[0].match[0].sniHosts[0]', 'IP address');
  bad({ hosts: ['foo.bar'], tls: [{ route, match: [{ port: 999, sniHosts: ['foo.*.com'] }] }] }, 'spec.tls[0].match[0].sniHosts[0]', 'invalid');
  bad({ hosts: ['foo.bar'], gateways: ['ns1/*'], http: [{ route }] }, 'spec.gateways[0]', 'invalid gateway name');
  bad({ hosts: ['foo.bar'], gateways: ['*/gateway'], http: [{ route }] }, 'spec.gateways[0]', 'invalid namespace');
  bad({ hosts: ['foo.bar'], gateways: ['b@dgateway'], http: [{ route }] }, 'spec.gateways[0]', 'invalid gateway');
  ok({ hosts: ['*'], gateways: ['somegateway'], http: [{ route }] });
  bad({ hosts: ['foo.ba!r'], http: [{ route }] }, 'spec.hosts[0]', 'invalid');
});

test('shared rules: exportTo, durations, unknown fields', () => {
  ok(r({ timeout: '1.5s' }));
  ok({ ...r({}), exportTo: ['.', 'other'] });
  bad({ ...r({}), exportTo: ['.', 'default'] }, 'spec.exportTo[1]', 'duplicate');
  bad({ ...r({}), exportTo: ['~'] }, 'spec.exportTo[0]', 'only allowed on ServiceEntry');
  bad(r({ timeout: '0.5ms' }), 'spec.http[0].timeout', 'at least 1ms');
  bad(r({ timeout: 'soon' }), 'spec.http[0].timeout', 'invalid duration');
  bad(r({ websocketUpgrade: true }), 'spec.http[0].websocketUpgrade', 'unknown field');
  bad(r({ mirrorPercent: 50, mirror_percent: 50 }), 'spec.http[0].mirror_percent', 'same field');
});

test('never throws on odd input', () => {
  for (const spec of [
    { hosts: [null], http: [null] },
    { hosts: ['a'], http: [{ route: [null], match: [null, { headers: null, uri: null }] }] },
    { hosts: ['a'], http: [{ route, mirrors: [null], corsPolicy: { allowOrigins: [null] } }] },
    { hosts: ['a'], tls: [null, { match: null, route: null }], tcp: [null, { match: [null] }] },
    { hosts: ['a'], http: [{ route, fault: { abort: null, delay: null }, retries: {}, redirect: null, rewrite: null }] },
    null,
  ]) {
    const o = run(spec);
    assert.ok(!o.errors.some((e) => e.message.includes('internal error')), show(o.errors));
  }
});
