#!/usr/bin/env node
/**
 * ADS push benchmark: the control plane (MemoryStore → snapshot → AdsServer on 127.0.0.1) runs in
 * this process, N simulated sidecars run in a second one (bench/ads/clients.ts), each with its own
 * ADS stream and TCP connection, subscribed to CDS, EDS, LDS and RDS and ACKing every response.
 * Once every stream is synced, two kinds of change are applied to the store, K times each:
 *   - route change: one VirtualService's weights edited (RDS for every sidecar);
 *   - endpoint-only change: a WorkloadEntry added to / removed from a service (EDS only).
 * For each change, t0 is taken just before the store applies it; a client has converged when it
 * has ACKed every response the server pushed to it for that change (its ACK time, stamped in the
 * client process, minus t0). Reported per change: p50, p99 and max over clients (the max is the
 * time to the last ACK), as the median over the K repetitions, with the server-side breakdown
 * (debounce wait, last push sent). Memory per connected proxy: heap after GC with N clients
 * synced minus the heap with none, divided by N. See bench/README.md.
 *
 * Usage: node --expose-gc --import tsx bench/ads.ts [--clients 100,1000] [--reps 10]
 *          [--services 50] [--namespaces 5] [--replicas auto|R] [--connections N]
 *          [--debounce MS] [--push-slice MS] [--gap MS] [--scenarios route,endpoints] [--sync-timeout S] [--profile DIR]
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryStore } from '../src/config/store/memory.js';
import { startControlPlane, type ControlPlane } from '../src/xds/control-plane.js';
import { encodeStats } from '../src/xds/encode.js';
import type { AdsEvent } from '../src/xds/types.js';
import { fmtMs, median, quantile, table } from './lib/stats.js';
import { meshFiles, meshServices, vsFile, virtualService, weFile, workloadEntry, type MeshService } from './ads/mesh.js';
import { TYPE_URLS, now, type AckRecord, type ClientNode, type FromClients, type ToClients } from './ads/protocol.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc && !process.env.TRELLIS_BENCH_NO_RESPAWN) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, TRELLIS_BENCH_NO_RESPAWN: '1' },
  });
  process.exit(r.status ?? 1);
}

// ---- options
const args = process.argv.slice(2);
function opt(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}
const sizes = opt('clients', '100,1000').split(',').map(Number).filter((n) => n > 0);
const reps = Math.max(1, Number(opt('reps', '10')));
const servicesCount = Number(opt('services', '50'));
const namespaces = Number(opt('namespaces', '5'));
const replicasOpt = opt('replicas', 'auto');
const connectionsOpt = opt('connections', '');
const debounceOpt = opt('debounce', '');
const pushSliceOpt = opt('push-slice', '');
const gapMs = Number(opt('gap', '300'));
const scenarios = opt('scenarios', 'route,endpoints').split(',') as ('route' | 'endpoints')[];
const syncTimeoutMs = Number(opt('sync-timeout', '900')) * 1000;
/** Write a CPU profile of the control plane during the changes (not the initial sync) here. */
const profileDir = opt('profile', '');
const convergeTimeoutMs = 60_000;

const here = dirname(fileURLToPath(import.meta.url));
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function heap(): { heap: number; external: number } {
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external };
}

async function until(what: string, cond: () => boolean, timeoutMs: number, step = 5): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(step);
  }
}

// ---- one run at N clients
interface ChangeResult {
  /** Per client: last ACK of what was pushed for the change, minus t0. */
  convergence: number[];
  applyMs: number;
  debounceMs: number;
  lastPushMs: number;
  serverConvergedMs: number;
  endpointsOnly: boolean;
  pushedTypes: Set<string>;
  /** Bytes of the responses pushed for the change, summed over clients. */
  bytes: number;
  /** CPU time of the control-plane process (this one) and of the client process, t0 to the last ACK report. */
  serverCpuMs: number;
  clientCpuMs: number;
  /** Load-independent counts: responses pushed, generator runs, resources and bytes encoded (distinct). */
  responses: number;
  generatorRuns: number;
  encodedResources: number;
  encodedBytes: number;
}

interface RunResult {
  clients: number;
  replicas: number;
  workloads: number;
  connections: number;
  syncMs: number;
  heap0: { heap: number; external: number };
  heapN: { heap: number; external: number };
  changes: Record<string, ChangeResult[]>;
}

class Clients {
  readonly child: ChildProcess;
  synced = 0;
  errors: string[] = [];
  /** stream → type index → [version, at, bytes][] */
  readonly acks = new Map<number, [string, number, number][][]>();
  private stopped: Promise<void> | undefined;
  private cpuWaiters: ((ms: number) => void)[] = [];

  constructor() {
    this.child = fork(join(here, 'ads', 'clients.ts'), [], {
      // with --profile, the client process writes a CPU profile of its whole run there too
      execArgv: ['--import', 'tsx', '--max-old-space-size=8192', ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: FromClients) => this.onMessage(m));
  }

  private onMessage(m: FromClients): void {
    if (m.type === 'acks') for (const a of m.acks) this.record(a);
    else if (m.type === 'synced') this.synced = m.synced;
    else if (m.type === 'cpu') this.cpuWaiters.shift()?.(m.ms);
    else if (m.type === 'error') {
      if (this.errors.length < 5) log(`client stream ${m.stream}: ${m.message}`);
      this.errors.push(m.message);
    }
  }

  private record([stream, type, version, at, bytes]: AckRecord): void {
    let byType = this.acks.get(stream);
    if (!byType) this.acks.set(stream, (byType = TYPE_URLS.map(() => [])));
    byType[type]!.push([version, at, bytes]);
  }

  /** When `stream` ACKed `version` of `typeUrl` at or after `since`, and the response's size. */
  ackedAt(stream: number, typeUrl: string, version: string, since: number): { at: number; bytes: number } | undefined {
    const list = this.acks.get(stream)?.[TYPE_URLS.indexOf(typeUrl as (typeof TYPE_URLS)[number])] ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const [v, at, bytes] = list[i]!;
      if (at < since) break;
      if (v === version) return { at, bytes };
    }
    return undefined;
  }

  send(m: ToClients): void {
    this.child.send(m);
  }

  /** CPU ms the client process has used so far (after flushing its ACK reports). */
  cpu(): Promise<number> {
    return new Promise((resolve) => {
      this.cpuWaiters.push(resolve);
      this.send({ type: 'cpu' });
    });
  }

  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, 5000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.child.connected) this.send({ type: 'stop' });
      else this.child.kill('SIGTERM');
    });
    return this.stopped;
  }
}

/** Generator runs so far (the server's generation stats). */
function generatorRuns(cp: ControlPlane): number {
  return cp.server.generationStats.generated;
}

function nodesFor(cp: ControlPlane, n: number): ClientNode[] {
  const workloads = cp.snapshot().registry.workloads.filter((w) => w.kind === 'Deployment');
  const nodes: ClientNode[] = [];
  for (let i = 0; i < n; i++) {
    const w = workloads[i % workloads.length]!;
    const round = Math.floor(i / workloads.length);
    // More clients than pods: extra sidecars of a pod's workload, same address, own pod name.
    const pod = round === 0 ? w.podName : `${w.podName}-x${round}`;
    nodes.push({
      id: `sidecar~${w.address}~${pod}.${w.namespace}~${w.namespace}.svc.cluster.local`,
      metadata: {
        NAMESPACE: w.namespace,
        LABELS: { ...w.labels },
        WORKLOAD_NAME: w.name,
        SERVICE_ACCOUNT: w.serviceAccount,
        CLUSTER_ID: 'Kubernetes',
        INTERCEPTION_MODE: 'REDIRECT',
      },
    });
  }
  return nodes;
}

async function runSize(n: number): Promise<RunResult> {
  const replicas = replicasOpt === 'auto' ? Math.max(2, Math.ceil(n / (2 * servicesCount))) : Number(replicasOpt);
  const connections = connectionsOpt ? Number(connectionsOpt) : n;
  const store = new MemoryStore();
  for (const [file, text] of meshFiles({ services: servicesCount, replicas, namespaces })) {
    const e = store.applyText(file, text);
    if (e.problems.some((p) => p.severity === 'error')) throw new Error(`mesh object rejected: ${JSON.stringify(e.problems[0])}`);
  }
  let listener: (e: AdsEvent, at: number) => void = () => {};
  const cp = await startControlPlane({
    store,
    xdsAddress: '127.0.0.1:0',
    ads: {
      onEvent: (e) => listener(e, now()),
      ...(debounceOpt ? { debounceMs: Number(debounceOpt) } : {}),
      ...(pushSliceOpt ? { pushSliceMs: Number(pushSliceOpt) } : {}),
    },
  });
  const clients = new Clients();
  try {
    const nodes = nodesFor(cp, n);
    const workloads = cp.snapshot().registry.workloads.filter((w) => w.kind === 'Deployment').length;
    const streamOf = new Map(nodes.map((nd, i) => [nd.id, i]));
    const heap0 = heap();
    log(`@${n}: mesh ${servicesCount} services x 2 deployments x ${replicas} replicas (${workloads} pods, ${store.list().length} objects); heap ${(heap0.heap / 1e6).toFixed(1)} MB; connecting ${n} clients over ${Math.min(connections, n)} connections`);

    const syncStart = now();
    clients.send({ type: 'start', address: `127.0.0.1:${cp.xdsPort}`, nodes, connections });
    let lastLog = Date.now();
    await until(`${n} streams synced`, () => {
      if (clients.errors.length > 0) throw new Error(`client errors: ${clients.errors[0]}`);
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`@${n}: ${clients.synced}/${n} synced after ${((now() - syncStart) / 1000).toFixed(0)} s`);
      }
      return clients.synced === n && cp.server.connectedCount === n;
    }, syncTimeoutMs, 20);
    await cp.server.idle();
    const syncMs = now() - syncStart;
    log(`@${n}: all ${n} synced in ${fmtMs(syncMs)} ms`);
    await sleep(500);
    const heapN = heap();

    let session: Session | undefined;
    if (profileDir) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    const services = meshServices({ services: servicesCount, replicas, namespaces });
    const weights = new Map<MeshService, number>(services.map((s) => [s, 90]));
    const changes: Record<string, ChangeResult[]> = {};
    for (const scenario of scenarios) {
      changes[scenario] = [];
      let vm: { s: MeshService; name: string } | undefined;
      for (let rep = 0; rep < reps; rep++) {
        await sleep(gapMs);
        await cp.server.idle();
        const s = services[rep % services.length]!;
        const pushed = new Map<string, Map<string, string>>();
        const pushedTypes = new Set<string>();
        let debouncedAt: number | undefined;
        let endpointsOnly = false;
        let lastPushAt = 0;
        let serverConvergedMs: number | undefined;
        let target = '';
        let responses = 0;
        listener = (e, at) => {
          if (e.type === 'push' && e.reason === 'push') {
            responses += 1;
            let m = pushed.get(e.proxyId);
            if (!m) pushed.set(e.proxyId, (m = new Map()));
            m.set(e.typeUrl, e.version);
            pushedTypes.add(e.typeUrl.slice(e.typeUrl.lastIndexOf('.') + 1));
            lastPushAt = Math.max(lastPushAt, at);
          } else if (e.type === 'debounced') {
            debouncedAt ??= at;
            endpointsOnly = e.endpointsOnly;
          } else if (e.type === 'converged' && e.snapshotVersion === target) {
            serverConvergedMs = e.ms;
          }
        };
        const clientCpu0 = await clients.cpu();
        const gen0 = generatorRuns(cp);
        const enc0 = { ...encodeStats };
        const cpu0 = process.cpuUsage();
        const t0 = now();
        if (scenario === 'route') {
          const w = weights.get(s) === 90 ? 80 : 90;
          weights.set(s, w);
          store.applyText(vsFile(s), virtualService(s, w));
        } else if (!vm) {
          vm = { s, name: `vm-${rep}` };
          store.applyText(weFile(s, vm.name), workloadEntry(s, vm.name, `10.200.${rep >> 8}.${(rep & 0xff) + 1}`));
        } else {
          store.removeFile(weFile(vm.s, vm.name));
          vm = undefined;
        }
        const applyMs = now() - t0;
        target = cp.snapshot().version;
        await until(`the push of ${scenario} #${rep} to converge`, () => serverConvergedMs !== undefined, convergeTimeoutMs, 2);
        // the clients' own ACK reports arrive over IPC shortly after
        const convergence: number[] = [];
        let bytes = 0;
        await until(`client ACK reports of ${scenario} #${rep}`, () => {
          convergence.length = 0;
          bytes = 0;
          for (const [proxyId, types] of pushed) {
            const stream = streamOf.get(proxyId)!;
            let last = 0;
            for (const [typeUrl, version] of types) {
              const a = clients.ackedAt(stream, typeUrl, version, t0);
              if (a === undefined) return false;
              last = Math.max(last, a.at - t0);
              bytes += a.bytes;
            }
            convergence.push(last);
          }
          return true;
        }, 10_000, 5);
        const cpu1 = process.cpuUsage(cpu0);
        const clientCpuMs = (await clients.cpu()) - clientCpu0;
        listener = () => {};
        changes[scenario].push({
          convergence, applyMs, debounceMs: (debouncedAt ?? NaN) - t0, lastPushMs: lastPushAt - t0,
          serverConvergedMs: serverConvergedMs!, endpointsOnly, pushedTypes, bytes,
          serverCpuMs: (cpu1.user + cpu1.system) / 1000, clientCpuMs, responses, generatorRuns: generatorRuns(cp) - gen0,
          encodedResources: encodeStats.resources - enc0.resources, encodedBytes: encodeStats.resourceBytes - enc0.resourceBytes,
        });
        const q = (x: number) => fmtMs(quantile(convergence, x));
        log(`@${n} ${scenario} #${rep + 1}: ${convergence.length} clients pushed [${[...pushedTypes].join(',')}] ${(bytes / 1e6).toFixed(1)} MB${scenario === 'endpoints' ? ` endpointsOnly=${endpointsOnly}` : ''}; p50 ${q(0.5)} p99 ${q(0.99)} max ${q(1)} ms (debounce ${fmtMs((debouncedAt ?? NaN) - t0)}, last push ${fmtMs(lastPushAt - t0)}; cpu server ${fmtMs((cpu1.user + cpu1.system) / 1000)} (system ${fmtMs(cpu1.system / 1000)}) clients ${fmtMs(clientCpuMs)} ms; ${responses} responses, ${generatorRuns(cp) - gen0} generator runs)`);
      }
      if (vm) store.removeFile(weFile(vm.s, vm.name));
    }
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      const file = join(profileDir, `ads-${n}-${scenarios.join('+')}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      log(`@${n}: CPU profile of the changes written to ${file}`);
    }
    const g = (cp.server as { generationStats?: Record<string, number> }).generationStats;
    if (g) log(`@${n}: generation ${Object.entries(g).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return { clients: n, replicas, workloads, connections: Math.min(connections, n), syncMs, heap0, heapN, changes };
  } finally {
    listener = () => {};
    await clients.stop();
    await cp.close();
  }
}

// ---- main
const results: RunResult[] = [];
const started = Date.now();
for (const n of sizes) results.push(await runSize(n));
log(`bench: ${((Date.now() - started) / 1000).toFixed(0)} s`);

const out: string[] = [];
const say = (s = ''): void => void out.push(s);
say(`Trellis ADS push benchmark: ${servicesCount} services in ${namespaces} namespaces (Service + Deployments v1/v2 + DestinationRule + VirtualService each), control plane in-process, clients in a second process.`);
say(`Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}; debounce ${debounceOpt || 'default'}; ${reps} changes of each kind, ${gapMs} ms apart; figures are the median over the ${reps} changes.`);
say(`Convergence of a client: its last ACK of what the server pushed for the change, minus the moment the store was handed the change.`);
say();
const TARGET = (n: number): number => (n <= 100 ? 100 : 1000);
const rows: string[][] = [];
for (const r of results) {
  for (const [scenario, list] of Object.entries(r.changes)) {
    const med = (f: (c: ChangeResult) => number): number => median(list.map(f));
    const p99 = med((c) => quantile(c.convergence, 0.99));
    const target = TARGET(r.clients);
    const types = [...new Set(list.flatMap((c) => [...c.pushedTypes]))].join('+') || '-';
    rows.push([
      String(r.clients), scenario === 'route' ? 'route (VirtualService weight)' : 'endpoint-only (WorkloadEntry)', types,
      String(med((c) => c.convergence.length)), (med((c) => c.bytes) / 1e6).toFixed(1),
      fmtMs(med((c) => quantile(c.convergence, 0.5))), fmtMs(p99), fmtMs(med((c) => Math.max(...c.convergence))),
      fmtMs(med((c) => c.applyMs)), fmtMs(med((c) => c.debounceMs)), fmtMs(med((c) => c.lastPushMs)),
      `< ${target}`, p99 < target ? 'met' : 'MISSED',
    ]);
  }
}
say(table(['clients', 'change', 'pushed', 'clients pushed', 'MB pushed', 'p50 ms', 'p99 ms', 'last ACK ms', 'store apply ms', 'debounce fired ms', 'last push sent ms', 'target p99 ms', 'p99 target'], rows));
say();
say('Cost of one change (median over the changes): CPU of each process from t0 to the last ACK report (noisy under load), and counts that do not depend on load.');
say();
const costRows: string[][] = [];
for (const r of results) {
  for (const [scenario, list] of Object.entries(r.changes)) {
    const med = (f: (c: ChangeResult) => number): number => median(list.map(f));
    const spread = (f: (c: ChangeResult) => number): string => `${fmtMs(Math.min(...list.map(f)))}-${fmtMs(Math.max(...list.map(f)))}`;
    costRows.push([
      String(r.clients), scenario, spread((c) => quantile(c.convergence, 0.99)),
      fmtMs(med((c) => c.serverCpuMs)), fmtMs(med((c) => c.clientCpuMs)),
      String(med((c) => c.responses)), String(med((c) => c.generatorRuns)),
      String(med((c) => c.encodedResources)), (med((c) => c.encodedBytes) / 1e3).toFixed(0),
    ]);
  }
}
say(table(['clients', 'change', 'p99 ms min-max', 'server CPU ms', 'client CPU ms', 'responses', 'generator runs', 'resources encoded', 'kB encoded'], costRows));
say();
say(table(
  ['clients', 'pods in mesh', 'connections', 'initial sync s', 'heap 0 clients MB', `heap N clients MB`, 'heap per proxy kB', 'heap+external per proxy kB'],
  results.map((r) => [
    String(r.clients), String(r.workloads), String(r.connections), (r.syncMs / 1000).toFixed(1),
    (r.heap0.heap / 1e6).toFixed(1), (r.heapN.heap / 1e6).toFixed(1),
    ((r.heapN.heap - r.heap0.heap) / r.clients / 1000).toFixed(0),
    ((r.heapN.heap + r.heapN.external - r.heap0.heap - r.heap0.external) / r.clients / 1000).toFixed(0),
  ]),
));
console.log(out.join('\n'));
process.exit(0);
