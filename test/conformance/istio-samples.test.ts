/**
 * Istio's own sample and test configs (../shared/conformance/istio-samples, see SOURCES.md there):
 * every YAML/JSON file parses (Go text/template files are rendered first with the values below),
 * and the objects that fail validation are exactly the ones listed in EXPECTED_INVALID, each
 * with the reason Istio rejects it too. A validator that starts rejecting a sample Istio accepts,
 * or stops rejecting one Istio rejects, fails this test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadTexts, type LoadedConfig } from '../../src/config/load.js';
import { isGoTemplate, renderGoTemplate, type TemplateData } from '../helpers/go-template.js';
import { sharedPath } from '../helpers/shared.js';

const root = sharedPath('conformance', 'istio-samples');

/**
 * Values for the templates' variables (SOURCES.md lists them). Counts are kept small: the
 * benchmarks use 100–1000, but every generated object has the same shape.
 */
const TEMPLATE_DATA: TemplateData = {
  // pilot-benchmarks/*: ConfigInput{Services, Instances}
  Services: 3,
  Instances: 6,
  // tests-integration-pilot-testdata/traffic-shifting.yaml
  Name: 'sample',
  Namespace: 'echo',
  Host0: 'a',
  Host1: 'b',
  Host2: 'c',
  Weight0: 50,
  Weight1: 30,
  Weight2: 20,
  // traffic-mirroring-template.yaml (Name above)
  MirrorHost: 'c',
  Percent: 50,
  Absent: false,
  // tunneling/*.tmpl.yaml (the Egress* variables are left unset so their `default`s apply)
  externalNamespace: 'external',
  externalSvcTcpPort: 9090,
  externalSvcTlsPort: 9443,
  forwardProxyPort: 3128,
  tlsEnabled: true,
  // samples-multicluster/expose-istiod-rev.yaml.tmpl
  Revision: 'canary',
  // authz-b.yaml: GatewayIstioLabel left unset (default "ingressgateway")
};

/** Per-file overrides of TEMPLATE_DATA. */
const TEMPLATE_OVERRIDES: Record<string, TemplateData> = {
  // Upstream's range loop in this file has no `---` between iterations, so with more than one
  // service the VirtualServices run together into one document with duplicate keys (Go's YAML
  // reader lets the last one win; ours rejects duplicate keys). One service renders it as meant.
  'pilot-benchmarks/knative-gateway.yaml': { Services: 1 },
};

/** MeshConfig fragments that sit beside the configs they go with: YAML, but not config objects. */
const MESH_CONFIG = /-mesh-cfg\.yaml$/;

/**
 * Objects Istio itself rejects, as `file | Kind name | field`. Each entry says why Istio would
 * report it too. The test fails if the actual set of invalid objects differs.
 */
const EXPECTED_INVALID: string[] = [
  // --- Kubernetes objects in the analyzer fixtures: stubs that the Kubernetes API server rejects
  // (the analyzer tests load them without the API server). Pods need spec.containers, each with a
  // name and an image; a ClusterIP Service (the default type) may not set nodePort; a Service port
  // protocol is TCP, UDP or SCTP (HTTP/HTTPS are Istio port-name conventions, not protocols).
  'config-analysis-analyzers-testdata/conflicting-gateways-subSelector.yaml | Pod my-ingressgateway-1 | spec.containers[0].image',
  'config-analysis-analyzers-testdata/conflicting-gateways-subSelector.yaml | Pod my-ingressgateway-2 | spec.containers[0].image',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway-badport-notarget.yaml | Pod my-ingressgateway-1234 | spec.containers[0].image',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway-badport-notarget.yaml | Service my-ingressgateway | spec.ports[0].nodePort',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway-badport.yaml | Pod my-ingressgateway-1234 | spec.containers[0].image',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway-badport.yaml | Service my-ingressgateway | spec.ports[0].nodePort',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway-svcselector.yaml | Pod my-ingressgateway-8001 | spec.containers[0].image',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway-svcselector.yaml | Pod my-ingressgateway-8002 | spec.containers[0].image',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway-svcselector.yaml | Service my-8002 | spec.ports[0].nodePort',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway-translation.yaml | Pod my-ingressgateway-1234 | spec.containers[0].image',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway-translation.yaml | Service my-ingressgateway | spec.ports[0].nodePort',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway.yaml | Pod my-ingressgateway-1234 | spec.containers[0].image',
  'config-analysis-analyzers-testdata/gateway-custom-ingressgateway.yaml | Service my-ingressgateway | spec.ports[0].nodePort',
  'config-analysis-analyzers-testdata/gateway-duplicate-certificate.yaml | Pod internal-ingressgateway | spec.containers[0].image',
  'config-analysis-analyzers-testdata/gateway-secrets.yaml | Pod custom-gateway | spec',
  'config-analysis-analyzers-testdata/sidecar-default-selector.yaml | Pod random-pod | spec.containers[0].name',
  'config-analysis-analyzers-testdata/sidecar-default-selector.yaml | Pod random-pod-ambient | spec',
  'config-analysis-analyzers-testdata/sidecar-selector.yaml | Pod productpage | spec',
  'config-analysis-analyzers-testdata/sidecar-selector.yaml | Pod productpage-other | spec',
  'config-analysis-analyzers-testdata/sidecar-selector.yaml | Pod ratings | spec',
  'config-analysis-analyzers-testdata/sidecar-selector.yaml | Pod reviews | spec',
  'config-analysis-analyzers-testdata/virtualservice_destinationhosts.yaml | Service reviews-2port | spec.ports[0].protocol',
  'config-analysis-analyzers-testdata/virtualservice_destinationhosts.yaml | Service reviews-2port | spec.ports[1].protocol',
  'config-analysis-analyzers-testdata/virtualservice_route_rule_no_effects_ingress.yaml | Service ratings | spec.ports[0].protocol',

  // --- Gateways. Istio's ValidateGateway: a server without `port` ("port is required").
  'config-analysis-analyzers-testdata/conflicting-gateways-invalid-port.yaml | Gateway alpha | spec.servers[0].port',
  'config-analysis-analyzers-testdata/conflicting-gateways-invalid-port.yaml | Gateway beta | spec.servers[0].port',
  // "port names in servers must be unique: duplicate name …" (two servers named tcp / http).
  'config-analysis-analyzers-testdata/conflicting-gateways-multiple-ports.yaml | Gateway alpha | spec.servers[1].port.name',
  'config-analysis-analyzers-testdata/conflicting-gateways-multiple-ports.yaml | Gateway beta | spec.servers[1].port.name',
  'config-analysis-analyzers-testdata/virtualservice_host_not_found_gateway.yaml | Gateway testing-gateway-01-test-04 | spec.servers[1].port.name',
  'config-analysis-analyzers-testdata/virtualservice_host_not_found_gateway_beta.yaml | Gateway testing-gateway-01-test-04 | spec.servers[1].port.name',
  // No `servers` at all ("gateway must have at least one server").
  'config-analysis-analyzers-testdata/gateway-no-workload.yaml | Gateway httpbin-gateway | spec.servers',
  'config-analysis-analyzers-testdata/virtualservice_gateways.yaml | Gateway crossnamespace-gw | spec.servers',
  'config-analysis-analyzers-testdata/virtualservice_gateways.yaml | Gateway httpbin-gateway | spec.servers',
  // metadata.name with capitals: not a DNS-1123 name (the API server rejects it; Istio requires
  // Gateway names to be DNS-1123 labels).
  'config-analysis-analyzers-testdata/gateway-secrets.yaml | Gateway defaultgateway-bogusCredentialName | metadata.name',
  // SIMPLE TLS with neither credentialName nor serverCertificate/privateKey: Istio's
  // validateTLSOptions ("SIMPLE TLS requires a server certificate" / "… a private key").
  'config-analysis-analyzers-testdata/gateway-secrets.yaml | Gateway defaultgateway-nocredential | spec.servers[0].tls.privateKey',
  'config-analysis-analyzers-testdata/gateway-secrets.yaml | Gateway defaultgateway-nocredential | spec.servers[0].tls.serverCertificate',
  // The sample's placeholder host "ISTIOD-HOST.DOMAIN" (to be replaced by the user) is upper
  // case, so not a valid DNS name: Istio's host validation rejects it until it is filled in.
  'samples-multicluster/expose-istiod-https.yaml | Gateway istiod-gateway | spec.servers[0].hosts[0]',
  'samples-multicluster/expose-istiod-https.yaml | Gateway istiod-gateway | spec.servers[1].hosts[0]',
  'samples-multicluster/expose-istiod-https.yaml | VirtualService istiod-vs | spec.hosts[0]',

  // --- Sidecars with no egress, ingress, outboundTrafficPolicy or inboundConnectionPool (only a
  // workloadSelector, or no spec): Istio's ValidateSidecar "empty configuration provided".
  'config-analysis-analyzers-testdata/sidecar-default-selector.yaml | Sidecar namespace-not-ambient | spec',
  'config-analysis-analyzers-testdata/sidecar-default-selector.yaml | Sidecar namespace-scoped | spec',
  'config-analysis-analyzers-testdata/sidecar-default-selector.yaml | Sidecar pod-scoped | spec',

  // --- ServiceEntry host "*": Istio's ValidateServiceEntry ("invalid host *") and the CRD's CEL
  // rule ("hostname cannot be wildcard").
  'config-analysis-analyzers-testdata/virtualservice_destinationhosts.yaml | ServiceEntry service-entry-ignore | spec.hosts[0]',

  // --- VirtualServices. A route entry `{}` with no destination ("destination is required"), and
  // two destinations whose weights total 0 ("total destination weight = 0").
  'config-analysis-analyzers-testdata/virtualservice_destinationhosts.yaml | VirtualService reviews-bogushost | spec.http[0].route',
  'config-analysis-analyzers-testdata/virtualservice_destinationhosts.yaml | VirtualService reviews-bogushost | spec.http[0].route[0].destination',
  // No http, tcp or tls ("http, tcp or tls must be provided in virtual service"); the fixtures
  // only test gateway references. missing-gateway.yaml says so in its own comment.
  'config-analysis-analyzers-testdata/virtualservice_gateways.yaml | VirtualService cross-test | spec',
  'config-analysis-analyzers-testdata/virtualservice_gateways.yaml | VirtualService httpbin | spec',
  'config-analysis-analyzers-testdata/virtualservice_gateways.yaml | VirtualService httpbin-bogus | spec',
  'config-analysis-analyzers-testdata/virtualservice_gateways.yaml | VirtualService httpbin-mesh | spec',
  'tests-integration-pilot-testdata/some-dir/missing-gateway.yaml | VirtualService missing-gateway | spec',
  // Host "*" bound to the mesh ("wildcard host * is not allowed for virtual services bound to
  // the mesh gateway").
  'config-analysis-analyzers-testdata/virtualservice_gateways.yaml | VirtualService httpbin-mesh | spec.hosts[0]',
  // The gateway name "gateway~istio-autogenerated-k8s-gateway~foo" is not a DNS-1123 label;
  // Istio's validateGatewayNames accepts such internal names only for VirtualServices it
  // generates itself from the Gateway API (gatewaySemantics), not in user config.
  'config-analysis-analyzers-testdata/virtualservice_internal_gateway_ref.yaml | VirtualService httpbin | spec.gateways[0]',

  // --- pilot's LDS test corpus loads these straight into the config store, bypassing admission.
  // "BACKEND": capitals are not a DNS-1123 name (the API server rejects it), and the port name
  // "HTTPS" is not a DNS-1123 label (Istio's ValidatePortName: "invalid port name").
  'tests-testdata-networking/ingress-gateway/configs.yaml | ServiceEntry BACKEND | metadata.name',
  'tests-testdata-networking/ingress-gateway/configs.yaml | ServiceEntry BACKEND | spec.ports[0].name',
  // `websocketUpgrade` was removed from HTTPRoute in Istio 1.1 (WebSocket upgrades are always
  // allowed). It is not in the CRD's structural schema, so `kubectl apply` (strict field
  // validation, the default) rejects it as an unknown field; pilot's file loader ignores it.
  'tests-testdata-config/rule-websocket-route.yaml | VirtualService websocket-route | spec.http[0].websocketUpgrade',
  'tests-testdata-config/rule-websocket-route.yaml | VirtualService websocket-route2 | spec.http[0].websocketUpgrade',

  // --- istioctl's VM-onboarding inputs have no apiVersion: istioctl reads them as a bare
  // WorkloadGroup, but kubectl / the API server (and `istioctl validate`) cannot place an object
  // without apiVersion.
  'istioctl-workload-testdata/vmconfig-nil-proxy-metadata/workloadgroup.yaml | WorkloadGroup foo | apiVersion',
  'istioctl-workload-testdata/vmconfig/ipv4/workloadgroup.yaml | WorkloadGroup foo | apiVersion',
  'istioctl-workload-testdata/vmconfig/ipv6/workloadgroup.yaml | WorkloadGroup foo | apiVersion',

  // Deliberately NOT listed (Istio accepts them, so they must stay valid or skipped):
  // config-analysis-analyzers-testdata/virtualservice_kubernetes_gateways.yaml Gateway my-gateway
  // and pilot-benchmarks/waypoint.yaml Gateway waypoint are Kubernetes Gateway API objects
  // (gateway.networking.k8s.io/v1). Istio implements the Gateway API and accepts them, and
  // Trellis skips them; they must not be checked as networking.istio.io Gateways.
];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (/\.(ya?ml|json|tmpl)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

function render(path: string): { rel: string; text: string } {
  const rel = relative(root.path, path);
  const raw = readFileSync(path, 'utf8');
  const text = isGoTemplate(raw) ? renderGoTemplate(raw, { ...TEMPLATE_DATA, ...TEMPLATE_OVERRIDES[rel] }) : raw;
  return { rel, text };
}

function load(path: string): { rel: string; cfg: LoadedConfig } {
  const { rel, text } = render(path);
  return { rel, cfg: loadTexts([{ file: rel, text }]) };
}

/** Config files: everything except the MeshConfig fragments. */
function configFiles(): string[] {
  return files(root.path).filter((f) => !MESH_CONFIG.test(f));
}

test('istio-samples: every YAML/JSON file parses (templates rendered)', { skip: root.skip }, () => {
  const all = files(root.path);
  assert.ok(all.length >= 150, `expected the 161 sample files, found ${all.length}`);
  const failures: string[] = [];
  for (const f of all.filter((x) => MESH_CONFIG.test(x))) {
    for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) {
      for (const e of doc.errors) failures.push(`${relative(root.path, f)}: ${e.message.split('\n')[0]}`);
    }
  }
  let objects = 0;
  for (const f of configFiles()) {
    const { rel, cfg } = load(f);
    objects += cfg.objects.length + cfg.skipped.length;
    for (const p of cfg.failures) failures.push(`${rel}:${p.line} ${p.object ?? ''} ${p.field}: ${p.message}`);
  }
  assert.deepEqual(failures, []);
  assert.ok(objects > 300, `only ${objects} objects read`);
});

test('istio-samples: templates leave no unset variable behind', { skip: root.skip }, () => {
  const unset = files(root.path).filter((f) => isGoTemplate(readFileSync(f, 'utf8')) && render(f).text.includes('<no value>'));
  assert.deepEqual(unset.map((f) => relative(root.path, f)), []);
});

test('istio-samples: exactly the expected objects fail validation', { skip: root.skip }, () => {
  const actual: string[] = [];
  const details: string[] = [];
  for (const f of configFiles()) {
    const { rel, cfg } = load(f);
    for (const o of cfg.objects) {
      if (o.valid) continue;
      const fields = [...new Set(o.errors.map((e) => e.field))].sort();
      for (const field of fields) actual.push(`${rel} | ${o.raw.kind} ${o.raw.metadata.name} | ${field}`);
      details.push(...o.errors.map((e) => `${rel}:${e.line ?? o.raw.origin.line} ${o.raw.kind} ${o.raw.metadata.name}: ${e.field}: ${e.message}`));
    }
  }
  const expected = [...new Set(EXPECTED_INVALID)].sort();
  const got = [...new Set(actual)].sort();
  const unexpected = got.filter((x) => !expected.includes(x));
  const missing = expected.filter((x) => !got.includes(x));
  assert.deepEqual({ unexpected, missing }, { unexpected: [], missing: [] }, `validation errors:\n${details.join('\n')}`);
});
