/**
 * examples/000-external-services end to end, as its README promises: the "physical machine"
 * nginx is `trellis app nginx --listen 127.0.0.25:80` started beside the mesh (outside it, as
 * the README starts it), `trellis up` runs a copy of the folder, and from the admin pod
 * - base (ServiceEntry with a STATIC endpoint): `ngx.hj.com` reaches the nginx through
 *   `outbound|80||ngx.hj.com`;
 * - step 01 (WorkloadEntry + workloadSelector, subset v10): through `outbound|80|v10|ngx.hj.com`,
 *   whose endpoint is the WorkloadEntry;
 * - step 02 (egress gateway): the sidecar sends it to the egress gateway, which sends it on to
 *   subset v10 — both hops in the access logs.
 * Everything (the mesh and the nginx) is stopped in `after`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';
import { getVia, startUp, until, type UpRun } from './helpers/up.js';

const EXAMPLE = join(REPO_ROOT, 'examples', '000-external-services');
let up: UpRun;
let nginx: ChildProcess | undefined;
let nginxOut = '';
let admin: string;

before(async () => {
  up = await startUp(EXAMPLE);
  // After startUp: it holds the one-mesh lock, and 127.0.0.25:80 is part of this mesh's world.
  nginx = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'entry.ts'), 'app', 'nginx', '--listen', '127.0.0.25:80'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stdout!.on('data', (c: Buffer) => { nginxOut += c.toString(); });
  nginx.stderr!.on('data', (c: Buffer) => { nginxOut += c.toString(); });
  await up.waitFor(/ready in [\d.]+ s/, 90_000);
  await until('the nginx listening', () => /nginx listening on 127\.0\.0\.25:80/.test(nginxOut), 30_000, 50)
    .catch((e: Error) => { throw new Error(`${e.message}: ${nginxOut}`); });
  admin = up.podIp('admin');
}, { timeout: 330_000 });

after(async () => {
  if (nginx && nginx.exitCode === null) {
    const gone = new Promise((r) => nginx!.once('exit', r));
    nginx.kill('SIGTERM');
    const t = setTimeout(() => nginx!.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
  await up?.close();
}, { timeout: 30_000 });

const NGX = 'http://ngx.hj.com/';

async function nginxAnswers(): Promise<void> {
  const r = await getVia(admin, NGX);
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /<title>Welcome to nginx!<\/title>/);
  assert.equal(r.headers?.['server'], 'nginx');
}

test('base: the ServiceEntry\'s STATIC endpoint 127.0.0.25:80 answers ngx.hj.com, through trellis exec too', { timeout: 40_000 }, async () => {
  assert.equal(up.err, '', 'nothing went wrong');
  assert.match(up.out, /trellis exec admin -- curl -s http:\/\/ngx\.hj\.com\//);
  const r = await up.cli(['exec', 'admin', '--', 'curl', '-s', '-H', 'x-user: alice', NGX]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /<title>Welcome to nginx!<\/title>/);
  await nginxAnswers();
  assert.match(up.log('default', 'admin-0'), /"GET \/ HTTP\/1\.1" 200 .*"ngx\.hj\.com" "127\.0\.0\.25:80" outbound\|80\|\|ngx\.hj\.com /);
  const c = await up.cli(['proxy-config', 'clusters', 'admin', '--fqdn', 'ngx.hj.com']);
  assert.match(c.out, /ngx\.hj\.com\s+80\s+-\s+outbound\s+EDS\s+ngx-dr\.default/);
});

test('step 01: the WorkloadEntry is the endpoint of subset v10', { timeout: 40_000 }, async () => {
  up.applyStep(join(EXAMPLE, 'steps', '01-workload-entry'));
  await until('subset v10 in use', async () => {
    await getVia(admin, NGX);
    return /outbound\|80\|v10\|ngx\.hj\.com /.test(up.log('default', 'admin-0').trim().split('\n').pop() ?? '');
  }, 10_000, 100);
  await nginxAnswers();
  assert.match(up.log('default', 'admin-0').trim().split('\n').pop()!, /"GET \/ HTTP\/1\.1" 200 .*"127\.0\.0\.25:80" outbound\|80\|v10\|ngx\.hj\.com /);
  const ep = await up.cli(['proxy-config', 'endpoints', 'admin', '--cluster', 'outbound|80|v10|ngx.hj.com']);
  assert.match(ep.out, /127\.0\.0\.25:80\s+HEALTHY\s+OK\s+outbound\|80\|v10\|ngx\.hj\.com/);
  assert.doesNotMatch(up.out + up.err, /already defined/, 'the step replaces the base objects');
});

test('step 02: the sidecar sends ngx.hj.com to the egress gateway, which sends it to subset v10', { timeout: 40_000 }, async () => {
  up.applyStep(join(EXAMPLE, 'steps', '02-egress-gateway'));
  const egress = () => up.log('istio-system', 'istio-egressgateway-0');
  await until('a request through the egress gateway', async () => {
    await getVia(admin, NGX);
    return /outbound\|80\|v10\|ngx\.hj\.com /.test(egress());
  }, 10_000, 100);
  await nginxAnswers();
  assert.match(up.log('default', 'admin-0').trim().split('\n').pop()!, /"GET \/ HTTP\/1\.1" 200 .*"ngx\.hj\.com" "127\.0\.10\.2:8080" outbound\|80\|\|istio-egressgateway\.istio-system\.svc\.cluster\.local /);
  assert.match(egress().trim().split('\n').pop()!, /"GET \/ HTTP\/1\.1" 200 .*"ngx\.hj\.com" "127\.0\.0\.25:80" outbound\|80\|v10\|ngx\.hj\.com /);
});
