/**
 * The proxyless gRPC scenario as config files: a ServiceEntry `echo`
 * (echo.default.svc.cluster.local, port 7070 GRPC, STATIC, workloadSelector app: echo) over two
 * WorkloadEntries (v1, v2: loopback addresses and the ports the echo servers really listen on),
 * a DestinationRule with subsets v1/v2, and a VirtualService sending `x-user: jason` to v2 and
 * splitting the rest by weight. Used by the generator unit tests and the end-to-end test, which
 * writes these files to a config directory and edits the VirtualService.
 */

export const ECHO_HOST = 'echo.default.svc.cluster.local';
export const ECHO_PORT = 7070;
export const ECHO_TARGET = `${ECHO_HOST}:${ECHO_PORT}`;

export interface EchoBackend {
  address: string;
  port: number;
}

export interface EchoMeshOptions {
  v1: EchoBackend;
  v2: EchoBackend;
  /** Weights of v1 and v2 for requests without `x-user: jason`. */
  weights: [number, number];
}

export function serviceEntryYaml(): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata:
  name: echo
  namespace: default
spec:
  hosts:
  - ${ECHO_HOST}
  location: MESH_INTERNAL
  ports:
  - number: ${ECHO_PORT}
    name: grpc
    protocol: GRPC
  resolution: STATIC
  workloadSelector:
    labels:
      app: echo
`;
}

export function workloadEntriesYaml(o: Pick<EchoMeshOptions, 'v1' | 'v2'>): string {
  const we = (version: 'v1' | 'v2', b: EchoBackend): string => `apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata:
  name: echo-${version}
  namespace: default
spec:
  address: "${b.address}"
  ports:
    grpc: ${b.port}
  labels:
    app: echo
    version: ${version}
`;
  return `${we('v1', o.v1)}---\n${we('v2', o.v2)}`;
}

export function destinationRuleYaml(): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: echo
  namespace: default
spec:
  host: ${ECHO_HOST}
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;
}

export function virtualServiceYaml(weights: [number, number]): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: echo
  namespace: default
spec:
  hosts:
  - ${ECHO_HOST}
  http:
  - name: jason
    match:
    - headers:
        x-user:
          exact: jason
    route:
    - destination:
        host: ${ECHO_HOST}
        subset: v2
  - name: split
    route:
    - destination:
        host: ${ECHO_HOST}
        subset: v1
      weight: ${weights[0]}
    - destination:
        host: ${ECHO_HOST}
        subset: v2
      weight: ${weights[1]}
`;
}

/** File name → YAML text for the whole scenario. */
export function echoMeshFiles(o: EchoMeshOptions): Record<string, string> {
  return {
    'service-entry.yaml': serviceEntryYaml(),
    'workload-entries.yaml': workloadEntriesYaml(o),
    'destination-rule.yaml': destinationRuleYaml(),
    'virtual-service.yaml': virtualServiceYaml(o.weights),
  };
}

/** The node id and metadata of a proxyless gRPC client at `ip` in `default` (Istio's form). */
export function grpcClientNode(ip: string, namespace = 'default'): { id: string; metadata: Record<string, unknown> } {
  return {
    id: `sidecar~${ip}~grpc-client.${namespace}~${namespace}.svc.cluster.local`,
    metadata: { GENERATOR: 'grpc', NAMESPACE: namespace, LABELS: { app: 'grpc-client' }, INTERCEPTION_MODE: 'NONE' },
  };
}
