/**
 * The built-in gateways every Trellis mesh has, as an Istio install provides them:
 * `istio-system/istio-ingressgateway` (labels `istio: ingressgateway`, `app: istio-ingressgateway`;
 * Service ports 80→8080 `http2`, 443→8443 `https`, 15443→15443 `tls`) and
 * `istio-system/istio-egressgateway` (`istio: egressgateway`, `app: istio-egressgateway`;
 * 80→8080 `http2`, 443→8443 `https`). Each is one workload (pod `NAME-0`, fixed loopback
 * address from the address plan) and one Service; an input Deployment/Pod or Service with the
 * same namespace and name replaces the built-in one.
 */
import { ROOT_NAMESPACE } from '../api/names.js';
import { EGRESS_GATEWAY_ADDRESS, INGRESS_GATEWAY_ADDRESS } from './address-plan.js';
import type { ConfigRef, ServicePort, ServiceProtocol, Workload } from './types.js';

export interface BuiltinGateway {
  name: string;
  address: string;
  labels: Record<string, string>;
  serviceAccount: string;
  ports: { name: string; port: number; targetPort: number; protocol: ServiceProtocol }[];
}

export const INGRESS_GATEWAY: BuiltinGateway = {
  name: 'istio-ingressgateway',
  address: INGRESS_GATEWAY_ADDRESS,
  labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  serviceAccount: 'istio-ingressgateway-service-account',
  ports: [
    { name: 'http2', port: 80, targetPort: 8080, protocol: 'HTTP2' },
    { name: 'https', port: 443, targetPort: 8443, protocol: 'HTTPS' },
    { name: 'tls', port: 15443, targetPort: 15443, protocol: 'TLS' },
  ],
};

export const EGRESS_GATEWAY: BuiltinGateway = {
  name: 'istio-egressgateway',
  address: EGRESS_GATEWAY_ADDRESS,
  labels: { app: 'istio-egressgateway', istio: 'egressgateway' },
  serviceAccount: 'istio-egressgateway-service-account',
  ports: [
    { name: 'http2', port: 80, targetPort: 8080, protocol: 'HTTP2' },
    { name: 'https', port: 443, targetPort: 8443, protocol: 'HTTPS' },
  ],
};

export const BUILTIN_GATEWAYS: readonly BuiltinGateway[] = [INGRESS_GATEWAY, EGRESS_GATEWAY];

export function builtinOrigin(kind: string, name: string): ConfigRef {
  return { kind, namespace: ROOT_NAMESPACE, name, file: '<built-in>', line: 0 };
}

export function gatewayWorkload(gw: BuiltinGateway): Workload {
  return {
    kind: 'Gateway',
    namespace: ROOT_NAMESPACE,
    name: gw.name,
    podName: `${gw.name}-0`,
    address: gw.address,
    labels: { ...gw.labels },
    serviceAccount: gw.serviceAccount,
    ports: Object.fromEntries(gw.ports.map((p) => [p.name, p.targetPort])),
    network: '',
    locality: '',
    weight: 1,
    // Gateways run a proxy but carry no `security.istio.io/tlsMode: istio` label, so callers
    // reach them in plain text unless a DestinationRule says otherwise (as in Istio).
    sidecar: false,
    origin: builtinOrigin('Deployment', gw.name),
  };
}

export function gatewayServicePorts(gw: BuiltinGateway): ServicePort[] {
  return gw.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, targetPort: p.targetPort }));
}

/** Whether a workload is a gateway proxy (`router`): built-in, or labelled `istio: …gateway`. */
export function isGatewayWorkload(w: Pick<Workload, 'kind' | 'labels'>): boolean {
  return w.kind === 'Gateway' || /gateway$/.test(w.labels.istio ?? '');
}
