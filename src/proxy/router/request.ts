/**
 * The request as the router sees it: authority, path (query and fragment split off), method,
 * scheme, lower-cased headers including the pseudo-headers Envoy matches on (`:authority`,
 * `:method`, `:path`, `:scheme`), and the query parameters (first value per name, as Envoy's
 * query-parameter matcher reads them). Built once per request. Pure.
 */

export interface HttpRequest {
  authority: string;
  /** Path as sent, possibly with `?query`. */
  path: string;
  method?: string;
  scheme?: string;
  headers?: Readonly<Record<string, string>>;
  /** Extra query parameters (merged after those in `path`). */
  query?: Readonly<Record<string, string>>;
}

/**
 * The request's header fields as the router, filters and hash policies read them: lower-case
 * names, repeated fields joined with `,`, pseudo-headers included. A Map<string, string> is one
 * (toRouterRequest); the data path uses a field list (server/request-state.ts).
 */
export interface RequestHeaders {
  get(name: string): string | undefined;
  has(name: string): boolean;
  set(name: string, value: string): unknown;
  delete(name: string): boolean;
  /** Each name once, with its joined value, in first-seen order. */
  forEach(fn: (value: string, name: string) => void): void;
}

export interface RouterRequest {
  authority: string;
  /** Path without query and fragment. */
  pathOnly: string;
  /** `?…` part including the `?`, or ''. */
  queryString: string;
  method: string;
  scheme: string;
  headers: RequestHeaders;
  query: Map<string, string>;
}

export function toRouterRequest(req: HttpRequest): RouterRequest {
  const hash = req.path.indexOf('#');
  const noFrag = hash >= 0 ? req.path.slice(0, hash) : req.path;
  const q = noFrag.indexOf('?');
  const pathOnly = q >= 0 ? noFrag.slice(0, q) : noFrag;
  let queryString = q >= 0 ? noFrag.slice(q) : '';
  const query = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(queryString.slice(1))) if (!query.has(k)) query.set(k, v);
  for (const [k, v] of Object.entries(req.query ?? {})) {
    if (!query.has(k)) query.set(k, v);
    queryString += `${queryString ? '&' : '?'}${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const scheme = req.scheme ?? 'http';
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    const key = k.toLowerCase();
    headers.set(key, headers.has(key) ? `${headers.get(key)},${v}` : v);
  }
  headers.set(':authority', req.authority);
  headers.set(':method', method);
  headers.set(':path', pathOnly + queryString);
  headers.set(':scheme', scheme);
  return { authority: req.authority, pathOnly, queryString, method, scheme, headers, query };
}
