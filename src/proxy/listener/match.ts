/**
 * Envoy's listener and filter-chain selection over compiled Listeners, for the data plane and
 * for `trellis explain` (one implementation). A connection is accepted by the listener bound to
 * the address it reached (exact address, then the wildcard 0.0.0.0/:: on that port); a listener
 * with `useOriginalDst` hands it to the listener of the original destination when one exists.
 * The filter chain is then chosen criterion by criterion in Envoy's documented order — destination
 * port, destination IP (longest prefix), server name (exact, then the longest wildcard), transport
 * protocol, application protocols, direct source IP, source type, source IP, source port — keeping
 * at each step only the most specific chains that match and never backtracking; when none is
 * left the default filter chain (if any) takes the connection. What the listener filters
 * (tls_inspector, http_inspector) can detect decides which SNI / ALPN / transport are known.
 * Pure: returns the choice and, for every other candidate, why it lost.
 */
import type { FilterChain, FilterChainMatch, Listener, ListenerFilterChainMatchPredicate } from '../../api/envoy/listener.js';
import { FilterName, TransportProtocol } from '../../api/envoy/listener.js';
import { cidrText, inCidr, isLoopback, isWildcardAddress } from './cidr.js';

/** A downstream connection as the client makes it. */
export interface Connection {
  /** The original destination (what the client dialed, before any redirect). */
  destinationAddress: string;
  destinationPort: number;
  sourceAddress?: string;
  sourcePort?: number;
  /** Present when the client starts a TLS handshake: its SNI and offered ALPN. */
  tls?: { sni?: string; alpn?: readonly string[] };
  /** Plaintext HTTP as the http_inspector recognises it. */
  http?: 'http/1.1' | 'h2c';
}

/** What the listener filters of one listener learn about a connection. */
export interface Detected {
  transportProtocol: string;
  serverName?: string;
  applicationProtocols: string[];
  notes: string[];
}

export type Criterion =
  | 'destinationPort' | 'prefixRanges' | 'serverNames' | 'transportProtocol' | 'applicationProtocols'
  | 'directSourcePrefixRanges' | 'sourceType' | 'sourcePrefixRanges' | 'sourcePorts';

export interface ChainLoss {
  index: number;
  name: string;
  criterion: Criterion;
  reason: string;
}

export interface ChainChoice {
  chain?: FilterChain;
  /** Index in `filterChains`; -1 for the default filter chain or none. */
  index: number;
  name: string;
  isDefault: boolean;
  detected: Detected;
  /** Why the chosen chain won (the criteria that narrowed the candidates). */
  reasons: string[];
  losers: ChainLoss[];
}

export interface ListenerChoice {
  listener?: Listener;
  /** The listener that accepted the connection, when it handed it over (useOriginalDst). */
  acceptedBy?: Listener;
  reasons: string[];
}

function portOf(l: Listener): number | undefined {
  return l.address.socketAddress?.portValue;
}

function addressOf(l: Listener): string | undefined {
  return l.address.socketAddress?.address;
}

/** The listener at `address:port`: exact address first, then a wildcard address on the port. */
export function findListener(
  listeners: readonly Listener[], address: string, port: number, boundOnly = false,
): Listener | undefined {
  const pool = listeners.filter((l) => portOf(l) === port && (!boundOnly || l.bindToPort !== false));
  return pool.find((l) => addressOf(l) === address) ?? pool.find((l) => isWildcardAddress(addressOf(l) ?? ''));
}

/**
 * Which listener serves `conn`. `accept` is where the socket was accepted (e.g. 0.0.0.0:15001
 * after an iptables redirect, or the explicit proxy port); it defaults to the original destination.
 */
export function selectListener(
  listeners: readonly Listener[], conn: Connection, accept?: { address: string; port: number },
): ListenerChoice {
  const at = accept ?? { address: conn.destinationAddress, port: conn.destinationPort };
  const reasons: string[] = [];
  const accepting = findListener(listeners, at.address, at.port, true);
  if (!accepting) {
    reasons.push(`no listener is bound to ${at.address}:${at.port} (nor a wildcard address on port ${at.port}): connection refused`);
    return { reasons };
  }
  reasons.push(`accepted by ${accepting.name} (bound to ${addressOf(accepting)}:${portOf(accepting)})`);
  if (!accepting.useOriginalDst) return { listener: accepting, reasons };
  const target = findListener(listeners, conn.destinationAddress, conn.destinationPort);
  const dst = `${conn.destinationAddress}:${conn.destinationPort}`;
  if (!target || target === accepting) {
    reasons.push(`useOriginalDst: no listener for the original destination ${dst} (exact address or 0.0.0.0), so ${accepting.name} keeps it`);
    return { listener: accepting, reasons };
  }
  reasons.push(`useOriginalDst: handed to ${target.name}, the listener of the original destination ${dst}`);
  return { listener: target, acceptedBy: accepting, reasons };
}

function predicateMatches(p: ListenerFilterChainMatchPredicate, port: number): boolean {
  if (p.anyMatch) return true;
  if (p.destinationPortRange) return port >= p.destinationPortRange.start && port < p.destinationPortRange.end;
  if (p.notMatch) return !predicateMatches(p.notMatch, port);
  if (p.orMatch) return p.orMatch.rules.some((r) => predicateMatches(r, port));
  if (p.andMatch) return p.andMatch.rules.every((r) => predicateMatches(r, port));
  return false;
}

/** What this listener's filters detect: transport `tls` / `raw_buffer`, SNI, ALPN. */
export function detect(listener: Listener, conn: Connection): Detected {
  const notes: string[] = [];
  const active = new Set<string>();
  for (const f of listener.listenerFilters ?? []) {
    if (f.filterDisabled && predicateMatches(f.filterDisabled, conn.destinationPort)) {
      notes.push(`${f.name} disabled for port ${conn.destinationPort}`);
    } else active.add(f.name);
  }
  const d: Detected = { transportProtocol: TransportProtocol.RawBuffer, applicationProtocols: [], notes };
  if (conn.tls) {
    if (active.has(FilterName.TlsInspector)) {
      d.transportProtocol = TransportProtocol.Tls;
      if (conn.tls.sni) d.serverName = conn.tls.sni;
      d.applicationProtocols = [...(conn.tls.alpn ?? [])];
      notes.push(`tls_inspector: transport tls${d.serverName ? `, SNI ${d.serverName}` : ', no SNI'}` +
        `${d.applicationProtocols.length ? `, ALPN ${d.applicationProtocols.join(',')}` : ''}`);
    } else notes.push('no tls_inspector: the TLS handshake is not inspected (transport raw_buffer, no SNI)');
  } else if (conn.http) {
    if (active.has(FilterName.HttpInspector)) {
      d.applicationProtocols = conn.http === 'h2c' ? ['h2c'] : ['http/1.1'];
      notes.push(`http_inspector: ALPN ${d.applicationProtocols[0]}`);
    } else notes.push('no http_inspector: plaintext HTTP is not detected (no application protocol)');
  }
  return d;
}

type Verdict = { ok: false; why: string } | { ok: true; rank: number; what: string };

function serverNameVerdict(names: readonly string[], sni: string | undefined): Verdict {
  if (!sni) return { ok: false, why: `requires server name ${names.join('|')} but the connection has no SNI` };
  const host = sni.toLowerCase();
  if (names.some((n) => n.toLowerCase() === host)) return { ok: true, rank: 1_000_000, what: `server name ${sni} (exact)` };
  const wild = names.filter((n) => n.startsWith('*.') && host.endsWith(n.slice(1).toLowerCase()));
  if (wild.length === 0) return { ok: false, why: `server names ${names.join(', ')} do not match SNI ${sni}` };
  const best = wild.reduce((a, b) => (b.length > a.length ? b : a));
  return { ok: true, rank: best.length, what: `server name ${best} (wildcard)` };
}

function rangesVerdict(label: string, ranges: FilterChainMatch['prefixRanges'], ip: string | undefined): Verdict {
  if (!ranges?.length) return { ok: true, rank: 0, what: `any ${label}` };
  if (!ip) return { ok: false, why: `requires ${label} in ${ranges.map(cidrText).join(', ')} but it is unknown` };
  const hits = ranges.filter((r) => inCidr(ip, r));
  if (hits.length === 0) return { ok: false, why: `${label} ${ip} is not in ${ranges.map(cidrText).join(', ')}` };
  const best = hits.reduce((a, b) => ((b.prefixLen ?? 32) > (a.prefixLen ?? 32) ? b : a));
  return { ok: true, rank: best.prefixLen ?? (ip.includes(':') ? 128 : 32), what: `${label} ${ip} in ${cidrText(best)}` };
}

function verdict(c: Criterion, m: FilterChainMatch, conn: Connection, d: Detected): Verdict {
  switch (c) {
    case 'destinationPort':
      if (m.destinationPort === undefined) return { ok: true, rank: 0, what: 'any destination port' };
      return m.destinationPort === conn.destinationPort
        ? { ok: true, rank: 1, what: `destination port ${m.destinationPort}` }
        : { ok: false, why: `destinationPort ${m.destinationPort} ≠ ${conn.destinationPort}` };
    case 'prefixRanges':
      return rangesVerdict('destination IP', m.prefixRanges, conn.destinationAddress);
    case 'serverNames':
      if (!m.serverNames?.length) return { ok: true, rank: 0, what: 'any server name' };
      return serverNameVerdict(m.serverNames, d.serverName);
    case 'transportProtocol':
      if (!m.transportProtocol) return { ok: true, rank: 0, what: 'any transport protocol' };
      return m.transportProtocol === d.transportProtocol
        ? { ok: true, rank: 1, what: `transport protocol ${m.transportProtocol}` }
        : { ok: false, why: `transportProtocol ${m.transportProtocol} ≠ detected ${d.transportProtocol}` };
    case 'applicationProtocols': {
      const want = m.applicationProtocols;
      if (!want?.length) return { ok: true, rank: 0, what: 'any application protocol' };
      const hit = d.applicationProtocols.find((p) => want.includes(p));
      return hit
        ? { ok: true, rank: 1, what: `application protocol ${hit}` }
        : { ok: false, why: `applicationProtocols ${want.join(',')} do not include the detected ${d.applicationProtocols.join(',') || '(none)'}` };
    }
    case 'directSourcePrefixRanges':
      return rangesVerdict('direct source IP', m.directSourcePrefixRanges, conn.sourceAddress);
    case 'sourceType': {
      const t = m.sourceType ?? 'ANY';
      if (t === 'ANY') return { ok: true, rank: 0, what: 'any source type' };
      const src = conn.sourceAddress;
      const local = src !== undefined && (isLoopback(src) || src === conn.destinationAddress);
      const ok = t === 'SAME_IP_OR_LOOPBACK' ? local : src !== undefined && !local;
      return ok ? { ok: true, rank: 1, what: `source type ${t}` } : { ok: false, why: `sourceType ${t} does not fit source ${src ?? '(unknown)'}` };
    }
    case 'sourcePrefixRanges':
      return rangesVerdict('source IP', m.sourcePrefixRanges, conn.sourceAddress);
    case 'sourcePorts':
      if (!m.sourcePorts?.length) return { ok: true, rank: 0, what: 'any source port' };
      return conn.sourcePort !== undefined && m.sourcePorts.includes(conn.sourcePort)
        ? { ok: true, rank: 1, what: `source port ${conn.sourcePort}` }
        : { ok: false, why: `sourcePorts ${m.sourcePorts.join(',')} do not include ${conn.sourcePort ?? '(unknown)'}` };
  }
}

export const CRITERIA: readonly Criterion[] = [
  'destinationPort', 'prefixRanges', 'serverNames', 'transportProtocol', 'applicationProtocols',
  'directSourcePrefixRanges', 'sourceType', 'sourcePrefixRanges', 'sourcePorts',
];

export function chainName(chain: FilterChain | undefined, index: number): string {
  if (!chain) return '(none)';
  return chain.name ?? (index < 0 ? 'defaultFilterChain' : `filterChains[${index}]`);
}

/** Envoy's filter-chain selection on one listener. */
export function selectFilterChain(listener: Listener, conn: Connection): ChainChoice {
  const detected = detect(listener, conn);
  let cands = (listener.filterChains ?? []).map((chain, index) => ({ chain, index, name: chainName(chain, index), what: '' }));
  const losers: ChainLoss[] = [];
  const reasons: string[] = [];
  for (const c of CRITERIA) {
    const scored = cands.map((x) => ({ x, v: verdict(c, x.chain.filterChainMatch ?? {}, conn, detected) }));
    const okRanks = scored.flatMap((s) => (s.v.ok ? [s.v.rank] : []));
    const best = okRanks.length ? Math.max(...okRanks) : -1;
    const next: typeof cands = [];
    for (const { x, v } of scored) {
      if (!v.ok) losers.push({ index: x.index, name: x.name, criterion: c, reason: v.why });
      else if (v.rank < best) {
        const winner = scored.find((s) => s.v.ok && s.v.rank === best)!;
        const w = winner.v as { what: string };
        losers.push({ index: x.index, name: x.name, criterion: c, reason: `${v.what} is less specific than ${winner.x.name}'s ${w.what}` });
      } else next.push({ ...x, what: v.what });
    }
    if (next.length > 0 && best > 0) reasons.push(`${c}: ${next[0]!.what}`);
    cands = next;
    if (cands.length === 0) break;
  }
  const won = cands[0];
  if (won) {
    for (const extra of cands.slice(1)) {
      losers.push({ index: extra.index, name: extra.name, criterion: 'sourcePorts', reason: `ties with ${won.name}, which comes first` });
    }
    if (reasons.length === 0) reasons.push('no match criteria: matches every connection');
    return { chain: won.chain, index: won.index, name: won.name, isDefault: false, detected, reasons, losers };
  }
  const def = listener.defaultFilterChain;
  reasons.push(def ? 'no filter chain matched: the default filter chain takes the connection' : 'no filter chain matched and there is no default filter chain: the connection is closed');
  return { chain: def, index: -1, name: def ? chainName(def, -1) : '(none)', isDefault: def !== undefined, detected, reasons, losers };
}
