/**
 * `trellis proxy --outbound transparent` end to end, with real iptables capture: in a fresh
 * network namespace (`trellis-t-<pid>`, only `lo`, 127.0.0.0/8 addresses) the rules of
 * run/capture/iptables.ts are applied with iptables-restore, then the control plane, the sidecar
 * (as root, the uid the rules exclude) and the apps run there as child processes, and a client
 * runs as `nobody` through setpriv, so its connections are captured. The namespace stands for one
 * pod (client app + sidecar at 127.0.0.5) plus, on their own loopback addresses, the pods it
 * calls (echo v1 127.0.0.21, v2 127.0.0.22, an unregistered server 127.0.0.30). Everything is on
 * lo, so the rules capture the loopback range explicitly (outboundIpRanges 240.240.0.0/16 and
 * 127.0.0.0/8, Istio's "loopback in OUTBOUND_IP_RANGES_INCLUDE" case); 127.0.0.1 and the proxy's
 * own traffic never are. The proxy's connections to the other "pods" come back into its own
 * 15006 (Istio's app → VIP → outbound → inbound hairpin) and leave from 127.0.0.6, which the
 * apps see as the caller: proof the traffic crossed the proxy.
 * Checked, with each way of reading the original destination (native addon, conntrack table):
 * requests to the Service VIP 240.240.0.10:80 are routed by the VirtualService (header match,
 * URI rewrite); ALLOW_ANY passes an unknown destination through to where it was going; then,
 * with a REGISTRY_ONLY Sidecar, the unknown destination is blocked and the proxy logs it.
 * Skips, saying why, unless run as root with `ip` and iptables (installed through
 * scripts/ensure-debian.sh when apt-get is there). The namespace and every process are removed
 * in `after`, also on failure.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iptablesRules } from '../../src/run/capture/iptables.js';
import { REPO_ROOT } from '../helpers/shared.js';

const NS = `trellis-t-${process.pid}`;
const POD = '127.0.0.5';
const VIP = '240.240.0.10';
const ENTRY = join(REPO_ROOT, 'src/cli/entry.ts');

function has(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Why the test cannot run here, or false when it can (installs iptables when it may). */
function prerequisites(): string | false {
  if (process.platform !== 'linux') return 'needs Linux (network namespaces, iptables)';
  if (process.getuid?.() !== 0) return 'needs root (ip netns, iptables); run the tests as root to include it';
  if (!has('ip', ['-V'])) return 'needs iproute2 (`ip`)';
  if (!has('setpriv', ['--version'])) return 'needs setpriv (util-linux) to run the client as nobody';
  if (!has('iptables-restore', ['--version'])) {
    spawnSync('sh', [join(REPO_ROOT, 'scripts/ensure-debian.sh'), 'iptables:iptables-restore'], { stdio: 'ignore', timeout: 300_000 });
    if (!has('iptables-restore', ['--version'])) return 'needs iptables (scripts/ensure-debian.sh iptables could not install it)';
  }
  return false;
}

const SKIP = prerequisites();
/** The ways of reading the original destination available here (the addon is built on demand). */
const METHODS: ('native' | 'conntrack')[] = [];
if (!SKIP) {
  if (spawnSync(process.execPath, [join(REPO_ROOT, 'native/original-dst/build.mjs')], { stdio: 'ignore', timeout: 120_000 }).status === 0) METHODS.push('native');
  try {
    accessSync('/proc/net/nf_conntrack', constants.R_OK);
    METHODS.push('conntrack');
  } catch { /* not on this kernel */ }
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

interface Proc {
  child: ChildProcess;
  out: () => string;
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
}

const procs: ChildProcess[] = [];

/** A process in the namespace (`ip netns exec` execs it, so the pid is the program's). */
function run(argv: string[], o: { env?: Record<string, string>; nobody?: boolean } = {}): Proc {
  const pre = o.nobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const child = spawn('ip', ['netns', 'exec', NS, ...pre, ...argv], {
    cwd: REPO_ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(child);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
  return {
    child,
    out: () => text,
    async waitFor(re, ms = 30_000) {
      const end = Date.now() + ms;
      for (;;) {
        const m = re.exec(text);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > end) throw new Error(`waiting for ${re} (exit ${child.exitCode}):\n${text}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(t);
}

const ECHO = `
const [name, host, port] = process.argv.slice(1);
require('http').createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ name, path: req.url, headers: req.headers, remote: req.socket.remoteAddress }));
}).listen(Number(port), host, () => console.log('listening ' + name));
`;

const CLIENT = `
const http = require('http');
const reqs = JSON.parse(process.argv[1]);
(async () => {
  const out = [];
  for (const r of reqs) out.push(await new Promise((done) => {
    const q = http.request({ host: r.host, port: r.port, path: r.path || '/', headers: r.headers || {}, agent: false }, (res) => {
      let b = ''; res.on('data', (d) => { b += d; }); res.on('end', () => done({ status: res.statusCode, body: b }));
    });
    q.setTimeout(4000, () => q.destroy(new Error('timeout')));
    q.on('error', (e) => done({ error: e.code || e.message }));
    q.end();
  }));
  console.log(JSON.stringify(out));
})();
`;

interface Req { host: string; port: number; path?: string; headers?: Record<string, string> }
interface Res { status?: number; body?: string; error?: string; json?: { name: string; path: string; remote: string; headers: Record<string, string> } }

/** Requests from the client app, as nobody (captured), one connection each. */
async function client(reqs: Req[]): Promise<Res[]> {
  const p = run(['node', '-e', CLIENT, JSON.stringify(reqs)], { nobody: true });
  await new Promise((r) => p.child.once('exit', r));
  const line = p.out().trim().split('\n').at(-1) ?? '';
  let res: Res[];
  try {
    res = JSON.parse(line) as Res[];
  } catch {
    throw new Error(`client output: ${p.out()}`);
  }
  for (const r of res) if (r.body?.startsWith('{')) r.json = JSON.parse(r.body);
  return res;
}

async function eventually<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await f();
    if (ok(last)) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const MESH = `apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec:
  clusterIP: ${VIP}
  ports: [{name: http, port: 80, targetPort: 8080}]
  selector: {app: echo}
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: echo-v1, namespace: default}
spec: {address: 127.0.0.21, labels: {app: echo, version: v1}}
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: echo-v2, namespace: default}
spec: {address: 127.0.0.22, labels: {app: echo, version: v2}}
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: client, namespace: default}
spec: {address: ${POD}, labels: {app: client}}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: echo, namespace: default}
spec:
  host: echo
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo]
  http:
  - match: [{headers: {x-canary: {exact: "yes"}}}]
    route: [{destination: {host: echo, subset: v2}}]
  - match: [{uri: {prefix: /old}}]
    rewrite: {uri: /new}
    route: [{destination: {host: echo, subset: v1}}]
  - route: [{destination: {host: echo, subset: v1}}]
`;

const REGISTRY_ONLY = `apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: {name: default, namespace: istio-system}
spec:
  egress: [{hosts: ["*/*"]}]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`;

let dir = '';
let xds = '';
let proxy: Proc | undefined;

async function startProxy(method: 'native' | 'conntrack'): Promise<Proc> {
  if (proxy) await stop(proxy.child);
  const p = run(['node', '--import', 'tsx', ENTRY, 'proxy', '--xds', xds, '--type', 'sidecar', '--ip', POD, '--name', 'client',
    '--namespace', 'default', '--labels', 'app=client', '--outbound', 'transparent'], { env: { TRELLIS_ORIGINAL_DST: method } });
  proxy = p;
  await p.waitFor(/^snapshot \d+ in effect$/m);
  return p;
}

const ROUTED: Req[] = [
  { host: VIP, port: 80, path: '/hello', headers: { host: 'echo' } },
  { host: VIP, port: 80, path: '/hello', headers: { host: 'echo.default.svc.cluster.local', 'x-canary': 'yes' } },
  { host: VIP, port: 80, path: '/old/x?q=1', headers: { host: 'echo' } },
];
const EXTERNAL: Req = { host: '127.0.0.30', port: 9090, path: '/ext' };

before(async () => {
  if (SKIP) return;
  spawnSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  ip('netns', 'add', NS);
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  // The Service VIP range goes over lo with the pod's address as source (no other interface).
  ip('-n', NS, 'route', 'add', '240.240.0.0/16', 'dev', 'lo', 'src', POD);
  const rules = iptablesRules({
    proxyUids: [0], proxyGids: [0], inboundPorts: '*', inboundPortsExclude: [15090, 15021, 15020, 15000],
    outboundIpRanges: ['240.240.0.0/16', '127.0.0.0/8'],
  });
  const r = spawnSync('ip', ['netns', 'exec', NS, 'iptables-restore'], { input: rules, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`iptables-restore: ${r.stderr}\n${rules}`);
  dir = mkdtempSync(join(tmpdir(), 'trellis-transparent-'));
  writeFileSync(join(dir, 'mesh.yaml'), MESH);
  for (const [name, host, port] of [['echo-v1', '127.0.0.21', '8080'], ['echo-v2', '127.0.0.22', '8080'], ['external', '127.0.0.30', '9090']] as const) {
    await run(['node', '-e', ECHO, name, host, port], { nobody: true }).waitFor(/listening/);
  }
  const cp = run(['node', '--import', 'tsx', ENTRY, 'control-plane', '--config', dir, '--xds-address', '127.0.0.1:0', '--monitoring-address', '127.0.0.1:0']);
  xds = (await cp.waitFor(/xds listening on (\S+)/))[1]!;
});

after(async () => {
  await Promise.all(procs.map(stop));
  spawnSync('sh', ['-c', `for p in $(ip netns pids ${NS} 2>/dev/null); do kill -9 $p; done`], { stdio: 'ignore' });
  spawnSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const method of ['native', 'conntrack'] as const) {
  const skip = SKIP || (!METHODS.includes(method) && `the ${method} original-destination lookup is not available here`);
  test(`transparent sidecar (${method}): Service VIP routed by the VirtualService, ALLOW_ANY passthrough`, { skip, timeout: 90_000 }, async () => {
    const p = await startProxy(method);
    const [plain, canary, rewritten] = await eventually('routed requests through the VIP', () => client(ROUTED), (r) => r.every((x) => x.status === 200));
    assert.equal(plain!.json?.name, 'echo-v1', JSON.stringify(plain));
    assert.equal(plain!.json?.path, '/hello');
    assert.equal(canary!.json?.name, 'echo-v2', 'the x-canary header match routes to subset v2');
    assert.equal(rewritten!.json?.name, 'echo-v1');
    assert.equal(rewritten!.json?.path, '/new/x?q=1', 'the VirtualService rewrite applied');
    // The proxy's upstream connection came back through its inbound side and left from 127.0.0.6.
    assert.equal(plain!.json?.remote, '127.0.0.6');
    assert.ok(plain!.json?.headers['x-request-id'], 'the proxy set x-request-id');
    const [ext] = await client([EXTERNAL]);
    assert.equal(ext!.status, 200, `ALLOW_ANY: passthrough to the original destination: ${JSON.stringify(ext)}\n${p.out()}`);
    assert.equal(ext!.json?.name, 'external');
    assert.equal(ext!.json?.remote, '127.0.0.6', 'the passthrough went through the proxy');
    assert.match(p.out(), /outbound\|80\|v1\|echo\.default\.svc\.cluster\.local/, 'access log names the routed cluster');
    assert.match(p.out(), / 240\.240\.0\.10:80 127\.0\.0\.5:\d+ /, 'the downstream local address logged is the original destination');
  });
}

test('transparent sidecar: REGISTRY_ONLY blocks an unknown destination and logs it; the Service still works', { skip: SKIP || (METHODS.length === 0 && 'no original-destination lookup available'), timeout: 90_000 }, async () => {
  const p = proxy ?? await startProxy(METHODS[0]!);
  writeFileSync(join(dir, 'sidecar.yaml'), REGISTRY_ONLY);
  const [ext] = await eventually('the REGISTRY_ONLY Sidecar to take effect', () => client([EXTERNAL]), (r) => r[0]?.status === undefined);
  assert.ok(ext!.error, JSON.stringify(ext));
  assert.match(p.out(), /tcp: blocked connection to 127\.0\.0\.30:9090 \(BlackHoleCluster\)/);
  const [routed, unknown] = await client([ROUTED[0]!, { host: '240.240.0.99', port: 80, path: '/x', headers: { host: 'unknown.example.com' } }]);
  assert.equal(routed!.status, 200, JSON.stringify(routed));
  assert.equal(routed!.json?.name, 'echo-v1');
  assert.equal(unknown!.status, 502, JSON.stringify(unknown));
  assert.match(p.out(), /blocked request to host unknown\.example\.com/);
});

test('trellis proxy --outbound transparent fails at start, saying what is missing, when it cannot read original destinations', { skip: SKIP, timeout: 60_000 }, async () => {
  // nobody can read neither /proc/net/nf_conntrack; the addon is ruled out by forcing conntrack.
  const p = run(['node', '--import', 'tsx', ENTRY, 'proxy', '--xds', '127.0.0.1:1', '--ip', '127.0.0.77', '--name', 'p', '--namespace', 'default',
    '--outbound', 'transparent', '--admin-port', '0', '--health-port', '0', '--prometheus-port', '0'], { nobody: true, env: { TRELLIS_ORIGINAL_DST: 'conntrack', HOME: '/tmp' } });
  const code = await new Promise<number | null>((r) => p.child.once('exit', (c) => r(c)));
  assert.equal(code, 1, p.out());
  assert.match(p.out(), /trellis: cannot start the data path: --outbound transparent needs the original destination of redirected connections/);
  assert.match(p.out(), /\/proc\/net\/nf_conntrack is not readable \(EACCES; it needs root\)/);
  assert.match(p.out(), /npm run build:native/);
});
