/**
 * Gateway validation (ISTIO-RULES §3.4, rules 47–56): one accepted and one rejected (or warned)
 * case per rule, checked by field path and message text, on inline YAML.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bad, indent, ok, validateOne as check, warns } from '../helpers/kind-check.js';


/** A Gateway with the given `servers:` list body (YAML, indented as under `servers:`). */
function gw(servers: string, name = 'gw', extraMeta = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: default
${extraMeta}spec:
  selector:
    istio: ingressgateway
  servers:
${indent(servers, 2)}`;
}


const HTTP = `- port: {number: 80, name: http, protocol: HTTP}
  hosts: ["*"]`;
const https = (tls: string, name = 'https') => `- port: {number: 443, name: ${name}, protocol: HTTPS}
  hosts: ["example.com"]
  tls:
${indent(tls, 4)}`;

test('a typical gateway is valid with no warnings', () => {
  const o = ok(gw(`${HTTP}\n${https('mode: SIMPLE\ncredentialName: my-cert')}`));
  assert.deepEqual(o.warnings, []);
});

test('rule 47: the name is a DNS-1123 label', () => {
  ok(gw(HTTP, 'my-gateway'));
  bad(gw(HTTP, 'my.gateway'), 'metadata.name', 'DNS-1123 label');
  ok(gw(HTTP, 'my.gateway', '  annotations:\n    internal.istio.io/gateway-semantics: gateway\n'));
});

test('rule 48: at least one server, and hosts on each', () => {
  bad(`apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {servers: []}`, 'spec.servers', 'at least one server');
  bad(`apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {}`, 'spec.servers', 'at least one server');
  bad(gw('- port: {number: 80, name: http, protocol: HTTP}'), 'spec.servers[0].hosts', 'at least one host');
  bad(gw('- port: {number: 80, name: http, protocol: HTTP}\n  hosts: []'), 'spec.servers[0].hosts', 'at least one host');
  bad(gw('- null'), 'spec.servers[0]', 'may not be null');
});

test('rule 49: server hosts', () => {
  const hosts = (h: string) => gw(`- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [${h}]`);
  ok(hosts('"*", "foo.example.com", "*.example.com", "./foo.example.com", "*/bar.example.com", "prod/*", "10.0.0.1", "example.com."'));
  bad(hosts('"reviews"'), 'spec.servers[0].hosts[0]', 'short name');
  bad(hosts('"prod/reviews"'), 'spec.servers[0].hosts[0]', 'short name');
  bad(hosts('"Bad_NS/foo.example.com"'), 'spec.servers[0].hosts[0]', 'invalid namespace');
  bad(hosts('"~/foo.example.com"'), 'spec.servers[0].hosts[0]', 'invalid namespace');
  bad(hosts('"*foo.example.com"'), 'spec.servers[0].hosts[0]', 'partial wildcard');
  bad(hosts('"foo.*.com"'), 'spec.servers[0].hosts[0]', 'invalid');
  bad(hosts('"Foo.example.com"'), 'spec.servers[0].hosts[0]', 'label "Foo" invalid');
  bad(hosts('"/foo.example.com"'), 'spec.servers[0].hosts[0]', 'cannot be empty');
  bad(hosts('""'), 'spec.servers[0].hosts[0]', 'empty host');
  bad(hosts('null'), 'spec.servers[0].hosts[0]', 'empty host');
});

test('rule 50: port required, valid protocol, number, name, unique names, no targetPort', () => {
  bad(gw('- hosts: ["*"]'), 'spec.servers[0].port', 'port is required');
  ok(gw('- port: {number: 80, name: http, protocol: http}\n  hosts: ["*"]'));
  bad(gw('- port: {number: 80, name: http, protocol: FOO}\n  hosts: ["*"]'), 'spec.servers[0].port.protocol', 'invalid protocol "FOO"; valid protocols are');
  bad(gw('- port: {number: 80, name: http}\n  hosts: ["*"]'), 'spec.servers[0].port.protocol', 'protocol is required');
  bad(gw('- port: {number: 70000, name: http, protocol: HTTP}\n  hosts: ["*"]'), 'spec.servers[0].port.number', 'port number 70000 must be in the range 1..65535');
  bad(gw('- port: {number: 0, name: http, protocol: HTTP}\n  hosts: ["*"]'), 'spec.servers[0].port.number', 'must be in the range 1..65535');
  bad(gw('- port: {name: http, protocol: HTTP}\n  hosts: ["*"]'), 'spec.servers[0].port.number', 'required');
  bad(gw('- port: {number: 80, protocol: HTTP}\n  hosts: ["*"]'), 'spec.servers[0].port.name', 'port name must be set');
  ok(gw('- port: {number: 80, name: HTTP_80, protocol: HTTP}\n  hosts: ["*"]'));
  bad(gw('- port: {number: 80, name: http, protocol: HTTP, targetPort: 8080}\n  hosts: ["*"]'), 'spec.servers[0].port.targetPort', 'no impact on Gateways');
  bad(gw(`${HTTP}\n- port: {number: 8080, name: http, protocol: HTTP}\n  hosts: ["*"]`), 'spec.servers[1].port.name', 'must be unique');
  ok(gw(`${HTTP}\n- port: {number: 8080, name: http-alt, protocol: HTTP}\n  hosts: ["*"]`));
  bad(gw('- port: {number: -1, name: http, protocol: HTTP}\n  hosts: ["*"]'), 'spec.servers[0].port.number', 'between 0 and 4294967295');
});

test('rule 51: bind is an IP or a unix socket with port 0', () => {
  ok(gw('- port: {number: 80, name: http, protocol: HTTP}\n  bind: 10.0.0.1\n  hosts: ["*"]'));
  ok(gw('- port: {number: 80, name: http, protocol: HTTP}\n  bind: "::1"\n  hosts: ["*"]'));
  bad(gw('- port: {number: 80, name: http, protocol: HTTP}\n  bind: my-host\n  hosts: ["*"]'), 'spec.servers[0].bind', 'not a valid IP');
  ok(gw('- port: {number: 0, name: http, protocol: HTTP}\n  bind: unix:///var/run/gw.sock\n  hosts: ["*"]'));
  ok(gw('- port: {number: 0, name: http, protocol: HTTP}\n  bind: unix://@abstract\n  hosts: ["*"]'));
  bad(gw('- port: {number: 80, name: http, protocol: HTTP}\n  bind: unix:///var/run/gw.sock\n  hosts: ["*"]'), 'spec.servers[0].port.number', 'must be 0 for a unix domain socket');
  bad(gw('- port: {number: 0, name: http, protocol: HTTP}\n  bind: unix://relative/path\n  hosts: ["*"]'), 'spec.servers[0].bind', 'not an absolute path');
  bad(gw('- port: {number: 0, name: http, protocol: HTTP}\n  bind: unix:///dir/\n  hosts: ["*"]'), 'spec.servers[0].bind', 'not an absolute path');
});

test('rule 52: TLS only, and always, on HTTPS/TLS ports; httpsRedirect on HTTP', () => {
  bad(gw('- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: ["*"]'), 'spec.servers[0].tls', 'must have TLS settings');
  bad(gw('- port: {number: 443, name: tls, protocol: TLS}\n  hosts: ["*"]'), 'spec.servers[0].tls', 'must have TLS settings');
  ok(gw('- port: {number: 443, name: tls, protocol: TLS}\n  hosts: ["*"]\n  tls: {mode: PASSTHROUGH}'));
  ok(gw('- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]\n  tls: {httpsRedirect: true}'));
  bad(gw('- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]\n  tls: {mode: SIMPLE, credentialName: c}'), 'spec.servers[0].tls', 'plain text HTTP');
  bad(gw('- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]\n  tls: {httpsRedirect: true, serverCertificate: /c.pem}'), 'spec.servers[0].tls', 'plain text HTTP');
  bad(gw('- port: {number: 3306, name: mysql, protocol: MYSQL}\n  hosts: ["*"]\n  tls: {mode: PASSTHROUGH}'), 'spec.servers[0].tls', 'non-HTTPS/TLS');
  warns(gw(https('httpsRedirect: true\nmode: SIMPLE\ncredentialName: c')), 'spec.servers[0].tls.httpsRedirect', 'only be used with HTTP servers');
});

test('rule 53: ISTIO_MUTUAL forbids certificates; passthrough ignores them (W)', () => {
  ok(gw(https('mode: ISTIO_MUTUAL')));
  bad(gw(https('mode: ISTIO_MUTUAL\nserverCertificate: /c.pem')), 'spec.servers[0].tls.serverCertificate', 'ISTIO_MUTUAL TLS cannot have a server certificate');
  bad(gw(https('mode: ISTIO_MUTUAL\ncredentialNames: [a]')), 'spec.servers[0].tls.credentialNames', 'ISTIO_MUTUAL');
  bad(gw(https('mode: ISTIO_MUTUAL\ncaCertificates: /ca.pem')), 'spec.servers[0].tls.caCertificates', 'CA bundle');
  warns(gw(https('mode: PASSTHROUGH\ncredentialName: c')), 'spec.servers[0].tls.credentialName', 'PASSTHROUGH mode does not use certificates');
  warns(gw(https('serverCertificate: /c.pem\nprivateKey: /k.pem')), 'spec.servers[0].tls.serverCertificate', 'PASSTHROUGH mode');
  warns(gw(https('mode: AUTO_PASSTHROUGH\ncaCrl: /crl.pem')), 'spec.servers[0].tls.caCrl', 'AUTO_PASSTHROUGH mode');
});

test('rule 54: one certificate source', () => {
  bad(gw(https('mode: SIMPLE\ncredentialName: a\ntlsCertificates: [{serverCertificate: /c, privateKey: /k}]')), 'spec.servers[0].tls.tlsCertificates', 'only one certificate source');
  bad(gw(https('mode: SIMPLE\ncredentialName: a\ncredentialNames: [b]')), 'spec.servers[0].tls.credentialNames', 'only one certificate source');
  bad(gw(https('mode: SIMPLE\nserverCertificate: /c\nprivateKey: /k\ncredentialName: a')), 'spec.servers[0].tls.credentialName', 'only one certificate source');
  ok(gw(https('mode: SIMPLE\ncredentialNames: [rsa, ecdsa]')));
  bad(gw(https('mode: SIMPLE\ncredentialNames: [a, b, c]')), 'spec.servers[0].tls.credentialNames', 'at most 2');
});

test('rule 55: terminating modes need certificates, MUTUAL needs a CA', () => {
  ok(gw(https('mode: SIMPLE\nserverCertificate: /c.pem\nprivateKey: /k.pem')));
  bad(gw(https('mode: SIMPLE')), 'spec.servers[0].tls.serverCertificate', 'SIMPLE TLS requires a server certificate');
  bad(gw(https('mode: SIMPLE\nserverCertificate: /c.pem')), 'spec.servers[0].tls.privateKey', 'requires a private key');
  ok(gw(https('mode: MUTUAL\nserverCertificate: /c\nprivateKey: /k\ncaCertificates: /ca')));
  bad(gw(https('mode: MUTUAL\nserverCertificate: /c\nprivateKey: /k')), 'spec.servers[0].tls.caCertificates', 'MUTUAL TLS requires a client CA bundle');
  bad(gw(https('mode: OPTIONAL_MUTUAL\nserverCertificate: /c\nprivateKey: /k')), 'spec.servers[0].tls.caCertificates', 'client CA bundle');
  ok(gw(https('mode: MUTUAL\ncredentialName: c')));
  ok(gw(https('mode: SIMPLE\ntlsCertificates: [{serverCertificate: /a, privateKey: /b}, {serverCertificate: /c, privateKey: /d}]')));
  bad(gw(https('mode: SIMPLE\ntlsCertificates: [{serverCertificate: /a}]')), 'spec.servers[0].tls.tlsCertificates[0].privateKey', 'requires a private key');
  warns(gw(https('mode: SIMPLE\ntlsCertificates: [{serverCertificate: /a, privateKey: /b}, {serverCertificate: /c, privateKey: /d}, {serverCertificate: /e, privateKey: /f}]')),
    'spec.servers[0].tls.tlsCertificates', 'up to 2 server certificates');
});

test('rule 56: CRL, protocol versions and cipher suites', () => {
  ok(gw(https('mode: MUTUAL\nserverCertificate: /c\nprivateKey: /k\ncaCertificates: /ca\ncaCrl: /crl')));
  bad(gw(https('mode: SIMPLE\nserverCertificate: /c\nprivateKey: /k\ncaCrl: /crl')), 'spec.servers[0].tls.caCrl', 'not supported with SIMPLE TLS');
  bad(gw(https('caCrl: /crl\ncredentialName: c')), 'spec.servers[0].tls.caCrl', 'not supported with credentialName');
  warns(gw(https('mode: SIMPLE\ncredentialName: c\nminProtocolVersion: TLSV1_1')), 'spec.servers[0].tls.minProtocolVersion', 'needs cipherSuites');
  const o = ok(gw(https('mode: SIMPLE\ncredentialName: c\nminProtocolVersion: TLSV1_1\ncipherSuites: [ECDHE-RSA-AES128-SHA, "-AES256-SHA", ALL]')));
  assert.deepEqual(o.warnings, []);
  warns(gw(https('mode: SIMPLE\ncredentialName: c\ncipherSuites: [NOPE-CIPHER]')), 'spec.servers[0].tls.cipherSuites[0]', 'ignoring invalid cipher suite "NOPE-CIPHER"; valid cipher suites are');
  warns(gw(https('mode: SIMPLE\ncredentialName: c\ncipherSuites: [AES128-SHA, AES128-SHA]')), 'spec.servers[0].tls.cipherSuites[1]', 'duplicate cipher suite');
});

test('schema: unknown fields, enums and types', () => {
  bad(gw(https('mode: STRICT\ncredentialName: c')), 'spec.servers[0].tls.mode', 'valid values are: PASSTHROUGH, SIMPLE');
  bad(gw(https('mode: SIMPLE\ncredentialName: c\nminProtocolVersion: TLSV1_4')), 'spec.servers[0].tls.minProtocolVersion', 'TLSV1_3');
  bad(gw(`${HTTP}\n  hostz: ["*"]`), 'spec.servers[0].hostz', 'unknown field');
  bad(gw(`- port: {number: "80", name: http, protocol: HTTP}\n  hosts: ["*"]`), 'spec.servers[0].port.number', 'integer');
  ok(gw(`${HTTP}\n  name: main\n  defaultEndpoint: 127.0.0.1:8080`));
});
