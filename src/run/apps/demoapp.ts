/**
 * `demoapp` (ikubernetes/demoapp, the guides' backend): `/` answers
 * `iKubernetes demoapp v1.0 !! ClientIP: …, ServerName: …, ServerIP: …!` with the image tag as the
 * version, the TCP peer as ClientIP (the sidecar, 127.0.0.6 in Istio), the pod name and pod IP.
 * Also as the image does: `/hostname` (`ServerName: POD`), `/user-agent`, `/headers` (one
 * `Name: value` line per request header), `/livez` and `/readyz` (GET answers the state, `OK` with
 * 200 or anything else with 506; POST `livez=FAIL` sets it, as the outlier-detection guides do).
 * Added for fault and timeout demos: `/status/CODE` and `/delay/SECONDS` (at most 10 s).
 * Anything else is Werkzeug's 404 page.
 */
import { realClock } from '../../common/clock.js';
import { parseSeconds, parseStatus, serveHttp, text, titleCase, wait, type AppReply, type AppRequest } from './http-app.js';
import type { BuiltinAppOptions, RunningApp } from './types.js';

export const DEMOAPP_PORT = 80;
const MAX_DELAY_S = 10;
const HTML = 'text/html; charset=utf-8';

const NOT_FOUND = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<title>404 Not Found</title>
<h1>Not Found</h1>
<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>
`;

/** The probe state behind `/livez` or `/readyz`: GET reads it, POST `NAME=VALUE` sets it. */
function probe(state: Map<string, string>, name: 'livez' | 'readyz', req: AppRequest): AppReply {
  if (req.method === 'POST' || req.method === 'PUT') {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const v = form.get(name) ?? req.query.get(name);
    if (v === null || v === '') return text(400, `give ${name}=VALUE (OK for healthy, anything else fails the probe with 506)\n`, HTML);
    state.set(name, v);
    return text(200, '', HTML);
  }
  const v = state.get(name) ?? 'OK';
  return text(v === 'OK' ? 200 : 506, v, HTML);
}

export function demoappHandler(o: BuiltinAppOptions) {
  const clock = o.clock ?? realClock;
  const state = new Map<string, string>();
  return async (req: AppRequest): Promise<AppReply> => {
    const p = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    if (p === '/') return text(200, `iKubernetes demoapp ${o.version} !! ClientIP: ${req.clientIp}, ServerName: ${o.podName}, ServerIP: ${o.podIp}!\n`, HTML);
    if (p === '/hostname') return text(200, `ServerName: ${o.podName}\n`, HTML);
    if (p === '/user-agent') return text(200, `User-Agent: ${req.headers['user-agent'] ?? ''}\n`, HTML);
    if (p === '/headers') {
      const lines: string[] = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${titleCase(req.rawHeaders[i]!)}: ${req.rawHeaders[i + 1]}\n`);
      return text(200, lines.join(''), HTML);
    }
    if (p === '/livez' || p === '/readyz') return probe(state, p.slice(1) as 'livez' | 'readyz', req);
    const status = /^\/status\/([^/]+)$/.exec(p);
    if (status) {
      const code = parseStatus(status[1]!);
      if (code === undefined) return text(400, `invalid status code ${JSON.stringify(status[1])}: use 200 to 599\n`, HTML);
      return text(code, `ServerName: ${o.podName}, status ${code}\n`, HTML);
    }
    const delay = /^\/delay\/([^/]+)$/.exec(p);
    if (delay) {
      const s = parseSeconds(delay[1]!, MAX_DELAY_S);
      if (s === undefined) return text(400, `invalid delay ${JSON.stringify(delay[1])}: seconds, e.g. 1 or 0.5 (at most ${MAX_DELAY_S})\n`, HTML);
      await wait(clock, s * 1000, req.signal);
      return text(200, `ServerName: ${o.podName}, delayed ${s} seconds\n`, HTML);
    }
    return text(404, NOT_FOUND, HTML);
  };
}

export function startDemoapp(o: BuiltinAppOptions): Promise<RunningApp> {
  return serveHttp({ host: o.host, port: o.port, server: 'Werkzeug/1.0.0 Python/3.8.2' }, demoappHandler(o));
}
