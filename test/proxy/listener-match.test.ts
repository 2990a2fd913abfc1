/**
 * Envoy's listener and filter-chain selection (src/proxy/listener/match.ts): each criterion's
 * precedence, no backtracking, the default chain, inspectors, and the useOriginalDst hand-off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FilterChain, FilterChainMatch, Listener } from '../../src/api/envoy/listener.js';
import { FilterName, ListenerTypeUrl } from '../../src/api/envoy/listener.js';
import { selectFilterChain, selectListener } from '../../src/proxy/listener/match.js';

const tcp = (cluster: string) => ({ name: FilterName.TcpProxy, typedConfig: { '@type': ListenerTypeUrl.TcpProxy, statPrefix: cluster, cluster } as const });
const fc = (name: string, m?: FilterChainMatch): FilterChain => ({ name, ...(m ? { filterChainMatch: m } : {}), filters: [tcp(name)] });
const tlsInspector = { name: FilterName.TlsInspector, typedConfig: { '@type': ListenerTypeUrl.TlsInspector } as const };
const httpInspector = { name: FilterName.HttpInspector, typedConfig: { '@type': ListenerTypeUrl.HttpInspector } as const };

function listener(chains: FilterChain[], extra: Partial<Listener> = {}): Listener {
  return { name: 'l', address: { socketAddress: { address: '0.0.0.0', portValue: 443 } }, filterChains: chains, listenerFilters: [tlsInspector, httpInspector], ...extra };
}

test('destination port beats no port; a wrong port loses', () => {
  const l = listener([fc('any'), fc('p443', { destinationPort: 443 }), fc('p80', { destinationPort: 80 })]);
  const c = selectFilterChain(l, { destinationAddress: '10.0.0.1', destinationPort: 443 });
  assert.equal(c.name, 'p443');
  assert.deepEqual(c.losers.map((x) => [x.name, x.criterion]).sort(), [['any', 'destinationPort'], ['p80', 'destinationPort']]);
});

test('destination IP: the longest prefix wins', () => {
  const l = listener([fc('wide', { prefixRanges: [{ addressPrefix: '10.0.0.0', prefixLen: 8 }] }), fc('narrow', { prefixRanges: [{ addressPrefix: '10.1.0.0', prefixLen: 16 }] }), fc('none')]);
  assert.equal(selectFilterChain(l, { destinationAddress: '10.1.2.3', destinationPort: 1 }).name, 'narrow');
  assert.equal(selectFilterChain(l, { destinationAddress: '10.2.2.3', destinationPort: 1 }).name, 'wide');
  assert.equal(selectFilterChain(l, { destinationAddress: '192.168.0.1', destinationPort: 1 }).name, 'none');
});

test('server names: exact, then the longest wildcard, then none; no SNI only fits chains without server names', () => {
  const l = listener([
    fc('star-com', { serverNames: ['*.com'] }), fc('star-example', { serverNames: ['*.example.com'] }),
    fc('www', { serverNames: ['www.example.com'] }), fc('plain'),
  ]);
  const pick = (sni?: string) => selectFilterChain(l, { destinationAddress: '1.1.1.1', destinationPort: 443, tls: { sni } }).name;
  assert.equal(pick('www.example.com'), 'www');
  assert.equal(pick('api.example.com'), 'star-example');
  assert.equal(pick('a.b.example.com'), 'star-example');
  assert.equal(pick('foo.com'), 'star-com');
  assert.equal(pick('foo.org'), 'plain');
  assert.equal(pick(undefined), 'plain');
});

test('no backtracking: once the port narrowed the set, a later mismatch goes to the default chain', () => {
  const l = listener([fc('p443-tls', { destinationPort: 443, transportProtocol: 'tls' }), fc('catch')], { defaultFilterChain: fc('default') });
  const c = selectFilterChain(l, { destinationAddress: '1.1.1.1', destinationPort: 443, http: 'http/1.1' });
  assert.equal(c.name, 'default');
  assert.equal(c.isDefault, true);
  assert.equal(c.losers.find((x) => x.name === 'catch')?.criterion, 'destinationPort');
});

test('transport protocol and application protocols depend on the inspectors', () => {
  const chains = [fc('tls', { transportProtocol: 'tls' }), fc('http', { transportProtocol: 'raw_buffer', applicationProtocols: ['http/1.1', 'h2c'] }), fc('raw', { transportProtocol: 'raw_buffer' })];
  const l = listener(chains);
  assert.equal(selectFilterChain(l, { destinationAddress: '1.1.1.1', destinationPort: 1, tls: { sni: 'x' } }).name, 'tls');
  assert.equal(selectFilterChain(l, { destinationAddress: '1.1.1.1', destinationPort: 1, http: 'h2c' }).name, 'http');
  assert.equal(selectFilterChain(l, { destinationAddress: '1.1.1.1', destinationPort: 1 }).name, 'raw');
  const blind = listener(chains, { listenerFilters: [] });
  assert.equal(selectFilterChain(blind, { destinationAddress: '1.1.1.1', destinationPort: 1, http: 'http/1.1' }).name, 'raw');
  assert.equal(selectFilterChain(blind, { destinationAddress: '1.1.1.1', destinationPort: 1, tls: { sni: 'x' } }).name, 'raw');
});

test('source type, source IP and source port come last', () => {
  const l = listener([
    fc('local', { sourceType: 'SAME_IP_OR_LOOPBACK' }), fc('ext', { sourceType: 'EXTERNAL', sourcePrefixRanges: [{ addressPrefix: '10.0.0.0', prefixLen: 8 }] }),
    fc('ext-port', { sourceType: 'EXTERNAL', sourcePrefixRanges: [{ addressPrefix: '10.0.0.0', prefixLen: 8 }], sourcePorts: [5000] }),
  ]);
  assert.equal(selectFilterChain(l, { destinationAddress: '10.9.9.9', destinationPort: 1, sourceAddress: '127.0.0.1' }).name, 'local');
  assert.equal(selectFilterChain(l, { destinationAddress: '10.9.9.9', destinationPort: 1, sourceAddress: '10.1.1.1', sourcePort: 5000 }).name, 'ext-port');
  assert.equal(selectFilterChain(l, { destinationAddress: '10.9.9.9', destinationPort: 1, sourceAddress: '10.1.1.1', sourcePort: 6000 }).name, 'ext');
});

test('listener: exact address before wildcard; useOriginalDst hands over or keeps the connection', () => {
  const mk = (name: string, address: string, port: number, extra: Partial<Listener> = {}): Listener => ({ name, address: { socketAddress: { address, portValue: port } }, filterChains: [fc(name)], ...extra });
  const ls = [
    mk('0.0.0.0_8080', '0.0.0.0', 8080, { bindToPort: false }), mk('10.0.0.5_8080', '10.0.0.5', 8080, { bindToPort: false }),
    mk('virtualOutbound', '0.0.0.0', 15001, { useOriginalDst: true }),
  ];
  const at = { address: '0.0.0.0', port: 15001 };
  assert.equal(selectListener(ls, { destinationAddress: '10.0.0.5', destinationPort: 8080 }, at).listener?.name, '10.0.0.5_8080');
  const hop = selectListener(ls, { destinationAddress: '10.0.0.6', destinationPort: 8080 }, at);
  assert.equal(hop.listener?.name, '0.0.0.0_8080');
  assert.equal(hop.acceptedBy?.name, 'virtualOutbound');
  const stay = selectListener(ls, { destinationAddress: '10.0.0.6', destinationPort: 9090 }, at);
  assert.equal(stay.listener?.name, 'virtualOutbound');
  assert.equal(stay.acceptedBy, undefined);
  // bindToPort false listeners do not accept connections themselves.
  assert.equal(selectListener(ls, { destinationAddress: '10.0.0.6', destinationPort: 8080 }).listener, undefined);
});
