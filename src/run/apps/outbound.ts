/**
 * Outbound HTTP GET for the built-in clients (the proxy app), directly or through the forward
 * proxy the environment names, as curl and most HTTP clients do: `http_proxy`/`HTTP_PROXY` for
 * http URLs (absolute-form request line, `GET http://demoapp:8080/ HTTP/1.1`, with the target in
 * Host), `https_proxy`/`HTTPS_PROXY` for https ones (a CONNECT tunnel, then TLS), except for hosts
 * `no_proxy`/`NO_PROXY` lists (`*`, names matching themselves and their subdomains, `.suffix`,
 * `host:port`, CIDR blocks). In Trellis's explicit mode that proxy is the app's sidecar. Failures
 * reject with an Error whose `code` says what happened (ECONNREFUSED, ETIMEDOUT, …).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

export interface GetOptions {
  env: Record<string, string>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Whole-request timeout; ETIMEDOUT after it. */
  timeoutMs?: number;
  /** The address outbound connections start from (the app's own loopback address). */
  localAddress?: string;
}

export interface GetResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The forward proxy used, if any (`host:port`). */
  via?: string;
}

const MAX_BODY = 10 * 1024 * 1024;

function defaultPort(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

function bareHost(h: string): string {
  return h.replace(/^\[|\]$/g, '').toLowerCase();
}

/** Whether NO_PROXY (comma or space separated) exempts host:port. */
export function bypassesProxy(host: string, port: number, noProxy: string): boolean {
  const h = bareHost(host);
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      const [base, bits] = entry.split('/') as [string, string];
      const family = net.isIP(bareHost(base));
      if (family && net.isIP(h) === family && /^\d+$/.test(bits)) {
        const list = new net.BlockList();
        try {
          list.addSubnet(bareHost(base), Number(bits), family === 6 ? 'ipv6' : 'ipv4');
          if (list.check(h, family === 6 ? 'ipv6' : 'ipv4')) return true;
        } catch { /* a bad prefix length exempts nothing */ }
      }
      continue;
    }
    if (net.isIPv6(entry)) {
      if (h === entry) return true;
      continue;
    }
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    if (m[2] && Number(m[2]) !== port) continue;
    const name = bareHost(m[1]!).replace(/^\*?\./, '');
    if (h === name || h.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** The forward proxy for `target` under `env`, or undefined to go direct. */
export function proxyFor(target: URL, env: Record<string, string>): URL | undefined {
  const https = target.protocol === 'https:';
  const value = (https ? (env['https_proxy'] ?? env['HTTPS_PROXY']) : (env['http_proxy'] ?? env['HTTP_PROXY']))?.trim();
  if (!value) return undefined;
  const noProxy = env['no_proxy'] ?? env['NO_PROXY'] ?? '';
  if (bypassesProxy(target.hostname, defaultPort(target), noProxy)) return undefined;
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    return u.protocol === 'http:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** localAddress for a connection to `host`, unless the two are of different IP families. */
function from(local: string | undefined, host: string): { localAddress?: string } {
  if (!local || local === '0.0.0.0' || local === '::') return {};
  const peer = net.isIP(bareHost(host));
  return peer && peer !== net.isIP(local) ? {} : { localAddress: local };
}

function proxyAuth(p: URL): Record<string, string> {
  if (!p.username) return {};
  const creds = `${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(creds).toString('base64')}` };
}

function failure(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** A TLS socket to target through a CONNECT tunnel on proxy. */
function tunnel(proxy: URL, target: URL, signal: AbortSignal, local: string | undefined): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const authority = `${target.hostname}:${defaultPort(target)}`;
    const req = http.request({
      host: bareHost(proxy.hostname), port: defaultPort(proxy), method: 'CONNECT', path: authority,
      headers: { host: authority, ...proxyAuth(proxy) }, signal, agent: false, ...from(local, proxy.hostname),
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return reject(failure(`proxy ${proxy.host} refused CONNECT ${authority}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim(), 'ETUNNEL'));
      }
      const s = tls.connect({ socket, servername: net.isIP(bareHost(target.hostname)) ? undefined : target.hostname });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

/** GET `target`, through the environment's proxy when one applies. */
export async function httpGet(target: URL, o: GetOptions): Promise<GetResult> {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  if (o.signal?.aborted) ac.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = o.timeoutMs ? setTimeout(() => { timedOut = true; ac.abort(); }, o.timeoutMs) : undefined;
  try {
    const proxy = proxyFor(target, o.env);
    const headers: Record<string, string> = { ...o.headers, host: target.host };
    let req: http.ClientRequest;
    if (target.protocol === 'http:') {
      req = proxy
        ? http.request({
          host: bareHost(proxy.hostname), port: defaultPort(proxy), path: target.href, method: 'GET', headers: { ...headers, ...proxyAuth(proxy) }, signal: ac.signal,
          ...from(o.localAddress, proxy.hostname),
        })
        : http.request({
          host: bareHost(target.hostname), port: defaultPort(target), path: target.pathname + target.search, method: 'GET', headers, signal: ac.signal,
          ...from(o.localAddress, target.hostname),
        });
    } else if (target.protocol === 'https:') {
      const socket = proxy ? await tunnel(proxy, target, ac.signal, o.localAddress) : undefined;
      req = https.request({
        host: bareHost(target.hostname), port: defaultPort(target), path: target.pathname + target.search, method: 'GET', headers, signal: ac.signal,
        ...(socket ? { createConnection: () => socket, agent: false } : from(o.localAddress, target.hostname)),
      });
    } else {
      throw failure(`unsupported scheme ${target.protocol} (use http:// or https://)`, 'EPROTO');
    }
    return await new Promise<GetResult>((resolve, reject) => {
      req.once('error', reject);
      req.once('response', (res) => {
        const parts: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size <= MAX_BODY) parts.push(d);
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(parts), ...(proxy ? { via: proxy.host } : {}) }));
        res.once('error', reject);
      });
      req.end();
    });
  } catch (e) {
    if (timedOut) throw failure(`no answer within ${o.timeoutMs} ms`, 'ETIMEDOUT');
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}
