/**
 * IP addresses and CIDR ranges for the listener matcher: parses IPv4 and IPv6 text into numbers
 * and tells whether an address lies in an Envoy `CidrRange`. Pure; no DNS, no sockets.
 */
import type { CidrRange } from '../../api/envoy/listener.js';

export interface ParsedIp { v6: boolean; value: bigint }

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  if (!s.includes(':')) return undefined;
  let text = s;
  let tail: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = parseV4(text.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== undefined) v = (v & ~0xffffffffn) | tail;
  return v;
}

export function parseIp(s: string): ParsedIp | undefined {
  const text = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  const v4 = parseV4(text);
  if (v4 !== undefined) return { v6: false, value: v4 };
  const v6 = parseV6(text);
  return v6 === undefined ? undefined : { v6: true, value: v6 };
}

/** Whether `ip` lies in `range` (prefixLen defaults to the full address length). */
export function inCidr(ip: string, range: CidrRange): boolean {
  const a = parseIp(ip);
  const p = parseIp(range.addressPrefix);
  if (!a || !p || a.v6 !== p.v6) return false;
  const bits = a.v6 ? 128n : 32n;
  const len = BigInt(range.prefixLen ?? Number(bits));
  if (len === 0n) return true;
  const shift = bits - len;
  return a.value >> shift === p.value >> shift;
}

export function cidrText(r: CidrRange): string {
  return `${r.addressPrefix}/${r.prefixLen ?? (r.addressPrefix.includes(':') ? 128 : 32)}`;
}

export function isLoopback(ip: string): boolean {
  const a = parseIp(ip);
  if (!a) return false;
  return a.v6 ? a.value === 1n : a.value >> 24n === 127n;
}

export function isWildcardAddress(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '[::]';
}
