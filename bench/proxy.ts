#!/usr/bin/env node
/**
 * Data-plane benchmark: the same fixed-response upstream (nginx `return 200`, 64-byte body, on
 * core 1), and in turn, each pinned to core 0 with `taskset -c 0`: nginx as a keep-alive reverse
 * proxy, haproxy, the Trellis proxy as a gateway (a separate control-plane process serving a
 * Gateway + VirtualService → STATIC ServiceEntry; `trellis proxy --type router`), and the Trellis
 * proxy as a sidecar with a 100-service route table and Istio's standard metrics, entered through
 * its explicit outbound proxy (IP:15001, absolute-form requests cycling over the 100 services).
 * wrk runs on core 1 (one thread, closed loop) with `--latency`. Per proxy: requests/s, p50/p99,
 * peak RSS (/proc VmRSS sampled every 100 ms during the load, split into private and file-backed pages), CPU used, ratio to nginx in the same
 * run (and a bare Node relay, bench/proxy/relay.mjs, as the floor of any proxy on Node's sockets);
 * then the latency at a fixed 1,000 requests/s from an open-loop generator (open-loop.ts), and
 * what each proxy adds to the direct-to-upstream latency. Several runs rotate the order; the table
 * gives medians and the spread. See bench/README.md.
 *
 * Usage: node --import tsx bench/proxy.ts [--duration 10] [--connections 50] [--runs 1]
 *          [--only direct,nginx,haproxy,trellis-gateway,trellis-sidecar] [--rate 1000] [--rate-seconds 10]
 *          [--warmup 2] [--access-log] [--no-gc-trace] [--profile DIR] [--trellis REPO_DIR] [--baseline REPO_DIR]
 *          [--runtime built|tsx] [--node-flags '…'] [--json FILE]
 */
import { copyFileSync, existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, table } from './lib/stats.js';
import {
  GATEWAY_HOST, SERVICE_PORT, SERVICES, gatewayYaml, haproxyConf, nginxProxyConf, nginxUpstreamConf, serviceHost, sidecarYaml,
} from './proxy/configs.js';
import type { OpenLoopResult } from './proxy/open-loop.js';
import { cpuSeconds, ensureTools, freePort, sampleRss, startPinned, stopAll, waitPort, type Proc } from './proxy/procs.js';
import { meterGc, type GcMeter } from './proxy/gc-meter.js';
import { residentSections } from './proxy/resident.js';
import { runWrk, sidecarLua, type WrkResult } from './proxy/wrk.js';

function readFileSafe(path: string): string {
  try { return readFileSync(path, 'latin1'); } catch { return ''; }
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROXY_CORE = 0;
const LOAD_CORE = 1;
const CASES = ['direct', 'nginx', 'haproxy', 'node-relay', 'trellis-gateway', 'trellis-sidecar', 'baseline-gateway', 'baseline-sidecar'] as const;
type Case = (typeof CASES)[number];

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const durationS = Number(arg('duration', '10'));
const connections = Number(arg('connections', '50'));
const runs = Number(arg('runs', '1'));
const rate = Number(arg('rate', '1000'));
const rateSeconds = Number(arg('rate-seconds', '10'));
const warmupS = Number(arg('warmup', '2'));
const baselineRepo = process.argv.includes('--baseline') ? resolve(arg('baseline', '')) : undefined;
const only = arg('only', CASES.filter((c) => baselineRepo || !c.startsWith('baseline')).join(',')).split(',').filter(Boolean) as Case[];
const accessLog = flag('access-log');
/** Trellis proxies run with --trace-gc-nvp unless --no-gc-trace: allocation and GC pauses per request. */
const gcTrace = !flag('no-gc-trace');
const profileDir = process.argv.includes('--profile') ? resolve(arg('profile', '/tmp/trellis-prof')) : undefined;
const trellisRepo = resolve(arg('trellis', REPO));
const nodeFlags = arg('node-flags', '').split(' ').filter(Boolean);
const runtime = arg('runtime', 'built') as 'built' | 'tsx';
const jsonOut = process.argv.includes('--json') ? arg('json', '') : undefined;
for (const c of only) if (!CASES.includes(c)) { console.error(`unknown case ${c}; cases: ${CASES.join(', ')}`); process.exit(2); }

interface Sample {
  wrk: WrkResult;
  peakRssMb: number;
  /** The peak's private (RssAnon) and file-backed (RssFile, mostly the executable's pages) parts. */
  anonMb: number;
  fileMb: number;
  /** The executable's resident pages by ELF section, MB, right after the load (Node processes). */
  binary?: { totalMb: number; sections: [string, number][] };
  /** Over the load window (Trellis proxies): bytes allocated per request, collections and pauses. */
  gc?: { allocPerReq: number; promotedPerReq: number; scavengesPerS: number; fullGcs: number; pauseMsPerS: number; maxPauseMs: number };
  cpuPct: number;
  fixed?: OpenLoopResult;
  /** istio_requests_total summed after the run (the sidecar's metrics are on). */
  istioRequests?: number;
}

/** What one case runs: a process to measure (none for direct) and where wrk sends. */
interface Target {
  url: string;
  script?: string;
  pid?: number;
  /** Raw requests for the open-loop generator. */
  requests: string[];
  prometheus?: string;
  gc?: GcMeter;
  stop(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'trellis-bench-proxy-'));
/** The working directory goes at the end, unless profiles were taken (their line numbers point into its build). */
function removeWorkDir(): void {
  if (profileDir) console.log(`Built Trellis and configs kept in ${dir} (the profiles' line numbers refer to it)`);
  else rmSync(dir, { recursive: true, force: true });
}

function plainRequest(hostHeader: string, path = '/'): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`;
}

async function untilOk(url: string, headers: Record<string, string> = {}, ms = 30_000, path?: { host: string; port: number; target: string }): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const s = (async () => {
        const net = await import('node:net');
        const u = new URL(url);
        const sock = net.connect(Number(path?.port ?? u.port), path?.host ?? u.hostname);
        sock.setTimeout(2000, () => { sock.destroy(); done(false); });
        sock.on('error', () => done(false));
        sock.on('data', (b: Buffer) => { done(/^HTTP\/1\.1 200/.test(b.toString('latin1'))); sock.destroy(); });
        const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        sock.write(`GET ${path?.target ?? u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\n${extra}\r\n`);
      })();
      s.catch(() => done(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`no 200 from ${url} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Trellis as it runs in production: src/ transpiled to JavaScript once (esbuild, file by file, the
 * layout kept so relative paths hold). Running through tsx instead would wrap every closure in
 * `__name()` (esbuild's keepNames), a per-request cost the built package does not have.
 */
const entries = new Map<string, string>();
function trellisEntry(repo: string): string {
  const known = entries.get(repo);
  if (known) return known;
  const entry = build(repo);
  entries.set(repo, entry);
  return entry;
}

function build(trellisRepo: string): string {
  if (runtime === 'tsx') return join(trellisRepo, 'src/cli/entry.ts');
  const out = join(dir, `build-${entries.size}`);
  const files = readdirSync(join(trellisRepo, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(trellisRepo, 'src', f));
  const r = spawnSync(join(REPO, 'node_modules/.bin/esbuild'), [...files, `--outdir=${join(out, 'src')}`, `--outbase=${join(trellisRepo, 'src')}`, '--format=esm', '--platform=node', '--target=node20', '--log-level=error'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('esbuild failed');
  copyFileSync(join(trellisRepo, 'package.json'), join(out, 'package.json'));
  symlinkSync(join(trellisRepo, 'node_modules'), join(out, 'node_modules'));
  if (existsSync(join(trellisRepo, 'native'))) symlinkSync(join(trellisRepo, 'native'), join(out, 'native'));
  // The xDS wire schema the proxy decodes with, as `npm run build` writes it (checkouts that have one).
  const schemaScript = join(trellisRepo, 'scripts/build-wire-schema.mjs');
  if (existsSync(schemaScript)) {
    const g = spawnSync(process.execPath, [schemaScript, join(out, 'src/api/xds')], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (g.status !== 0) throw new Error('building the wire schema failed');
  }
  return join(out, 'src/cli/entry.js');
}

function trellisArgs(repo: string): string[] {
  const e = trellisEntry(repo);
  return [...nodeFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...(e.endsWith('.ts') ? ['--import', 'tsx'] : []), e];
}

async function startControlPlane(repo: string, name: string, yaml: string): Promise<{ cp: Proc; xds: string }> {
  const cfg = join(dir, `${name}-config`);
  mkdirSync(cfg, { recursive: true });
  writeFileSync(join(cfg, 'mesh.yaml'), yaml);
  const e = trellisEntry(repo);
  const cp = startPinned(`${name} control plane`, LOAD_CORE, process.execPath, [...(e.endsWith('.ts') ? ['--import', 'tsx'] : []), e, 'control-plane', '--config', cfg, '--xds-address', '127.0.0.1:0', '--monitoring-address', '127.0.0.1:0']);
  const m = await cp.waitFor(/xds listening on (\S+)/);
  return { cp, xds: m[1]! };
}

async function startTrellisProxy(repo: string, name: string, xds: string, a: string[]): Promise<{ proc: Proc; prometheus: string; gc?: GcMeter }> {
  const proc = startPinned(name, PROXY_CORE, process.execPath, [
    ...(gcTrace ? ['--trace-gc-nvp'] : []), ...trellisArgs(repo), 'proxy', '--xds', xds, ...a, ...(accessLog ? [] : ['--no-access-log']),
    '--admin-port', '0', '--health-port', '0', '--prometheus-port', '0',
  ], { NODE_ENV: 'production' });
  const m = await proc.waitFor(/prometheus listening on (\S+)/);
  // Access log lines go to stdout: keep the pipe drained but do not keep them.
  return { proc, prometheus: m[1]!, gc: gcTrace ? meterGc(proc.child.stdout!) : undefined };
}

async function start(c: Case, upstreamPort: number): Promise<Target> {
  switch (c) {
    case 'direct':
      return { url: `http://127.0.0.1:${upstreamPort}/`, requests: [plainRequest(`127.0.0.1:${upstreamPort}`)], stop: async () => {} };
    case 'nginx': {
      const port = await freePort();
      const conf = join(dir, 'nginx-proxy.conf');
      writeFileSync(conf, nginxProxyConf(dir, port, upstreamPort));
      const p = startPinned('nginx proxy', PROXY_CORE, '/usr/sbin/nginx', ['-c', conf, '-p', `${dir}/`]);
      await waitPort('127.0.0.1', port);
      return { url: `http://127.0.0.1:${port}/`, pid: p.pid, requests: [plainRequest(`127.0.0.1:${port}`)], stop: () => p.stop() };
    }
    case 'haproxy': {
      const port = await freePort();
      const conf = join(dir, 'haproxy.cfg');
      writeFileSync(conf, haproxyConf(port, upstreamPort));
      const p = startPinned('haproxy', PROXY_CORE, '/usr/sbin/haproxy', ['-f', conf, '-db']);
      await waitPort('127.0.0.1', port);
      return { url: `http://127.0.0.1:${port}/`, pid: p.pid, requests: [plainRequest(`127.0.0.1:${port}`)], stop: () => p.stop() };
    }
    case 'node-relay': {
      const port = await freePort();
      const p = startPinned('node relay', PROXY_CORE, process.execPath, [join(REPO, 'bench/proxy/relay.mjs'), String(port), String(upstreamPort)]);
      await p.waitFor(/relay listening/);
      return { url: `http://127.0.0.1:${port}/`, pid: p.pid, requests: [plainRequest(`127.0.0.1:${port}`)], stop: () => p.stop() };
    }
    case 'trellis-gateway':
    case 'baseline-gateway': {
      const repo = c === 'trellis-gateway' ? trellisRepo : baselineRepo!;
      const ip = '127.0.80.1';
      const port = await freePort(ip);
      const { cp, xds } = await startControlPlane(repo, 'gateway', gatewayYaml(port, upstreamPort));
      const { proc, prometheus, gc } = await startTrellisProxy(repo, `${c}`, xds, [
        '--type', 'router', '--ip', ip, '--name', 'istio-ingressgateway-0', '--namespace', 'istio-system',
        '--labels', 'istio=ingressgateway,app=istio-ingressgateway',
      ]);
      const url = `http://${ip}:${port}/`;
      await untilOk(url);
      return {
        url, pid: proc.pid, prometheus, gc, requests: [plainRequest(`${GATEWAY_HOST}:${port}`)],
        stop: async () => { await proc.stop(); await cp.stop(); },
      };
    }
    case 'trellis-sidecar':
    case 'baseline-sidecar': {
      const repo = c === 'trellis-sidecar' ? trellisRepo : baselineRepo!;
      const ip = '127.0.80.2';
      const { cp, xds } = await startControlPlane(repo, 'sidecar', sidecarYaml(upstreamPort));
      const { proc, prometheus, gc } = await startTrellisProxy(repo, `${c}`, xds, [
        '--type', 'sidecar', '--ip', ip, '--name', 'client-0', '--namespace', 'bench', '--labels', 'app=client,version=v1', '--outbound', 'explicit',
      ]);
      const hosts = Array.from({ length: SERVICES }, (_, i) => `${serviceHost(i)}:${SERVICE_PORT}`);
      const url = `http://${ip}:15001/`;
      await untilOk(`http://${hosts[SERVICES - 1]}/`, {}, 30_000, { host: ip, port: 15001, target: `http://${hosts[SERVICES - 1]}/` });
      return {
        url, pid: proc.pid, prometheus, gc, script: sidecarLua(join(dir, 'sidecar.lua'), hosts),
        requests: hosts.map((h) => `GET http://${h}/ HTTP/1.1\r\nHost: ${h}\r\n\r\n`),
        stop: async () => { await proc.stop(); await cp.stop(); },
      };
    }
  }
}

function runOpenLoop(url: string, requests: string[], seconds: number): Promise<OpenLoopResult> {
  const u = new URL(url);
  return new Promise((resolveRun, reject) => {
    const child = spawn('taskset', ['-c', String(LOAD_CORE), process.execPath, '--import', 'tsx', join(REPO, 'bench/proxy/open-loop.ts'), u.hostname, u.port, String(rate), String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OPEN_LOOP_REQUESTS: JSON.stringify(requests) },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      try { resolveRun(JSON.parse(out.trim().split('\n').pop() ?? '') as OpenLoopResult); } catch { reject(new Error(`open-loop exited ${code}: ${out}`)); }
    });
  });
}

async function istioRequests(prometheus: string): Promise<number> {
  const text = await (await fetch(`http://${prometheus}/stats/prometheus`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith('istio_requests_total{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function measure(c: Case, upstreamPort: number): Promise<Sample> {
  const t = await start(c, upstreamPort);
  try {
    if (warmupS > 0) await runWrk({ url: t.url, core: LOAD_CORE, connections, durationS: warmupS, script: t.script });
    const stopRss = t.pid ? sampleRss(t.pid) : undefined;
    const cpu0 = t.pid ? cpuSeconds(t.pid) : NaN;
    t.gc?.resetMax();
    const g0 = t.gc?.totals();
    const wrk = await runWrk({ url: t.url, core: LOAD_CORE, connections, durationS, script: t.script });
    const cpu1 = t.pid ? cpuSeconds(t.pid) : NaN;
    const g1 = t.gc?.totals();
    const n = wrk.requests;
    const gc = g0 && g1 ? {
      allocPerReq: (g1.allocated - g0.allocated) / n, promotedPerReq: (g1.promoted - g0.promoted) / n,
      scavengesPerS: (g1.scavenges - g0.scavenges) / durationS, fullGcs: g1.fullGcs - g0.fullGcs,
      pauseMsPerS: (g1.pauseMs - g0.pauseMs) / durationS, maxPauseMs: g1.maxPauseMs,
    } : undefined;
    const mem = stopRss?.();
    const res = t.pid && /node/.test(readFileSafe(`/proc/${t.pid}/comm`)) ? residentSections(t.pid) : undefined;
    const binary = res ? { totalMb: res.total / 1e6, sections: res.sections.map(([n, b]) => [n, b / 1e6] as [string, number]) } : undefined;
    const istio = t.prometheus ? await istioRequests(t.prometheus) : undefined;
    await runOpenLoop(t.url, t.requests, 1); // warm connections at the fixed rate
    const fixed = await runOpenLoop(t.url, t.requests, rateSeconds);
    return { wrk, peakRssMb: mem ? mem.peakRss / 1e6 : NaN, anonMb: mem ? mem.anon / 1e6 : NaN, fileMb: mem ? mem.file / 1e6 : NaN, binary, gc, cpuPct: ((cpu1 - cpu0) / durationS) * 100, fixed, istioRequests: istio };
  } finally {
    await t.stop();
  }
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const k = (x: number) => (Number.isFinite(x) ? `${(x / 1000).toFixed(1)}k` : '-');
function spread(xs: number[], fmt: (x: number) => string): string {
  const m = median(xs);
  return xs.length > 1 ? `${fmt(m)} [${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]` : fmt(m);
}

async function main(): Promise<void> {
  ensureTools(REPO, ['nginx', 'haproxy', 'wrk']);
  // This process only orchestrates: keep it off the proxies' core.
  spawnSync('taskset', ['-p', '-c', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
  const upstreamPort = await freePort();
  const uconf = join(dir, 'nginx-upstream.conf');
  writeFileSync(uconf, nginxUpstreamConf(dir, upstreamPort));
  const upstream = startPinned('nginx upstream', LOAD_CORE, '/usr/sbin/nginx', ['-c', uconf, '-p', `${dir}/`]);
  await waitPort('127.0.0.1', upstreamPort);
  console.log(`upstream nginx on 127.0.0.1:${upstreamPort} (core ${LOAD_CORE}); proxies on core ${PROXY_CORE}; wrk -t1 -c${connections} -d${durationS}s on core ${LOAD_CORE}; Trellis from ${trellisRepo}${baselineRepo ? `, baseline from ${baselineRepo}` : ''}${accessLog ? ' (access log on)' : ' (access log off)'}`);
  const results = new Map<Case, Sample[]>();
  const ratios = new Map<Case, { rps: number[]; p99: number[] }>();
  for (let r = 0; r < runs; r++) {
    const order = [...only.slice(r % only.length), ...only.slice(0, r % only.length)];
    const perRun = new Map<Case, Sample>();
    for (const c of order) {
      process.stdout.write(`run ${r + 1}/${runs}: ${c} … `);
      const s = await measure(c, upstreamPort);
      perRun.set(c, s);
      (results.get(c) ?? results.set(c, []).get(c)!).push(s);
      console.log(`${Math.round(s.wrk.rps)} req/s, p50 ${f2(s.wrk.p50Ms)} ms, p99 ${f2(s.wrk.p99Ms)} ms, RSS ${f1(s.peakRssMb)} MB (anon ${f1(s.anonMb)}, file ${f1(s.fileMb)}), CPU ${Math.round(s.cpuPct)}%` +
        `${s.wrk.errors || s.wrk.non2xx ? `, ${s.wrk.errors} socket errors, ${s.wrk.non2xx} non-2xx` : ''}` +
        `${s.istioRequests !== undefined ? `, istio_requests_total ${s.istioRequests}` : ''}; @${rate}/s p50 ${f2(s.fixed?.p50Ms ?? NaN)} p99 ${f2(s.fixed?.p99Ms ?? NaN)} ms`);
    }
    const ng = perRun.get('nginx');
    for (const [c, s] of perRun) {
      const e = ratios.get(c) ?? ratios.set(c, { rps: [], p99: [] }).get(c)!;
      if (ng) { e.rps.push(s.wrk.rps / ng.wrk.rps); e.p99.push(s.wrk.p99Ms / ng.wrk.p99Ms); }
    }
  }
  await upstream.stop();
  const direct = results.get('direct');
  const dP50 = direct ? median(direct.map((s) => s.fixed?.p50Ms ?? NaN)) : NaN;
  const dP99 = direct ? median(direct.map((s) => s.fixed?.p99Ms ?? NaN)) : NaN;
  const rows = only.map((c) => {
    const ss = results.get(c) ?? [];
    const rt = ratios.get(c);
    const fp50 = median(ss.map((s) => s.fixed?.p50Ms ?? NaN));
    const fp99 = median(ss.map((s) => s.fixed?.p99Ms ?? NaN));
    return [
      c,
      spread(ss.map((s) => s.wrk.rps), k),
      rt?.rps.length ? spread(rt.rps, f2) : '-',
      spread(ss.map((s) => s.wrk.p50Ms), f2),
      spread(ss.map((s) => s.wrk.p99Ms), f2),
      rt?.p99.length ? spread(rt.p99, f2) : '-',
      c === 'direct' ? '-' : spread(ss.map((s) => s.peakRssMb), f1),
      c === 'direct' ? '-' : `${f1(median(ss.map((s) => s.anonMb)))} / ${f1(median(ss.map((s) => s.fileMb)))}`,
      c === 'direct' ? '-' : `${Math.round(median(ss.map((s) => s.cpuPct)))}%`,
      c === 'direct' ? '-' : f1(median(ss.map((s) => (s.cpuPct / 100 / s.wrk.rps) * 1e6))),
      f2(fp50), f2(fp99),
      c === 'direct' ? '-' : f2(fp50 - dP50), c === 'direct' ? '-' : f2(fp99 - dP99),
    ];
  });
  console.log(`\n${table(['proxy', 'req/s', 'x nginx', 'p50 ms', 'p99 ms', 'p99 x nginx', 'peak RSS MB', 'anon / file MB', 'CPU', 'CPU us/req', `@${rate}/s p50`, `@${rate}/s p99`, 'added p50', 'added p99'], rows)}`);
  console.log(`\n${runs} run(s); medians with [min–max] over runs; ratios are taken within each run. Latency at ${rate}/s: open loop, ${rateSeconds} s, from the scheduled send time.`);
  const bins = only.flatMap((c) => {
    const b = (results.get(c) ?? []).map((x) => x.binary).filter((x) => x !== undefined).at(-1);
    return b ? [`  ${c}: ${f1(b.totalMb)} MB (${b.sections.slice(0, 4).map(([n, mb]) => `${n} ${f1(mb)}`).join(', ')})`] : [];
  });
  const gcs = only.flatMap((c) => {
    const g = (results.get(c) ?? []).map((x) => x.gc).filter((x) => x !== undefined);
    if (!g.length) return [];
    const m = (f: (x: NonNullable<Sample['gc']>) => number) => median(g.map(f));
    return [`  ${c}: ${f1(m((x) => x.allocPerReq) / 1000)} kB allocated and ${Math.round(m((x) => x.promotedPerReq))} B promoted per request; ${f1(m((x) => x.scavengesPerS))} scavenges/s, ${f1(m((x) => x.fullGcs))} full GCs in ${durationS} s; paused ${f1(m((x) => x.pauseMsPerS))} ms/s, longest pause ${f2(m((x) => x.maxPauseMs))} ms`];
  });
  if (gcs.length) console.log(`Garbage collection under load (--trace-gc-nvp; medians over runs):\n${gcs.join('\n')}`);
  if (bins.length) console.log(`Pages of the node executable resident after the load (part of "file"; shared by every node process):\n${bins.join('\n')}`);
  if (profileDir) console.log(`CPU profiles of the Trellis proxies: ${profileDir} (node --import tsx bench/lib/cpuprofile-top.ts FILE)`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(Object.fromEntries([...results].map(([c, ss]) => [c, ss.map((s) => ({ ...s, wrk: { ...s.wrk, raw: undefined } }))])), null, 2));
}

process.on('SIGINT', () => { void stopAll().then(() => { removeWorkDir(); process.exit(130); }); });
main().then(removeWorkDir, async (e: Error) => {
  console.error(e.message);
  await stopAll();
  removeWorkDir();
  process.exit(1);
});
