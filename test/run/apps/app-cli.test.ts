/**
 * `trellis app` end to end as the runner uses it: a child process (`node --import tsx
 * src/cli/entry.ts app demoapp --listen 127.0.0.x:0`) prints its listening line, answers, and
 * exits 0 on SIGTERM; env defaults (HOST, PORT, POD_NAME, POD_IP, VERSION, PROXYURL); sleep idles
 * until SIGINT. In-process: an unknown app lists the built-in names (exit 2), a port in use is a
 * one-line error (exit 1), a bad --listen says what to give (exit 2). And the app command's
 * module graph imports nothing but node: modules and commander.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../../helpers/shared.js';
import { runCli } from '../../helpers/cli.js';
import { startApp } from './helpers.js';

interface Child { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> }

function trellis(t: TestContext, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/entry.ts'), ...args], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOST: '', PORT: '', POD_NAME: '', POD_IP: '', VERSION: '', ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return { child, out: () => out, err: () => err, exited };
}

async function waitFor(c: Child, re: RegExp, ms = 30_000): Promise<RegExpExecArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = re.exec(c.out());
    if (m) return m;
    if (c.child.exitCode !== null) throw new Error(`exited ${c.child.exitCode} before ${re}:\n${c.out()}\n${c.err()}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${c.out()}\n${c.err()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('trellis app demoapp: listens, answers, stops on SIGTERM with exit 0', { timeout: 60_000 }, async (t) => {
  const c = trellis(t, ['app', 'demoapp', '--listen', '127.0.0.61:0', '--version', 'v1.1', '--pod-name', 'demoappv11-7984f579f5-9r68w', '--pod-ip', '10.220.158.84']);
  const m = await waitFor(c, /^demoapp listening on 127\.0\.0\.61:(\d+)$/m);
  const body = await (await fetch(`http://127.0.0.61:${m[1]}/`)).text();
  assert.equal(body, 'iKubernetes demoapp v1.1 !! ClientIP: 127.0.0.1, ServerName: demoappv11-7984f579f5-9r68w, ServerIP: 10.220.158.84!\n');
  c.child.kill('SIGTERM');
  assert.equal(await c.exited, 0, c.err());
  assert.match(c.out(), /^SIGTERM: stopping\nstopped\n$/m);
  assert.equal(c.err(), '');
});

test('trellis app: defaults from HOST, PORT, POD_NAME, POD_IP, VERSION and the app\'s env', { timeout: 60_000 }, async (t) => {
  const demo = await startApp(t, 'demoapp', { host: '127.0.0.62', podName: 'demoapp-x' });
  const c = trellis(t, ['app', 'proxy'], { HOST: '127.0.0.63', PORT: '0', POD_NAME: 'proxy-6b567ff76f-kf852', POD_IP: '10.0.0.7', PROXYURL: demo.base });
  const m = await waitFor(c, /^proxy listening on 127\.0\.0\.63:(\d+)$/m);
  assert.match(await (await fetch(`http://127.0.0.63:${m[1]}/hostname`)).text(), /^Proxying value: ServerName: demoapp-x\n - Took \d+ milliseconds\.\n$/);
  const s = trellis(t, ['app', 'sleep']);
  await waitFor(s, /^sleep idle: no listener$/m);
  s.child.kill('SIGINT');
  c.child.kill('SIGINT');
  assert.deepEqual([await s.exited, await c.exited], [0, 0]);
});

test('trellis app: unknown app, port in use, bad --listen: one-line errors, exit 2 / 1 / 2', { timeout: 30_000 }, async (t) => {
  const unknown = await runCli(['app', 'mysql']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.err, 'trellis: unknown app "mysql": the built-in apps are demoapp, proxy, httpbin, nginx, httpserver, sleep\n');

  const busy = await startApp(t, 'nginx', { host: '127.0.0.64' });
  const inUse = await runCli(['app', 'httpbin', '--listen', `127.0.0.64:${busy.address.port}`]);
  assert.equal(inUse.code, 1);
  assert.equal(inUse.err, `trellis: app httpbin cannot listen on 127.0.0.64:${busy.address.port}: the address is already in use (stop what listens there, or give --listen HOST:PORT with a free port)\n`);
  assert.equal(inUse.out, '');

  const bad = await runCli(['app', 'demoapp', '--listen', 'nowhere']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--listen "nowhere": use HOST:PORT, e\.g\. 127\.0\.0\.1:8080/);
  assert.equal((await runCli(['app', 'demoapp', '--listen', '127.0.0.1:70000'])).code, 2);
});

test('trellis app imports only node: modules and commander (it must start fast)', () => {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      if (/^import\s+type\b/.test(m[0].trim()) || /^export\s+type\b/.test(m[0].trim())) continue;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else bare.add(spec);
    }
  };
  for (const f of ['src/cli/entry.ts', 'src/cli/app.ts', 'src/run/apps/index.ts']) visit(join(REPO_ROOT, f));
  const other = [...bare].filter((s) => !s.startsWith('node:') && s !== 'commander');
  assert.deepEqual(other, [], `imported from ${[...seen].map((f) => relative(REPO_ROOT, f)).join(', ')}`);
});
