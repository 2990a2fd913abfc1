/**
 * Which images are built-in apps (builtinImage), the apps' own ports (defaultPort), and `sleep`,
 * the app that listens nowhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_APPS, builtinImage, defaultPort, startBuiltinApp } from '../../../src/run/apps/index.js';

test('builtinImage: the last path segment before the tag names the app; the tag is the version', () => {
  const cases: [string, ReturnType<typeof builtinImage>][] = [
    ['registry.cn-wulanchabu.aliyuncs.com/daizhe/demoapp:v1.0', { app: 'demoapp', version: 'v1.0' }],
    ['registry.cn-x.aliyuncs.com/daizhe/demoapp:v1.1', { app: 'demoapp', version: 'v1.1' }],
    ['ikubernetes/proxy:v0.1.1', { app: 'proxy', version: 'v0.1.1' }],
    ['nginx', { app: 'nginx', version: 'latest' }],
    ['nginx:1.25-alpine', { app: 'nginx', version: '1.25-alpine' }],
    ['docker.io/library/nginx:stable', { app: 'nginx', version: 'stable' }],
    ['cncamp/httpserver:v1.0-metrics', { app: 'httpserver', version: 'v1.0-metrics' }],
    ['docker.io/kennethreitz/httpbin', { app: 'httpbin', version: 'latest' }],
    ['docker.io/mccutchen/go-httpbin:v2.15.0', { app: 'httpbin', version: 'v2.15.0' }],
    ['localhost:5000/demoapp', { app: 'demoapp', version: 'latest' }],
    ['localhost:5000/team/demoapp:v2', { app: 'demoapp', version: 'v2' }],
    ['[::1]:5000/demoapp:v3', { app: 'demoapp', version: 'v3' }],
    ['ikubernetes/demoapp@sha256:6698b205eb18fb0171398927f3a35fe27676c6bf5757ef57a35a4b055badf2c3', { app: 'demoapp', version: 'latest' }],
    ['ikubernetes/demoapp:v1.0@sha256:6698b205eb18fb0171398927f3a35fe27676c6bf5757ef57a35a4b055badf2c3', { app: 'demoapp', version: 'v1.0' }],
    ['  ikubernetes/sleep:1.0  ', { app: 'sleep', version: '1.0' }],
    ['ikubernetes/admin-box:v1.2', { app: 'sleep', version: 'v1.2' }],
    ['registry.example.com/x/demoapp-extra:v1', undefined],
    ['demoapp.example.com/mysql:8', undefined],
    ['redis', undefined],
    ['', undefined],
  ];
  for (const [image, want] of cases) assert.deepEqual(builtinImage(image), want, image);
});

test('BUILTIN_APPS and defaultPort: the images\' own ports', () => {
  assert.deepEqual([...BUILTIN_APPS], ['demoapp', 'proxy', 'httpbin', 'nginx', 'httpserver', 'sleep']);
  assert.deepEqual(BUILTIN_APPS.map((n) => defaultPort(n)), [80, 8080, 80, 80, 80, 0]);
});

test('sleep listens nowhere and stops on close', { timeout: 10_000 }, async () => {
  const app = await startBuiltinApp('sleep', { host: '127.0.0.1', port: 8080, version: 'latest', podName: 'sleep-1', podIp: '10.0.0.1', env: {} });
  assert.deepEqual(app.address, { host: '127.0.0.1', port: 0 });
  await app.close();
});

test('an address already in use rejects with EADDRINUSE', { timeout: 10_000 }, async () => {
  const a = await startBuiltinApp('nginx', { host: '127.0.0.1', port: 0, version: 'latest', podName: 'n', podIp: '127.0.0.1', env: {} });
  try {
    await assert.rejects(
      startBuiltinApp('demoapp', { host: '127.0.0.1', port: a.address.port, version: 'v1.0', podName: 'd', podIp: '127.0.0.1', env: {} }),
      (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE',
    );
  } finally {
    await a.close();
  }
});
