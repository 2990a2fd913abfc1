/**
 * The control plane's monitoring server (node:http, istiod's port 15014): `/ready` (200 once the
 * first snapshot is in), `/metrics` (Prometheus text), `/debug/syncz[?namespace=NS]` (sync status
 * per proxy and type, ./syncz.ts), `/debug/config_dump?proxyID=ID[&include_eds]` (what was last
 * sent to a proxy, ./config-dump.ts) and `/debug` (the list). JSON is compact, or indented with
 * `?pretty`, as istiod writes it. Only GET and HEAD. Reads the control plane; never changes it.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlPlane } from '../control-plane.js';
import { splitAddress } from './address.js';
import { envoyConfigDump } from './config-dump.js';
import { ControlPlaneMetrics } from './metrics.js';
import { findProxy, istioProxyId, syncz } from './syncz.js';

/** What the endpoints read (a ControlPlane has it all). */
export type MonitoredControlPlane = Pick<ControlPlane, 'server' | 'store' | 'snapshot'>;

export interface MonitoringOptions {
  /** Metrics to serve (their `onEvent` must be the ADS server's listener); default: new ones. */
  metrics?: ControlPlaneMetrics;
  /** `istio_version` in syncz; default: the Trellis package version. */
  version?: string;
}

export interface RunningMonitoring {
  readonly port: number;
  readonly metrics: ControlPlaneMetrics;
  close(): Promise<void>;
}

export const DEBUG_ENDPOINTS: Readonly<Record<string, string>> = {
  '/debug/syncz': 'Synchronization status of all proxies connected to this control plane (?namespace=NS)',
  '/debug/config_dump': 'What was last sent to a proxy, as Envoy\'s admin config dump (?proxyID=ID, &include_eds for endpoints)',
  '/metrics': 'Prometheus metrics',
  '/ready': '200 once the control plane has a snapshot to serve',
};

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, url: URL, value: unknown): void {
  const body = url.searchParams.has('pretty') ? JSON.stringify(value, null, 2) + '\n' : JSON.stringify(value);
  send(res, 200, body, 'application/json');
}

class Handler {
  constructor(private readonly cp: MonitoredControlPlane, private readonly metrics: ControlPlaneMetrics, private readonly version: string | undefined) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'method not allowed\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://monitoring');
    switch (url.pathname) {
      case '/ready':
        if (this.cp.snapshot()) send(res, 200, 'ready\n');
        else send(res, 503, 'not ready: no snapshot yet\n');
        return;
      case '/metrics':
        send(res, 200, await this.metrics.text(), this.metrics.contentType);
        return;
      case '/debug/syncz':
        sendJson(res, url, syncz(this.cp.server.statuses(), this.version, url.searchParams.get('namespace') || undefined));
        return;
      case '/debug/config_dump':
        this.configDump(res, url);
        return;
      case '/debug':
      case '/debug/':
      case '/debug/list':
        sendJson(res, url, DEBUG_ENDPOINTS);
        return;
      default:
        send(res, 404, `no such endpoint ${url.pathname}; see /debug\n`);
    }
  }

  private configDump(res: ServerResponse, url: URL): void {
    const proxyId = url.searchParams.get('proxyID') ?? '';
    if (!proxyId) {
      send(res, 400, 'You must provide a proxyID in the query string\n');
      return;
    }
    const statuses = this.cp.server.statuses();
    const found = findProxy(statuses, proxyId);
    if ('ambiguous' in found) {
      send(res, 400, `proxyID ${JSON.stringify(proxyId)} matches several proxies; give one of: ${found.ambiguous.join(', ')}\n`);
      return;
    }
    if ('missing' in found) {
      send(res, 404, `Proxy not connected to this control plane: ${JSON.stringify(proxyId)}; connected: ${found.connected.map(istioProxyId).join(', ') || '(none)'}\n`);
      return;
    }
    const dump = this.cp.server.configDump(found.found.id);
    if (!dump) {
      send(res, 404, `Proxy not connected to this control plane: ${JSON.stringify(proxyId)} (it just left)\n`);
      return;
    }
    const status = statuses.find((s) => s.connectionId === dump.connectionId);
    sendJson(res, url, envoyConfigDump(dump, status?.types ?? [], url.searchParams.has('include_eds')));
  }
}

/** Starts the monitoring server on `address` (`HOST:PORT`; port 0 picks a free one). */
export async function startMonitoring(cp: MonitoredControlPlane, address: string, options: MonitoringOptions = {}): Promise<RunningMonitoring> {
  const { host, port } = splitAddress(address);
  const metrics = options.metrics ?? new ControlPlaneMetrics({
    connectedProxies: () => cp.server.connectedCount,
    configErrors: () => cp.store.problems().filter((p) => p.severity === 'error').length,
  });
  const handler = new Handler(cp, metrics, options.version ?? trellisVersion());
  const server: Server = createServer((req, res) => {
    handler.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    metrics,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

let cachedVersion: string | undefined;

/** The Trellis package version (read once from package.json), or undefined. */
export function trellisVersion(): string | undefined {
  if (cachedVersion !== undefined) return cachedVersion || undefined;
  cachedVersion = '';
  try {
    // src/xds/monitoring and dist/xds/monitoring are both three levels below the package root.
    const url = new URL('../../../package.json', import.meta.url);
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: unknown; version?: unknown };
    if (pkg.name === 'trellis' && typeof pkg.version === 'string') cachedVersion = pkg.version;
  } catch {
    // no package.json where expected: leave the version out
  }
  return cachedVersion || undefined;
}
