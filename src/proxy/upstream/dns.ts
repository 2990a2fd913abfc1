/**
 * DNS resolution for STRICT_DNS and LOGICAL_DNS clusters through node:dns (the system resolver,
 * as Envoy's default getaddrinfo), honouring the cluster's dnsLookupFamily. Injectable so tests
 * need no DNS. I/O only; no caching (the cluster manager refreshes at dnsRefreshRate).
 */
import { lookup } from 'node:dns/promises';
import type { DnsLookupFamily } from '../../api/envoy/cluster.js';

export type DnsResolver = (name: string, family?: DnsLookupFamily) => Promise<string[]>;

export const resolveDns: DnsResolver = async (name, family) => {
  const fam = family === 'V4_ONLY' ? 4 : family === 'V6_ONLY' ? 6 : 0;
  const r = await lookup(name, { all: true, family: fam });
  const addrs = r.map((a) => a.address);
  if (family === 'V4_PREFERRED' || family === 'AUTO' || family === undefined) {
    const v4 = r.filter((a) => a.family === 4).map((a) => a.address);
    if (v4.length) return family === 'AUTO' ? addrs : v4;
  }
  return addrs;
};
