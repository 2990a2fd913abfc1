/**
 * examples/002-traffic-management end to end, as its README promises: `trellis up` on a copy of
 * the folder (the guide's objects plus the Bookinfo stand-ins), then
 * - through the ingress gateway: port 80 answers the guide's httpsRedirect (301 to https), port
 *   443 (8443 here) reaches productpage, which calls reviews: v3 by default, v2 for
 *   `end-user: jason` (the header passes through productpage);
 * - the same header routing from inside the mesh through `trellis exec`;
 * - the base 10 s timeout in effect (Envoy's x-envoy-expected-rq-timeout-ms reaches ratings);
 * - each step copied into the served folder while up runs: the /reviews 90/10 split (200
 *   requests, v2 within 6..40), the retries' 2 s per-try timeout (/delay/3 → 504 UT after ~2 s),
 *   the 50% 5 s delay fault (some requests of a batch take ≥ 5 s, some do not), the 100% abort
 *   (500, response flag FI);
 * - the circuit-breaking limit of reviews v1 (maxConnections 100) in the cluster config.
 * Requests from inside the mesh go to productpage's sidecar as its app sends them (getVia), apart
 * from the few through `trellis exec`. Everything is stopped in `after`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';
import { get, getVia, meshForFile, until } from './helpers/up.js';

const EXAMPLE = join(REPO_ROOT, 'examples', '002-traffic-management');
const HTTP = 'http://127.0.10.1:8080';
const HTTPS_PORT = 'http://127.0.10.1:8443';
const mesh = meshForFile(EXAMPLE);
/** The pod address of productpage-v1, whose sidecar the requests from inside the mesh go to. */
const ppIp = (): string => mesh().podIp('productpage-v1');

/** Copies a step into the served folder and waits until `check` holds for a request. */
async function applyStep(step: string, check: () => Promise<boolean>): Promise<void> {
  mesh().applyStep(join(EXAMPLE, 'steps', step));
  await until(`step ${step} in effect`, check, 10_000, 100);
}

test('up runs the Bookinfo stand-ins with no error', { timeout: 5000 }, () => {
  const up = mesh();
  for (const name of ['productpage-v1-0', 'ratings-v1-0', 'reviews-v1-0', 'reviews-v2-0', 'reviews-v3-0']) {
    assert.match(up.out, new RegExp(`default\\s+${name}\\s+v\\d\\s+127\\.1\\.\\d+\\.\\d+\\s+yes`), name);
  }
  assert.doesNotMatch(up.err, /error|rejected|NACK/i, up.err);
});

test('ingress: port 80 redirects to https (httpsRedirect); 443 reaches productpage → reviews v3, jason → v2', { timeout: 15_000 }, async () => {
  const up = mesh();
  const redirect = await get(`${HTTP}/productpage`);
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers?.['location'], 'https://127.0.10.1/productpage');
  const anyone = await get(`${HTTPS_PORT}/`);
  assert.equal(anyone.status, 200, anyone.body);
  assert.match(anyone.body, /^Proxying value: reviews v3 \(reviews-v3-0\) answered GET \//);
  const jason = await get(`${HTTPS_PORT}/reviews/1`, undefined, 5000, { 'end-user': 'jason' });
  assert.match(jason.body, /^Proxying value: reviews v2 \(reviews-v2-0\) answered GET \/reviews\/1 for end-user jason/);
});

test('trellis exec: end-user jason → reviews v2, anyone else → v3; ratings sees the 10 s timeout', { timeout: 40_000 }, async () => {
  const up = mesh();
  const jason = await up.cli(['exec', 'productpage-v1', '--', 'curl', '-s', '-H', 'end-user: jason', 'http://reviews:9080/']);
  assert.equal(jason.code, 0, jason.err);
  assert.equal(jason.out, 'reviews v2 (reviews-v2-0) answered GET / for end-user jason\n');
  const mike = await up.cli(['exec', 'productpage-v1', '--', 'curl', '-s', '-H', 'end-user: mike', 'http://reviews:9080/']);
  assert.equal(mike.out, 'reviews v3 (reviews-v3-0) answered GET / for end-user mike\n');
  const headers = await getVia(ppIp(), 'http://ratings:9080/headers');
  assert.equal(headers.status, 200, headers.body);
  const ms = Number((JSON.parse(headers.body) as { headers: Record<string, string> }).headers['X-Envoy-Expected-Rq-Timeout-Ms']);
  assert.ok(ms > 9000 && ms <= 10_000, `the 10 s route timeout (${ms} ms left when the request reached ratings)`);
  const slow = await getVia(ppIp(), 'http://ratings:9080/delay/3');
  assert.equal(slow.status, 200, 'a 3 s answer is within the 10 s timeout');
});

test('step 01: /reviews* splits 90/10 between v1 and v2; jason still gets v2, the rest v3', { timeout: 40_000 }, async () => {
  const up = mesh();
  await applyStep('01-reviews-weighted', async () => /reviews v[12]/.test((await get(`${HTTPS_PORT}/reviews/1`)).body));
  const counts: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    const r = await get(`${HTTPS_PORT}/reviews/${i}`);
    assert.equal(r.status, 200, r.body);
    const v = /reviews (v\d)/.exec(r.body)?.[1] ?? r.body;
    counts[v] = (counts[v] ?? 0) + 1;
  }
  assert.deepEqual(Object.keys(counts).sort(), ['v1', 'v2'], JSON.stringify(counts));
  assert.ok(counts['v2']! >= 6 && counts['v2']! <= 40, `about 10% to v2 (${JSON.stringify(counts)})`);
  assert.match((await get(`${HTTPS_PORT}/reviews/1`, undefined, 5000, { 'end-user': 'jason' })).body, /reviews v2/);
  assert.match((await get(`${HTTPS_PORT}/`)).body, /reviews v3/);
});

test('step 02: retries with a 2 s per-try timeout: /delay/3 answers 504 (UT) after about 2 s', { timeout: 40_000 }, async () => {
  const up = mesh();
  up.applyStep(join(EXAMPLE, 'steps', '02-ratings-retries'));
  await until('the per-try timeout', async () => (await getVia(ppIp(), 'http://ratings:9080/delay/3')).status === 504, 15_000, 100);
  const r = await getVia(ppIp(), 'http://ratings:9080/delay/3');
  assert.equal(r.status, 504);
  assert.equal(r.body, 'upstream request timeout');
  assert.ok(r.ms >= 1900 && r.ms < 2900, `answered after ${r.ms} ms`);
  assert.match(up.log('default', 'productpage-v1-0'), /"GET \/delay\/3 HTTP\/1\.1" 504 UT .*outbound\|9080\|v1\|ratings\.default\.svc\.cluster\.local/);
  const ex = await up.cli(['explain', 'productpage-v1', 'http://ratings:9080/']);
  assert.match(ex.out, /retries: 3 on .*perTryTimeout 2s/);
});

test('step 03: a 5 s delay for half of the requests', { timeout: 40_000 }, async () => {
  const up = mesh();
  up.applyStep(join(EXAMPLE, 'steps', '03-ratings-fault-delay'));
  await until('the delay fault', async () => (await getVia(ppIp(), 'http://ratings:9080/get')).ms >= 4900, 20_000, 10);
  const batch = await Promise.all(Array.from({ length: 12 }, () => getVia(ppIp(), 'http://ratings:9080/get')));
  assert.ok(batch.every((r) => r.status === 200), JSON.stringify(batch.map((r) => r.status)));
  const delayed = batch.filter((r) => r.ms >= 4900).length;
  assert.ok(delayed >= 1 && delayed <= 11, `${delayed} of 12 delayed by 5 s (50% each)`);
  assert.ok(batch.filter((r) => r.ms < 4000).length === 12 - delayed, 'the others are not delayed');
});

test('step 04: every request to ratings is aborted with 500 (FI)', { timeout: 40_000 }, async () => {
  const up = mesh();
  up.applyStep(join(EXAMPLE, 'steps', '04-ratings-fault-abort'));
  await until('the abort fault', async () => (await getVia(ppIp(), 'http://ratings:9080/get')).status === 500, 15_000, 50);
  for (let i = 0; i < 10; i++) {
    const r = await getVia(ppIp(), 'http://ratings:9080/get');
    assert.equal(r.status, 500);
    assert.equal(r.body, 'fault filter abort');
  }
  const r = await up.cli(['exec', 'productpage-v1', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://ratings:9080/']);
  assert.equal(r.out, '500');
  assert.match(up.log('default', 'productpage-v1-0'), /"GET \/get HTTP\/1\.1" 500 FI /);
});

test('circuit breaking: reviews v1 is limited to 100 connections', { timeout: 30_000 }, async () => {
  const up = mesh();
  const r = await up.cli(['proxy-config', 'clusters', 'productpage-v1', '--fqdn', 'reviews.default.svc.cluster.local', '--subset', 'v1', '-o', 'json']);
  assert.equal(r.code, 0, r.err);
  const [cluster] = JSON.parse(r.out) as { name: string; circuitBreakers?: { thresholds?: { maxConnections?: number }[] } }[];
  assert.equal(cluster!.name, 'outbound|9080|v1|reviews.default.svc.cluster.local');
  assert.equal(cluster!.circuitBreakers?.thresholds?.[0]?.maxConnections, 100);
});
