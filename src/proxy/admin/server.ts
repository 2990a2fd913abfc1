/**
 * The proxy's three local HTTP servers, as an Istio sidecar has them:
 *   - admin on IP:15000 (Envoy's admin): `/listeners`, `/clusters`, `/config_dump`, `/stats`
 *     (`?filter=RE`, `?format=json|prometheus`), `/stats/prometheus`, `/ready`, `/server_info`;
 *   - health on IP:15021: `/healthz/ready` — 200 once the proxy holds its first complete
 *     snapshot (listeners and clusters), 503 before (pilot-agent's readiness probe);
 *   - Prometheus on IP:15090: `/stats/prometheus` with Istio's standard metrics and the Envoy
 *     stats (what Istio's Prometheus scrapes).
 * The 15021 and 15090 servers show in `/listeners` as the bootstrap's static listeners (Envoy
 * names unnamed listeners by UUID, as in the guides). Only reads: the snapshot source, the
 * stats and the cluster view it is given; it never changes proxy state. Port 0 picks a free
 * port (tests).
 */
import { memoryReport } from './memory.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { ResourceTypeUrl } from '../../api/envoy/common.js';
import type { Node } from '../../api/xds/index.js';
import type { RuntimeSnapshot } from '../bootstrap/runtime.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, renderStatsText, type ProxyStats } from '../stats/index.js';
import { renderClustersJson, renderClustersText, type ClustersView } from './clusters.js';
import { configDump } from './config-dump.js';
import { renderListenersJson, renderListenersText, type StaticListener } from './listeners.js';

export const DEFAULT_ADMIN_PORT = 15000;
export const DEFAULT_HEALTH_PORT = 15021;
export const DEFAULT_PROMETHEUS_PORT = 15090;

/** Where the admin reads the proxy's config from (the XdsClient fits). */
export interface SnapshotView {
  current(): RuntimeSnapshot;
  latest?(): RuntimeSnapshot;
}

export interface AdminOptions {
  ip: string;
  adminPort?: number;
  healthPort?: number;
  prometheusPort?: number;
  snapshots: SnapshotView;
  /** True once the first complete snapshot is in effect. */
  isReady: () => boolean;
  stats: ProxyStats;
  node?: Node;
  clusters?: ClustersView;
  /** When each xDS type was last accepted (ms). */
  lastUpdated?: () => Readonly<Partial<Record<ResourceTypeUrl, number>>>;
  startedAt?: number;
  now?: () => number;
  version?: string;
  /** Names for the static 15090/15021 listeners (default: random UUIDs, as Envoy). */
  staticListenerNames?: { prometheus: string; health: string };
}

export interface AdminServers {
  readonly adminPort: number;
  readonly healthPort: number;
  readonly prometheusPort: number;
  close(): Promise<void>;
}

type Handler = (url: URL, req: IncomingMessage, res: ServerResponse) => void;

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=UTF-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache, max-age=0', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

function json(res: ServerResponse, value: unknown): void {
  send(res, 200, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

function serve(routes: Record<string, Handler>): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const h = routes[url.pathname];
    if (!h) return send(res, 404, `invalid path. admin commands are:\n${Object.keys(routes).sort().map((p) => `  ${p}`).join('\n')}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET is supported\n');
    try {
      h(url, req, res);
    } catch (e) {
      send(res, 500, `${e instanceof Error ? e.message : String(e)}\n`);
    }
  });
}

function listen(server: Server, ip: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections?.();
  });
}

export async function startAdminServers(o: AdminOptions): Promise<AdminServers> {
  const now = o.now ?? Date.now;
  const startedAt = o.startedAt ?? now();
  const names = o.staticListenerNames ?? { prometheus: randomUUID(), health: randomUUID() };
  const statics: StaticListener[] = [];
  const latest = () => o.snapshots.latest?.() ?? o.snapshots.current();
  const promBody = () => renderPrometheus(o.stats.istio, o.stats.store);
  const state = () => (o.isReady() ? 'LIVE' : 'INITIALIZING');
  const clusterView: ClustersView = { countersOf: o.stats.hostCountersOf, ...o.clusters };

  const admin = serve({
    '/': (_u, _q, res) => send(res, 200, ['/clusters', '/config_dump', '/listeners', '/memory', '/ready', '/server_info', '/stats', '/stats/prometheus'].join('\n') + '\n'),
    '/memory': (_u, _q, res) => json(res, memoryReport()),
    '/listeners': (u, _q, res) => {
      const s = o.snapshots.current();
      if (u.searchParams.get('format') === 'json') json(res, renderListenersJson(s, statics));
      else send(res, 200, renderListenersText(s, statics));
    },
    '/clusters': (u, _q, res) => {
      const s = o.snapshots.current();
      if (u.searchParams.get('format') === 'json') json(res, renderClustersJson(s, clusterView));
      else send(res, 200, renderClustersText(s, clusterView));
    },
    '/config_dump': (_u, _q, res) => json(res, configDump({
      active: o.snapshots.current(), latest: latest(), ...(o.node ? { node: o.node } : {}), lastUpdated: o.lastUpdated?.() ?? {}, startedAt,
      adminAddress: { address: o.ip, port: adminPort },
    })),
    '/stats': (u, _q, res) => {
      const format = u.searchParams.get('format');
      if (format === 'prometheus') return send(res, 200, promBody(), PROMETHEUS_CONTENT_TYPE);
      const f = u.searchParams.get('filter');
      let re: RegExp | undefined;
      try {
        re = f ? new RegExp(f) : undefined;
      } catch {
        return send(res, 400, `Invalid re2 regex: ${f}\n`);
      }
      if (format === 'json') {
        json(res, { stats: o.stats.store.all().filter((s) => !re || re.test(s.name)).map((s) => (s.kind === 'histogram' ? { name: s.name, histograms: { count: s.count, sum: s.sum } } : { name: s.name, value: s.value })) });
      } else {
        send(res, 200, renderStatsText(o.stats.store, re));
      }
    },
    '/stats/prometheus': (_u, _q, res) => send(res, 200, promBody(), PROMETHEUS_CONTENT_TYPE),
    '/ready': (_u, _q, res) => send(res, o.isReady() ? 200 : 503, `${state()}\n`),
    '/server_info': (_u, _q, res) => json(res, {
      version: o.version ?? 'trellis',
      state: state(),
      uptimeCurrentEpoch: `${Math.floor((now() - startedAt) / 1000)}s`,
      uptimeAllEpochs: `${Math.floor((now() - startedAt) / 1000)}s`,
      ...(o.node ? { node: o.node } : {}),
    }),
  });
  const health = serve({
    '/healthz/ready': (_u, _q, res) => (o.isReady() ? send(res, 200, '') : send(res, 503, 'not ready: the proxy has not received its first configuration yet\n')),
  });
  const prometheus = serve({
    '/stats/prometheus': (_u, _q, res) => send(res, 200, promBody(), PROMETHEUS_CONTENT_TYPE),
  });

  const started: Server[] = [];
  let adminPort = 0;
  try {
    adminPort = await listen(admin, o.ip, o.adminPort ?? DEFAULT_ADMIN_PORT);
    started.push(admin);
    const healthPort = await listen(health, o.ip, o.healthPort ?? DEFAULT_HEALTH_PORT);
    started.push(health);
    const prometheusPort = await listen(prometheus, o.ip, o.prometheusPort ?? DEFAULT_PROMETHEUS_PORT);
    started.push(prometheus);
    statics.push({ name: names.prometheus, address: o.ip, port: prometheusPort }, { name: names.health, address: o.ip, port: healthPort });
    let closed: Promise<void> | undefined;
    return {
      adminPort,
      healthPort,
      prometheusPort,
      close: () => (closed ??= Promise.all(started.map(closeServer)).then(() => undefined)),
    };
  } catch (e) {
    await Promise.all(started.map(closeServer));
    throw e;
  }
}
