/**
 * The run plan of `trellis up` (no processes started): the app address derived from the pod IP,
 * the environment of a container, how each container runs (built-in image, command, an unknown
 * image reported with file:line, object, field and the fix), sidecars and gateways with their
 * flags, Deployments outside the mesh, and the commands suggested for the quick start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadPaths } from '../../src/config/load.js';
import { buildSnapshot } from '../../src/model/snapshot.js';
import { appAddressFor, isLoopback } from '../../src/run/addresses.js';
import { resolveContainer } from '../../src/run/containers.js';
import { containerEnv } from '../../src/run/env.js';
import { hints } from '../../src/run/hints.js';
import { planMesh, type WorkloadPlan } from '../../src/run/plan.js';

const LAUNCHER = { command: '/usr/bin/node', args: ['--import', 'tsx', '/repo/src/cli/entry.ts'] };
const QUICKSTART = resolve('examples/quickstart');

function planOf(paths: string[]): { plans: WorkloadPlan[]; snapshot: ReturnType<typeof buildSnapshot> } {
  const objects = loadPaths(paths).objects.filter((o) => o.valid).map((o) => o.raw);
  const snapshot = buildSnapshot(objects);
  return { plans: planMesh({ snapshot, objects, xdsAddress: '127.0.0.1:15010', trellis: LAUNCHER, env: { PATH: '/bin', http_proxy: 'http://corp:3128', TRELLIS_PARENT_PID: '1' } }), snapshot };
}

test('app address: pod 127.1.X.Y listens at 127.2.X.Y; other addresses have none', () => {
  assert.equal(appAddressFor('127.1.172.219'), '127.2.172.219');
  assert.equal(appAddressFor('127.1.0.1'), '127.2.0.1');
  assert.equal(appAddressFor('127.0.10.1'), undefined);
  assert.equal(appAddressFor('10.1.2.3'), undefined);
  assert.equal(appAddressFor('127.1.300.1'), undefined);
  assert.equal(appAddressFor('nope'), undefined);
  assert.equal(isLoopback('127.9.9.9'), true);
  assert.equal(isLoopback('10.0.0.1'), false);
});

test('container env: the container\'s values and field refs, PORT, HOST, POD_*, the sidecar as HTTP(S)_PROXY', () => {
  const pod = { name: 'proxy-0', namespace: 'default', ip: '127.1.2.3' };
  const { env, warnings } = containerEnv({
    container: {
      env: [
        { name: 'PROXYURL', value: 'http://demoapp:8080' },
        { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      ],
    },
    field: 'spec.template.spec.containers[0]', pod, appHost: '127.2.2.3', port: 8080, sidecar: true,
    base: { PATH: '/bin', HTTPS_PROXY: 'http://corp:3128', TRELLIS_PARENT_PID: '7' },
  });
  assert.equal(env['PROXYURL'], 'http://demoapp:8080');
  assert.equal(env['MY_POD'], 'proxy-0');
  assert.equal(env['MY_IP'], '127.1.2.3');
  assert.equal(env['SECRET'], undefined);
  assert.deepEqual(warnings.map((w) => w.field), ['spec.template.spec.containers[0].env[3].valueFrom']);
  assert.match(warnings[0]!.message, /SECRET is left unset: only fieldRef .*metadata\.name.*status\.podIP/);
  assert.equal(env['PORT'], '8080');
  assert.equal(env['HOST'], '127.2.2.3');
  assert.deepEqual([env['POD_NAME'], env['POD_NAMESPACE'], env['POD_IP']], ['proxy-0', 'default', '127.1.2.3']);
  for (const k of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) assert.equal(env[k], 'http://127.1.2.3:15001', k);
  assert.equal(env['NO_PROXY'], 'localhost,127.2.2.3');
  assert.equal(env['PATH'], '/bin');
  assert.equal(env['TRELLIS_PARENT_PID'], undefined, 'the runner\'s own variables are not inherited');

  const own = containerEnv({ container: { env: [{ name: 'PORT', value: '9090' }] }, field: 'c', pod, appHost: '127.1.2.3', port: 8080, sidecar: false, base: { HTTP_PROXY: 'http://corp:3128' } });
  assert.equal(own.env['PORT'], '9090', 'the container\'s PORT wins');
  assert.equal(own.env['HTTP_PROXY'], undefined, 'no sidecar, no proxy (and not the runner\'s either)');
});

test('containers: built-in images by the last path segment, commands as given, unknown images named', () => {
  assert.deepEqual(resolveContainer({ image: 'registry.example.com/x/demoapp:v1.1', ports: [{ containerPort: 8080 }] }, 'c'),
    { program: { kind: 'builtin', app: 'demoapp', version: 'v1.1' }, port: 8080 });
  const httpbin = resolveContainer({ image: 'httpbin' }, 'c');
  assert.equal(httpbin.program?.kind, 'builtin');
  assert.ok(httpbin.port && httpbin.port > 0, 'the built-in default port');
  assert.deepEqual(resolveContainer({ image: 'busybox', command: ['sh', '-c'], args: ['sleep 1'] }, 'c').program,
    { kind: 'command', command: 'sh', args: ['-c', 'sleep 1'] });
  const bad = resolveContainer({ image: 'foo:1' }, 'spec.template.spec.containers[0]');
  assert.equal(bad.program, undefined);
  assert.equal(bad.problem?.field, 'spec.template.spec.containers[0].image');
  assert.equal(bad.problem?.message, '"foo:1" is not a built-in app (demoapp, proxy, httpbin, nginx, httpserver, sleep); give the container a command');
});

test('plan: the quick start runs both gateways and six pods, each with a sidecar on its pod IP and its app on the app address', () => {
  const { plans } = planOf([QUICKSTART]);
  assert.deepEqual(plans.map((p) => p.key), [
    'istio-system/istio-egressgateway-0', 'istio-system/istio-ingressgateway-0',
    'default/demoappv10-0', 'default/demoappv10-1', 'default/demoappv10-2', 'default/demoappv11-0', 'default/demoappv11-1', 'default/proxy-0',
  ]);
  const ingress = plans[1]!;
  assert.equal(ingress.kind, 'Gateway');
  assert.equal(ingress.podIp, '127.0.10.1');
  assert.deepEqual(ingress.apps, []);
  assert.deepEqual(ingress.proxy!.args.slice(3, 13), ['proxy', '--xds', '127.0.0.1:15010', '--type', 'router', '--ip', '127.0.10.1', '--name', 'istio-ingressgateway-0', '--namespace']);

  const p = plans.find((x) => x.name === 'proxy-0')!;
  assert.equal(p.appAddress, appAddressFor(p.podIp));
  assert.equal(p.proxyId, 'proxy-0.default');
  const sidecar = p.proxy!;
  assert.equal(sidecar.command, '/usr/bin/node');
  const args = sidecar.args.slice(LAUNCHER.args.length);
  const flag = (f: string) => args[args.indexOf(f) + 1];
  assert.equal(args[0], 'proxy');
  assert.equal(flag('--type'), 'sidecar');
  assert.equal(flag('--ip'), p.podIp);
  assert.equal(flag('--outbound'), 'explicit');
  assert.equal(flag('--interception-mode'), 'REDIRECT');
  assert.equal(flag('--app'), p.appAddress);
  assert.equal(flag('--labels'), 'app=proxy');
  assert.equal(flag('--workload'), 'proxy');
  assert.equal(sidecar.env['http_proxy'], undefined, 'the proxy itself is not proxied');

  assert.equal(p.apps.length, 1);
  const app = p.apps[0]!;
  assert.deepEqual(app.args.slice(LAUNCHER.args.length), ['app', 'proxy', '--listen', `${p.appAddress}:8080`, '--version', 'v0.1.1', '--pod-name', 'proxy-0', '--pod-ip', p.podIp]);
  assert.equal(app.port, 8080);
  assert.equal(app.restart, 'always');
  assert.equal(app.env['PROXYURL'], 'http://demoapp:8080');
  assert.equal(app.env['HTTP_PROXY'], `http://${p.podIp}:15001`);
  assert.deepEqual(p.problems, []);

  const v11 = plans.find((x) => x.name === 'demoappv11-1')!;
  assert.equal(v11.version, 'v1.1');
  assert.deepEqual(v11.apps[0]!.args.slice(LAUNCHER.args.length, LAUNCHER.args.length + 6), ['app', 'demoapp', '--listen', `${v11.appAddress}:8080`, '--version', 'v1.1']);
});

test('plan: commands run in the Deployment\'s folder; inject "false" runs the app on the pod IP; an unknown image is a problem and the rest still runs', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-plan-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'apps.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, version: v2}}
    spec:
      containers:
      - name: server
        image: example.com/server:1
        command: [./serve.sh]
        args: [--port, "9000"]
        ports: [{containerPort: 9000}]
      - name: side
        image: foo:1
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: outside}
spec:
  selector: {matchLabels: {app: outside}}
  template:
    metadata:
      labels: {app: outside}
      annotations: {sidecar.istio.io/inject: "false"}
    spec:
      containers:
      - {name: nginx, image: nginx, ports: [{containerPort: 80}]}
`);
  const { plans } = planOf([dir]);
  const web = plans.filter((p) => p.deployment === 'web');
  assert.deepEqual(web.map((p) => p.name), ['web-0', 'web-1']);
  const w0 = web[0]!;
  assert.equal(w0.version, 'v2');
  assert.deepEqual(w0.apps.map((a) => [a.name, a.command, a.args, a.cwd, a.port]), [['server', './serve.sh', ['--port', '9000'], dir, 9000]]);
  assert.equal(w0.apps[0]!.env['PORT'], '9000');
  assert.ok(w0.proxy, 'the sidecar still runs');
  assert.deepEqual(w0.problems, [
    `${join(dir, 'apps.yaml')}:17: error: Deployment shop/web: spec.template.spec.containers[1].image: "foo:1" is not a built-in app (demoapp, proxy, httpbin, nginx, httpserver, sleep); give the container a command`,
  ]);

  const out = plans.find((p) => p.deployment === 'outside')!;
  assert.equal(out.proxy, undefined);
  assert.equal(out.proxyId, undefined);
  assert.equal(out.appAddress, out.podIp, 'without a sidecar the app listens on the pod IP');
  assert.equal(out.apps[0]!.env['HTTP_PROXY'], undefined);
  assert.equal(out.apps[0]!.env['HOST'], out.podIp);
  assert.equal(out.apps[0]!.cwd, undefined, 'built-in apps run wherever');

  // The hash tells an edited workload from an unchanged one.
  const again = planOf([dir]).plans;
  assert.deepEqual(again.map((p) => p.hash), plans.map((p) => p.hash));
});

test('hints: the quick start suggests the ingress request, the canary through exec, and status', () => {
  const { plans, snapshot } = planOf([QUICKSTART]);
  assert.deepEqual(hints(snapshot, plans, 'http://127.0.10.1:8080', 'npx trellis'), [
    "curl -H 'Host: fe.toptops.top' http://127.0.10.1:8080/",
    'npx trellis exec proxy -- curl -s http://demoapp:8080/canary',
    'npx trellis status',
  ]);
});

test('hints: the ingress request takes the first URI match of a VirtualService bound to the Gateway (seed 003)', () => {
  const { plans, snapshot } = planOf([resolve('examples/003-ingress-uri-routing')]);
  assert.equal(hints(snapshot, plans, 'http://127.0.10.1:8080', 'npx trellis')[0], "curl -H 'Host: simple.baihl.io' http://127.0.10.1:8080/simple/httpserver");
});
