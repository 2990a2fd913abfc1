/**
 * WorkloadEntry and WorkloadGroup validation (ISTIO-RULES §3.6–3.7, rules 67–71): one accepted
 * and one rejected case per rule, asserting on field paths and message text.
 */
import { test } from 'node:test';
import { assertClean, assertError, assertNoProblemAt, assertValid, assertWarning, obj, validateOne } from '../helpers/kind-check.js';

const we = (spec: string) => validateOne(obj('networking.istio.io/v1', 'WorkloadEntry', `spec:\n${spec}`));
const wg = (spec: string) => validateOne(obj('networking.istio.io/v1', 'WorkloadGroup', `spec:\n${spec}`));

test('a complete WorkloadEntry is clean', () => {
  assertClean(we(`  address: 10.0.0.5
  ports: {http: 8080, grpc: 9090}
  labels: {app: ratings, version: v1}
  network: net1
  locality: us-east1/a/b
  weight: 10
  serviceAccount: ratings
`));
});

test('spec is required', () => {
  assertError(validateOne(obj('networking.istio.io/v1', 'WorkloadEntry', '')), 'spec', 'spec is required');
  assertError(validateOne(obj('networking.istio.io/v1', 'WorkloadGroup', '')), 'spec', 'spec is required');
});

test('rule 67: address is required unless network is set (then a warning)', () => {
  assertError(we('  labels: {app: a}\n'), 'spec.address', 'address is required');
  const o = we('  network: net1\n');
  assertValid(o);
  assertWarning(o, 'spec.address', 'address is unset with network "net1"');
});

test('rule 68: unix sockets and FQDN addresses', () => {
  assertValid(we('  address: "unix:///var/run/app.sock"\n'));
  assertValid(we('  address: "unix://@abstract"\n'));
  assertError(we('  address: "unix://relative/path"\n'), 'spec.address', 'must be an absolute path');
  assertError(we('  address: "unix:///var/run/"\n'), 'spec.address', 'not a directory');
  assertError(we('  address: "unix:///a.sock"\n  ports: {http: 80}\n'), 'spec.ports', 'may not have ports');
  assertClean(we('  address: vm1.example.com\n'));
  assertClean(we('  address: "2001:db8::5"\n'));
  assertError(we('  address: "bad host!"\n'), 'spec.address', 'neither an IP address nor a valid DNS name');
});

test('rule 69: ports and labels', () => {
  assertError(we('  address: 1.1.1.1\n  ports: {http: 70000}\n'), 'spec.ports.http', '1..65535');
  assertError(we('  address: 1.1.1.1\n  ports: {http: 0}\n'), 'spec.ports.http', '1..65535');
  assertError(we('  address: 1.1.1.1\n  ports: {"@": 80}\n'), 'spec.ports["@"]', 'DNS-1123');
  assertError(we('  address: 1.1.1.1\n  ports: {HTTP: 80}\n'), 'spec.ports.HTTP', 'DNS-1123');
  assertError(we(`  address: 1.1.1.1\n  ports: {${'a'.repeat(63)}: 80}\n`), `spec.ports.${'a'.repeat(63)}`, 'shorter than 63');
  assertError(we('  address: 1.1.1.1\n  labels: {"-bad": x}\n'), 'spec.labels["-bad"]', 'invalid label key');
  assertError(we('  address: 1.1.1.1\n  labels: {app: "a b"}\n'), 'spec.labels.app', 'invalid label value');
  assertError(we('  address: 1.1.1.1\n  weight: -3\n'), 'spec.weight', 'between 0');
  assertError(we('  address: 1.1.1.1\n  serviceAccount: 12\n'), 'spec.serviceAccount', 'must be a string');
  assertError(we('  address: 1.1.1.1\n  port: {http: 80}\n'), 'spec.port', 'unknown field');
});

test('a complete WorkloadGroup is clean', () => {
  assertClean(wg(`  metadata:
    labels: {app: ratings}
    annotations: {note: x}
  template:
    ports: {http: 8080}
    serviceAccount: ratings
    network: net1
  probe:
    initialDelaySeconds: 1
    periodSeconds: 5
    timeoutSeconds: 1
    successThreshold: 1
    failureThreshold: 3
    httpGet: {path: /ready, port: 8080, scheme: HTTPS, httpHeaders: [{name: x-probe, value: "1"}]}
`));
});

test('rule 70: template is required and checked only by the CRD rules', () => {
  assertError(wg('  metadata: {labels: {app: a}}\n'), 'spec.template', 'template is required');
  assertClean(wg('  template: {}\n'));
  // No address is fine in a template (filled in at registration).
  assertClean(wg('  template: {ports: {http: 80}}\n'));
  assertError(wg('  template: {address: "unix://rel"}\n'), 'spec.template.address', 'absolute path');
  assertError(wg('  template: {address: "unix:///a.sock", ports: {http: 80}}\n'), 'spec.template.ports', 'may not have ports');
  assertError(wg('  template: {ports: {http: 99999}}\n'), 'spec.template.ports.http', '1..65535');
  assertError(wg('  template: {ports: {"@": 80}}\n'), 'spec.template.ports["@"]', 'DNS-1123');
  const upper = wg('  template: {ports: {HTTP: 80}, labels: {"-x": a}}\n');
  assertValid(upper);
  assertWarning(upper, 'spec.template.ports.HTTP', 'would be rejected');
  assertWarning(upper, 'spec.template.labels["-x"]', 'would be rejected');
  assertError(wg('  template: {}\n  metadata: {labels: {".": "~"}}\n'), 'spec.metadata.labels["."]', 'invalid label');
});

test('rule 71: probe counters are non-negative', () => {
  assertError(wg('  template: {}\n  probe: {periodSeconds: -1, tcpSocket: {port: 80}}\n'), 'spec.probe.periodSeconds', 'zero or positive');
  assertError(wg('  template: {}\n  probe: {failureThreshold: -2, tcpSocket: {port: 80}}\n'), 'spec.probe.failureThreshold', 'zero or positive');
  assertClean(wg('  template: {}\n  probe: {periodSeconds: 0, tcpSocket: {port: 80}}\n'));
});

test('rule 71: exactly one probe method', () => {
  assertError(wg('  template: {}\n  probe: {periodSeconds: 1}\n'), 'spec.probe', 'exactly one health check method');
  assertError(wg('  template: {}\n  probe: {tcpSocket: {port: 80}, exec: {command: [ls]}}\n'), 'spec.probe.exec', 'keep only one');
  assertClean(wg('  template: {}\n  probe: {exec: {command: [cat, /tmp/ok]}}\n'));
  assertClean(wg('  template: {}\n  probe: {grpc: {port: 9090, service: health}}\n'));
});

test('rule 71: httpGet', () => {
  assertError(wg('  template: {}\n  probe: {httpGet: {path: /}}\n'), 'spec.probe.httpGet.port', 'port is required');
  assertError(wg('  template: {}\n  probe: {httpGet: {port: 0}}\n'), 'spec.probe.httpGet.port', '1..65535');
  assertError(wg('  template: {}\n  probe: {httpGet: {port: 80, scheme: FTP}}\n'), 'spec.probe.httpGet.scheme', 'HTTP, HTTPS');
  assertError(wg('  template: {}\n  probe: {httpGet: {port: 80, httpHeaders: [{name: "**"}]}}\n'),
    'spec.probe.httpGet.httpHeaders[0].name', 'invalid header name');
  assertNoProblemAt(wg('  template: {}\n  probe: {httpGet: {port: 80, scheme: HTTP, httpHeaders: [{name: X_Probe-1}]}}\n'), 'spec.probe.httpGet');
});

test('rule 71: tcpSocket, exec, grpc', () => {
  assertError(wg('  template: {}\n  probe: {tcpSocket: {port: 65536}}\n'), 'spec.probe.tcpSocket.port', '1..65535');
  assertError(wg('  template: {}\n  probe: {tcpSocket: {host: a}}\n'), 'spec.probe.tcpSocket.port', 'port is required');
  assertError(wg('  template: {}\n  probe: {exec: {command: []}}\n'), 'spec.probe.exec.command', 'exec.command is required');
  assertError(wg('  template: {}\n  probe: {exec: {command: [ls, ""]}}\n'), 'spec.probe.exec.command[1]', 'must not be empty');
  assertError(wg('  template: {}\n  probe: {grpc: {port: 0}}\n'), 'spec.probe.grpc.port', '1..65535');
  assertError(wg('  template: {}\n  probe: {grpc: {service: x}}\n'), 'spec.probe.grpc.port', 'port is required');
  assertError(wg('  template: {}\n  probe: {httpGet: {port: 80, method: GET}}\n'), 'spec.probe.httpGet.method', 'unknown field');
});
