/**
 * `httpbin` (Istio's samples/httpbin; go-httpbin too): JSON echoes as httpbin prints them
 * (2-space indent, keys sorted, header names Title-Cased, `origin` = X-Forwarded-For or the peer):
 * `/get`, `/headers`, `/ip`, `/user-agent`, `/hostname`, `/anything[/…]` and `/post` `/put`
 * `/patch` `/delete` (each only for its method, else 405), `/status/CODE` (also `200,503` or
 * `200:0.9,503:0.1`, a weighted random pick), `/delay/N` (at most 10 s), a small HTML page on
 * `/`, and Werkzeug's 404 page for anything else.
 */
import { realClock, type Random } from '../../common/clock.js';
import { json, parseSeconds, parseStatus, serveHttp, text, titleCase, wait, type AppReply, type AppRequest } from './http-app.js';
import type { BuiltinAppOptions, RunningApp } from './types.js';

export const HTTPBIN_PORT = 80;
const MAX_DELAY_S = 10;
const HTML = 'text/html; charset=utf-8';

const INDEX = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>httpbin</title></head>
<body>
<h1>httpbin</h1>
<p>A simple HTTP request and response service.</p>
<ul>
<li><a href="/get">/get</a> the request's query, headers, origin and URL</li>
<li><a href="/headers">/headers</a> the request's headers</li>
<li><a href="/ip">/ip</a> the caller's address</li>
<li><a href="/user-agent">/user-agent</a> the caller's User-Agent</li>
<li><a href="/anything">/anything</a> everything about the request, any method</li>
<li><a href="/status/418">/status/:code</a> answers with that status (<code>200,503</code> picks one)</li>
<li><a href="/delay/1">/delay/:n</a> answers after n seconds (at most ${MAX_DELAY_S})</li>
</ul>
</body>
</html>
`;

const NOT_FOUND = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<title>404 Not Found</title>
<h1>Not Found</h1>
<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>
`;

const TEAPOT = `
    -=[ teapot ]=-

       _...._
     .'  _ _ \`.
    | ."\` ^ \`". _,
    \\_;\`"---"\`|//
      |       ;/
      \\_     _/
        \`"""\`
`;

type Multi = Record<string, string | string[]>;

function sorted<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function multi(params: URLSearchParams): Multi {
  const out: Multi = {};
  for (const [k, v] of params) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return sorted(out);
}

function headers(req: AppRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = titleCase(req.rawHeaders[i]!);
    out[name] = out[name] === undefined ? req.rawHeaders[i + 1]! : `${out[name]},${req.rawHeaders[i + 1]}`;
  }
  return sorted(out);
}

function origin(req: AppRequest): string {
  const xff = req.headers['x-forwarded-for'];
  return (Array.isArray(xff) ? xff.join(', ') : xff) || req.clientIp;
}

function requestUrl(req: AppRequest): string {
  return `http://${req.headers.host ?? ''}${req.path}${req.search}`;
}

/** What /anything and friends echo about the request. */
function echo(req: AppRequest, withJsonAndMethod: boolean): Record<string, unknown> {
  const type = String(req.headers['content-type'] ?? '');
  const bodyText = req.body.toString('utf8');
  const isForm = type.startsWith('application/x-www-form-urlencoded');
  let parsed: unknown = null;
  if (!isForm && bodyText) {
    try { parsed = JSON.parse(bodyText); } catch { parsed = null; }
  }
  return {
    args: multi(req.query),
    data: isForm ? '' : bodyText,
    files: {},
    form: isForm ? multi(new URLSearchParams(bodyText)) : {},
    headers: headers(req),
    ...(withJsonAndMethod ? { json: parsed, method: req.method } : {}),
    origin: origin(req),
    url: requestUrl(req),
  };
}

/** `200`, `200,503` (uniform) or `200:0.9,503:0.1` (weighted): the status to answer, or undefined. */
export function pickStatus(spec: string, random: Random): number | undefined {
  const choices: { code: number; weight: number }[] = [];
  for (const part of spec.split(',')) {
    const [c, w] = part.split(':');
    const code = parseStatus((c ?? '').trim());
    const weight = w === undefined ? 1 : Number(w);
    if (code === undefined || !Number.isFinite(weight) || weight < 0) return undefined;
    choices.push({ code, weight });
  }
  const total = choices.reduce((s, c) => s + c.weight, 0);
  if (total <= 0) return undefined;
  if (choices.length === 1) return choices[0]!.code;
  let r = random() * total;
  for (const c of choices) {
    if (r < c.weight) return c.code;
    r -= c.weight;
  }
  return choices[choices.length - 1]!.code;
}

function status(code: number): AppReply {
  if (code === 418) return { status: 418, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-more-info': 'http://tools.ietf.org/html/rfc2324' }, body: TEAPOT };
  return { status: code, headers: { 'content-type': HTML }, body: '' };
}

const METHOD_ROUTES: Record<string, string> = { '/get': 'GET', '/post': 'POST', '/put': 'PUT', '/patch': 'PATCH', '/delete': 'DELETE' };

export function httpbinHandler(o: BuiltinAppOptions) {
  const clock = o.clock ?? realClock;
  const random = o.random ?? Math.random;
  return async (req: AppRequest): Promise<AppReply> => {
    const p = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    const method = METHOD_ROUTES[p];
    if (method) {
      if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) {
        return { status: 405, headers: { 'content-type': HTML, allow: `${method}, OPTIONS${method === 'GET' ? ', HEAD' : ''}` }, body: '' };
      }
      if (p === '/get') {
        const e = echo(req, false);
        return json(200, { args: e['args'], headers: e['headers'], origin: e['origin'], url: e['url'] });
      }
      return json(200, echo(req, true));
    }
    if (p === '/') return text(200, INDEX, HTML);
    if (p === '/headers') return json(200, { headers: headers(req) });
    if (p === '/ip') return json(200, { origin: origin(req) });
    if (p === '/user-agent') return json(200, { 'user-agent': req.headers['user-agent'] ?? '' });
    if (p === '/hostname') return json(200, { hostname: o.podName });
    if (p === '/anything' || p.startsWith('/anything/')) return json(200, echo(req, true));
    const st = /^\/status\/([^/]+)$/.exec(p);
    if (st) {
      const code = pickStatus(st[1]!.replace(/%2C/gi, ',').replace(/%3A/gi, ':'), random);
      return code === undefined ? text(400, `Invalid status code ${JSON.stringify(st[1])}: use 200 to 599, or CODE,CODE or CODE:WEIGHT,…\n`) : status(code);
    }
    const d = /^\/delay\/([^/]+)$/.exec(p);
    if (d) {
      const s = parseSeconds(d[1]!, MAX_DELAY_S);
      if (s === undefined) return text(400, `Invalid delay ${JSON.stringify(d[1])}: seconds, e.g. 1 or 0.5 (at most ${MAX_DELAY_S})\n`);
      await wait(clock, s * 1000, req.signal);
      return json(200, echo(req, false));
    }
    return text(404, NOT_FOUND, HTML);
  };
}

export function startHttpbin(o: BuiltinAppOptions): Promise<RunningApp> {
  const handle = httpbinHandler(o);
  return serveHttp({ host: o.host, port: o.port, server: 'gunicorn/19.9.0' }, async (req) => {
    const reply = await handle(req);
    return { ...reply, headers: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true', ...reply.headers } };
  });
}
