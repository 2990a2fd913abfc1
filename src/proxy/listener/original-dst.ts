/**
 * The original destination of a connection that iptables REDIRECTed to the proxy (15001/15006):
 * what Envoy's original_dst listener filter reads, and what selects the listener in
 * `--outbound transparent`. Two ways, tried in this order (or forced with
 * TRELLIS_ORIGINAL_DST=native|conntrack):
 * - native: getsockopt(SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST) on the accepted socket's fd through
 *   the small N-API addon in native/original-dst (`npm run build:native`; offline, against the
 *   running Node's headers). Exact, O(1), needs no privilege and works for IPv6: the sound way,
 *   and what Envoy does. bench/original-dst.ts: p50 ≈ 15–20 µs a connection on a loaded 2-core
 *   machine, the same with 3,000 entries in the table.
 * - conntrack: the connection tracking table, /proc/net/nf_conntrack (this network namespace's
 *   entries), matching the accepted socket's reply tuple (src = our local address:port, dst = the
 *   peer's) and reading the original tuple's destination. Pure JS, no build, but the kernel formats
 *   the whole table on every read (O(table): p50 ≈ 3–4 ms at ~2,000 entries, ≈ 13 ms at ~3,000),
 *   it needs root (the file is 0440 root) and a kernel with nf_conntrack procfs. The fallback for
 *   machines without a compiler, fine for light traffic only.
 * `loadOriginalDst()` throws OriginalDstUnavailable, saying what is missing and how to get it,
 * when neither works: `trellis proxy --outbound transparent` then fails at start.
 * A lookup answers `undefined` for a connection that was not redirected (someone dialed 15001
 * itself): the listener then keeps the local address, as Envoy's filter does.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface OriginalDst {
  address: string;
  port: number;
}

export type OriginalDstMethod = 'native' | 'conntrack';

export interface OriginalDstLookup {
  readonly method: OriginalDstMethod;
  /** The pre-NAT destination of an accepted socket; undefined when it was not redirected. */
  lookup(socket: net.Socket): OriginalDst | undefined | Promise<OriginalDst | undefined>;
}

export class OriginalDstUnavailable extends Error {
  readonly code = 'E_ORIGINAL_DST_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'OriginalDstUnavailable';
  }
}

/** Where `npm run build:native` puts the addon (the same relative path from src/ and dist/). */
export const ADDON_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'original-dst', 'build', 'Release', 'original_dst.node');
export const CONNTRACK_PATH = '/proc/net/nf_conntrack';

type Addon = { originalDst(fd: number): [string, number] };

function fdOf(socket: net.Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** getsockopt(SO_ORIGINAL_DST) through the addon at `path`. */
export function nativeLookup(path = ADDON_PATH): OriginalDstLookup {
  const addon = createRequire(import.meta.url)(path) as Addon;
  return {
    method: 'native',
    lookup(socket) {
      const fd = fdOf(socket);
      if (fd === undefined) return undefined;
      try {
        const [address, port] = addon.originalDst(fd);
        return { address, port };
      } catch {
        return undefined;
      }
    },
  };
}

/** Canonical text of an address (conntrack prints IPv6 uncompressed, Node compressed). */
export function canonicalIp(a: string): string {
  const v4 = a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
  if (!v4.includes(':')) return v4;
  try {
    return new URL(`http://[${v4}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return v4.toLowerCase();
  }
}

/**
 * The original destination in conntrack table text whose reply tuple is
 * `src=local dst=peer sport=localPort dport=peerPort` (TCP entries only).
 */
export function findInConntrack(table: string, local: OriginalDst, peer: OriginalDst): OriginalDst | undefined {
  const localIp = canonicalIp(local.address);
  const peerIp = canonicalIp(peer.address);
  const needle = ` sport=${local.port} dport=${peer.port}`;
  for (const line of table.split('\n')) {
    if (!line.includes(needle) || !/\stcp\s/.test(line)) continue;
    const src = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1]!);
    const dst = [...line.matchAll(/\bdst=(\S+)/g)].map((m) => m[1]!);
    const sport = [...line.matchAll(/\bsport=(\d+)/g)].map((m) => Number(m[1]));
    const dport = [...line.matchAll(/\bdport=(\d+)/g)].map((m) => Number(m[1]));
    if (src.length < 2 || dst.length < 2 || dport.length < 2 || sport.length < 2) continue;
    if (sport[1] !== local.port || dport[1] !== peer.port) continue;
    if (canonicalIp(src[1]!) !== localIp || canonicalIp(dst[1]!) !== peerIp) continue;
    return { address: canonicalIp(dst[0]!), port: dport[0]! };
  }
  return undefined;
}

/** The conntrack table lookup (reads `path` once per connection). */
export function conntrackLookup(path = CONNTRACK_PATH): OriginalDstLookup {
  return {
    method: 'conntrack',
    async lookup(socket) {
      const { localAddress, localPort, remoteAddress, remotePort } = socket;
      if (!localAddress || !localPort || !remoteAddress || !remotePort) return undefined;
      let table: string;
      try {
        table = await readFile(path, 'latin1');
      } catch {
        return undefined;
      }
      return findInConntrack(table, { address: localAddress, port: localPort }, { address: remoteAddress, port: remotePort });
    },
  };
}

function tryNative(path: string): OriginalDstLookup | string {
  if (!existsSync(path)) return `the addon is not built (${path})`;
  try {
    return nativeLookup(path);
  } catch (e) {
    return `the addon does not load: ${(e as Error).message.split('\n')[0]}`;
  }
}

function tryConntrack(path: string): OriginalDstLookup | string {
  try {
    accessSync(path, constants.R_OK);
    readFileSync(path, { encoding: 'latin1', flag: 'r' });
    return conntrackLookup(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `${path} does not exist (kernel without nf_conntrack procfs, or nf_conntrack not loaded)`
      : `${path} is not readable (${code ?? (e as Error).message}; it needs root)`;
  }
}

/**
 * The lookup to use: the addon when built, else the conntrack table when readable; `prefer`
 * (or TRELLIS_ORIGINAL_DST) forces one. Throws OriginalDstUnavailable saying what is missing.
 */
export function loadOriginalDst(
  prefer: OriginalDstMethod | undefined = envMethod(), paths: { addon?: string; conntrack?: string } = {},
): OriginalDstLookup {
  const native = prefer === 'conntrack' ? undefined : tryNative(paths.addon ?? ADDON_PATH);
  if (native && typeof native !== 'string') return native;
  const conntrack = prefer === 'native' ? undefined : tryConntrack(paths.conntrack ?? CONNTRACK_PATH);
  if (conntrack && typeof conntrack !== 'string') return conntrack;
  const why = [native && `native: ${native}`, conntrack && `conntrack: ${conntrack}`].filter(Boolean).join('; ');
  throw new OriginalDstUnavailable(
    `--outbound transparent needs the original destination of redirected connections, and no way to read it works here (${why}). ` +
    'Build the addon with `npm run build:native` (needs a C compiler, make and python3; Debian: build-essential python3), ' +
    `or run the proxy as root on a kernel with ${paths.conntrack ?? CONNTRACK_PATH}, or use --outbound explicit.`,
  );
}

function envMethod(): OriginalDstMethod | undefined {
  const v = process.env['TRELLIS_ORIGINAL_DST'];
  return v === 'native' || v === 'conntrack' ? v : undefined;
}
