/**
 * Kubernetes Service, Deployment and Pod validation: the fields Trellis reads, checked as the
 * Kubernetes API server would; everything else is accepted.
 */
import { test } from 'node:test';
import { assertClean, assertError, assertValid, obj, validateOne } from '../helpers/kind-check.js';

const svc = (spec: string, metadata?: string) => validateOne(obj('v1', 'Service', `spec:\n${spec}`, metadata));
const dep = (spec: string) => validateOne(obj('apps/v1', 'Deployment', `spec:\n${spec}`));
const pod = (spec: string) => validateOne(obj('v1', 'Pod', `spec:\n${spec}`));

const C = '    containers:\n    - name: app\n      image: example/app:1\n';
const TEMPLATE = `  template:\n    metadata:\n      labels: {app: reviews, version: v1}\n    spec:\n  ${C.replace(/\n    /g, '\n      ')}`;

test('a typical Service is clean; unknown fields are accepted', () => {
  assertClean(svc(`  selector: {app: reviews}
  ports:
  - {name: http, port: 9080, targetPort: 9080, protocol: TCP, appProtocol: http}
  - {name: grpc, port: 9090, targetPort: grpc-port, appProtocol: kubernetes.io/h2c}
  sessionAffinity: None
  someFutureField: {x: 1}
`));
});

test('Service ports: required, numbers, names', () => {
  assertError(svc('  selector: {app: a}\n'), 'spec.ports', 'at least one port is required');
  assertValid(svc('  clusterIP: None\n  selector: {app: a}\n'));
  assertError(svc('  ports:\n  - {name: http, port: 0}\n'), 'spec.ports[0].port', '1..65535');
  assertError(svc('  ports:\n  - {name: http}\n'), 'spec.ports[0].port', 'port is required');
  assertError(svc('  ports:\n  - {port: 80}\n  - {name: b, port: 81}\n'), 'spec.ports[0].name', 'more than one port');
  assertValid(svc('  ports:\n  - {port: 80}\n'));
  assertError(svc('  ports:\n  - {name: Http, port: 80}\n'), 'spec.ports[0].name', 'DNS-1123');
  assertError(svc('  ports:\n  - {name: a, port: 80}\n  - {name: a, port: 81}\n'), 'spec.ports[1].name', 'duplicate port name');
  assertError(svc('  ports:\n  - {name: a, port: 80}\n  - {name: b, port: 80}\n'), 'spec.ports[1]', 'duplicate port 80/TCP');
  assertValid(svc('  ports:\n  - {name: a, port: 53}\n  - {name: b, port: 53, protocol: UDP}\n'));
});

test('Service ports: protocol, targetPort, nodePort, appProtocol', () => {
  assertError(svc('  ports:\n  - {name: a, port: 80, protocol: HTTP}\n'), 'spec.ports[0].protocol', 'valid values are: TCP, UDP, SCTP');
  assertError(svc('  ports:\n  - {name: a, port: 80, targetPort: 70000}\n'), 'spec.ports[0].targetPort', '1..65535');
  assertError(svc('  ports:\n  - {name: a, port: 80, targetPort: "8080"}\n'), 'spec.ports[0].targetPort', 'IANA service name');
  assertError(svc('  ports:\n  - {name: a, port: 80, targetPort: very-long-port-name}\n'), 'spec.ports[0].targetPort', 'at most 15');
  assertValid(svc('  ports:\n  - {name: a, port: 80, targetPort: http-alt}\n'));
  assertError(svc('  ports:\n  - {name: a, port: 80, nodePort: 30080}\n'), 'spec.ports[0].nodePort', 'may not be used when type is ClusterIP');
  assertValid(svc('  type: NodePort\n  ports:\n  - {name: a, port: 80, nodePort: 30080}\n'));
  assertError(svc('  ports:\n  - {name: a, port: 80, appProtocol: "http 2"}\n'), 'spec.ports[0].appProtocol', 'invalid appProtocol');
});

test('Service type, clusterIP, externalName, selector and name', () => {
  assertError(svc('  type: Headless\n  ports:\n  - {port: 80}\n'), 'spec.type', 'ClusterIP, NodePort, LoadBalancer, ExternalName');
  assertError(svc('  clusterIP: 10.0.0.300\n  ports:\n  - {port: 80}\n'), 'spec.clusterIP', 'invalid clusterIP');
  assertValid(svc('  clusterIP: 10.96.0.10\n  ports:\n  - {port: 80}\n'));
  assertClean(svc('  type: ExternalName\n  externalName: api.example.com\n'));
  assertError(svc('  type: ExternalName\n'), 'spec.externalName', 'externalName is required');
  assertError(svc('  type: ExternalName\n  externalName: a.com\n  clusterIP: 10.0.0.1\n'), 'spec.clusterIP', 'may not be set for ExternalName');
  assertError(svc('  selector: {"app!": x}\n  ports:\n  - {port: 80}\n'), 'spec.selector["app!"]', 'invalid label key');
  assertError(svc('  ports:\n  - {port: 80}\n', '  name: 1abc\n'), 'metadata.name', 'DNS-1035');
});

test('a typical Deployment is clean', () => {
  assertClean(dep(`  replicas: 2
  selector:
    matchLabels: {app: reviews}
  strategy: {type: RollingUpdate}
  template:
    metadata:
      labels: {app: reviews, version: v1}
      annotations: {sidecar.istio.io/inject: "true"}
    spec:
      serviceAccountName: reviews
      containers:
      - name: reviews
        image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.3
        command: [node, server.js]
        args: ["--port", "9080"]
        env:
        - {name: LOG_DIR, value: /tmp/logs}
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        ports:
        - {containerPort: 9080, name: http, protocol: TCP}
        imagePullPolicy: IfNotPresent
        resources: {limits: {cpu: 100m}}
`));
});

test('Deployment replicas, selector and template labels', () => {
  assertError(dep(`  replicas: -1\n  selector: {matchLabels: {app: reviews}}\n${TEMPLATE}`), 'spec.replicas', 'zero or more');
  assertError(dep(TEMPLATE), 'spec.selector', 'selector is required');
  assertError(dep(`  selector: {}\n${TEMPLATE}`), 'spec.selector', 'empty selector');
  assertError(dep(`  selector: {matchLabels: {app: ratings}}\n${TEMPLATE}`), 'spec.template.metadata.labels', 'does not match template');
  assertValid(dep(`  selector: {matchExpressions: [{key: app, operator: In, values: [reviews]}]}\n${TEMPLATE}`));
  assertError(dep(`  selector: {matchExpressions: [{key: app, operator: NotIn, values: [reviews]}]}\n${TEMPLATE}`),
    'spec.template.metadata.labels', 'does not match template');
  assertError(dep(`  selector: {matchExpressions: [{key: app, operator: In}]}\n${TEMPLATE}`), 'spec.selector.matchExpressions[0].values', 'non-empty');
  assertError(dep(`  selector: {matchLabels: {app: reviews}}\n  strategy: {type: BlueGreen}\n${TEMPLATE}`), 'spec.strategy.type', 'RollingUpdate, Recreate');
  assertError(dep('  selector: {matchLabels: {app: reviews}}\n'), 'spec.template', 'template is required');
  assertError(dep(`  selector: {matchLabels: {"a b": x}}\n${TEMPLATE}`), 'spec.selector.matchLabels["a b"]', 'invalid label key');
  assertError(dep(`  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}, annotations: {"bad key!": v}}\n    spec:\n  ${C.replace(/\n    /g, '\n      ')}`),
    'spec.template.metadata.annotations["bad key!"]', 'invalid annotation key');
  assertError(dep(`  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec:\n      restartPolicy: Never\n  ${C.replace(/\n    /g, '\n      ')}`),
    'spec.template.spec.restartPolicy', 'restartPolicy Always');
});

test('containers: name, image, command, args', () => {
  assertError(pod('  containers: []\n'), 'spec.containers', 'at least one container');
  assertError(pod('  containers:\n  - {image: a}\n'), 'spec.containers[0].name', 'container name is required');
  assertError(pod('  containers:\n  - {name: My_App, image: a}\n'), 'spec.containers[0].name', 'DNS-1123');
  assertError(pod('  containers:\n  - {name: a, image: x}\n  - {name: a, image: y}\n'), 'spec.containers[1].name', 'duplicate container name');
  assertError(pod('  containers:\n  - {name: a}\n'), 'spec.containers[0].image', 'image is required');
  assertError(pod('  containers:\n  - {name: a, image: " x"}\n'), 'spec.containers[0].image', 'whitespace');
  assertError(pod('  containers:\n  - {name: a, image: x, command: node}\n'), 'spec.containers[0].command', 'must be a list');
  assertError(pod('  containers:\n  - {name: a, image: x, args: [--port, 80]}\n'), 'spec.containers[0].args[1]', 'must be a string');
  assertClean(pod('  containers:\n  - {name: a, image: x, command: [sh, -c], args: ["echo hi"]}\n  restartPolicy: OnFailure\n'));
  assertError(pod('  restartPolicy: Sometimes\n  containers:\n  - {name: a, image: x}\n'), 'spec.restartPolicy', 'Always, OnFailure, Never');
  assertError(validateOne(obj('v1', 'Pod', '')), 'spec', 'spec is required');
});

test('containers: env and ports', () => {
  assertError(pod('  containers:\n  - {name: a, image: x, env: [{value: v}]}\n'), 'spec.containers[0].env[0].name', 'env var name is required');
  assertError(pod('  containers:\n  - {name: a, image: x, env: [{name: "A=B"}]}\n'), 'spec.containers[0].env[0].name', "other than '='");
  assertError(pod('  containers:\n  - {name: a, image: x, env: [{name: PORT, value: 8080}]}\n'), 'spec.containers[0].env[0].value', 'must be a string');
  assertError(pod('  containers:\n  - {name: a, image: x, env: [{name: A, value: v, valueFrom: {fieldRef: {fieldPath: x}}}]}\n'),
    'spec.containers[0].env[0].valueFrom', 'may not be specified');
  assertError(pod('  containers:\n  - {name: a, image: x, ports: [{name: http}]}\n'), 'spec.containers[0].ports[0].containerPort', 'required');
  assertError(pod('  containers:\n  - {name: a, image: x, ports: [{containerPort: 0}]}\n'), 'spec.containers[0].ports[0].containerPort', '1..65535');
  assertError(pod('  containers:\n  - {name: a, image: x, ports: [{containerPort: 80, name: http-web-server-port}]}\n'),
    'spec.containers[0].ports[0].name', 'IANA service name');
  assertError(pod('  containers:\n  - {name: a, image: x, ports: [{containerPort: 80, name: h}, {containerPort: 81, name: h}]}\n'),
    'spec.containers[0].ports[1].name', 'duplicate port name');
  assertError(pod('  containers:\n  - {name: a, image: x, ports: [{containerPort: 80, protocol: HTTP}]}\n'),
    'spec.containers[0].ports[0].protocol', 'TCP, UDP, SCTP');
  assertClean(pod('  containers:\n  - {name: a, image: x, ports: [{containerPort: 53, name: dns, protocol: UDP}], env: [{name: a.b-c, value: ""}]}\n'));
});

test('Pod metadata labels are checked with the envelope', () => {
  const o = validateOne(obj('v1', 'Pod', `spec:\n  containers:\n  - {name: a, image: x}\n`, '  name: p\n  labels: {"bad key": x}\n'));
  assertError(o, 'metadata.labels["bad key"]', 'invalid label key');
});
