/**
 * examples/003-ingress-uri-routing end to end, as its README promises: `trellis up` on a copy of
 * the folder, then through the ingress gateway with `Host: simple.baihl.io` `/simple/httpserver`
 * reaches the httpserver as `/hello` and `/simple/nginx` reaches nginx's welcome page, other paths
 * and hosts answer 404 NR (and `trellis explain` names the closest route); inside the mesh
 * `trellis exec` reaches the httpserver by its Service name; `trellis proxy-config routes` shows
 * the guide's two routes. Everything is stopped in `after`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';
import { get, meshForFile } from './helpers/up.js';

const INGRESS = 'http://127.0.10.1:8080';
const HOST = 'simple.baihl.io';
const mesh = meshForFile(join(REPO_ROOT, 'examples', '003-ingress-uri-routing'));

test('up runs both workloads in namespace simple and suggests the httpserver request', { timeout: 5000 }, () => {
  const up = mesh();
  assert.match(up.out, /simple\s+nginx-deployment-0\s+-\s+127\.1\.\d+\.\d+\s+yes/);
  assert.match(up.out, /simple\s+simple-0\s+-\s+127\.1\.\d+\.\d+\s+yes/);
  assert.match(up.out, /curl -H 'Host: simple\.baihl\.io' http:\/\/127\.0\.10\.1:8080\/simple\/httpserver/);
  assert.equal(up.err, '', 'nothing went wrong');
});

test('/simple/httpserver reaches the httpserver as /hello; /simple/nginx reaches nginx', { timeout: 15_000 }, async () => {
  const up = mesh();
  const hello = await get(`${INGRESS}/simple/httpserver`, HOST);
  assert.equal(hello.status, 200, hello.body);
  assert.match(hello.body, /^hello \[stranger\]/);
  assert.match(hello.body, /X-Envoy-Original-Path=\[\/simple\/httpserver\]/);
  const nginx = await get(`${INGRESS}/simple/nginx`, HOST);
  assert.equal(nginx.status, 200, nginx.body);
  assert.match(nginx.body, /<title>Welcome to nginx!<\/title>/);
  assert.equal(nginx.headers?.['server'], 'nginx');
});

test('other paths and other hosts: 404 from the gateway (NR), and explain names the closest route', { timeout: 40_000 }, async () => {
  const up = mesh();
  assert.equal((await get(`${INGRESS}/`, HOST)).status, 404);
  assert.equal((await get(`${INGRESS}/simple/httpserver/x`, HOST)).status, 404, 'exact match');
  assert.equal((await get(`${INGRESS}/simple/nginx`, 'other.example')).status, 404);
  const ex = await up.cli(['explain', 'istio-ingressgateway', 'http://simple.baihl.io/simple']);
  assert.equal(ex.code, 1, `explain exits 1 when the request would fail: ${ex.err}`);
  assert.match(ex.out, /result: ERROR 404 NR/);
  assert.match(ex.out, /closest is route routes\[0\] of VirtualService simple\/simple .*path "\/simple\/httpserver" ≠ "\/simple"/);
});

test('trellis exec reaches the httpserver by its Service name; proxy-config shows the two routes', { timeout: 40_000 }, async () => {
  const up = mesh();
  const r = await up.cli(['exec', '-n', 'simple', 'nginx-deployment', '--', 'curl', '-s', 'http://simple.simple/hello']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^hello \[stranger\]/);
  const routes = await up.cli(['proxy-config', 'routes', 'istio-ingressgateway']);
  assert.equal(routes.code, 0, routes.err);
  assert.match(routes.out, /http\.8080\s+simple\.baihl\.io:80\s+simple\.baihl\.io\s+\/simple\/httpserver\s+simple\.simple/);
  assert.match(routes.out, /http\.8080\s+simple\.baihl\.io:80\s+simple\.baihl\.io\s+\/simple\/nginx\*\s+simple\.simple/);
});
