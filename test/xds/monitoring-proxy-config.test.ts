/**
 * `trellis proxy-config … --xds ADDR PROXY_ID` against a real control plane started in-process
 * on 127.0.0.1 (port 0) serving the seed-001 example (sidecar canary), with a raw ADS client that
 * announces the `proxy` Deployment's node id and metadata and subscribes as Envoy does (CDS, EDS
 * of the EDS clusters, LDS, RDS of the names the listeners use): the route, listener, cluster and
 * endpoint tables printed from the control plane are those printed offline from the same files;
 * `all -o json` is the control plane's config dump; a proxy that is not connected is exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { Cluster } from '../../src/api/envoy/cluster.js';
import type { Listener } from '../../src/api/envoy/listener.js';
import { edsNames, rdsNames } from '../../src/compile/index.js';
import { proxyFromNode } from '../../src/model/proxy.js';
import { runCli } from '../helpers/cli.js';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';
import { AdsTestClient, names, startTestControlPlane } from './monitoring-fixtures.js';

const EXAMPLE = 'examples/001-sidecar-canary';

function strip(resources: readonly object[] | undefined): Record<string, unknown>[] {
  return (resources ?? []).map((r) => {
    const { '@type': _t, ...rest } = r as Record<string, unknown>;
    return rest;
  });
}

test('proxy-config --xds: the tables of what the control plane sent a proxy are the offline ones', { timeout: 60_000 }, async (t) => {
  const files = readdirSync(EXAMPLE).filter((f) => /\.ya?ml$/.test(f)).sort();
  const tcp = await startTestControlPlane(t, Object.fromEntries(files.map((f) => [f, readFileSync(join(EXAMPLE, f), 'utf8')])));

  // The `proxy` Deployment's identity, announced as a sidecar would.
  const offlineProxy = proxyFor(snapshotFrom(files.map((f) => join(EXAMPLE, f))), 'default/proxy');
  const metadata = {
    NAMESPACE: offlineProxy.namespace, LABELS: offlineProxy.labels, WORKLOAD_NAME: offlineProxy.workloadName,
    SERVICE_ACCOUNT: offlineProxy.serviceAccount, CLUSTER_ID: offlineProxy.clusterId,
  };
  assert.deepEqual(proxyFromNode(offlineProxy.id, metadata), offlineProxy, 'the node announces the same proxy');
  const client = new AdsTestClient(t, tcp.xds, { id: offlineProxy.id, metadata });
  const cds = await client.request(TypeUrl.Cluster);
  client.ack(cds);
  const eds = await client.request(TypeUrl.ClusterLoadAssignment, edsNames(strip(cds.resources) as unknown as Cluster[]));
  client.ack(eds);
  const lds = await client.request(TypeUrl.Listener);
  client.ack(lds);
  const routeNames = rdsNames(strip(lds.resources) as unknown as Listener[]);
  assert.ok(routeNames.includes('8080'), routeNames.join(' '));
  const rds = await client.request(TypeUrl.RouteConfiguration, routeNames);
  client.ack(rds);
  assert.deepEqual(names(rds).sort(), [...routeNames].sort());

  const fileArgs = files.flatMap((f) => ['-f', join(EXAMPLE, f)]);
  for (const kind of ['routes', 'listeners', 'clusters', 'endpoints']) {
    const offline = await runCli(['proxy-config', kind, 'proxy', ...fileArgs]);
    assert.equal(offline.code, 0, offline.err);
    assert.ok(offline.out.split('\n').length > 3, `offline ${kind}:\n${offline.out}`);
    // PROXY_ID as the node id, as POD.NAMESPACE, and as POD with -n.
    for (const id of [offlineProxy.id, `${offlineProxy.podName}.default`]) {
      const live = await runCli(['proxy-config', kind, '--xds', tcp.monitoring, id]);
      assert.equal(live.code, 0, live.err);
      assert.equal(live.out, offline.out, `${kind} of ${id}`);
    }
  }
  const pod = await runCli(['pc', 'r', offlineProxy.podName, '-n', 'default', '--xds', tcp.monitoring, '--name', '8080']);
  assert.equal(pod.code, 0, pod.err);
  assert.match(pod.out, /^NAME\s+VHOST NAME\s+DOMAINS\s+MATCH\s+VIRTUAL SERVICE\n8080\s+demoapp\.default\.svc\.cluster\.local:8080\s+.*\/canary\*\s+demoapp\.default\n/);

  // -o json of one type: the resources as offline; `all -o json`: the control plane's dump.
  const jsonLive = await runCli(['pc', 'routes', '--xds', tcp.monitoring, offlineProxy.id, '-o', 'json']);
  const jsonOffline = await runCli(['pc', 'routes', 'proxy', ...fileArgs, '-o', 'json']);
  assert.equal(jsonLive.out, jsonOffline.out);
  const all = await runCli(['pc', 'all', '--xds', tcp.monitoring, offlineProxy.id, '-o', 'json']);
  assert.equal(all.code, 0, all.err);
  const dump = JSON.parse(all.out) as { configs: { '@type': string; versionInfo?: string }[] };
  assert.equal(dump.configs.length, 4, 'with endpoints');
  assert.equal(dump.configs[0]!.versionInfo, cds.versionInfo);

  // Not connected, and both sources at once: usage errors (exit 2).
  const missing = await runCli(['pc', 'routes', '--xds', tcp.monitoring, 'nobody.default']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /not connected to this control plane: "nobody\.default"; connected: proxy-0\.default/);
  const both = await runCli(['pc', 'routes', '--xds', tcp.monitoring, offlineProxy.id, ...fileArgs]);
  assert.equal(both.code, 2);
  assert.match(both.err, /either config files \(-f\) or a running control plane \(--xds\)/);
});
