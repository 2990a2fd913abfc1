/**
 * proxy/listener/original-dst.ts without iptables: the conntrack table parser (IPv4 and IPv6
 * entries, matched by the reply tuple), the conntrack lookup on a real accepted socket against a
 * table file written for it, the native addon on a connection that was not redirected (when the
 * addon is built), and the error that says what is missing when no way works. Redirected
 * connections are covered end to end in test/e2e/proxy-transparent.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADDON_PATH, OriginalDstUnavailable, canonicalIp, findInConntrack, loadOriginalDst, type OriginalDstLookup,
} from '../../src/proxy/listener/original-dst.js';

const TABLE = [
  'ipv4     2 udp      17 25 src=127.0.0.5 dst=127.0.0.53 sport=40000 dport=53 src=127.0.0.53 dst=127.0.0.5 sport=53 dport=40000 mark=0 zone=0 use=2',
  'ipv4     2 tcp      6 431999 ESTABLISHED src=127.0.0.5 dst=240.240.0.10 sport=43864 dport=80 src=127.0.0.1 dst=127.0.0.5 sport=15001 dport=43864 [ASSURED] mark=0 zone=0 use=2',
  'ipv4     2 tcp      6 431999 ESTABLISHED src=127.0.0.9 dst=240.240.0.11 sport=43864 dport=80 src=127.0.0.1 dst=127.0.0.9 sport=15001 dport=43864 [ASSURED] mark=0 zone=0 use=2',
  'ipv6     10 tcp      6 117 TIME_WAIT src=fd00:0000:0000:0000:0000:0000:0000:0005 dst=fd00:0000:0000:0000:0000:0000:0000:00aa sport=5000 dport=8080 src=0000:0000:0000:0000:0000:0000:0000:0001 dst=fd00:0000:0000:0000:0000:0000:0000:0005 sport=15006 dport=5000 [ASSURED] mark=0 zone=0 use=2',
].join('\n');

test('conntrack: the original destination is found by the reply tuple', { timeout: 5_000 }, () => {
  assert.deepEqual(findInConntrack(TABLE, { address: '127.0.0.1', port: 15001 }, { address: '127.0.0.5', port: 43864 }), { address: '240.240.0.10', port: 80 });
  assert.deepEqual(findInConntrack(TABLE, { address: '127.0.0.1', port: 15001 }, { address: '::ffff:127.0.0.9', port: 43864 }), { address: '240.240.0.11', port: 80 });
  assert.deepEqual(findInConntrack(TABLE, { address: '::1', port: 15006 }, { address: 'fd00::5', port: 5000 }), { address: 'fd00::aa', port: 8080 });
  assert.equal(findInConntrack(TABLE, { address: '127.0.0.1', port: 15001 }, { address: '127.0.0.5', port: 1 }), undefined);
  assert.equal(findInConntrack(TABLE, { address: '127.0.0.53', port: 53 }, { address: '127.0.0.5', port: 40000 }), undefined, 'only TCP entries');
  assert.equal(canonicalIp('FD00:0000:0000:0000:0000:0000:0000:0005'), 'fd00::5');
});

async function acceptOne(): Promise<{ server: net.Server; client: net.Socket; accepted: net.Socket; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const a = await accepted;
  return {
    server, client, accepted: a,
    close: () => new Promise<void>((r) => { client.destroy(); a.destroy(); server.close(() => r()); }),
  };
}

test('conntrack: a lookup on an accepted socket reads the table once and matches it', { timeout: 5_000 }, async () => {
  const c = await acceptOne();
  const dir = mkdtempSync(join(tmpdir(), 'trellis-ct-'));
  try {
    const s = c.accepted;
    const line = `ipv4     2 tcp      6 431999 ESTABLISHED src=${s.remoteAddress} dst=240.240.0.7 sport=${s.remotePort} dport=8080 src=${s.localAddress} dst=${s.remoteAddress} sport=${s.localPort} dport=${s.remotePort} [ASSURED] mark=0 zone=0 use=2\n`;
    writeFileSync(join(dir, 'nf_conntrack'), line);
    const l: OriginalDstLookup = loadOriginalDst('conntrack', { conntrack: join(dir, 'nf_conntrack') });
    assert.equal(l.method, 'conntrack');
    assert.deepEqual(await l.lookup(s), { address: '240.240.0.7', port: 8080 });
    writeFileSync(join(dir, 'nf_conntrack'), '');
    assert.equal(await l.lookup(s), undefined, 'a connection that was not redirected has no entry');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await c.close();
  }
});

test('native: a connection that was not redirected keeps its own destination', { skip: !existsSync(ADDON_PATH) && 'the addon is not built (npm run build:native)', timeout: 5_000 }, async () => {
  const l = loadOriginalDst('native');
  assert.equal(l.method, 'native');
  const c = await acceptOne();
  try {
    const r = await l.lookup(c.accepted);
    // Without NAT there is either no conntrack entry (undefined) or the untranslated destination.
    if (r !== undefined) assert.deepEqual(r, { address: '127.0.0.1', port: (c.server.address() as net.AddressInfo).port });
  } finally {
    await c.close();
  }
});

test('no way to read the original destination: the error says what is missing and how to get it', { timeout: 5_000 }, () => {
  assert.throws(
    () => loadOriginalDst(undefined, { addon: '/nonexistent/original_dst.node', conntrack: '/nonexistent/nf_conntrack' }),
    (e: unknown) => e instanceof OriginalDstUnavailable &&
      /native: the addon is not built \(\/nonexistent\/original_dst\.node\)/.test(e.message) &&
      /conntrack: \/nonexistent\/nf_conntrack does not exist/.test(e.message) &&
      /npm run build:native/.test(e.message) && /--outbound explicit/.test(e.message),
  );
  assert.throws(() => loadOriginalDst('native', { addon: '/nonexistent/x.node' }), (e: unknown) => e instanceof OriginalDstUnavailable && !/conntrack:/.test(e.message));
});
