/**
 * The route compiler, one VirtualService feature at a time: every HTTPMatchRequest field and every
 * route action, checked by simulating requests through the compiled RouteConfiguration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoutes, tcpRouteClusters, tlsRouteClusters } from '../../src/compile/routes/index.js';
import type { Route, RouteConfiguration } from '../../src/api/envoy/route.js';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';
import { simulate, target, type SimRequest } from './proxy-adapters.js';
import { assertEncodes } from '../helpers/xds.js';
import { TypeUrl } from '../../src/api/envoy/common.js';

const BASE = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  selector: {app: api}
  ports: [{name: http, port: 8080}, {name: http-admin, port: 9000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: default}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client, version: v1}}
    spec: {containers: [{name: app, image: client}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: other, namespace: default}
spec:
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: app, image: other}]}
`;

function vs(http: string, extra = ''): string {
  return `${BASE}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web]
${extra}  http:
${http}`;
}

function rcFor(yaml: string, workload = 'default/client', name = '8080'): RouteConfiguration {
  const snap = snapshotFrom(yaml);
  const rc = compileRoutes(snap, proxyFor(snap, workload)).find((r) => r.name === name);
  assert.ok(rc, `route ${name}`);
  return rc;
}

function routeFor(rc: RouteConfiguration, req: Partial<SimRequest> = {}): Route | undefined {
  return simulate(rc, { host: 'web', path: '/', ...req }).route;
}

const TO_V1 = `    route: [{destination: {host: web, subset: v1}}]`;
const V1 = 'outbound|8080|v1|web.default.svc.cluster.local';
const DEFAULT = 'outbound|8080||web.default.svc.cluster.local';

test('uri exact, prefix and regex; ignoreUriCase', () => {
  const rc = rcFor(vs(`  - match: [{uri: {exact: /a}}, {uri: {prefix: /p/}}, {uri: {regex: '/r/[0-9]+'}}, {uri: {exact: /CI}, ignoreUriCase: true}]
${TO_V1}
  - route: [{destination: {host: web}}]`));
  const t = (path: string) => target(routeFor(rc, { path }));
  assert.equal(t('/a'), V1);
  assert.equal(t('/a/b'), DEFAULT);
  assert.equal(t('/p/x'), V1);
  assert.equal(t('/r/12'), V1);
  assert.equal(t('/r/x'), DEFAULT);
  assert.equal(t('/ci'), V1);
  const r = routeFor(rc, { path: '/r/1' });
  assert.deepEqual(r?.match.safeRegex, { regex: '/r/[0-9]+' });
  assert.equal(routeFor(rc, { path: '/ci' })?.match.caseSensitive, false);
});

test('headers exact/prefix/regex/present, withoutHeaders, method, authority, scheme, queryParams', () => {
  const rc = rcFor(vs(`  - name: h
    match:
    - headers: {x-a: {exact: one}, x-b: {prefix: pre}, x-c: {regex: 'v[0-9]'}}
    - headers: {x-present: {}}
    - withoutHeaders: {x-block: {exact: yes}, x-absent: {regex: '*'}}
      uri: {prefix: /wo}
    - method: {exact: POST}
      uri: {prefix: /m}
    - authority: {prefix: web}
      uri: {prefix: /auth}
    - scheme: {exact: https}
      uri: {prefix: /s}
    - queryParams: {q: {exact: '1'}, flag: {prefix: 'o'}}
      uri: {prefix: /q}
${TO_V1}
  - route: [{destination: {host: web}}]`));
  const t = (req: Partial<SimRequest>) => target(routeFor(rc, req));
  assert.equal(t({ headers: { 'x-a': 'one', 'x-b': 'prefix', 'x-c': 'v1' } }), V1);
  assert.equal(t({ headers: { 'x-a': 'one', 'x-b': 'prefix', 'x-c': 'vx' } }), DEFAULT);
  assert.equal(t({ headers: { 'x-present': 'anything' } }), V1);
  assert.equal(t({ path: '/wo' }), V1);
  assert.equal(t({ path: '/wo', headers: { 'x-block': 'yes' } }), DEFAULT);
  assert.equal(t({ path: '/m', method: 'POST' }), V1);
  assert.equal(t({ path: '/m', method: 'GET' }), DEFAULT);
  assert.equal(t({ path: '/auth' }), V1);
  assert.equal(t({ path: '/s', scheme: 'https' }), V1);
  assert.equal(t({ path: '/s' }), DEFAULT);
  assert.equal(t({ path: '/wo', headers: { 'x-absent': '' } }), DEFAULT);
  assert.equal(t({ path: '/q?q=1&flag=on' }), V1);
  assert.equal(t({ path: '/q?q=2&flag=on' }), DEFAULT);
  const hs = routeFor(rc, { headers: { 'x-a': 'one', 'x-b': 'prefix', 'x-c': 'v1' } })?.match.headers;
  assert.deepEqual(hs?.map((h) => h.name), ['x-a', 'x-b', 'x-c']);
  assert.deepEqual(routeFor(rc, { headers: { 'x-present': '1' } })?.match.headers, [{ name: 'x-present', presentMatch: true }]);
  assert.deepEqual(routeFor(rc, { path: '/wo' })?.match.headers, [
    { name: 'x-absent', presentMatch: true, invertMatch: true },
    { name: 'x-block', stringMatch: { exact: 'yes' }, invertMatch: true, treatMissingHeaderAsEmpty: true },
  ]);
  assert.deepEqual(routeFor(rc, { path: '/q?q=1&flag=on' })?.match.queryParameters, [
    { name: 'flag', stringMatch: { prefix: 'o' } },
    { name: 'q', stringMatch: { exact: '1' } },
  ]);
  assert.deepEqual(routeFor(rc, { path: '/m', method: 'POST' })?.match.headers, [{ name: ':method', stringMatch: { exact: 'POST' } }]);
  assert.equal(routeFor(rc, { headers: { 'x-present': '1' } })?.name, 'h');
});

test('match port, sourceLabels, sourceNamespace and gateways filter routes per proxy', () => {
  const yaml = vs(`  - match: [{port: 9999}]
    route: [{destination: {host: web, subset: port}}]
  - match: [{sourceLabels: {version: v1}}]
    route: [{destination: {host: web, subset: labelled}}]
  - match: [{sourceNamespace: elsewhere}]
    route: [{destination: {host: web, subset: ns}}]
  - match: [{gateways: [istio-system/gw], uri: {prefix: /gw}}]
    route: [{destination: {host: web, subset: gw}}]
  - route: [{destination: {host: web}}]`, '  gateways: [mesh, istio-system/gw]\n');
  const client = rcFor(yaml);
  assert.equal(target(routeFor(client)), 'outbound|8080|labelled|web.default.svc.cluster.local');
  assert.equal(client.virtualHosts?.find((v) => v.name.startsWith('web.'))?.routes?.length, 1, 'catch-all stops the list');
  const other = rcFor(yaml, 'default/other');
  assert.deepEqual(other.virtualHosts?.find((v) => v.name.startsWith('web.'))?.routes?.map(target), [DEFAULT]);
});

test('redirect, directResponse and rewrites', () => {
  const rc = rcFor(vs(`  - match: [{uri: {prefix: /old}}]
    redirect: {uri: /new, authority: other.example, port: 8443, scheme: https, redirectCode: 302}
  - match: [{uri: {prefix: /same}}]
    redirect: {derivePort: FROM_REQUEST_PORT, prefixRewrite: /p}
  - match: [{uri: {prefix: /gone}}]
    directResponse: {status: 410, body: {string: gone}}
  - match: [{uri: {prefix: /rx}}]
    rewrite: {uriRegexRewrite: {match: '^/rx/(.*)', rewrite: '/\\1'}, authority: backend.local}
    route: [{destination: {host: web}}]
  - match: [{uri: {prefix: /hdr}}]
    headers: {request: {set: {':authority': set.local, x-set: '1'}, add: {x-add: '2'}, remove: [x-rm]}, response: {set: {x-resp: r}}}
    route: [{destination: {host: web}, headers: {request: {set: {x-dest: d}}}}]
  - route: [{destination: {host: web}}]`));
  const redirect = routeFor(rc, { path: '/old' })?.redirect;
  assert.deepEqual(redirect, { hostRedirect: 'other.example', pathRedirect: '/new', schemeRedirect: 'https', portRedirect: 8443, responseCode: 'FOUND' });
  assert.deepEqual(routeFor(rc, { path: '/same' })?.redirect, { prefixRewrite: '/p', portRedirect: 8080 });
  assert.deepEqual(routeFor(rc, { path: '/gone' })?.directResponse, { status: 410, body: { inlineString: 'gone' } });
  const rx = routeFor(rc, { path: '/rx/a' })?.route;
  assert.deepEqual(rx?.regexRewrite, { pattern: { regex: '^/rx/(.*)' }, substitution: '/\\1' });
  assert.equal(rx?.hostRewriteLiteral, 'backend.local');
  const hdr = routeFor(rc, { path: '/hdr' });
  assert.deepEqual(hdr?.requestHeadersToAdd, [
    { header: { key: 'x-set', value: '1' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    { header: { key: 'x-add', value: '2' }, appendAction: 'APPEND_IF_EXISTS_OR_ADD' },
    { header: { key: 'x-dest', value: 'd' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
  ]);
  assert.deepEqual(hdr?.requestHeadersToRemove, ['x-rm']);
  assert.deepEqual(hdr?.responseHeadersToAdd, [{ header: { key: 'x-resp', value: 'r' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
  assert.equal(hdr?.route?.hostRewriteLiteral, 'set.local');
});

test('weighted destinations keep weights and per-destination headers; ports are inferred', () => {
  const rc = rcFor(vs(`  - route:
    - destination: {host: web, subset: v1}
      weight: 3
      headers: {response: {add: {x-v: '1'}}}
    - destination: {host: web, subset: v2}
      weight: 1
    - destination: {host: api, subset: zero}
      weight: 0
    - destination: {host: api}
      weight: 1`));
  const clusters = routeFor(rc)?.route?.weightedClusters?.clusters;
  assert.deepEqual(clusters?.map((c) => [c.name, c.weight]), [
    [V1, 3],
    ['outbound|8080|v2|web.default.svc.cluster.local', 1],
    ['outbound|8080||api.default.svc.cluster.local', 1],
  ]);
  assert.deepEqual(clusters?.[0]?.responseHeadersToAdd, [{ header: { key: 'x-v', value: '1' }, appendAction: 'APPEND_IF_EXISTS_OR_ADD' }]);
});

test('timeout, retries (retryOn with status codes, disabled with attempts 0), mirrors, CORS, fault', () => {
  const rc = rcFor(vs(`  - match: [{uri: {prefix: /t}}]
    timeout: 1.5s
    retries: {attempts: 4, retryOn: '5xx,503,gateway-error', retryRemoteLocalities: true, retryIgnorePreviousHosts: false, backoff: 100ms}
    mirror: {host: api, port: {number: 9000}}
    mirrorPercentage: {value: 12.5}
    route: [{destination: {host: web}}]
  - match: [{uri: {prefix: /no-retry}}]
    retries: {attempts: 0}
    mirrors: [{destination: {host: api, port: {number: 9000}}}, {destination: {host: web}, percentage: {value: 0}}]
    route: [{destination: {host: web}}]
  - match: [{uri: {prefix: /cors}}]
    corsPolicy:
      allowOrigins: [{exact: 'https://a.example'}, {regex: 'https://.*\\.b\\.example'}]
      allowMethods: [GET, POST]
      allowHeaders: [x-a]
      exposeHeaders: [x-b]
      maxAge: 24h
      allowCredentials: true
    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 0.1}}, delay: {fixedDelay: 250ms, percent: 5}}
    route: [{destination: {host: web}}]`));
  const t = routeFor(rc, { path: '/t' })?.route;
  assert.equal(t?.timeout, '1.500s');
  assert.equal(t?.maxGrpcTimeout, '1.500s');
  assert.deepEqual(t?.retryPolicy, {
    retryOn: '5xx,gateway-error,retriable-status-codes',
    numRetries: 4,
    hostSelectionRetryMaxAttempts: '5',
    retriableStatusCodes: [503],
    retryPriority: {
      name: 'envoy.retry_priorities.previous_priorities',
      typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', updateFrequency: 2 },
    },
    retryBackOff: { baseInterval: '0.100s' },
  });
  assert.deepEqual(t?.requestMirrorPolicies, [{
    cluster: 'outbound|9000||api.default.svc.cluster.local',
    runtimeFraction: { defaultValue: { numerator: 125000, denominator: 'MILLION' } },
    traceSampled: false,
    disableShadowHostSuffixAppend: true,
  }]);
  const nr = routeFor(rc, { path: '/no-retry' })?.route;
  assert.equal(nr?.retryPolicy, undefined);
  assert.deepEqual(nr?.requestMirrorPolicies?.map((m) => [m.cluster, m.runtimeFraction?.defaultValue]), [
    ['outbound|9000||api.default.svc.cluster.local', { numerator: 100, denominator: 'HUNDRED' }],
  ]);
  const cors = routeFor(rc, { path: '/cors' });
  assert.deepEqual(cors?.typedPerFilterConfig?.['envoy.filters.http.cors'], {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
    forwardNotMatchingPreflights: true,
    allowOriginStringMatch: [{ exact: 'https://a.example' }, { safeRegex: { regex: 'https://.*\\.b\\.example' } }],
    filterEnabled: { defaultValue: { numerator: 100, denominator: 'HUNDRED' } },
    allowCredentials: true,
    allowHeaders: 'x-a',
    allowMethods: 'GET,POST',
    exposeHeaders: 'x-b',
    maxAge: '86400',
  });
  assert.deepEqual(cors?.typedPerFilterConfig?.['envoy.filters.http.fault'], {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    delay: { fixedDelay: '0.250s', percentage: { numerator: 5, denominator: 'HUNDRED' } },
    abort: { grpcStatus: 14, percentage: { numerator: 1000, denominator: 'MILLION' } },
  });
});

test('consistent hash from the DestinationRule becomes a hash policy without the previous-hosts predicate', () => {
  const rc = rcFor(vs(`  - route: [{destination: {host: web, subset: v1}}]`) + `
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: default}
spec:
  host: web
  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user}}}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: sticky, ttl: 10s}}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: default}
spec:
  host: api
  trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true}}}
`);
  const r = routeFor(rc)?.route;
  assert.deepEqual(r?.hashPolicy, [{ cookie: { name: 'sticky', ttl: '10s' } }]);
  assert.equal(r?.retryPolicy?.retryHostPredicate, undefined);
  const api = simulate(rc, { host: 'api', path: '/' }).route?.route;
  assert.deepEqual(api?.hashPolicy, [{ connectionProperties: { sourceIp: true } }]);
});

test('sidecar domains from another namespace; VS hosts without a service appear only on port 80', () => {
  const yaml = `${BASE}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: remote, namespace: other}
spec:
  selector: {matchLabels: {app: remote}}
  template:
    metadata: {labels: {app: remote}}
    spec: {containers: [{name: app, image: remote}]}
---
apiVersion: v1
kind: Service
metadata: {name: legacy, namespace: default}
spec:
  selector: {app: legacy}
  ports: [{name: http, port: 80}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ext, namespace: default}
spec:
  hosts: [ext.example.com]
  http: [{route: [{destination: {host: web, port: {number: 8080}}}]}]
`;
  const snap = snapshotFrom(yaml);
  const remote = proxyFor(snap, 'other/remote');
  const rc = compileRoutes(snap, remote).find((r) => r.name === '8080')!;
  const web = rc.virtualHosts?.find((v) => v.name === 'web.default.svc.cluster.local:8080');
  assert.deepEqual(web?.domains.slice(0, 4), ['web.default.svc.cluster.local', 'web.default.svc.cluster.local.', 'web.default', 'web.default.svc']);
  assert.equal(simulate(rc, { host: 'web', path: '/' }).virtualHost?.name, 'allow_any');
  assert.equal(rc.virtualHosts?.some((v) => v.name.startsWith('ext.example.com')), false);
  const rc80 = compileRoutes(snap, remote).find((r) => r.name === '80')!;
  assert.equal(target(simulate(rc80, { host: 'ext.example.com', path: '/' }).route), DEFAULT);
});

test('routeNames: requested names only, unknown ones empty; HOST:PORT names give one vhost on *', () => {
  const snap = snapshotFrom(vs(`  - route: [{destination: {host: web, subset: v1}}]`));
  const client = proxyFor(snap, 'default/client');
  const [a, b] = compileRoutes(snap, client, ['8080', 'nonsense']);
  assert.equal(a?.name, '8080');
  assert.deepEqual(b, { name: 'nonsense', virtualHosts: [], validateClusters: false });
  const [sniffed] = compileRoutes(snap, client, ['web.default.svc.cluster.local:8080']);
  assert.deepEqual(sniffed?.virtualHosts?.map((v) => [v.name, v.domains]), [['web.default.svc.cluster.local:8080', ['*']]]);
});

test('gateway: ns/host server hosts, VS merge on one host with catch-alls last, identical routes collapse', () => {
  const yaml = `${BASE}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [default/a.example.com, default/b.example.com, other/c.example.com, '*/d.example.com']
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: one, namespace: default}
spec:
  hosts: [a.example.com, c.example.com]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: web}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: two, namespace: default}
spec:
  hosts: [a.example.com, b.example.com, d.example.com]
  gateways: [istio-system/gw]
  http: [{match: [{uri: {prefix: /api}}], route: [{destination: {host: api}}]}]
`;
  const snap = snapshotFrom(yaml);
  const gw = proxyFor(snap, 'istio-system/istio-ingressgateway');
  const [rc] = compileRoutes(snap, gw);
  assert.equal(rc?.name, 'http.8080');
  assert.deepEqual(rc?.virtualHosts?.map((v) => [v.name, v.domains]), [
    ['a.example.com:80', ['a.example.com']],
    ['b.example.com:80', ['b.example.com', 'd.example.com']],
  ]);
  const a = rc!.virtualHosts![0]!;
  // api has two ports and the VS names none: Istio uses the gateway server's port (80); web has one
  assert.deepEqual(a.routes?.map(target), ['outbound|80||api.default.svc.cluster.local', DEFAULT]);
  assert.equal(target(simulate(rc!, { host: 'a.example.com', path: '/api/x' }).route), 'outbound|80||api.default.svc.cluster.local');
  assert.equal(target(simulate(rc!, { host: 'c.example.com', path: '/' }).route), '(no route)');
});

test('TCP and TLS route helpers pick the destination clusters for a port or SNI', () => {
  const yaml = `${BASE}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: l4, namespace: default}
spec:
  hosts: [web]
  tcp:
  - match: [{port: 9000}]
    route: [{destination: {host: api}}]
  - route: [{destination: {host: web, subset: a}, weight: 70}, {destination: {host: web, subset: b}, weight: 30}]
  tls:
  - match: [{sniHosts: [web]}]
    route: [{destination: {host: web, port: {number: 8443}}}]
`;
  const snap = snapshotFrom(yaml);
  const proxy = proxyFor(snap, 'default/client');
  const vsObj = snap.virtualServices[0]!;
  const mesh = new Set(['mesh']);
  assert.deepEqual(tcpRouteClusters(snap, proxy, vsObj, 9000, mesh)?.clusters.map((c) => [c.cluster, c.weight]), [
    ['outbound|9000||api.default.svc.cluster.local', 100],
  ]);
  assert.deepEqual(tcpRouteClusters(snap, proxy, vsObj, 8080, mesh)?.clusters.map((c) => [c.cluster, c.weight]), [
    ['outbound|8080|a|web.default.svc.cluster.local', 70],
    ['outbound|8080|b|web.default.svc.cluster.local', 30],
  ]);
  // SNI hosts are used as written (Istio does not expand them)
  assert.deepEqual(tlsRouteClusters(snap, proxy, vsObj, 443, 'web', mesh)?.clusters.map((c) => c.cluster), [
    'outbound|8443||web.default.svc.cluster.local',
  ]);
  assert.equal(tlsRouteClusters(snap, proxy, vsObj, 443, 'nope.example', mesh), undefined);
});

test('compiled route configurations encode with the Envoy protos', () => {
  const rc = rcFor(vs(`  - match: [{uri: {regex: '/r/.*'}, headers: {x: {prefix: a}}, withoutHeaders: {y: {regex: '*'}}, queryParams: {q: {exact: '1'}}}]
    timeout: 2s
    retries: {attempts: 2, retryOn: '503,reset', perTryTimeout: 1s, retryRemoteLocalities: true, backoff: 50ms}
    fault: {delay: {fixedDelay: 1s, percentage: {value: 10}}, abort: {httpStatus: 503, percentage: {value: 1}}}
    corsPolicy: {allowOrigins: [{exact: 'https://a'}], allowMethods: [GET], maxAge: 10s, allowCredentials: false}
    mirrors: [{destination: {host: api, port: {number: 9000}}, percentage: {value: 50}}]
    headers: {request: {set: {x-a: '1'}}, response: {remove: [x-b]}}
    rewrite: {uri: /x, authority: b.local}
    route: [{destination: {host: web, subset: v1}, weight: 50, headers: {request: {add: {x-w: '1'}}}}, {destination: {host: web, subset: v2}, weight: 50}]
  - match: [{uri: {prefix: /redir}}]
    redirect: {uri: /new, redirectCode: 307, port: 8443}
  - match: [{uri: {prefix: /dr}}]
    directResponse: {status: 503, body: {bytes: aGVsbG8=}}
  - route: [{destination: {host: web}}]`) + `
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: default}
spec:
  host: web
  trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: c, ttl: 5s, path: /, attributes: [{name: SameSite, value: Lax}]}}}}
`);
  assertEncodes([rc], TypeUrl.RouteConfiguration);
  const snap = snapshotFrom(['examples/003-ingress-uri-routing']);
  assertEncodes(compileRoutes(snap, proxyFor(snap, 'istio-system/istio-ingressgateway')), TypeUrl.RouteConfiguration);
  const s1 = snapshotFrom(['examples/001-sidecar-canary', 'examples/001-sidecar-canary/steps/02-sidecar-registry-only']);
  assertEncodes(compileRoutes(s1, proxyFor(s1, 'default/client')), TypeUrl.RouteConfiguration);
  assertEncodes(compileRoutes(s1, proxyFor(s1, 'default/proxy')), TypeUrl.RouteConfiguration);
});
