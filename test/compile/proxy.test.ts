/**
 * The compiled config of each proxy is consistent as a whole, as Envoy requires: every route
 * configuration a listener names exists, every cluster a route or listener sends to exists, every
 * EDS cluster has an assignment, names are unique per type, and everything encodes with the real
 * Envoy protos. Checked for every workload and both gateways of every example scenario.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { compileProxy, edsNames, rdsNames } from '../../src/compile/index.js';
import { proxyForWorkload } from '../../src/model/proxy.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { snapshotFrom } from '../helpers/snapshot.js';
import { assertEncodes } from '../helpers/xds.js';

/** Cluster names a resource tree refers to (`cluster`, `weightedClusters.clusters[].name`). */
function referencedClusters(tree: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown, key: string): void => {
    if (Array.isArray(v)) { for (const x of v) visit(x, key); return; }
    if (typeof v === 'string') { if (key === 'cluster') out.add(v); return; }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (key === 'clusters' && typeof o.name === 'string' && 'weight' in o) out.add(o.name);
    for (const [k, x] of Object.entries(o)) visit(x, k);
  };
  visit(tree, '');
  return out;
}

function unique(names: string[], what: string): void {
  const seen = new Set<string>();
  for (const n of names) { assert.ok(!seen.has(n), `duplicate ${what} ${n}`); seen.add(n); }
}

const scenarios = readdirSync(join(REPO_ROOT, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

for (const scenario of scenarios) {
  test(`examples/${scenario}: every proxy's LDS/RDS/CDS/EDS is complete and encodes`, () => {
    const dir = join(REPO_ROOT, 'examples', scenario);
    const subdirs = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name.startsWith('cluster')).map((d) => join(dir, d.name));
    for (const input of subdirs.length ? subdirs : [dir]) {
      const snap = snapshotFrom([input]);
      assert.ok(snap.registry.workloads.length > 0);
      for (const w of snap.registry.workloads) {
        if (!w.sidecar && w.kind !== 'Gateway') continue;
        const proxy = proxyForWorkload(w, snap);
        const cfg = compileProxy(snap, proxy);
        const where = `${input} ${w.namespace}/${w.podName}`;
        unique(cfg.listeners.map((l) => l.name), `listener in ${where}`);
        unique(cfg.routes.map((r) => r.name ?? ''), `route config in ${where}`);
        unique(cfg.clusters.map((c) => c.name), `cluster in ${where}`);
        const routeNames = new Set(cfg.routes.map((r) => r.name));
        for (const n of rdsNames(cfg.listeners)) assert.ok(routeNames.has(n), `${where}: listener asks for route config ${n}, which is missing`);
        const clusterNames = new Set(cfg.clusters.map((c) => c.name));
        for (const c of referencedClusters(cfg.listeners)) assert.ok(clusterNames.has(c), `${where}: listener sends to cluster ${c}, which is missing`);
        // Routes may name clusters this proxy lacks only where Envoy is told not to check
        // (validateClusters: false, as Istio sets it): such a route answers 503 NC, as in Istio.
        for (const rc of cfg.routes) {
          if (rc.validateClusters === false) continue;
          for (const c of referencedClusters(rc)) assert.ok(clusterNames.has(c), `${where}: route config ${rc.name} sends to missing cluster ${c}`);
        }
        const assigned = new Set(cfg.endpoints.map((e) => e.clusterName));
        for (const n of edsNames(cfg.clusters)) assert.ok(assigned.has(n), `${where}: EDS cluster ${n} has no assignment`);
        assertEncodes(cfg.listeners, TypeUrl.Listener);
        assertEncodes(cfg.routes, TypeUrl.RouteConfiguration);
        assertEncodes(cfg.clusters, TypeUrl.Cluster);
        assertEncodes(cfg.endpoints, TypeUrl.ClusterLoadAssignment);
      }
    }
  });
}
