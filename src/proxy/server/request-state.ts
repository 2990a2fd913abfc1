/**
 * Per-request state on the data path: the RequestContext the filters and the router see (one
 * object per request, methods instead of per-request closures; the AbortSignal is made only if a
 * filter asks for it), and the RouterRequest built straight from the parsed header fields (the
 * query parameters are parsed only when a route matches on them). Also the request-target split
 * into authority and path, for origin-form and absolute-form (explicit proxy) requests alike.
 */
import type { Route, VirtualHost } from '../../api/envoy/route.js';
import type { Cancellable, RequestContext } from '../filters/types.js';
import type { RequestBody } from '../http1/body.js';
import type { RouteDecision, RouterRequest } from '../router/index.js';

export class DownstreamRouterRequest implements RouterRequest {
  readonly authority: string;
  readonly pathOnly: string;
  readonly queryString: string;
  readonly method: string;
  readonly scheme: string;
  readonly headers: Map<string, string>;
  private q: Map<string, string> | undefined;

  constructor(authority: string, path: string, method: string, scheme: string, names: readonly string[], values: readonly string[]) {
    const hash = path.indexOf('#');
    const noFrag = hash >= 0 ? path.slice(0, hash) : path;
    const qi = noFrag.indexOf('?');
    this.authority = authority;
    this.pathOnly = qi >= 0 ? noFrag.slice(0, qi) : noFrag;
    this.queryString = qi >= 0 ? noFrag.slice(qi) : '';
    this.method = method.toUpperCase();
    this.scheme = scheme;
    const h = new Map<string, string>();
    for (let i = 0; i < names.length; i++) {
      const k = names[i]!;
      const prev = h.get(k);
      h.set(k, prev === undefined ? values[i]! : `${prev},${values[i]!}`);
    }
    h.set(':authority', authority);
    h.set(':method', this.method);
    h.set(':path', this.pathOnly + this.queryString);
    h.set(':scheme', scheme);
    this.headers = h;
  }

  /** Query parameters, first value per name (parsed on first use). */
  get query(): Map<string, string> {
    if (!this.q) {
      const q = new Map<string, string>();
      if (this.queryString.length > 1) for (const [k, v] of new URLSearchParams(this.queryString.slice(1))) if (!q.has(k)) q.set(k, v);
      this.q = q;
    }
    return this.q;
  }
}

/** Authority and path of a request-target: absolute-form (`http://host:port/p?q`) or origin-form with the Host. */
export function splitTarget(url: string, host: string): { authority: string; path: string } {
  if (url.charCodeAt(0) === 47 /* / */ || url === '*') return { authority: host, path: url };
  const sep = url.indexOf('://');
  if (sep <= 0) return { authority: host, path: url };
  for (let i = 0; i < sep; i++) {
    const c = url.charCodeAt(i) | 0x20;
    const ok = (c >= 0x61 && c <= 0x7a) || (i > 0 && ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e || c === 0x2d));
    if (!ok) return { authority: host, path: url };
  }
  const start = sep + 3;
  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 || c === 63 || c === 35) break;
    end++;
  }
  let authority = url.slice(start, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  authority = authority.toLowerCase();
  // As a URL parser does: the scheme's default port is not part of the host.
  const scheme = url.slice(0, sep).toLowerCase();
  if ((scheme === 'http' && authority.endsWith(':80')) || (scheme === 'https' && authority.endsWith(':443'))) authority = authority.slice(0, authority.lastIndexOf(':'));
  let path = url.slice(end);
  if (path === '' || path.charCodeAt(0) !== 47) path = `/${path}`;
  return { authority, path };
}

function sleepTimer(st: RequestState, done: (ok: boolean) => void, ms: number): void {
  st.sleeper = { done, timer: setTimeout(() => { st.sleeper = undefined; done(true); }, ms) };
}

export class RequestState implements RequestContext {
  route: Route | undefined;
  virtualHost: VirtualHost | undefined;
  decision: RouteDecision | undefined;
  /** The response flags set, comma-separated (Envoy's %RESPONSE_FLAGS% without the `-`). */
  flagText = '';
  /** Its keys set up front, so every request's record has the same shape. */
  readonly info: Record<string, string | number | undefined> = { route: undefined, cluster: undefined, upstream_host: undefined, attempts: undefined };
  upstream: Cancellable | undefined;
  aborted = false;
  /** A pending sleep, ended early by an abort. */
  sleeper: { done: (ok: boolean) => void; timer: ReturnType<typeof setTimeout> } | undefined;
  private ac: AbortController | undefined;

  constructor(readonly request: RouterRequest, readonly body: RequestBody, readonly random: () => number) {}

  addFlag(flag: string): void {
    const t = this.flagText;
    if (t === '') this.flagText = flag;
    else if (!`,${t},`.includes(`,${flag},`)) this.flagText = `${t},${flag}`;
  }

  get signal(): AbortSignal {
    this.ac ??= new AbortController();
    if (this.aborted) this.ac.abort();
    return this.ac.signal;
  }

  sleep(ms: number): Promise<boolean> {
    if (this.aborted) return Promise.resolve(false);
    return new Promise((resolve) => sleepTimer(this, resolve, ms));
  }

  /** The downstream went away: cancel what is in flight. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.ac?.abort();
    const s = this.sleeper;
    if (s) { this.sleeper = undefined; clearTimeout(s.timer); s.done(false); }
    this.upstream?.abort();
  }
}
