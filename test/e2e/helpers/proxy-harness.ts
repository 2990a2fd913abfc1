/**
 * End-to-end harness for the Trellis proxy: the real control plane in-process (MemoryStore
 * serving YAML over ADS on 127.0.0.1:0), real upstream node:http servers on loopback addresses
 * (each answers JSON with its name, the path and headers it received; behaviour injectable),
 * a real proxy connected through XdsClient, and a client that speaks to the proxy's explicit
 * port with absolute-form requests. Everything is closed by `close()`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '../../../src/config/store/memory.js';
import { startControlPlane, type ControlPlane } from '../../../src/xds/control-plane.js';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../../src/proxy/server/proxy.js';

export interface Upstream {
  name: string;
  address: string;
  port: number;
  hits: number;
  server: http.Server;
}

export type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, n: number, body: Buffer) => boolean | void;

/** An upstream on `address:port` (a free port by default); `behave` may answer itself (return true). */
export async function upstream(name: string, address: string, behave?: Behaviour, port = 0): Promise<Upstream> {
  const u: Upstream = { name, address, port: 0, hits: 0, server: http.createServer() };
  u.server.on('request', (req, res) => {
    u.hits++;
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (behave?.(req, res, u.hits, body)) return;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name, path: req.url, headers: req.headers, body: body.toString() }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    u.server.once('error', reject);
    u.server.listen(port, address, () => { u.server.off('error', reject); resolve(); });
  });
  u.port = (u.server.address() as AddressInfo).port;
  return u;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json?: { name: string; path: string; headers: Record<string, string> };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A connection of its own instead of the shared keep-alive agent. */
  fresh?: boolean;
}

/**
 * One request to `to` (a proxy's port): absolute-form `http://AUTHORITY/PATH` (the explicit
 * proxy; Host from the URL) or origin-form `/PATH` (a gateway or inbound port; give the Host).
 */
export function send(to: { ip: string; port: number }, path: string, o: SendOptions = {}): Promise<Reply> {
  const host = /^https?:\/\//.test(path) ? new URL(path).host : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: to.ip, port: to.port, method: o.method ?? 'GET', path, headers: { ...(host ? { host } : {}), ...o.headers }, agent: o.fresh ? false : agent,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        let json;
        try { json = JSON.parse(body); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    req.setTimeout(8000, () => req.destroy(new Error(`timeout: ${path}`)));
    req.end(o.body);
  });
}

/** `GET http://AUTHORITY/PATH` through the proxy's explicit port. */
export function get(proxy: { ip: string; port: number }, url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return send(proxy, url, { headers, method });
}

export interface Mesh {
  cp: ControlPlane;
  store: MemoryStore;
  proxy: RunningProxy;
  logs: string[];
  access: string[];
  explicit: { ip: string; port: number };
  close(): Promise<void>;
}

export async function startMesh(yaml: string, o: Partial<ProxyOptions> & { ip: string; outboundTrafficPolicy?: 'ALLOW_ANY' | 'REGISTRY_ONLY' }, upstreams: Upstream[] = []): Promise<Mesh> {
  const store = new MemoryStore();
  store.applyText('mesh.yaml', yaml);
  const cp = await startControlPlane({ store, xdsAddress: '127.0.0.1:0', ads: { debounceMs: 5, debounceMaxMs: 20 }, snapshot: { outboundTrafficPolicy: o.outboundTrafficPolicy } });
  const logs: string[] = [];
  const access: string[] = [];
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({
      type: 'sidecar', name: 'client', namespace: 'default', labels: { app: 'client' }, outbound: 'explicit',
      ...o, xds: `127.0.0.1:${cp.xdsPort}`, log: (l) => logs.push(l), accessLog: (l) => access.push(l),
    });
  } catch (e) {
    await cp.close();
    throw e;
  }
  return {
    cp, store, proxy, logs, access, explicit: { ip: o.ip, port: o.explicitPort ?? 15001 },
    async close() {
      agent.destroy();
      await proxy.close();
      await cp.close();
      await Promise.all(upstreams.map((u) => new Promise<void>((r) => { u.server.closeAllConnections(); u.server.close(() => r()); })));
    },
  };
}

/** A Kubernetes Service plus one WorkloadEntry per upstream (labels given), in `default`. */
export function serviceYaml(name: string, port: number, eps: { u: Upstream; labels: Record<string, string> }[]): string {
  const docs = [`apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  ports: [{name: http, port: ${port}, targetPort: http}]
  selector: {app: ${name}}
`];
  for (const { u, labels } of eps) {
    const l = Object.entries({ app: name, ...labels }).map(([k, v]) => `${k}: "${v}"`).join(', ');
    docs.push(`apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: ${u.name}, namespace: default}
spec: {address: ${u.address}, ports: {http: ${u.port}}, labels: {${l}}}
`);
  }
  return docs.join('---\n');
}

export const CLIENT_ENTRY = (ip: string) => `apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: client, namespace: default}
spec: {address: ${ip}, labels: {app: client}}
`;

export async function waitFor(what: string, pred: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
