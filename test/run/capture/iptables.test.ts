/**
 * run/capture/iptables.ts against what Istio's istio-iptables produces (REDIRECT mode, IPv4,
 * iptables-restore format) for the same inputs: the expected rules below follow the golden files
 * of istio/tools/istio-iptables/pkg/capture/testdata (named per case; the test configuration
 * there: ports 15001/15006/15008, uid and gid 1337, loopback 127.0.0.1/32), in their current
 * form (`-A OUTPUT -j ISTIO_OUTPUT`, multiport for port lists). Also: bad options are refused
 * with the option named and what would be valid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureOptionError, WORKLOAD_CAPTURE_DEFAULTS, iptablesRules, type CaptureOptions } from '../../../src/run/capture/iptables.js';

const HEAD = [
  '* nat',
  '-N ISTIO_INBOUND',
  '-N ISTIO_REDIRECT',
  '-N ISTIO_IN_REDIRECT',
  '-N ISTIO_OUTPUT',
];
const CHAINS = [
  '-A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN',
  '-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
  '-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006',
];
function owners(uids: string[], gids: string[], loopbackReturn = true): string[] {
  const out: string[] = ['-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN'];
  for (const [flag, ids] of [['--uid-owner', uids], ['--gid-owner', gids]] as const) {
    for (const id of ids) {
      out.push(`-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner ${flag} ${id} -j ISTIO_IN_REDIRECT`);
      if (loopbackReturn) out.push(`-A ISTIO_OUTPUT -o lo -m owner ! ${flag} ${id} -j RETURN`);
      out.push(`-A ISTIO_OUTPUT -m owner ${flag} ${id} -j RETURN`);
    }
  }
  return out;
}
const DEFAULT_OWNERS = owners(['1337'], ['1337']);
const LOCAL = '-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN';

function lines(o: CaptureOptions): string[] {
  const text = iptablesRules(o);
  assert.ok(text.endsWith('COMMIT\n'), text);
  return text.trimEnd().split('\n').slice(0, -1);
}

const CASES: { golden: string; options: CaptureOptions; want: string[] }[] = [
  { golden: 'empty', options: {}, want: [...HEAD, ...CHAINS, '-A OUTPUT -j ISTIO_OUTPUT', ...DEFAULT_OWNERS, LOCAL] },
  {
    golden: 'inbound-ports-include', options: { inboundPorts: [32000, 31000] },
    want: [...HEAD, ...CHAINS, '-A PREROUTING -p tcp -j ISTIO_INBOUND', '-A ISTIO_INBOUND -p tcp --dport 32000 -j ISTIO_IN_REDIRECT',
      '-A ISTIO_INBOUND -p tcp --dport 31000 -j ISTIO_IN_REDIRECT', '-A OUTPUT -j ISTIO_OUTPUT', ...DEFAULT_OWNERS, LOCAL],
  },
  {
    golden: 'inbound-ports-wildcard', options: { inboundPorts: '*' },
    want: [...HEAD, ...CHAINS, '-A PREROUTING -p tcp -j ISTIO_INBOUND', '-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT', '-A OUTPUT -j ISTIO_OUTPUT', ...DEFAULT_OWNERS, LOCAL],
  },
  {
    golden: 'inbound-wildcard-exclude', options: { inboundPorts: '*', inboundPortsExclude: [22, 80, 443] },
    want: [...HEAD, ...CHAINS, '-A PREROUTING -p tcp -j ISTIO_INBOUND', '-A ISTIO_INBOUND -p tcp -m multiport --dports 22,80,443 -j RETURN',
      '-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT', '-A OUTPUT -j ISTIO_OUTPUT', ...DEFAULT_OWNERS, LOCAL],
  },
  {
    golden: 'outbound-ports-include', options: { outboundPorts: [32000, 31000] },
    want: [...HEAD, ...CHAINS, '-A OUTPUT -j ISTIO_OUTPUT', ...DEFAULT_OWNERS, LOCAL,
      '-A ISTIO_OUTPUT -p tcp --dport 32000 -j ISTIO_REDIRECT', '-A ISTIO_OUTPUT -p tcp --dport 31000 -j ISTIO_REDIRECT'],
  },
  {
    golden: 'outbound-ports-exclude', options: { outboundPortsExclude: [22, 80, 443] },
    want: [...HEAD, ...CHAINS, '-A OUTPUT -j ISTIO_OUTPUT', '-A ISTIO_OUTPUT -p tcp -m multiport --dports 22,80,443 -j RETURN',
      '-A ISTIO_OUTPUT -p udp -m multiport --dports 22,80,443 -j RETURN', ...DEFAULT_OWNERS, LOCAL],
  },
  {
    golden: 'outbound-ports-exclude-single', options: { outboundPortsExclude: [22] },
    want: [...HEAD, ...CHAINS, '-A OUTPUT -j ISTIO_OUTPUT', '-A ISTIO_OUTPUT -p tcp --dport 22 -j RETURN', '-A ISTIO_OUTPUT -p udp --dport 22 -j RETURN', ...DEFAULT_OWNERS, LOCAL],
  },
  {
    golden: 'basic-exclude-nic', options: { excludeInterfaces: ['not-istio-nic'] },
    want: [...HEAD, '-A PREROUTING -i not-istio-nic -j RETURN', '-A OUTPUT -o not-istio-nic -j RETURN', ...CHAINS, '-A OUTPUT -j ISTIO_OUTPUT', ...DEFAULT_OWNERS, LOCAL],
  },
  {
    golden: 'ipnets', options: { outboundIpRanges: ['10.0.0.0/8'] },
    want: [...HEAD, ...CHAINS, '-A OUTPUT -j ISTIO_OUTPUT', ...DEFAULT_OWNERS, LOCAL, '-A ISTIO_OUTPUT -d 10.0.0.0/8 -j ISTIO_REDIRECT'],
  },
  {
    // ip-range without its DNS options (DNS capture is not generated).
    golden: 'ip-range', options: { outboundIpRangesExclude: ['1.1.0.0/16'], outboundIpRanges: ['9.9.0.0/16'], proxyUids: [3, 4], proxyGids: [1, 2] },
    want: [...HEAD, ...CHAINS, '-A OUTPUT -j ISTIO_OUTPUT', ...owners(['3', '4'], ['1', '2']), LOCAL,
      '-A ISTIO_OUTPUT -d 1.1.0.0/16 -j RETURN', '-A ISTIO_OUTPUT -d 9.9.0.0/16 -j ISTIO_REDIRECT'],
  },
  {
    // ipv6-uid-gid, its IPv4 half, without the virtual interfaces.
    golden: 'ipv6-uid-gid', options: { inboundPorts: [4000, 5000], inboundPortsExclude: [6000, 7000], proxyUids: ['3', '4'], proxyGids: ['1', '2'] },
    want: [...HEAD, ...CHAINS, '-A PREROUTING -p tcp -j ISTIO_INBOUND', '-A ISTIO_INBOUND -p tcp --dport 4000 -j ISTIO_IN_REDIRECT',
      '-A ISTIO_INBOUND -p tcp --dport 5000 -j ISTIO_IN_REDIRECT', '-A OUTPUT -j ISTIO_OUTPUT', ...owners(['3', '4'], ['1', '2']), LOCAL],
  },
  {
    // loopback-outbound-iprange: a captured loopback range drops the "other users over lo" RETURNs.
    golden: 'loopback-outbound-iprange', options: { outboundIpRanges: ['127.1.2.3/32'], proxyUids: [3, 4], proxyGids: [1, 2] },
    want: [...HEAD, ...CHAINS, '-A OUTPUT -j ISTIO_OUTPUT', ...owners(['3', '4'], ['1', '2'], false), LOCAL, '-A ISTIO_OUTPUT -d 127.1.2.3/32 -j ISTIO_REDIRECT'],
  },
  {
    golden: 'kube-virt-interfaces (outbound *)', options: { outboundIpRanges: '*' },
    want: [...HEAD, ...CHAINS, '-A OUTPUT -j ISTIO_OUTPUT', ...DEFAULT_OWNERS, LOCAL, '-A ISTIO_OUTPUT -j ISTIO_REDIRECT'],
  },
];

for (const c of CASES) {
  test(`iptables rules as istio-iptables: ${c.golden}`, { timeout: 5_000 }, () => {
    assert.deepEqual(lines(c.options), c.want);
  });
}

test('iptables rules: a workload\'s defaults capture every port but the proxy\'s own, and every destination', { timeout: 5_000 }, () => {
  const r = lines({ ...WORKLOAD_CAPTURE_DEFAULTS, proxyUids: [0], proxyGids: [0] });
  assert.ok(r.includes('-A ISTIO_INBOUND -p tcp -m multiport --dports 15090,15021,15020,15000 -j RETURN'), r.join('\n'));
  assert.ok(r.includes('-A ISTIO_OUTPUT -m owner --uid-owner 0 -j RETURN'));
  assert.equal(r.at(-1), '-A ISTIO_OUTPUT -j ISTIO_REDIRECT');
});

test('iptables rules: more than 15 excluded ports are split into multiport rules of 15', { timeout: 5_000 }, () => {
  const ports = Array.from({ length: 20 }, (_, i) => 9000 + i);
  const r = lines({ outboundPortsExclude: ports }).filter((l) => l.includes('multiport'));
  assert.equal(r.length, 4);
  assert.ok(r[0]!.includes(`--dports ${ports.slice(0, 15).join(',')} `));
  assert.ok(r[1]!.includes(`--dports ${ports.slice(15).join(',')} `));
});

test('iptables rules: bad options name the option and what is valid', { timeout: 5_000 }, () => {
  const bad = (o: CaptureOptions, re: RegExp) => assert.throws(() => iptablesRules(o), (e: unknown) => e instanceof CaptureOptionError && re.test(e.message));
  bad({ proxyPort: 0 }, /^capture option proxyPort: 0 is not a port \(an integer 1\.\.65535\)$/);
  bad({ inboundPorts: [80, 70000] }, /inboundPorts: 70000 is not a port/);
  bad({ outboundIpRanges: ['10.0.0.0/33'] }, /outboundIpRanges: "10\.0\.0\.0\/33" is not an IPv4 CIDR \(e\.g\. 10\.0\.0\.0\/8/);
  bad({ outboundIpRangesExclude: ['example.com'] }, /outboundIpRangesExclude: "example\.com" is not an IPv4 CIDR/);
  bad({ proxyUids: ['1337; rm'] }, /proxyUids: "1337; rm" is not a numeric id or a user\/group name/);
  bad({ excludeInterfaces: ['eth0 -j ACCEPT'] }, /excludeInterfaces: "eth0 -j ACCEPT" is not an interface name/);
});
