/**
 * Helpers for the built-in app tests: start an app on a loopback address (closed after the
 * test), send one HTTP request from a chosen local address (so ClientIP is checkable), and a
 * small forward proxy that records what it is asked (absolute-form requests and CONNECT) and
 * carries it on, as a sidecar in explicit mode would.
 */
import http from 'node:http';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { startBuiltinApp, type BuiltinAppName, type BuiltinAppOptions, type RunningApp } from '../../../src/run/apps/index.js';

export async function startApp(t: TestContext, name: BuiltinAppName, o: Partial<BuiltinAppOptions> = {}): Promise<RunningApp & { base: string }> {
  const app = await startBuiltinApp(name, {
    host: '127.0.0.1', port: 0, version: 'v1.0', podName: `${name}-pod`, podIp: '10.0.0.9', env: {}, ...o,
  });
  t.after(() => app.close());
  return { ...app, base: `http://${app.address.host}:${app.address.port}` };
}

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

export function request(url: string, o: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string; agent?: http.Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, localAddress: o.localAddress, agent: o.agent, timeout: 20_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Sends raw bytes on one connection and collects what comes back until the peer closes or `ms` pass. */
export function rawExchange(host: string, port: number, data: string, ms = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    let got = '';
    const done = () => { clearTimeout(timer); s.destroy(); resolve(got); };
    const timer = setTimeout(done, ms);
    s.on('data', (d) => { got += d.toString(); });
    s.on('end', done);
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.write(data);
  });
}

export interface SeenRequest { method: string; url: string; headers: http.IncomingHttpHeaders }

/** A forward proxy on 127.0.0.1: records each request line and headers, then forwards it. */
export async function startForwardProxy(t: TestContext): Promise<{ url: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-form only\n');
      return;
    }
    const up = http.request({ host: target.hostname, port: target.port || 80, path: target.pathname + target.search, method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', (e) => res.writeHead(502).end(`forward proxy: ${e.message}\n`));
    req.pipe(up);
  });
  server.on('connect', (req, socket: net.Socket, head: Buffer) => {
    seen.push({ method: 'CONNECT', url: req.url ?? '', headers: req.headers });
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host!, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, seen };
}
