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
import type { RequestHeaders, RouteDecision, RouterRequest } from '../router/index.js';

/**
 * A request's header fields for the router (RequestHeaders): the pseudo-headers, then each field
 * name once with repeated fields joined by `,`, in arrival order, found by a linear search. A
 * request carries a handful of fields and is asked for a few of them; this is cheaper than
 * building a hash table per request. Without repeated names (the usual request) it reads the
 * parser's own arrays, and new names set (Istio's metadata-exchange pair) go to a short list of
 * their own; repeated names, or changing or deleting a field, make it keep its own copy.
 */
export class FieldList implements RequestHeaders {
  private n: readonly string[];
  private v: readonly string[];
  /** Whether `n` and `v` are this list's own, pseudo-headers first, each name once. */
  private own = false;
  /** Before a copy: names set that the request did not have, and their values. */
  private an: string[] | undefined;
  private av: string[] | undefined;

  constructor(
    private readonly authority: string, private readonly method: string, private readonly path: string, private readonly scheme: string,
    names: readonly string[], values: readonly string[],
  ) {
    this.n = names;
    this.v = values;
    for (let i = 1; i < names.length; i++) {
      for (let j = 0; j < i; j++) if (names[j] === names[i]) { this.copy(); return; }
    }
  }

  /** Makes the fields this list's own: pseudo-headers, then each name once (repeats joined). */
  private copy(): void {
    if (this.own) return;
    const n = [...PSEUDO];
    const v = [this.authority, this.method, this.path, this.scheme];
    const names = this.n;
    const values = this.v;
    outer: for (let i = 0; i < names.length; i++) {
      const k = names[i]!;
      for (let j = 4; j < n.length; j++) {
        if (n[j] === k) { v[j] = `${v[j]!},${values[i]!}`; continue outer; }
      }
      n.push(k);
      v.push(values[i]!);
    }
    if (this.an !== undefined) { n.push(...this.an); v.push(...this.av!); }
    this.an = this.av = undefined;
    this.n = n;
    this.v = v;
    this.own = true;
  }

  private at(name: string): number {
    const n = this.n;
    for (let i = 0; i < n.length; i++) if (n[i] === name) return i;
    return -1;
  }

  get(name: string): string | undefined {
    if (!this.own && name.charCodeAt(0) === 58 /* : */) {
      switch (name) {
        case ':authority': return this.authority;
        case ':method': return this.method;
        case ':path': return this.path;
        case ':scheme': return this.scheme;
        default: return undefined;
      }
    }
    const i = this.at(name);
    if (i >= 0) return this.v[i];
    const an = this.an;
    if (an !== undefined) for (let j = 0; j < an.length; j++) if (an[j] === name) return this.av![j];
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  set(name: string, value: string): this {
    if (!this.own && name.charCodeAt(0) !== 58 /* : */ && this.at(name) < 0) {
      const an = (this.an ??= []);
      const av = (this.av ??= []);
      const j = an.indexOf(name);
      if (j >= 0) av[j] = value;
      else { an.push(name); av.push(value); }
      return this;
    }
    this.copy();
    const n = this.n as string[];
    const v = this.v as string[];
    const i = this.at(name);
    if (i >= 0) v[i] = value;
    else { n.push(name); v.push(value); }
    return this;
  }

  delete(name: string): boolean {
    this.copy();
    const n = this.n as string[];
    const v = this.v as string[];
    const i = this.at(name);
    if (i < 0) return false;
    n.splice(i, 1);
    v.splice(i, 1);
    return true;
  }

  forEach(fn: (value: string, name: string) => void): void {
    if (!this.own) {
      fn(this.authority, ':authority');
      fn(this.method, ':method');
      fn(this.path, ':path');
      fn(this.scheme, ':scheme');
    }
    const n = this.n;
    const v = this.v;
    for (let i = 0; i < n.length; i++) fn(v[i]!, n[i]!);
    const an = this.an;
    if (an !== undefined) for (let j = 0; j < an.length; j++) fn(this.av![j]!, an[j]!);
  }
}

const PSEUDO: readonly string[] = [':authority', ':method', ':path', ':scheme'];

export class DownstreamRouterRequest implements RouterRequest {
  readonly authority: string;
  readonly pathOnly: string;
  readonly queryString: string;
  readonly method: string;
  readonly scheme: string;
  readonly headers: FieldList;
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
    this.headers = new FieldList(authority, this.method, this.pathOnly + this.queryString, scheme, names, values);
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
  if (url.startsWith('http://')) {
    // The explicit proxy's usual request: a lower-case host without userinfo, found in one scan.
    let end = 7;
    let plain = true;
    for (; end < url.length; end++) {
      const c = url.charCodeAt(end);
      if (c === 47 || c === 63 || c === 35) break;
      if (c === 64 /* @ */ || (c >= 65 && c <= 90)) { plain = false; break; }
    }
    if (plain && end > 7) {
      let authority = url.slice(7, end);
      if (authority.endsWith(':80')) authority = authority.slice(0, -3);
      const path = end === url.length ? '/' : url.charCodeAt(end) === 47 ? url.slice(end) : `/${url.slice(end)}`;
      return { authority, path };
    }
  }
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
