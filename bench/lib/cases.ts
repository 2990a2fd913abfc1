/**
 * The benchmark inputs: Istio's pilot benchmark templates (../shared/conformance/istio-samples/
 * pilot-benchmarks, see SOURCES.md there) rendered with ConfigInput{Services, Instances}, and the
 * proxy Istio's bench_test.go generates for: IP 1.1.1.1, namespace default, labels
 * `istio.io/benchmark: "true"` (the label the gateway templates' Gateways select), a sidecar, or a
 * router for the gateway cases. Objects without a namespace go to `default`, as in the bench.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { nodeId } from '../../src/api/names.js';
import { proxyFromNode } from '../../src/model/proxy.js';
import type { Proxy, ProxyType } from '../../src/model/types.js';
import { isGoTemplate, renderGoTemplate } from '../../test/helpers/go-template.js';

export interface BenchCase {
  /** File name without `.yaml` (Istio's test case name). */
  name: string;
  file: string;
  proxyType: ProxyType;
  /** Whether the file uses `.Services` at all (otherwise one size is enough). */
  scales: boolean;
  /** What differs from Istio's bench, if anything. */
  note?: string;
}

/** Router proxies in Istio's bench (ProxyType: model.Router). */
const ROUTER_CASES = new Set(['gateways', 'gateways-shared', 'knative-gateway']);

const NOTES: Record<string, string> = {
  'knative-gateway':
    'template patched: upstream has no `---` between loop iterations, so consecutive VirtualServices ' +
    'merge into one document with duplicate keys (Go\'s YAML lets the last win; Trellis rejects the document); ' +
    'a `---` is added before `{{- end }}` so all 2N VirtualServices load, as intended',
  empty: 'not referenced by upstream bench_test.go; addresses 127.0.0.{{$i}} are invalid for i > 255, those ServiceEntries are dropped',
  waypoint: 'Istio benches this as a Waypoint proxy; Trellis has no waypoints, so it is compiled for a sidecar; the Gateway API Gateway is skipped',
  authorizationpolicy: 'AuthorizationPolicy objects are skipped (security kinds are out of scope)',
  'telemetry-api': 'the Telemetry object is skipped',
  strict: 'PeerAuthentication is skipped',
  disabled: 'PeerAuthentication is skipped',
};

export function discoverCases(dir: string): BenchCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.yaml$/, '');
      const text = readFileSync(join(dir, file), 'utf8');
      return {
        name,
        file: join(dir, file),
        proxyType: ROUTER_CASES.has(name) ? 'router' : 'sidecar',
        scales: /\.Services\b/.test(text),
        ...(NOTES[name] ? { note: NOTES[name] } : {}),
      };
    });
}

/** The rendered YAML of a case for `services` and `instances`. */
export function renderCase(c: BenchCase, services: number, instances: number): string {
  let text = readFileSync(c.file, 'utf8');
  if (c.name === 'knative-gateway') text = text.replace(/\n\{\{- end \}\}\s*$/, '\n---\n{{- end }}\n');
  return isGoTemplate(text) ? renderGoTemplate(text, { Services: services, Instances: instances }) : text;
}

/** Istio's bench proxy: `v0.default` at 1.1.1.1 with label istio.io/benchmark=true. */
export function benchProxy(type: ProxyType): Proxy {
  const labels = { 'istio.io/benchmark': 'true' };
  return proxyFromNode(nodeId(type, '1.1.1.1', 'v0', 'default'), { NAMESPACE: 'default', LABELS: labels });
}
