/**
 * `httpserver` (cncamp/httpserver, seed 003's app behind `/simple/httpserver` rewritten to
 * `/hello`): every path but `/healthz` and `/metrics` answers `hello [stranger]` (or
 * `hello [NAME]` for `?user=NAME`), then a `Details of the http request header` banner and one
 * `Name=[value]` line per request header (Go's canonical names, Host not included, as Go prints
 * them). `/healthz` answers `ok`; `/metrics` a Prometheus text page with the handler's request
 * count and latency. Unlike the original it answers at once (no random 10 ms to 2 s sleep).
 */
import { realClock } from '../../common/clock.js';
import { serveHttp, text, titleCase, type AppReply, type AppRequest } from './http-app.js';
import type { BuiltinAppOptions, RunningApp } from './types.js';

export const HTTPSERVER_PORT = 80;
const BUCKETS = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048];

export function httpserverHandler(o: BuiltinAppOptions) {
  const clock = o.clock ?? realClock;
  const counts = BUCKETS.map(() => 0);
  let total = 0;
  let sum = 0;
  const metrics = (): AppReply => {
    const name = 'httpserver_execution_latency_seconds';
    const lines = [`# HELP ${name} Time spent.`, `# TYPE ${name} histogram`];
    BUCKETS.forEach((b, i) => lines.push(`${name}_bucket{step="total",le="${b}"} ${counts[i]}`));
    lines.push(`${name}_bucket{step="total",le="+Inf"} ${total}`, `${name}_sum{step="total"} ${sum}`, `${name}_count{step="total"} ${total}`);
    return text(200, `${lines.join('\n')}\n`, 'text/plain; version=0.0.4; charset=utf-8');
  };
  return (req: AppRequest): AppReply => {
    if (req.path === '/healthz') return text(200, 'ok\n');
    if (req.path === '/metrics') return metrics();
    const start = clock.now();
    const user = req.query.get('user');
    const grouped = new Map<string, string[]>();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = titleCase(req.rawHeaders[i]!);
      if (name === 'Host') continue;
      grouped.set(name, [...(grouped.get(name) ?? []), req.rawHeaders[i + 1]!]);
    }
    let body = user ? `hello [${user}]\n` : 'hello [stranger]\n';
    body += '===================Details of the http request header:============\n';
    for (const [k, v] of grouped) body += `${k}=[${v.join(' ')}]\n`;
    const s = (clock.now() - start) / 1000;
    total += 1;
    sum += s;
    BUCKETS.forEach((b, i) => { if (s <= b) counts[i]! += 1; });
    return text(200, body);
  };
}

export function startHttpserver(o: BuiltinAppOptions): Promise<RunningApp> {
  return serveHttp({ host: o.host, port: o.port }, httpserverHandler(o));
}
