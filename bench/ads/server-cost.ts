#!/usr/bin/env node
/**
 * The control plane's own cost of a change, without the network: the same mesh and changes as
 * bench/ads.ts, but the N sidecars are in-process streams (AdsServer.openStream) whose transport
 * encodes each response as grpc.ts does (encode.ts) and drops the bytes. Per change it reports
 * the CPU time from handing the store the change until every push is encoded, then the CPU time
 * of handling the N ACKs, plus load-independent counts (responses, generator runs, bytes). The
 * minimum over repetitions is the figure least disturbed by other work on the machine, which is
 * why this exists next to the end-to-end benchmark. Optionally writes a CPU profile.
 *
 * Usage: node --import tsx bench/ads/server-cost.ts [--clients 100] [--reps 20] [--services 50]
 *          [--scenarios route,endpoints] [--profile FILE]
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { Cluster } from '../../src/api/envoy/cluster.js';
import type { Listener } from '../../src/api/envoy/listener.js';
import type { DiscoveryRequest, DiscoveryResponse } from '../../src/api/xds/discovery.js';
import { edsNames, rdsNames } from '../../src/compile/index.js';
import { MemoryStore } from '../../src/config/store/memory.js';
import { startControlPlane } from '../../src/xds/control-plane.js';
import { encodeResponse, encodeStats } from '../../src/xds/encode.js';
import { DiscoveryTypeUrl } from '../../src/api/xds/index.js';
import type { SotwHandle } from '../../src/xds/types.js';
import { fmtMs, median, table } from '../lib/stats.js';
import { meshFiles, meshServices, vsFile, virtualService, weFile, workloadEntry } from './mesh.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const n = Number(opt('clients', '100'));
const reps = Number(opt('reps', '20'));
const servicesCount = Number(opt('services', '50'));
const namespaces = 5;
const scenarios = opt('scenarios', 'route,endpoints').split(',');
const profileFile = opt('profile', '');
const replicas = Math.max(2, Math.ceil(n / (2 * servicesCount)));

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Client {
  handle: SotwHandle;
  /** Responses not yet answered. */
  inbox: DiscoveryResponse[];
  names: Map<string, string[]>;
}

const store = new MemoryStore();
for (const [file, text] of meshFiles({ services: servicesCount, replicas, namespaces })) store.applyText(file, text);
let flushed: (() => void) | undefined;
const cp = await startControlPlane({ store, xdsAddress: '127.0.0.1:0', ads: { onEvent: (e) => e.type === 'debounced' && flushed?.() } });
const workloads = cp.snapshot().registry.workloads.filter((w) => w.kind === 'Deployment');
let bytes = 0;
const clients: Client[] = [];
for (let i = 0; i < n; i++) {
  const w = workloads[i % workloads.length]!;
  const c: Client = { handle: undefined as unknown as SotwHandle, inbox: [], names: new Map() };
  c.handle = cp.server.openStream({
    send: (r) => {
      bytes += encodeResponse(DiscoveryTypeUrl.DiscoveryResponse, r).length;
      c.inbox.push(r);
    },
    end: () => {},
  });
  clients.push(c);
  const node = {
    id: `sidecar~${w.address}~${w.podName}.${w.namespace}~${w.namespace}.svc.cluster.local`,
    metadata: { NAMESPACE: w.namespace, LABELS: { ...w.labels }, WORKLOAD_NAME: w.name, SERVICE_ACCOUNT: w.serviceAccount },
  };
  c.handle.receive({ node, typeUrl: TypeUrl.Cluster });
  c.handle.receive({ typeUrl: TypeUrl.Listener });
}

/** ACKs every response waiting, as the benchmark's clients do (subscribing EDS and RDS from CDS and LDS). */
function ackAll(): number {
  let acks = 0;
  for (let more = true; more; ) {
    more = false;
    for (const c of clients) {
      const inbox = c.inbox;
      c.inbox = [];
      for (const r of inbox) {
        more = true;
        acks += 1;
        const follow: DiscoveryRequest[] = [];
        if (r.typeUrl === TypeUrl.Cluster || r.typeUrl === TypeUrl.Listener) {
          const eds = r.typeUrl === TypeUrl.Cluster;
          const names = eds ? edsNames(r.resources as Cluster[]) : rdsNames(r.resources as Listener[]);
          const t = eds ? TypeUrl.ClusterLoadAssignment : TypeUrl.RouteConfiguration;
          if (JSON.stringify(names) !== JSON.stringify(c.names.get(t))) {
            c.names.set(t, names);
            follow.push({ typeUrl: t, resourceNames: names });
          }
        }
        c.handle.receive({ typeUrl: r.typeUrl!, versionInfo: r.versionInfo!, responseNonce: r.nonce!, resourceNames: c.names.get(r.typeUrl!) ?? [] });
        for (const f of follow) c.handle.receive(f);
      }
    }
  }
  return acks;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const waitIdle = async (): Promise<void> => {
  await sleep(5);
  await cp.server.idle();
};

await waitIdle();
ackAll();
await waitIdle();
ackAll();

let session: Session | undefined;
if (profileFile) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}

const services = meshServices({ services: servicesCount, replicas, namespaces });
const rows: string[][] = [];
for (const scenario of scenarios) {
  const push: number[] = [];
  const ack: number[] = [];
  let counts = { responses: 0, runs: 0, bytes: 0, encoded: 0 };
  let vm: string | undefined;
  for (let rep = 0; rep < reps; rep++) {
    const s = services[rep % services.length]!;
    const runs0 = cp.server.generationStats.generated;
    const enc0 = encodeStats.resourceBytes;
    bytes = 0;
    await sleep(120); // past the debounce window: the change is pushed on the leading edge
    const pushed = new Promise<void>((r) => (flushed = r));
    const c0 = cpuMs();
    if (scenario === 'route') store.applyText(vsFile(s), virtualService(s, Math.floor(rep / services.length) % 2 === 0 ? 80 : 90));
    else if (!vm) store.applyText(weFile(s, (vm = `vm-${rep}`)), workloadEntry(s, vm, `10.200.0.${rep + 1}`));
    else {
      store.removeFile(weFile(services[(rep - 1) % services.length]!, vm));
      vm = undefined;
    }
    await pushed;
    await cp.server.idle();
    const c1 = cpuMs();
    const responses = clients.reduce((k, c) => k + c.inbox.length, 0);
    ackAll();
    const c2 = cpuMs();
    push.push(c1 - c0);
    ack.push(c2 - c1);
    counts = { responses, runs: cp.server.generationStats.generated - runs0, bytes, encoded: encodeStats.resourceBytes - enc0 };
  }
  rows.push([
    String(n), scenario, fmtMs(Math.min(...push)), fmtMs(median(push)), fmtMs(Math.min(...ack)), fmtMs(median(ack)),
    String(counts.responses), String(counts.runs), (counts.bytes / 1e6).toFixed(2), (counts.encoded / 1e3).toFixed(0),
  ]);
}
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profileFile, JSON.stringify(profile));
  session.disconnect();
}
console.log(table(
  ['clients', 'change', 'push CPU min ms', 'push CPU median ms', 'ACKs CPU min ms', 'ACKs CPU median ms', 'responses', 'generator runs', 'MB sent', 'kB encoded'],
  rows,
));
await cp.close();
process.exit(0);
