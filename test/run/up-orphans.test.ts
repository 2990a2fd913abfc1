/**
 * No process outlives `trellis up`, even when `up` itself is killed with SIGKILL (no chance to
 * clean up): its proxies, its built-in apps and a container's own command all notice that their
 * parent is gone and exit. Afterwards `trellis status` calls the state stale and `trellis down`
 * removes it. A small mesh (two gateways, one Deployment with two containers) keeps it quick; a
 * Deployment whose image Trellis cannot run is reported (file:line, object, field, the fix) while
 * the rest runs.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAlive, pidsOf, startUp, until, type UpRun } from '../e2e/helpers/up.js';

let up: UpRun | undefined;
const example = mkdtempSync(join(tmpdir(), 'trellis-orphans-'));

after(async () => {
  await up?.close();
  rmSync(example, { recursive: true, force: true });
}, { timeout: 30_000 });

test('killing trellis up with SIGKILL leaves no process behind', { timeout: 330_000 }, async () => {
  writeFileSync(join(example, 'idle.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata: {name: idle}
spec:
  selector: {matchLabels: {app: idle}}
  template:
    metadata: {labels: {app: idle}}
    spec:
      containers:
      - {name: sleep, image: sleep}
      - {name: wait, image: busybox, command: [sleep, "300"]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken}
spec:
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec:
      containers:
      - {name: web, image: foo:1}
`);
  up = await startUp(example);
  await up.waitFor(/not every workload is ready/, 60_000);
  assert.match(up.err, /idle\.yaml:22: error: Deployment default\/broken: spec\.template\.spec\.containers\[0\]\.image: "foo:1" is not a built-in app \(demoapp, proxy, httpbin, nginx, httpserver, sleep\); give the container a command/);
  assert.match(up.out, /default\s+idle-0\s+-\s+127\.1\.\d+\.\d+\s+yes/);
  assert.match(up.out, /default\s+broken-0\s+-\s+127\.1\.\d+\.\d+\s+no/);
  const state = up.state()!;
  const pids = pidsOf(state);
  assert.equal(pids.length, 6, 'two gateways, two sidecars and two containers');
  assert.ok(pids.every(isAlive));
  process.kill(state.pid, 'SIGKILL');
  await up.exit;
  await until('every child of the killed up gone', () => pids.every((p) => !isAlive(p)), 10_000, 50)
    .catch(() => assert.fail(`still alive after their parent was killed: ${pids.filter(isAlive).join(', ')}`));

  const status = await up.cli(['status']);
  assert.equal(status.code, 1);
  assert.match(status.err, /which is gone \(run trellis down to clean it up\)/);
  const down = await up.cli(['down']);
  assert.equal(down.code, 0);
  assert.match(down.out, /removed its stale state/);
  assert.equal(up.state(), undefined);
});
