/**
 * Sidecar validation (ISTIO-RULES §3.8, rules 72–77, plus the shared server-TLS and connection
 * pool rules it applies): one accepted and one rejected (or warned) case per rule, checked by
 * field path and message text, on inline YAML.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bad, indent, ok, validateOne as check, warns } from '../helpers/kind-check.js';


/** A Sidecar in namespace `prod` with the given spec body (YAML, indented as under `spec:`). */
function sc(spec: string): string {
  return `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: sc
  namespace: prod
spec:
${indent(spec, 2)}`;
}


const EGRESS = 'egress:\n- hosts: ["./*", "istio-system/*"]';
/** One ingress listener; continuation lines of `body` are written indented by 2. */
const ingress = (body: string) => `ingress:\n- ${body}`;

test('a typical sidecar is valid with no warnings', () => {
  const o = ok(sc(`workloadSelector:
  labels: {app: reviews}
ingress:
- port: {number: 9080, protocol: HTTP, name: http}
  defaultEndpoint: 127.0.0.1:8080
  connectionPool:
    http: {http1MaxPendingRequests: 10, idleTimeout: 30s}
${EGRESS}
outboundTrafficPolicy: {mode: REGISTRY_ONLY}`));
  assert.deepEqual(o.warnings, []);
});

test('rule 72: at least one of egress, ingress, outboundTrafficPolicy, inboundConnectionPool', () => {
  bad(sc('egress: []'), 'spec', 'empty configuration provided');
  bad(sc('{}'), 'spec', 'empty configuration provided');
  ok(sc('outboundTrafficPolicy: {mode: ALLOW_ANY}'));
  ok(sc('inboundConnectionPool: {tcp: {maxConnections: 100}}'));
});

test('workloadSelector: labels without wildcards; no labels is a warning', () => {
  ok(sc(`workloadSelector: {labels: {app: a}}\n${EGRESS}`));
  warns(sc(`workloadSelector: {}\n${EGRESS}`), 'spec.workloadSelector', 'applied to all workloads');
  warns(sc(`workloadSelector: {labels: {}}\n${EGRESS}`), 'spec.workloadSelector', 'without labels');
  bad(sc(`workloadSelector: {labels: {app: "rev*"}}\n${EGRESS}`), 'spec.workloadSelector.labels.app', 'wildcard is not supported');
});

test('rule 73: ingress port, bind, uniqueness, targetPort', () => {
  bad(sc(ingress('bind: 0.0.0.0')), 'spec.ingress[0].port', 'port is required');
  ok(sc(ingress('port: {number: 9080}')));
  bad(sc(ingress('port: {number: 9080, name: Bad_Name}')), 'spec.ingress[0].port.name', 'invalid port name');
  bad(sc(ingress('port: {number: 9080, protocol: SOAP}')), 'spec.ingress[0].port.protocol', 'unrecognized protocol "SOAP"');
  bad(sc(ingress('port: {number: 0}')), 'spec.ingress[0].port.number', 'must be in the range 1..65535');
  bad(sc(ingress('port: {protocol: HTTP}')), 'spec.ingress[0].port.number', 'required');
  bad(sc(ingress('port: {number: 9080, targetPort: 8080}')), 'spec.ingress[0].port.targetPort', 'no impact on Sidecars');
  bad(sc(ingress('port: {number: 9080}\n  bind: unix:///sock')), 'spec.ingress[0].bind', 'not a valid IP');
  ok(sc(ingress('port: {number: 9080}\n  bind: 10.1.2.3\n  captureMode: NONE')));
  bad(sc('ingress:\n- port: {number: 9080}\n- port: {number: 9080}'), 'spec.ingress[1].port.number', 'must be unique');
  bad(sc('ingress:\n- null'), 'spec.ingress[0]', 'may not be null');
});

test('rule 73: ingress defaultEndpoint forms', () => {
  for (const ep of ['127.0.0.1:8080', '0.0.0.0:8080', '"[::1]:8080"', '"[::]:8080"', '":8080"', 'unix:///var/run/app.sock', 'unix://@app']) {
    ok(sc(ingress(`port: {number: 9080}\n  defaultEndpoint: ${ep}`)));
  }
  const f = 'spec.ingress[0].defaultEndpoint';
  bad(sc(ingress('port: {number: 9080}\n  defaultEndpoint: 10.0.0.1:8080')), f, 'must be of the form 127.0.0.1:PORT');
  bad(sc(ingress('port: {number: 9080}\n  defaultEndpoint: 127.0.0.1')), f, 'missing port');
  bad(sc(ingress('port: {number: 9080}\n  defaultEndpoint: "127.0.0.1:http"')), f, 'not a number');
  bad(sc(ingress('port: {number: 9080}\n  defaultEndpoint: "127.0.0.1:99999"')), f, 'must be in the range 1..65535');
  bad(sc(ingress('port: {number: 9080}\n  defaultEndpoint: "::1:8080"')), f, 'too many colons');
  bad(sc(ingress('port: {number: 9080}\n  defaultEndpoint: unix://relative')), f, 'not an absolute path');
});

test('rule 74: ingress tls', () => {
  const tls = (port: string, t: string) => sc(ingress(`port: ${port}\n  tls:\n${indent(t, 4)}`));
  const HTTPS = '{number: 9443, protocol: HTTPS, name: https}';
  ok(tls(HTTPS, 'mode: SIMPLE\nserverCertificate: /etc/c.pem\nprivateKey: /etc/k.pem'));
  bad(tls('{number: 9080, protocol: HTTP}', 'mode: SIMPLE\nserverCertificate: /c\nprivateKey: /k'), 'spec.ingress[0].tls', 'non-HTTPS/TLS port');
  bad(tls(HTTPS, 'mode: SIMPLE\nserverCertificate: /c\nprivateKey: /k\nsubjectAltNames: [a]'), 'spec.ingress[0].tls.subjectAltNames', 'not supported');
  bad(tls(HTTPS, 'mode: SIMPLE\nserverCertificate: /c\nprivateKey: /k\nhttpsRedirect: true'), 'spec.ingress[0].tls.httpsRedirect', 'not supported');
  bad(tls(HTTPS, 'mode: SIMPLE\ncredentialName: c'), 'spec.ingress[0].tls.credentialName', 'not currently supported');
  bad(tls(HTTPS, 'mode: SIMPLE\ncredentialNames: [c]'), 'spec.ingress[0].tls.credentialNames', 'not currently supported');
  bad(tls(HTTPS, 'mode: SIMPLE\ntlsCertificates: [{serverCertificate: /c, privateKey: /k}]'), 'spec.ingress[0].tls.tlsCertificates', 'not currently supported');
  bad(tls(HTTPS, 'mode: ISTIO_MUTUAL'), 'spec.ingress[0].tls.mode', 'cannot set mode to ISTIO_MUTUAL');
  bad(tls(HTTPS, 'mode: AUTO_PASSTHROUGH'), 'spec.ingress[0].tls.mode', 'cannot set mode to AUTO_PASSTHROUGH');
  // the shared server TLS rules apply too
  bad(tls(HTTPS, 'mode: MUTUAL\nserverCertificate: /c\nprivateKey: /k'), 'spec.ingress[0].tls.caCertificates', 'client CA bundle');
  bad(tls(HTTPS, 'mode: SIMPLE'), 'spec.ingress[0].tls.serverCertificate', 'requires a server certificate');
});

test('ingress and inbound connection pools', () => {
  warns(sc(ingress('port: {number: 3306, protocol: TCP}\n  connectionPool: {http: {maxRetries: 3}}')), 'spec.ingress[0].connectionPool.http', 'only TCP settings will apply');
  ok(sc(ingress('port: {number: 9080, protocol: GRPC}\n  connectionPool: {http: {maxRetries: 3}}')));
  bad(sc(ingress('port: {number: 9080}\n  connectionPool: {}')), 'spec.ingress[0].connectionPool', 'must set http or tcp');
  bad(sc('inboundConnectionPool: {tcp: {maxConnections: -1}}'), 'spec.inboundConnectionPool.tcp.maxConnections', 'non-negative');
  bad(sc('inboundConnectionPool: {http: {http2MaxRequests: -5}}'), 'spec.inboundConnectionPool.http.http2MaxRequests', 'non-negative');
  bad(sc('inboundConnectionPool: {http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}}'), 'spec.inboundConnectionPool.http.useClientProtocol', 'UPGRADE');
  ok(sc('inboundConnectionPool: {http: {h2UpgradePolicy: UPGRADE}}'));
  bad(sc('inboundConnectionPool: {http: {http2KeepAlive: {interval: 10s}}}'), 'spec.inboundConnectionPool.http.http2KeepAlive.timeout', 'required');
  ok(sc('inboundConnectionPool: {http: {http2KeepAlive: {interval: 10s, timeout: 3s}}}'));
  ok(sc('inboundConnectionPool: {tcp: {idleTimeout: 0s}}'));
  bad(sc('inboundConnectionPool: {http: {idleTimeout: 0s}}'), 'spec.inboundConnectionPool.http.idleTimeout', 'at least 1ms');
  bad(sc('inboundConnectionPool: {tcp: {connectTimeout: 1.5ms}}'), 'spec.inboundConnectionPool.tcp.connectTimeout', 'sub-millisecond');
});

test('rule 75: egress listeners: catch-all last and single, unix sockets, unique ports', () => {
  ok(sc('egress:\n- port: {number: 8080, protocol: HTTP, name: http}\n  hosts: ["*/*"]\n- hosts: ["./*"]'));
  bad(sc('egress:\n- hosts: ["./*"]\n- port: {number: 8080}\n  hosts: ["*/*"]'), 'spec.egress[0]', 'must be the last listener');
  bad(sc('egress:\n- port: {number: 8080}\n  hosts: ["*/*"]\n- hosts: ["./*"]\n- hosts: ["./*"]'), 'spec.egress[1]', 'must be the last listener');
  ok(sc('egress:\n- port: {number: 0, protocol: HTTP}\n  bind: unix:///var/run/out.sock\n  captureMode: NONE\n  hosts: ["*/*"]'));
  ok(sc('egress:\n- port: {protocol: HTTP}\n  bind: unix://@out\n  hosts: ["*/*"]'));
  bad(sc('egress:\n- port: {number: 0}\n  hosts: ["*/*"]'), 'spec.egress[0].port.number', 'unix domain socket bind');
  bad(sc('egress:\n- port: {number: 0}\n  bind: unix:///s\n  captureMode: IPTABLES\n  hosts: ["*/*"]'), 'spec.egress[0].captureMode', 'DEFAULT or NONE');
  bad(sc('egress:\n- port: {number: 0}\n  bind: unix:///s\n  hosts: ["*/*"]\n- port: {number: 0}\n  bind: unix:///s\n  hosts: ["*/*"]'), 'spec.egress[1].bind', 'must be unique');
  bad(sc('egress:\n- port: {number: 80}\n  hosts: ["*/*"]\n- port: {number: 80}\n  bind: 10.0.0.1\n  hosts: ["*/*"]'), 'spec.egress[1].port.number', 'must be unique');
  bad(sc('egress:\n- port: {number: 80, targetPort: 90}\n  hosts: ["*/*"]'), 'spec.egress[0].port.targetPort', 'no impact on Sidecars');
  bad(sc('egress:\n- port: {number: 80}\n  bind: foo\n  hosts: ["*/*"]'), 'spec.egress[0].bind', 'not a valid IP');
  bad(sc('egress:\n- port: {number: 80, protocol: FOO}\n  hosts: ["*/*"]'), 'spec.egress[0].port.protocol', 'unrecognized protocol');
  bad(sc('egress:\n- port: {number: 80}\n  captureMode: SOMETIMES\n  hosts: ["*/*"]'), 'spec.egress[0].captureMode', 'valid values are: DEFAULT, IPTABLES, NONE');
});

test('rule 76: egress hosts', () => {
  const hosts = (h: string) => sc(`egress:\n- hosts: [${h}]`);
  ok(hosts('"*/*", "~istio-system/*"'));
  ok(hosts('"./*", "istio-system/*", "prod/reviews.prod.svc.cluster.local", "*/*.example.com", "~/foo.example.com"'));
  bad(sc('egress:\n- port: {number: 80}'), 'spec.egress[0].hosts', 'at least one host');
  bad(hosts(''), 'spec.egress[0].hosts', 'at least one host');
  bad(hosts('"reviews.prod.svc.cluster.local"'), 'spec.egress[0].hosts[0]', 'must be of the form namespace/dnsName');
  bad(hosts('"Bad_NS/*"'), 'spec.egress[0].hosts[0]', 'invalid namespace');
  bad(hosts('"prod/reviews"'), 'spec.egress[0].hosts[0]', 'short name');
  bad(hosts('"prod/*.foo*.com"'), 'spec.egress[0].hosts[0]', 'invalid');
  bad(hosts('"prod/*foo.com"'), 'spec.egress[0].hosts[0]', 'partial wildcard');
  bad(hosts('"prod/10.0.0.1"'), 'spec.egress[0].hosts[0]', 'invalid');
  bad(hosts('"prod/"'), 'spec.egress[0].hosts[0]', 'cannot be empty');
  warns(hosts('"./a.example.com", "prod/a.example.com"'), 'spec.egress[0].hosts[1]', 'duplicated egress host');
  warns(hosts('"prod/*", "prod/a.example.com"'), 'spec.egress[0].hosts[1]', 'duplicated egress host');
  warns(hosts('"*/*", "prod/a.example.com"'), 'spec.egress[0].hosts', '"*/*" selects all hosts');
});

test('rule 77: outboundTrafficPolicy', () => {
  ok(sc('outboundTrafficPolicy:\n  mode: ALLOW_ANY\n  egressProxy: {host: proxy.infra.svc.cluster.local, subset: v1, port: {number: 3128}}'));
  bad(sc('outboundTrafficPolicy: {mode: ALLOW_ANY_DYNAMIC_DNS}'), 'spec.outboundTrafficPolicy.mode', 'only supported in MeshConfig');
  bad(sc('outboundTrafficPolicy: {mode: SOMETIMES}'), 'spec.outboundTrafficPolicy.mode', 'valid values are: REGISTRY_ONLY, ALLOW_ANY');
  bad(sc('outboundTrafficPolicy:\n  egressProxy: {host: proxy.infra.svc.cluster.local, port: {number: 3128}}'), 'spec.outboundTrafficPolicy.egressProxy', 'only with outboundTrafficPolicy mode ALLOW_ANY');
  bad(sc('outboundTrafficPolicy:\n  mode: ALLOW_ANY\n  egressProxy: {host: proxy.infra.svc.cluster.local}'), 'spec.outboundTrafficPolicy.egressProxy.port', 'must be set');
  bad(sc('outboundTrafficPolicy:\n  mode: ALLOW_ANY\n  egressProxy: {host: "*.infra.svc", port: {number: 3128}}'), 'spec.outboundTrafficPolicy.egressProxy.host', 'invalid');
  bad(sc('outboundTrafficPolicy:\n  mode: ALLOW_ANY\n  egressProxy: {port: {number: 3128}}'), 'spec.outboundTrafficPolicy.egressProxy.host', 'empty domain name');
  bad(sc('outboundTrafficPolicy:\n  mode: ALLOW_ANY\n  egressProxy: {host: proxy.infra, port: {number: 0}}'), 'spec.outboundTrafficPolicy.egressProxy.port.number', '1..65535');
  bad(sc('outboundTrafficPolicy:\n  mode: ALLOW_ANY\n  egressProxy: {host: proxy.infra, subset: V_1, port: {number: 80}}'), 'spec.outboundTrafficPolicy.egressProxy.subset', 'DNS-1123 label');
});

test('schema: unknown fields are named with the valid ones', () => {
  bad(sc('egres:\n- hosts: ["./*"]'), 'spec.egres', 'valid fields here are: workloadSelector, ingress, egress');
  bad(sc('egress:\n- hosts: "./*"'), 'spec.egress[0].hosts', 'must be a list');
});
