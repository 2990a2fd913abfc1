/**
 * Hashing for consistent load balancing, as Envoy does it: xxHash64 (seed 0) over UTF-8 bytes,
 * loaded once from xxhash-wasm. `initHashing()` must be awaited before the first synchronous
 * `xxHash64()` (process start-up and test set-up do it); calling earlier throws.
 *
 * `requestHash()` computes the route hash from RouteAction.hashPolicy entries exactly as Envoy's
 * HashPolicyImpl::generateHash: each policy that yields a value is folded in with
 * `rotl1(previous) ^ new`, and a `terminal` policy that has produced a hash stops the walk. It
 * reports (does not perform) the Set-Cookie Envoy would add for a cookie policy with a ttl. Pure:
 * no clocks, no I/O.
 */
import xxhash from 'xxhash-wasm';
import { RE2JS } from 're2js';
import type { HashPolicy } from '../../api/envoy/route.js';

type XXHashAPI = Awaited<ReturnType<typeof xxhash>>;
let api: XXHashAPI | undefined;
let loading: Promise<void> | undefined;

export function initHashing(): Promise<void> {
  loading ??= xxhash().then((a) => {
    api = a;
  });
  return loading;
}

export function hashingReady(): boolean {
  return api !== undefined;
}

function need(): XXHashAPI {
  if (!api) throw new Error('xxHash64 used before initHashing() resolved');
  return api;
}

const MASK64 = (1n << 64n) - 1n;

/** xxHash64 of the UTF-8 bytes of `input` (Envoy's HashUtil::xxHash64, seed 0 by default). */
export function xxHash64(input: string, seed: bigint = 0n): bigint {
  return need().h64(input, seed);
}

/** xxHash64 of the concatenation of `parts` (Envoy's span overload, used for header values). */
export function xxHash64Parts(parts: readonly string[], seed: bigint = 0n): bigint {
  if (parts.length === 1) return need().h64(parts[0]!, seed);
  const h = need().create64(seed);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** MurmurHash2-64 as std::hash<string> (Envoy's MurmurHash::murmurHash2, ring hash option). */
export function murmurHash2(input: string, seed: bigint = 0xc70f6907n): bigint {
  const buf = Buffer.from(input, 'utf8');
  const mul = 0xc6a4a7935bd1e995n;
  const shiftMix = (v: bigint) => v ^ (v >> 47n);
  const len = BigInt(buf.length);
  const aligned = buf.length & ~7;
  let hash = (seed ^ ((len * mul) & MASK64)) & MASK64;
  for (let p = 0; p < aligned; p += 8) {
    const data = (shiftMix((buf.readBigUInt64LE(p) * mul) & MASK64) * mul) & MASK64;
    hash = ((hash ^ data) * mul) & MASK64;
  }
  const rest = buf.length & 7;
  if (rest) {
    let data = 0n;
    for (let i = rest - 1; i >= 0; i--) data = (data << 8n) + BigInt(buf[aligned + i]!);
    hash = ((hash ^ data) * mul) & MASK64;
  }
  hash = (shiftMix(hash) * mul) & MASK64;
  return shiftMix(hash);
}

/** What the hash policies read from a request; a router RouterRequest fits. */
export interface HashableRequest {
  /** Lower-cased names; `:path` carries the query string as sent. */
  headers: { get(name: string): string | readonly string[] | undefined };
  /** Used for query-parameter policies when `:path` is absent. */
  query?: ReadonlyMap<string, string>;
}

export interface HashConnection {
  /** Downstream peer IP (no port), for connectionProperties.sourceIp. */
  sourceIp?: string;
  /** Downstream `ip:port` strings, as Envoy's generated cookie value hashes them. */
  remoteAddress?: string;
  localAddress?: string;
}

export interface GeneratedCookie {
  name: string;
  value: string;
  path: string;
  ttlSeconds: number;
  /** The full Set-Cookie header value Envoy would add to the response. */
  setCookie: string;
}

export interface RequestHashResult {
  hash: bigint | undefined;
  /** Set when a cookie policy with ttl found no cookie: the response must set it. */
  cookie?: GeneratedCookie;
}

/** Compiled form of a hash policy list; build once per route, evaluate per request. */
export interface CompiledHashPolicy {
  evaluate(req: HashableRequest, conn?: HashConnection): RequestHashResult;
}

interface Method {
  terminal: boolean;
  run(req: HashableRequest, conn: HashConnection | undefined, out: RequestHashResult): bigint | undefined;
}

function headerValues(v: string | readonly string[] | undefined): string[] {
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : [...v];
}

/** Envoy's parseCookieValue: first `name=value` in any Cookie header, quotes stripped. */
export function parseCookie(headers: HashableRequest['headers'], name: string): string {
  for (const line of headerValues(headers.get('cookie'))) {
    for (const part of line.split(';')) {
      const s = part.replace(/^ +/, '');
      const eq = s.indexOf('=');
      if (eq < 0) continue;
      if (s.slice(0, eq) !== name) continue;
      let v = s.slice(eq + 1);
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      return v;
    }
  }
  return '';
}

function firstQueryValue(req: HashableRequest, name: string): string | undefined {
  const path = headerValues(req.headers.get(':path'))[0];
  if (path !== undefined) {
    const q = path.indexOf('?');
    if (q < 0) return undefined;
    const end = path.indexOf('#', q);
    for (const kv of path.slice(q + 1, end < 0 ? undefined : end).split('&')) {
      if (kv === '') continue;
      const eq = kv.indexOf('=');
      const k = eq < 0 ? kv : kv.slice(0, eq);
      if (k === name) return eq < 0 ? '' : kv.slice(eq + 1);
    }
    return undefined;
  }
  return req.query?.get(name);
}

function durationSeconds(d: unknown): number {
  if (typeof d === 'string') return Math.floor(Number.parseFloat(d.replace(/s$/, '')) || 0);
  if (d && typeof d === 'object' && 'seconds' in d) return Number((d as { seconds: unknown }).seconds) || 0;
  return 0;
}

function hex16(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}

function compileMethod(p: HashPolicy): Method | undefined {
  const terminal = p.terminal === true;
  if (p.header) {
    const name = p.header.headerName.toLowerCase();
    const rw = p.header.regexRewrite;
    const re = rw ? RE2JS.compile(rw.pattern.regex) : undefined;
    // Envoy substitutions use \1; re2js uses $1.
    const sub = rw ? rw.substitution.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1') : '';
    return {
      terminal,
      run: (req) => {
        const vals = headerValues(req.headers.get(name));
        if (vals.length === 0) return undefined;
        const vs = re ? vals.map((v) => re.matcher(v).replaceAll(sub)) : vals;
        vs.sort();
        return xxHash64Parts(vs);
      },
    };
  }
  if (p.cookie) {
    const { name } = p.cookie;
    const path = p.cookie.path ?? '';
    const ttl = p.cookie.ttl !== undefined ? durationSeconds(p.cookie.ttl) : undefined;
    const attrs = p.cookie.attributes ?? [];
    return {
      terminal,
      run: (req, conn, out) => {
        const value = parseCookie(req.headers, name);
        if (value !== '') return xxHash64(value);
        if (ttl === undefined) return undefined;
        // Envoy's generateCookie: hex(xxHash64(remote.asString() + local.asString())).
        const gen =
          conn?.remoteAddress !== undefined && conn.localAddress !== undefined
            ? hex16(xxHash64(conn.remoteAddress + conn.localAddress))
            : '';
        // No addresses, no cookie: Envoy then generates no hash for this policy.
        if (gen === '') return undefined;
        let sc = `${name}="${gen}"`;
        if (ttl !== 0) sc += `; Max-Age=${ttl}`;
        if (path) sc += `; Path=${path}`;
        for (const a of attrs) sc += a.value ? `; ${a.name}=${a.value}` : `; ${a.name}`;
        sc += '; HttpOnly';
        out.cookie = { name, value: gen, path, ttlSeconds: ttl, setCookie: sc };
        return xxHash64(gen);
      },
    };
  }
  if (p.connectionProperties) {
    if (!p.connectionProperties.sourceIp) return undefined;
    return { terminal, run: (_r, conn) => (conn?.sourceIp ? xxHash64(conn.sourceIp) : undefined) };
  }
  if (p.queryParameter) {
    const qn = p.queryParameter.name;
    return {
      terminal,
      run: (req) => {
        const v = firstQueryValue(req, qn);
        return v === undefined ? undefined : xxHash64(v);
      },
    };
  }
  // filterState: no filter state objects in Trellis; yields nothing.
  return undefined;
}

export function compileHashPolicies(policies: readonly HashPolicy[] | undefined): CompiledHashPolicy | undefined {
  if (!policies || policies.length === 0) return undefined;
  const methods: Method[] = [];
  for (const p of policies) {
    const m = compileMethod(p);
    if (m) methods.push(m);
  }
  return {
    evaluate(req, conn) {
      const out: RequestHashResult = { hash: undefined };
      let hash: bigint | undefined;
      for (const m of methods) {
        const h = m.run(req, conn, out);
        if (h !== undefined) {
          // Rotating keeps duplicate rules from cancelling out (Envoy's generateHash).
          const old = hash === undefined ? 0n : ((hash << 1n) | (hash >> 63n)) & MASK64;
          hash = old ^ h;
        }
        if (m.terminal && hash !== undefined) break;
      }
      out.hash = hash;
      return out;
    },
  };
}

/** One-shot form of compileHashPolicies(policies).evaluate(req, conn). */
export function requestHash(
  policies: readonly HashPolicy[] | undefined,
  req: HashableRequest,
  conn?: HashConnection,
): RequestHashResult {
  return compileHashPolicies(policies)?.evaluate(req, conn) ?? { hash: undefined };
}
