/**
 * DestinationRule validation (ISTIO-RULES §3.3 rules 36–46 and the shared rules it uses): one
 * accepted and one rejected snippet per rule, asserting the field path and message of each problem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTexts } from '../../src/config/load.js';
import { isPrime } from '../../src/config/kinds/load-balancer.js';

interface Case {
  name: string;
  spec: string;
  namespace?: string;
  /** [field, message substring] of every expected error; none means valid. */
  errors?: [string, string][];
  /** [field, message substring] of every expected warning. */
  warnings?: [string, string][];
}

function validate(spec: string, namespace = 'default') {
  const yaml = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: dr
  namespace: ${namespace}
spec:
${spec.replace(/^\n/, '').split('\n').map((l) => '  ' + l).join('\n')}
`;
  const cfg = loadTexts([{ file: 'x.yaml', text: yaml }]);
  assert.equal(cfg.failures.length, 0, JSON.stringify(cfg.failures));
  assert.equal(cfg.objects.length, 1);
  return cfg.objects[0]!;
}

function run(cases: Case[]): void {
  for (const c of cases) {
    test(c.name, () => {
      const o = validate(c.spec, c.namespace);
      const errs = o.errors.map((e) => `${e.field}: ${e.message}`);
      const warns = o.warnings.map((e) => `${e.field}: ${e.message}`);
      const expected = c.errors ?? [];
      assert.equal(o.valid, expected.length === 0, errs.join('\n'));
      assert.equal(o.errors.length, expected.length, errs.join('\n'));
      expected.forEach(([field, msg], i) => {
        assert.equal(o.errors[i]!.field, field, errs.join('\n'));
        assert.ok(o.errors[i]!.message.includes(msg), `${errs[i]} should mention ${JSON.stringify(msg)}`);
      });
      const ew = c.warnings ?? [];
      assert.equal(o.warnings.length, ew.length, warns.join('\n'));
      ew.forEach(([field, msg], i) => {
        assert.equal(o.warnings[i]!.field, field, warns.join('\n'));
        assert.ok(o.warnings[i]!.message.includes(msg), `${warns[i]} should mention ${JSON.stringify(msg)}`);
      });
    });
  }
}

const TP = 'spec.trafficPolicy';
const LB = `${TP}.loadBalancer`;

// Rule 36: host.
run([
  { name: 'host: short name is valid', spec: 'host: reviews' },
  { name: 'host: wildcard FQDN is valid', spec: 'host: "*.example.com"' },
  { name: 'host: missing is an error', spec: 'subsets: [{name: v1}]', errors: [['spec.host', 'host is required']] },
  { name: 'host: invalid domain is an error', spec: 'host: Reviews_Svc', errors: [['spec.host', 'invalid']] },
  { name: 'host: partial wildcard is an error', spec: 'host: "foo*.example.com"', errors: [['spec.host', 'invalid']] },
]);

// Schema: unknown fields, enums, types, durations.
run([
  { name: 'schema: unknown field names the valid ones', spec: 'host: r\ntrafficPolicy: {connectionPool: {tcp: {maxConnectionz: 1}}}',
    errors: [[`${TP}.connectionPool.tcp.maxConnectionz`, 'valid fields here are: maxConnections']] },
  { name: 'schema: bad enum', spec: 'host: r\ntrafficPolicy: {loadBalancer: {simple: FASTEST}}',
    errors: [[`${LB}.simple`, 'valid values are: UNSPECIFIED, LEAST_CONN']] },
  { name: 'schema: bad tls mode', spec: 'host: r\ntrafficPolicy: {tls: {mode: STRICT}}', errors: [[`${TP}.tls.mode`, 'ISTIO_MUTUAL']] },
  { name: 'schema: sub-ms duration', spec: 'host: r\ntrafficPolicy: {outlierDetection: {interval: 0.5ms}}',
    errors: [[`${TP}.outlierDetection.interval`, 'at least 1ms']] },
  { name: 'schema: tcp idleTimeout 0s means disabled', spec: 'host: r\ntrafficPolicy: {connectionPool: {tcp: {idleTimeout: 0s}}}' },
  { name: 'schema: http idleTimeout 0s is an error', spec: 'host: r\ntrafficPolicy: {connectionPool: {http: {idleTimeout: 0s}}}',
    errors: [[`${TP}.connectionPool.http.idleTimeout`, 'at least 1ms']] },
  { name: 'schema: http error codes are 100..599', spec: 'host: r\ntrafficPolicy: {outlierDetection: {outlierDetectionHttpErrorCodes: [503, 700]}}',
    errors: [[`${TP}.outlierDetection.outlierDetectionHttpErrorCodes[1]`, 'between 100 and 599']] },
  { name: 'schema: proxyProtocol version enum', spec: 'host: r\ntrafficPolicy: {proxyProtocol: {version: V3}}',
    errors: [[`${TP}.proxyProtocol.version`, 'V1, V2']] },
]);

// Rule 37: subsets.
run([
  { name: 'subsets: valid names and labels', spec: 'host: r\nsubsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]' },
  { name: 'subsets: duplicate names', spec: 'host: r\nsubsets: [{name: v1}, {name: v1}]',
    errors: [['spec.subsets[1].name', 'duplicate subset name "v1"']] },
  { name: 'subsets: name must be a DNS label', spec: 'host: r\nsubsets: [{name: V_1}]', errors: [['spec.subsets[0].name', 'DNS-1123 label']] },
  { name: 'subsets: missing name', spec: 'host: r\nsubsets: [{labels: {version: v1}}]', errors: [['spec.subsets[0].name', 'subset name is required']] },
  { name: 'subsets: null entry', spec: 'host: r\nsubsets: [null]', errors: [['spec.subsets[0]', 'may not be null']] },
  { name: 'subsets: bad label key', spec: 'host: r\nsubsets: [{name: v1, labels: {"-bad": x}}]',
    errors: [['spec.subsets[0].labels["-bad"]', 'invalid label key']] },
  { name: 'subsets: own trafficPolicy is validated', spec: 'host: r\nsubsets: [{name: v1, trafficPolicy: {}}]',
    errors: [['spec.subsets[0].trafficPolicy', 'at least one of']] },
  { name: 'subsets: own trafficPolicy valid', spec: 'host: r\nsubsets: [{name: v1, trafficPolicy: {loadBalancer: {simple: RANDOM}}}]' },
]);

// Rule 38: trafficPolicy as a whole, tunnel, proxyProtocol, retryBudget.
run([
  { name: 'trafficPolicy: empty is an error', spec: 'host: r\ntrafficPolicy: {}', errors: [[TP, 'at least one of loadBalancer']] },
  { name: 'trafficPolicy: retryBudget alone counts', spec: 'host: r\ntrafficPolicy: {retryBudget: {percent: 20, budgetInterval: 10s}}' },
  { name: 'retryBudget: percent over 100', spec: 'host: r\ntrafficPolicy: {retryBudget: {percent: 120}}',
    errors: [[`${TP}.retryBudget.percent`, 'between 0 and 100, got 120']] },
  { name: 'retryBudget: bad interval', spec: 'host: r\ntrafficPolicy: {retryBudget: {budgetInterval: soon}}',
    errors: [[`${TP}.retryBudget.budgetInterval`, 'invalid duration']] },
  { name: 'tunnel: valid', spec: 'host: r\ntrafficPolicy: {tunnel: {protocol: CONNECT, targetHost: example.com, targetPort: 443}}' },
  { name: 'tunnel: IP target is valid', spec: 'host: r\ntrafficPolicy: {tunnel: {protocol: POST, targetHost: 10.0.0.1, targetPort: 8080}}' },
  { name: 'tunnel: bad protocol, host and port', spec: 'host: r\ntrafficPolicy: {tunnel: {protocol: GET, targetHost: "bad_host", targetPort: 70000}}',
    errors: [[`${TP}.tunnel.protocol`, 'valid values are: CONNECT, POST'], [`${TP}.tunnel.targetHost`, 'FQDN or an IP'],
      [`${TP}.tunnel.targetPort`, '1..65535, got 70000']] },
  { name: 'tunnel: targetHost and targetPort required', spec: 'host: r\ntrafficPolicy: {tunnel: {protocol: CONNECT}}',
    errors: [[`${TP}.tunnel.targetHost`, 'targetHost is required'], [`${TP}.tunnel.targetPort`, 'targetPort is required']] },
  { name: 'tunnel and proxyProtocol are exclusive', spec: 'host: r\ntrafficPolicy: {proxyProtocol: {version: V1}, tunnel: {targetHost: a.com, targetPort: 1}}',
    errors: [[`${TP}.proxyProtocol`, 'tunnel and proxyProtocol cannot be set together']] },
  { name: 'proxyProtocol alone is valid', spec: 'host: r\ntrafficPolicy: {proxyProtocol: {version: V2}}' },
]);

// Rule 39: portLevelSettings.
run([
  { name: 'portLevelSettings: valid', spec: 'host: r\ntrafficPolicy: {portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: LEAST_REQUEST}}]}' },
  { name: 'portLevelSettings: port required', spec: 'host: r\ntrafficPolicy: {portLevelSettings: [{tls: {mode: ISTIO_MUTUAL}}]}',
    errors: [[`${TP}.portLevelSettings[0].port`, 'port is required']] },
  { name: 'portLevelSettings: needs a setting', spec: 'host: r\ntrafficPolicy: {portLevelSettings: [{port: {number: 80}}]}',
    errors: [[`${TP}.portLevelSettings[0]`, 'at least one of loadBalancer, connectionPool, outlierDetection, tls']] },
  { name: 'portLevelSettings: nested rules apply', spec: 'host: r\ntrafficPolicy: {portLevelSettings: [{port: {number: 80}, outlierDetection: {maxEjectionPercent: 101}}]}',
    errors: [[`${TP}.portLevelSettings[0].outlierDetection.maxEjectionPercent`, 'between 0 and 100, got 101']] },
  { name: 'portLevelSettings: port 0 is a warning', spec: 'host: r\ntrafficPolicy: {portLevelSettings: [{port: {}, tls: {mode: DISABLE}}]}',
    warnings: [[`${TP}.portLevelSettings[0].port.number`, 'range 1..65535']] },
]);

// Rule 40: connectionPool.
run([
  { name: 'connectionPool: valid', spec: `host: r
trafficPolicy:
  connectionPool:
    tcp: {maxConnections: 100, connectTimeout: 30ms, tcpKeepalive: {time: 7200s, interval: 75s, probes: 9}}
    http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1, h2UpgradePolicy: UPGRADE, http2KeepAlive: {interval: 15s, timeout: 5s}}` },
  { name: 'connectionPool: empty', spec: 'host: r\ntrafficPolicy: {connectionPool: {}}', errors: [[`${TP}.connectionPool`, 'must set http or tcp']] },
  { name: 'connectionPool: negative counts', spec: 'host: r\ntrafficPolicy: {connectionPool: {tcp: {maxConnections: -1}, http: {maxRetries: -2}}}',
    errors: [[`${TP}.connectionPool.http.maxRetries`, 'zero or positive, got -2'], [`${TP}.connectionPool.tcp.maxConnections`, 'zero or positive, got -1']] },
  { name: 'connectionPool: UPGRADE with useClientProtocol', spec: 'host: r\ntrafficPolicy: {connectionPool: {http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}}}',
    errors: [[`${TP}.connectionPool.http.useClientProtocol`, 'h2UpgradePolicy is UPGRADE']] },
  { name: 'connectionPool: http2KeepAlive needs interval and timeout', spec: 'host: r\ntrafficPolicy: {connectionPool: {http: {http2KeepAlive: {}}}}',
    errors: [[`${TP}.connectionPool.http.http2KeepAlive.interval`, 'needs an interval'], [`${TP}.connectionPool.http.http2KeepAlive.timeout`, 'needs a timeout']] },
]);

// Rule 41: outlierDetection.
run([
  { name: 'outlierDetection: valid', spec: 'host: r\ntrafficPolicy: {outlierDetection: {consecutive5xxErrors: 7, interval: 5m, baseEjectionTime: 15m, maxEjectionPercent: 100, minHealthPercent: 0}}' },
  { name: 'outlierDetection: local origin failures need split', spec: 'host: r\ntrafficPolicy: {outlierDetection: {consecutiveLocalOriginFailures: 5}}',
    errors: [[`${TP}.outlierDetection.consecutiveLocalOriginFailures`, 'splitExternalLocalOriginErrors: true']] },
  { name: 'outlierDetection: local origin failures with split', spec: 'host: r\ntrafficPolicy: {outlierDetection: {consecutiveLocalOriginFailures: 5, splitExternalLocalOriginErrors: true}}' },
  { name: 'outlierDetection: percents out of range', spec: 'host: r\ntrafficPolicy: {outlierDetection: {maxEjectionPercent: 150, minHealthPercent: -1}}',
    errors: [[`${TP}.outlierDetection.maxEjectionPercent`, 'maxEjectionPercent must be between 0 and 100, got 150'], [`${TP}.outlierDetection.minHealthPercent`, 'got -1']] },
  { name: 'outlierDetection: consecutiveErrors is deprecated', spec: 'host: r\ntrafficPolicy: {outlierDetection: {consecutiveErrors: 5}}',
    warnings: [[`${TP}.outlierDetection.consecutiveErrors`, 'deprecated; use consecutiveGatewayErrors or consecutive5xxErrors']] },
]);

// Rule 42: consistentHash.
const CH = `${LB}.consistentHash`;
run([
  { name: 'consistentHash: cookie with attributes', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: user, ttl: 0s, attributes: [{name: SameSite, value: Strict}]}}}}' },
  { name: 'consistentHash: cookie needs a name', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {ttl: 10s}}}}',
    errors: [[`${CH}.httpCookie.name`, 'httpCookie needs a name']] },
  { name: 'consistentHash: cookie attributes unique and named', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: u, attributes: [{name: a}, {name: a}, {value: x}]}}}}',
    errors: [[`${CH}.httpCookie.attributes[1].name`, 'duplicate cookie attribute name "a"'], [`${CH}.httpCookie.attributes[2].name`, 'non-empty name']] },
  { name: 'consistentHash: cookie ttl syntax', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: u, ttl: forever}}}}',
    errors: [[`${CH}.httpCookie.ttl`, 'invalid duration']] },
  { name: 'consistentHash: one hash key only', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user, useSourceIp: true}}}',
    errors: [[`${CH}.useSourceIp`, 'only one hash key']] },
  { name: 'loadBalancer: simple and consistentHash are exclusive', spec: 'host: r\ntrafficPolicy: {loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}}',
    errors: [[CH, 'simple and consistentHash cannot both be set']] },
  { name: 'consistentHash: ringHash and maglev are exclusive', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, ringHash: {minimumRingSize: 1024}, maglev: {tableSize: 65537}}}}',
    errors: [[`${CH}.maglev`, 'ringHash and maglev cannot both be set']] },
  { name: 'consistentHash: deprecated minimumRingSize warns', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, minimumRingSize: 1024}}}',
    warnings: [[`${CH}.minimumRingSize`, 'deprecated']] },
  { name: 'consistentHash: minimumRingSize with ringHash', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, minimumRingSize: 1024, ringHash: {minimumRingSize: 1024}}}}',
    errors: [[`${CH}.minimumRingSize`, 'cannot be set together with ringHash or maglev']], warnings: [[`${CH}.minimumRingSize`, 'deprecated']] },
  { name: 'maglev: valid prime', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 65537}}}}' },
  { name: 'maglev: tableSize required', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {}}}}',
    errors: [[`${CH}.maglev.tableSize`, 'needs a tableSize']] },
  { name: 'maglev: tableSize prime', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 1000}}}}',
    errors: [[`${CH}.maglev.tableSize`, 'prime number (e.g. 65537 or 131071), got 1000']] },
  { name: 'maglev: tableSize limit', spec: 'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 5000011}}}}',
    errors: [[`${CH}.maglev.tableSize`, 'less than 5000011']] },
]);

test('isPrime follows Envoy', () => {
  assert.deepEqual([1, 2, 3, 4, 9, 65537, 131071, 1000].map(isPrime), [true, true, true, false, false, true, true, false]);
});

// Rule 43: locality vs zone-aware, warmup.
run([
  { name: 'warmup: valid', spec: 'host: r\ntrafficPolicy: {loadBalancer: {simple: ROUND_ROBIN, warmup: {duration: 60s, minimumPercent: 10, aggression: 1.5}}}' },
  { name: 'warmup: duration required, percent and aggression ranges', spec: 'host: r\ntrafficPolicy: {loadBalancer: {warmup: {minimumPercent: 101, aggression: 0}}}',
    errors: [[`${LB}.warmup.duration`, 'needs a duration'], [`${LB}.warmup.minimumPercent`, 'between 0 and 100, got 101'],
      [`${LB}.warmup.aggression`, 'greater than 0']] },
  { name: 'localityLbSetting and zoneAwareLbSetting are exclusive', spec: 'host: r\ntrafficPolicy: {loadBalancer: {localityLbSetting: {enabled: true}, zoneAwareLbSetting: {enabled: true}}}',
    errors: [[`${LB}.zoneAwareLbSetting`, 'cannot both be set']] },
  { name: 'zoneAwareLbSetting: valid', spec: 'host: r\ntrafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}, loadBalancer: {zoneAwareLbSetting: {enabled: true, minClusterSize: 3, failover: [{from: us-east, to: us-west}]}}}' },
  { name: 'zoneAwareLbSetting: topology labels, minClusterSize, zone failover', spec: `host: r
trafficPolicy:
  outlierDetection: {consecutive5xxErrors: 1}
  loadBalancer: {zoneAwareLbSetting: {minClusterSize: 0, failoverPriority: [topology.kubernetes.io/zone], failover: [{from: us/a, to: eu}]}}`,
  errors: [[`${LB}.zoneAwareLbSetting.failoverPriority[0]`, 'must not use the topology label'], [`${LB}.zoneAwareLbSetting.minClusterSize`, 'at least 1'],
    [`${LB}.zoneAwareLbSetting.failover[0].from`, 'regions only']] },
]);

// Rule 44: locality load balancing.
const LOC = `${LB}.localityLbSetting`;
run([
  { name: 'locality: valid distribute', spec: `host: r
trafficPolicy:
  loadBalancer:
    localityLbSetting:
      distribute:
      - {from: us-west/zone1/*, to: {"us-west/zone1/*": 80, "us-west/zone2/*": 20}}
      - {from: us-west/zone2/*, to: {"us-west/zone1/*": 20, "us-west/zone2/*": 80}}` },
  { name: 'locality: distribute and failover are exclusive', spec: 'host: r\ntrafficPolicy: {outlierDetection: {}, loadBalancer: {localityLbSetting: {distribute: [{from: a, to: {b: 100}}], failover: [{from: a, to: b}]}}}',
    errors: [[`${LOC}.failover`, 'distribute and failover cannot both be set']] },
  { name: 'locality: weights 1..100', spec: 'host: r\ntrafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: a, to: {b: 0, c: 100}}]}}}',
    errors: [[`${LOC}.distribute[0].to.b`, 'between 1 and 100, got 0']] },
  { name: 'locality: weights total 100', spec: 'host: r\ntrafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: a, to: {b: 50, c: 40}}]}}}',
    errors: [[`${LOC}.distribute[0].to`, 'must total 100, got 90']] },
  { name: 'locality: wildcard only at the end', spec: 'host: r\ntrafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: "a/*/c", to: {b: 100}}]}}}',
    errors: [[`${LOC}.distribute[0].from`, "at most one '*', and only at the end"]] },
  { name: 'locality: overlapping localities', spec: 'host: r\ntrafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: "us", to: {b: 100}}, {from: "us/z1", to: {b: 100}}]}}}',
    errors: [[`${LOC}.distribute[1].from`, 'overlaps an earlier one']] },
  { name: 'locality: overlapping destinations', spec: 'host: r\ntrafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: a, to: {"us/*": 50, "us/z1": 50}}]}}}',
    errors: [[`${LOC}.distribute[0].to["us/z1"]`, 'overlaps an earlier one']] },
  { name: 'locality: empty part', spec: 'host: r\ntrafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: "us//z", to: {b: 100}}]}}}',
    errors: [[`${LOC}.distribute[0].from`, 'empty region, zone or subzone']] },
  { name: 'locality: valid failover', spec: 'host: r\ntrafficPolicy: {outlierDetection: {consecutive5xxErrors: 3}, loadBalancer: {localityLbSetting: {failover: [{from: us-east, to: eu-west}]}}}' },
  { name: 'locality: failover rules', spec: 'host: r\ntrafficPolicy: {outlierDetection: {}, loadBalancer: {localityLbSetting: {failover: [{from: us, to: us}, {from: "us/z1", to: "eu*"}]}}}',
    errors: [[`${LOC}.failover[0].to`, 'different region'], [`${LOC}.failover[1].from`, 'regions only'], [`${LOC}.failover[1].to`, "'*' wildcard"]] },
  { name: 'locality: failover with a topology failoverPriority', spec: 'host: r\ntrafficPolicy: {outlierDetection: {}, loadBalancer: {localityLbSetting: {failover: [{from: a, to: b}], failoverPriority: [topology.istio.io/subzone]}}}',
    errors: [[`${LOC}.failoverPriority[0]`, 'topology label "topology.istio.io/subzone"']] },
  { name: 'locality: failoverPriority alone may use topology labels', spec: 'host: r\ntrafficPolicy: {outlierDetection: {}, loadBalancer: {localityLbSetting: {failoverPriority: [topology.kubernetes.io/region]}}}' },
  { name: 'locality: failover without outlierDetection warns', spec: 'host: r\ntrafficPolicy: {loadBalancer: {localityLbSetting: {failover: [{from: a, to: b}]}}}',
    warnings: [[LOC, 'needs outlierDetection']] },
]);

// Rule 45: client TLS.
const TLS = `${TP}.tls`;
run([
  { name: 'tls: SIMPLE with CA file', spec: 'host: r\ntrafficPolicy: {tls: {mode: SIMPLE, caCertificates: /etc/ca.pem, sni: r.example.com}}' },
  { name: 'tls: insecureSkipVerify with SIMPLE forbids CA, credential and SANs', spec: 'host: r\ntrafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: true, caCertificates: /ca, subjectAltNames: [a]}}',
    errors: [[`${TLS}.caCertificates`, 'insecureSkipVerify is true'], [`${TLS}.subjectAltNames`, 'insecureSkipVerify is true']] },
  { name: 'tls: insecureSkipVerify SIMPLE with credentialName', spec: 'host: r\ntrafficPolicy: {tls: {mode: SIMPLE, insecureSkipVerify: true, credentialName: cred}}',
    errors: [[`${TLS}.credentialName`, 'insecureSkipVerify is true']] },
  { name: 'tls: insecureSkipVerify MUTUAL allows credentialName', spec: 'host: r\ntrafficPolicy: {tls: {mode: MUTUAL, insecureSkipVerify: true, credentialName: cred}}' },
  { name: 'tls: credentialName excludes files', spec: 'host: r\ntrafficPolicy: {tls: {mode: MUTUAL, credentialName: cred, clientCertificate: /c, caCrl: /crl}}',
    errors: [[`${TLS}.clientCertificate`, 'together with credentialName'], [`${TLS}.caCrl`, 'together with credentialName']] },
  { name: 'tls: MUTUAL needs cert and key', spec: 'host: r\ntrafficPolicy: {tls: {mode: MUTUAL}}',
    errors: [[`${TLS}.clientCertificate`, 'MUTUAL mode needs clientCertificate'], [`${TLS}.privateKey`, 'MUTUAL mode needs privateKey']] },
  { name: 'tls: MUTUAL with files', spec: 'host: r\ntrafficPolicy: {tls: {mode: MUTUAL, clientCertificate: /c, privateKey: /k}}' },
  { name: 'tls: configmap credential in own namespace', namespace: 'prod', spec: 'host: r\ntrafficPolicy: {tls: {mode: SIMPLE, credentialName: "configmap://prod/ca"}}' },
  { name: 'tls: configmap credential in another namespace', namespace: 'prod', spec: 'host: r\ntrafficPolicy: {tls: {mode: SIMPLE, credentialName: "configmap://other/ca"}}',
    errors: [[`${TLS}.credentialName`, 'namespace "prod", got "other"']] },
  { name: 'tls: configmap credential without namespace', spec: 'host: r\ntrafficPolicy: {tls: {mode: SIMPLE, credentialName: "configmap://ca"}}',
    errors: [[`${TLS}.credentialName`, 'configmap://NAMESPACE/NAME']] },
]);

// Rule 46 and shared rules 8–9: exportTo and workloadSelector.
run([
  { name: 'exportTo: valid', spec: 'host: r\nexportTo: [".", other]' },
  { name: 'exportTo: ~ is only for ServiceEntry', spec: 'host: r\nexportTo: ["~"]', errors: [['spec.exportTo[0]', 'only allowed on ServiceEntry']] },
  { name: 'exportTo: duplicates', spec: 'host: r\nexportTo: [".", default]', errors: [['spec.exportTo[1]', 'duplicate entries']] },
  { name: 'exportTo: * must be alone', spec: 'host: r\nexportTo: ["*", a]', errors: [['spec.exportTo', 'public (*)']] },
  { name: 'workloadSelector: with exportTo "."', spec: 'host: r\nworkloadSelector: {matchLabels: {app: a}}\nexportTo: ["."]' },
  { name: 'workloadSelector: exportTo beyond own namespace', spec: 'host: r\nworkloadSelector: {matchLabels: {app: a}}\nexportTo: ["*"]',
    errors: [['spec.exportTo', 'cannot be exported beyond its own namespace']] },
  { name: 'workloadSelector: multiple exportTo entries', spec: 'host: r\nworkloadSelector: {matchLabels: {app: a}}\nexportTo: [".", b]',
    errors: [['spec.exportTo', 'cannot have multiple entries']] },
  { name: 'workloadSelector: wildcard', spec: 'host: r\nworkloadSelector: {matchLabels: {app: "a*"}}',
    errors: [['spec.workloadSelector.matchLabels.app', 'wildcard is not supported']] },
  { name: 'workloadSelector: no labels warns', spec: 'host: r\nworkloadSelector: {}',
    warnings: [['spec.workloadSelector.matchLabels', 'applied to all workloads in namespace default']] },
  { name: 'workloadSelector: long value', spec: `host: r\nworkloadSelector: {matchLabels: {app: ${'a'.repeat(64)}}}`,
    errors: [['spec.workloadSelector.matchLabels.app', 'at most 63 characters, got 64']] },
]);

test('never throws on odd input', () => {
  for (const spec of ['host: r\nsubsets: [null, 1, "x"]', 'host: r\ntrafficPolicy: {portLevelSettings: [null]}',
    'host: r\ntrafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [null], failover: [null]}}}',
    'host: r\ntrafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: a, attributes: [null]}}}}', 'host: 5', 'trafficPolicy: null']) {
    const o = validate(spec);
    assert.ok(!o.errors.some((e) => e.message.includes('internal error')), JSON.stringify(o.errors));
  }
});
