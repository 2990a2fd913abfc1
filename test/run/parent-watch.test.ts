/**
 * The fallback that keeps `trellis up`'s own processes from outliving it where setpriv's
 * parent-death signal is missing (cli/parent-watch.ts): a process told that its parent is a PID
 * other than its actual parent stops itself within a couple of seconds; one whose parent is the
 * one named keeps running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';

const SCRIPT = `import(${JSON.stringify(join(REPO_ROOT, 'src', 'cli', 'parent-watch.ts'))}).then((m) => { m.watchParent(process.env, 100); setInterval(() => {}, 1000); });`;

function run(parentPid: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    cwd: REPO_ROOT, env: { ...process.env, TRELLIS_PARENT_PID: String(parentPid) }, stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, sig) => resolve(sig ?? code)));
  return { child, exited };
}

test('parent-watch: a process whose parent is not the one named stops itself', { timeout: 20_000 }, async () => {
  const { exited } = run(2 ** 22 + 7);
  assert.equal(await exited, 'SIGTERM');
});

test('parent-watch: a process whose parent is the one named keeps running', { timeout: 20_000 }, async (t) => {
  const { child, exited } = run(process.pid);
  t.after(() => { child.kill('SIGKILL'); });
  const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r('running'), 2500))]);
  assert.equal(early, 'running');
});
