/**
 * ServiceEntry validation (ISTIO-RULES §3.5, rules 57–66): one accepted and one rejected case per
 * rule, asserting on field paths and message text.
 */
import { test } from 'node:test';
import { assertClean, assertError, assertNoProblemAt, assertValid, assertWarning, obj, validateOne } from '../helpers/kind-check.js';

const se = (spec: string, metadata?: string) =>
  validateOne(obj('networking.istio.io/v1', 'ServiceEntry', `spec:\n${spec}`, metadata));

const HTTP_PORT = '  ports:\n  - {number: 80, name: http, protocol: HTTP}\n';

test('a complete DNS ServiceEntry is clean', () => {
  assertClean(se(`  hosts: [api.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
  - {number: 443, name: https, protocol: HTTPS, targetPort: 8443}
  exportTo: ['.']
  subjectAltNames: [sa]
`));
});

test('spec is required', () => {
  assertError(validateOne(obj('networking.istio.io/v1', 'ServiceEntry', '')), 'spec', 'spec is required');
});

test('rule 57: hosts', () => {
  assertError(se('  resolution: NONE\n'), 'spec.hosts', 'at least one host');
  assertError(se(`  hosts: ["*"]\n${HTTP_PORT}`), 'spec.hosts[0]', 'cannot be the wildcard');
  assertError(se(`  hosts: [Bad_Host.com]\n${HTTP_PORT}`), 'spec.hosts[0]', 'invalid');
  assertValid(se(`  hosts: ["*.example.com", reviews]\n${HTTP_PORT}`));
});

test('rule 2: a partial wildcard host is a warning (not with DYNAMIC_DNS)', () => {
  const o = se(`  hosts: ["*x.example.com"]\n${HTTP_PORT}`);
  assertValid(o);
  assertWarning(o, 'spec.hosts[0]', 'partial wildcard');
  assertNoProblemAt(se(`  hosts: ["*.example.com"]\n${HTTP_PORT}`), 'spec.hosts[0]');
});

test('rule 58: workloadSelector and endpoints are exclusive; selector rules apply', () => {
  const both = se(`  hosts: [a.com]\n  resolution: STATIC\n  workloadSelector: {labels: {app: a}}\n  endpoints: [{address: 1.1.1.1}]\n${HTTP_PORT}`);
  assertError(both, 'spec.endpoints', 'only one of workloadSelector or endpoints');
  assertClean(se(`  hosts: [a.com]\n  resolution: STATIC\n  workloadSelector: {labels: {app: a}}\n${HTTP_PORT}`));
  assertError(se(`  hosts: [a.com]\n  resolution: STATIC\n  workloadSelector: {labels: {app: "*"}}\n${HTTP_PORT}`),
    'spec.workloadSelector.labels.app', 'wildcard is not supported');
  const empty = se(`  hosts: [a.com]\n  resolution: STATIC\n  workloadSelector: {}\n${HTTP_PORT}`);
  assertValid(empty);
  assertWarning(empty, 'spec.workloadSelector', 'without labels');
});

test('rule 59: addresses are IPs or CIDRs; CIDRs only with NONE or STATIC', () => {
  assertValid(se(`  hosts: [a.com]\n  addresses: [10.0.0.1, "2001:db8::1", 10.1.0.0/16]\n${HTTP_PORT}`));
  assertError(se(`  hosts: [a.com]\n  addresses: [not-an-ip]\n${HTTP_PORT}`), 'spec.addresses[0]', 'must be an IP address or a CIDR');
  assertError(se(`  hosts: [a.com]\n  addresses: [1.2.3.4/99]\n${HTTP_PORT}`), 'spec.addresses[0]', 'must be an IP address or a CIDR');
  assertError(se(`  hosts: [a.com]\n  resolution: DNS\n  addresses: [10.1.0.0/16]\n${HTTP_PORT}`), 'spec.addresses[0]', 'NONE/STATIC');
  assertValid(se(`  hosts: [a.com]\n  resolution: STATIC\n  addresses: [10.1.0.0/16]\n  endpoints: [{address: 1.1.1.1}]\n${HTTP_PORT}`));
});

test('rule 60: ports', () => {
  const dupName = se('  hosts: [a.com]\n  ports:\n  - {number: 80, name: a, protocol: HTTP}\n  - {number: 81, name: a, protocol: HTTP}\n');
  assertError(dupName, 'spec.ports[1].name', 'duplicate port name "a"');
  const dupNum = se('  hosts: [a.com]\n  ports:\n  - {number: 80, name: a, protocol: HTTP}\n  - {number: 80, name: b, protocol: HTTP}\n');
  assertError(dupNum, 'spec.ports[1].number', 'cannot be duplicated');
  assertError(se('  hosts: [a.com]\n  ports:\n  - {number: 80, name: Http, protocol: HTTP}\n'), 'spec.ports[0].name', 'DNS-1123');
  assertError(se('  hosts: [a.com]\n  ports:\n  - {number: 80, protocol: HTTP}\n'), 'spec.ports[0].name', 'port name is required');
  assertError(se('  hosts: [a.com]\n  ports:\n  - {number: 70000, name: a, protocol: HTTP}\n'), 'spec.ports[0].number', '1..65535');
  assertError(se('  hosts: [a.com]\n  ports:\n  - {name: a, protocol: HTTP}\n'), 'spec.ports[0].number', 'required');
  assertError(se('  hosts: [a.com]\n  ports:\n  - {number: 80, name: a, protocol: HTTP, targetPort: 0}\n'), 'spec.ports[0].targetPort', '1..65535');
  assertError(se('  hosts: [a.com]\n  ports:\n  - {number: 80, name: a, protocol: FOO}\n'), 'spec.ports[0].protocol', 'unrecognized protocol "FOO"');
  assertValid(se('  hosts: [a.com]\n  ports:\n  - {number: 80, name: a, protocol: grpc-web, targetPort: 8080}\n'));
});

test('rule 60: no addresses with a TCP or unset protocol port is a warning', () => {
  const o = se('  hosts: [a.com]\n  ports:\n  - {number: 3306, name: db}\n');
  assertValid(o);
  assertWarning(o, 'spec.ports[0]', 'addresses are required');
  assertNoProblemAt(se('  hosts: [a.com]\n  addresses: [10.0.0.1]\n  ports:\n  - {number: 3306, name: db, protocol: TCP}\n'), 'spec.ports[0]');
  // DNS resolution: Trellis auto-allocates a virtual IP, unless the label opts out.
  assertNoProblemAt(se('  hosts: [a.com]\n  resolution: DNS\n  ports:\n  - {number: 3306, name: db, protocol: TCP}\n'), 'spec.ports[0]');
  const optOut = se('  hosts: [a.com]\n  resolution: DNS\n  ports:\n  - {number: 3306, name: db, protocol: TCP}\n',
    '  name: x\n  labels:\n    networking.istio.io/enable-autoallocate-ip: "false"\n');
  assertWarning(optOut, 'spec.ports[0]', 'addresses are required');
});

test('rule 61: resolution NONE rejects endpoints and warns on workloadSelector', () => {
  assertError(se(`  hosts: [a.com]\n  endpoints: [{address: 1.1.1.1}]\n${HTTP_PORT}`), 'spec.endpoints', 'NONE mode cannot set endpoints');
  const ws = se(`  hosts: [a.com]\n  resolution: NONE\n  workloadSelector: {labels: {app: a}}\n${HTTP_PORT}`);
  assertValid(ws);
  assertWarning(ws, 'spec.workloadSelector', 'resolution mode is NONE');
});

test('rule 62: STATIC endpoints are IPs or unix sockets with declared port names', () => {
  const ok = se(`  hosts: [a.com]\n  resolution: STATIC\n  endpoints:\n  - {address: 10.0.0.1, ports: {http: 8080}, labels: {v: "1"}}\n${HTTP_PORT}`);
  assertClean(ok);
  assertError(se(`  hosts: [a.com]\n  resolution: STATIC\n  endpoints: [{address: foo.com}]\n${HTTP_PORT}`),
    'spec.endpoints[0].address', 'not an IP address');
  assertError(se(`  hosts: [a.com]\n  resolution: STATIC\n  endpoints: [{address: 10.0.0.1, ports: {grpc: 9090}}]\n${HTTP_PORT}`),
    'spec.endpoints[0].ports.grpc', 'not defined by the ServiceEntry; declared port names are: http');
  assertError(se(`  hosts: [a.com]\n  resolution: STATIC\n  endpoints: [{address: 10.0.0.1, ports: {http: 0}}]\n${HTTP_PORT}`),
    'spec.endpoints[0].ports.http', '1..65535');
  assertValid(se(`  hosts: [a.com]\n  resolution: STATIC\n  endpoints: [{address: "unix:///var/run/a.sock"}]\n${HTTP_PORT}`));
  assertError(se(`  hosts: [a.com]\n  resolution: STATIC\n  endpoints: [{address: "unix:///var/run/a.sock", ports: {http: 80}}]\n${HTTP_PORT}`),
    'spec.endpoints[0].ports', 'may not have ports');
  assertError(se('  hosts: [a.com]\n  resolution: STATIC\n  endpoints: [{address: "unix:///a.sock"}]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  - {number: 81, name: h2, protocol: HTTP}\n'),
    'spec.endpoints[0].address', 'exactly one port');
  assertError(se(`  hosts: [a.com]\n  resolution: STATIC\n  endpoints: [{address: 10.0.0.1, labels: {"bad key": x}}]\n${HTTP_PORT}`),
    'spec.endpoints[0].labels["bad key"]', 'invalid label key');
});

test('rule 63: DNS resolution', () => {
  assertError(se(`  hosts: ["*.a.com"]\n  resolution: DNS\n${HTTP_PORT}`), 'spec.hosts[0]', 'hosts must be FQDN');
  assertValid(se(`  hosts: ["*.a.com"]\n  resolution: DNS\n  endpoints: [{address: b.com}]\n${HTTP_PORT}`));
  assertValid(se(`  hosts: [a.com]\n  resolution: DNS\n  endpoints: [{address: 10.0.0.1}, {address: b.example.com, ports: {http: 8080}}]\n${HTTP_PORT}`));
  assertError(se(`  hosts: [a.com]\n  resolution: DNS\n  endpoints: [{address: "bad_name!"}]\n${HTTP_PORT}`),
    'spec.endpoints[0].address', 'neither an IP address nor a valid DNS name');
  assertError(se(`  hosts: [a.com]\n  resolution: DNS\n  endpoints: [{address: b.com, ports: {tcp: 1}}]\n${HTTP_PORT}`),
    'spec.endpoints[0].ports.tcp', 'not defined by the ServiceEntry');
  assertError(se(`  hosts: [a.com]\n  resolution: DNS_ROUND_ROBIN\n  endpoints: [{address: b.com}, {address: c.com}]\n${HTTP_PORT}`),
    'spec.endpoints', 'DNS_ROUND_ROBIN mode cannot have multiple endpoints');
  assertValid(se(`  hosts: [a.com]\n  resolution: DNS_ROUND_ROBIN\n  endpoints: [{address: b.com}]\n${HTTP_PORT}`));
  const multi = se('  hosts: [a.com, b.com]\n  resolution: DNS\n  addresses: [10.0.0.1]\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n');
  assertValid(multi);
  assertWarning(multi, 'spec.ports[0]', 'more than one host');
  assertNoProblemAt(se('  hosts: [a.com]\n  resolution: DNS\n  addresses: [10.0.0.1]\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n'), 'spec.ports[0]');
});

test('rule 64: DYNAMIC_DNS', () => {
  const ok = se('  hosts: ["*.example.com"]\n  resolution: DYNAMIC_DNS\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n');
  assertValid(ok);
  assertError(se('  hosts: [a.example.com]\n  resolution: DYNAMIC_DNS\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n'),
    'spec.hosts[0]', 'must be a wildcard');
  assertError(se('  hosts: ["*.a.com"]\n  resolution: DYNAMIC_DNS\n  addresses: [10.0.0.1]\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n'),
    'spec.addresses', 'not allowed with resolution DYNAMIC_DNS');
  assertError(se('  hosts: ["*.a.com"]\n  resolution: DYNAMIC_DNS\n  endpoints: [{address: 1.1.1.1}]\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n'),
    'spec.endpoints', 'not allowed with resolution DYNAMIC_DNS');
  assertError(se('  hosts: ["*.a.com"]\n  resolution: DYNAMIC_DNS\n  ports:\n  - {number: 443, name: tcp, protocol: TCP}\n'),
    'spec.ports[0].protocol', 'use one of HTTP, TLS, GRPC, HTTP2');
  const waypoint = '  name: x\n  labels:\n    istio.io/use-waypoint: waypoint\n';
  assertError(se('  hosts: ["*.a.com"]\n  resolution: DYNAMIC_DNS\n  location: MESH_INTERNAL\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n', waypoint),
    'spec.location', 'MESH_INTERNAL');
  assertValid(se('  hosts: ["*.a.com"]\n  resolution: DYNAMIC_DNS\n  location: MESH_EXTERNAL\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n', waypoint));
  assertError(se('  hosts: [a.com]\n  resolution: MAGIC\n'), 'spec.resolution', 'valid values are: NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS');
});

test('rule 65: several hosts need HTTP or TLS ports unless resolution is NONE', () => {
  assertError(se('  hosts: [a.com, b.com]\n  resolution: DNS\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  - {number: 3306, name: db, protocol: TCP}\n'),
    'spec.ports[1].protocol', 'multiple hosts provided with non-HTTP, non-TLS port');
  assertValid(se('  hosts: [a.com, b.com]\n  resolution: DNS\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  - {number: 443, name: https, protocol: HTTPS}\n'));
  assertValid(se('  hosts: [a.com, b.com]\n  resolution: NONE\n  addresses: [10.0.0.1]\n  ports:\n  - {number: 3306, name: db, protocol: TCP}\n'));
});

test('rules 9 and 66: exportTo, including "~"', () => {
  assertValid(se(`  hosts: [a.com]\n  exportTo: ["~"]\n${HTTP_PORT}`));
  assertError(se(`  hosts: [a.com]\n  exportTo: ["~", "."]\n${HTTP_PORT}`), 'spec.exportTo', '"~" must be the only entry');
  assertError(se(`  hosts: [a.com]\n  exportTo: [".", ns]\n${HTTP_PORT}`), 'spec.exportTo[1]', 'duplicate');
});

test('schema: unknown fields, wrong types and bad enums', () => {
  assertError(se(`  hosts: [a.com]\n  hostz: [b]\n${HTTP_PORT}`), 'spec.hostz', 'unknown field');
  assertError(se(`  hosts: [a.com]\n  location: OUTSIDE\n${HTTP_PORT}`), 'spec.location', 'MESH_EXTERNAL, MESH_INTERNAL');
  assertError(se('  hosts: [a.com]\n  ports:\n  - {number: "80", name: a}\n'), 'spec.ports[0].number', 'must be an integer');
  assertError(se(`  hosts: [a.com]\n  endpoints: [{address: 1.1.1.1, weight: -1}]\n  resolution: STATIC\n${HTTP_PORT}`), 'spec.endpoints[0].weight', 'between 0');
});

test('never throws on nulls', () => {
  assertValid(se(`  hosts: [a.com]\n  addresses: null\n  endpoints: null\n  workloadSelector: null\n${HTTP_PORT}`));
  assertError(se('  hosts: [a.com]\n  ports: [null]\n'), 'spec.ports[0]', 'must not be null');
  assertError(se(`  hosts: [a.com]\n  resolution: STATIC\n  endpoints: [null]\n${HTTP_PORT}`), 'spec.endpoints[0]', 'must not be null');
});
