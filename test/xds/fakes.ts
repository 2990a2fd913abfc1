/**
 * Test doubles for the ADS server: a fake clock (test/helpers/fake-clock.ts, started at 1e6 ms),
 * a snapshot source the test changes by hand, a recording transport, table-driven generators
 * over tiny fake snapshots, and an event recorder. No sockets, no real time.
 */
import type { Snapshot } from '../../src/model/types.js';
import type {
  AdsEvent, GeneratorSet, Logger, SnapshotChange, SnapshotSource, StreamTransport,
} from '../../src/xds/types.js';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { FakeClock as SharedFakeClock } from '../helpers/fake-clock.js';

/** The shared fake clock, started at 1,000,000 ms as the ADS tests always have. */
export class FakeClock extends SharedFakeClock {
  constructor() {
    super(1_000_000);
  }
}

/** A fake Snapshot: only `version` is real; `data` is what the fake generators read. */
export interface FakeData {
  listeners: string[];
  clusters: string[];
  /** route name → a value that changes the route's content */
  routes: Record<string, string>;
  /** cluster name → endpoint addresses */
  endpoints: Record<string, string[]>;
}

export function fakeSnapshot(version: string, data: FakeData): Snapshot {
  // no registry: no workload at any address (a proxy's locality resolves to none)
  return { version, data, workloadByAddress: () => undefined } as unknown as Snapshot;
}

function dataOf(s: Snapshot): FakeData {
  return (s as unknown as { data: FakeData }).data;
}

/** Generators over fake snapshots, producing proto-valid minimal resources. */
export const fakeGenerators: GeneratorSet = {
  [TypeUrl.Listener]: (s) => dataOf(s).listeners.map((name) => ({ name })),
  [TypeUrl.Cluster]: (s) => dataOf(s).clusters.map((name) => ({ name, type: 'EDS', edsClusterConfig: { edsConfig: { ads: {} } } })),
  [TypeUrl.RouteConfiguration]: (s, _p, names) => {
    const routes = dataOf(s).routes;
    return (names ?? Object.keys(routes)).filter((n) => n in routes).map((name) => ({
      name, virtualHosts: [{ name: `${routes[name]}`, domains: ['*'] }],
    }));
  },
  [TypeUrl.ClusterLoadAssignment]: (s, _p, names) => {
    const eps = dataOf(s).endpoints;
    return (names ?? Object.keys(eps)).filter((n) => n in eps).map((clusterName) => ({
      clusterName,
      endpoints: [{ lbEndpoints: eps[clusterName]!.map((a) => ({ endpoint: { address: { socketAddress: { address: a, portValue: 8080 } } } })) }],
    }));
  },
};

export class FakeSource implements SnapshotSource {
  private fns = new Set<(c: SnapshotChange) => void>();
  constructor(private snap: Snapshot) {}
  current(): Snapshot {
    return this.snap;
  }
  subscribe(fn: (c: SnapshotChange) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  change(snapshot: Snapshot, kinds: string[]): void {
    this.snap = snapshot;
    for (const fn of this.fns) fn({ snapshot, changedKinds: new Set(kinds) });
  }
}

export class RecordingTransport<Res> implements StreamTransport<Res> {
  readonly sent: Res[] = [];
  ended: { code: number | undefined; message: string | undefined } | undefined;
  failNext = false;
  send(r: Res): void {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('cannot encode');
    }
    this.sent.push(r);
  }
  end(code?: number, message?: string): void {
    this.ended = { code, message };
  }
  /** Responses sent since the last call. */
  take(): Res[] {
    return this.sent.splice(0);
  }
}

export function recorder(): { events: AdsEvent[]; on: (e: AdsEvent) => void; of: <T extends AdsEvent['type']>(t: T) => Extract<AdsEvent, { type: T }>[] } {
  const events: AdsEvent[] = [];
  return {
    events,
    on: (e) => events.push(e),
    of: (t) => events.filter((e) => e.type === t) as never,
  };
}

export function memoryLogger(): Logger & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const NODE_A = 'sidecar~10.0.0.1~a-1.default~default.svc.cluster.local';
export const NODE_B = 'sidecar~10.0.0.2~b-1.default~default.svc.cluster.local';

export const BASE: FakeData = {
  listeners: ['0.0.0.0_8080', 'virtualOutbound'],
  clusters: ['outbound|8080||a.default.svc.cluster.local', 'outbound|8080||b.default.svc.cluster.local'],
  routes: { '8080': 'v1', '9090': 'x' },
  endpoints: { 'outbound|8080||a.default.svc.cluster.local': ['10.0.0.1'], 'outbound|8080||b.default.svc.cluster.local': ['10.0.0.2'] },
};
