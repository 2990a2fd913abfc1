#!/usr/bin/env node
/**
 * Cost per connection of reading a REDIRECTed connection's original destination
 * (src/proxy/listener/original-dst.ts): the native addon (getsockopt SO_ORIGINAL_DST) against the
 * conntrack table (/proc/net/nf_conntrack), on the same accepted sockets, with the table holding
 * only the connection itself and then with `--idle N` other connections open (the conntrack lookup
 * reads the whole table). Needs root: it makes a network namespace `trellis-b-<pid>` with one
 * iptables rule (nobody's connections to 240.240.0.1:80 → 127.0.0.1:15001), runs itself there as
 * the server, and a client as nobody; the namespace is deleted at the end.
 *
 * Usage: node --import tsx bench/original-dst.ts [--connections 2000] [--idle 1000]
 */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { conntrackLookup, nativeLookup, type OriginalDstLookup } from '../src/proxy/listener/original-dst.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = opt('connections', 2000);
const IDLE = opt('idle', 1000);

const CLIENT = `
const net = require('net');
const [n, idle] = process.argv.slice(1).map(Number);
const keep = [];
const one = () => new Promise((done) => { const c = net.connect(80, '240.240.0.1'); c.once('data', () => { c.destroy(); done(); }); c.on('error', done); });
const hold = () => new Promise((done) => { const c = net.connect(80, '240.240.0.1', () => done()); keep.push(c); c.on('error', done); });
(async () => {
  for (let i = 0; i < n; i++) await one();
  for (let i = 0; i < idle; i++) await hold();
  for (let i = 0; i < n; i++) await one();
  for (const c of keep) c.destroy();
})();
`;

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `p50 ${q(0.5).toFixed(1)} µs, p99 ${q(0.99).toFixed(1)} µs, mean ${(s.reduce((a, b) => a + b, 0) / s.length).toFixed(1)} µs`;
}

async function time(l: OriginalDstLookup, s: net.Socket): Promise<number> {
  const t0 = process.hrtime.bigint();
  const found = l.lookup(s);
  const r = found instanceof Promise ? await found : found;
  const dt = Number(process.hrtime.bigint() - t0) / 1000;
  if (!r || r.address !== '240.240.0.1' || r.port !== 80) throw new Error(`${l.method}: wrong original destination ${JSON.stringify(r)}`);
  return dt;
}

async function server(): Promise<void> {
  const lookups = [nativeLookup(), conntrackLookup()];
  const phases: Record<string, Record<string, number[]>> = { small: {}, large: {} };
  let seen = 0;
  let queue = Promise.resolve();
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    const idx = seen++;
    const phase = idx < N ? 'small' : idx < N + IDLE ? undefined : 'large';
    if (!phase) return; // an idle connection: kept open, grows the table
    queue = queue.then(async () => {
      for (const l of lookups) (phases[phase]![l.method] ??= []).push(await time(l, s));
      s.end('x');
    });
  });
  await new Promise<void>((r) => srv.listen(15001, '127.0.0.1', () => r()));
  const c = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', CLIENT, String(N), String(IDLE)], { stdio: 'inherit', cwd: '/' });
  await new Promise((r) => c.once('exit', r));
  await queue;
  srv.close();
  for (const [phase, m] of Object.entries(phases)) {
    const label = phase === 'small' ? 'table: this connection (plus TIME_WAIT ones)' : `table: +${IDLE} open connections`;
    for (const [method, xs] of Object.entries(m)) console.log(`${method.padEnd(9)} ${label}: ${stats(xs)} (${xs.length} connections)`);
  }
}

if (process.env['TRELLIS_BENCH_SERVER']) {
  await server();
} else {
  if (process.getuid?.() !== 0) { console.error('bench/original-dst: needs root (network namespace, iptables)'); process.exit(1); }
  const ns = `trellis-b-${process.pid}`;
  const sh = (...a: string[]) => { const r = spawnSync(a[0]!, a.slice(1), { encoding: 'utf8' }); if (r.status !== 0) throw new Error(`${a.join(' ')}: ${r.stderr}`); };
  sh('ip', 'netns', 'add', ns);
  try {
    sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    sh('ip', '-n', ns, 'route', 'add', '240.240.0.0/16', 'dev', 'lo', 'src', '127.0.0.5');
    sh('ip', 'netns', 'exec', ns, 'iptables', '-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-m', 'owner', '--uid-owner', '65534', '-d', '240.240.0.1', '-j', 'REDIRECT', '--to-ports', '15001');
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), ...args], {
      stdio: 'inherit', env: { ...process.env, TRELLIS_BENCH_SERVER: '1' }, timeout: 600_000,
    });
    process.exitCode = r.status ?? 1;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}
