/**
 * The benchmark's mesh, as YAML texts for a MemoryStore (one object per "file", so an edit
 * re-validates one small object): S services spread over a few namespaces, each a Kubernetes
 * Service (http 8080; every fifth also grpc 9090) selecting two Deployments (v1, v2) of R
 * replicas, a DestinationRule with subsets v1/v2 and a connection pool, and a VirtualService
 * with a header match (end-user: jason → v2), retries, a timeout and a weighted split v1/v2.
 * Also the edits the scenarios apply: a VirtualService weight change (a route change) and a
 * WorkloadEntry added to or removed from a service (an endpoint-only change). Pure text.
 */

export interface MeshOptions {
  services: number;
  replicas: number;
  namespaces: number;
}

export interface MeshService {
  name: string;
  namespace: string;
  grpc: boolean;
}

export function meshServices(o: MeshOptions): MeshService[] {
  const out: MeshService[] = [];
  for (let i = 0; i < o.services; i++) {
    out.push({ name: `svc-${i}`, namespace: `ns-${i % o.namespaces}`, grpc: i % 5 === 0 });
  }
  return out;
}

function service(s: MeshService): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${s.name}
  namespace: ${s.namespace}
spec:
  selector:
    app: ${s.name}
  ports:
  - name: http
    port: 8080
    targetPort: 8080
    protocol: TCP
${s.grpc ? `  - name: grpc
    port: 9090
    targetPort: 9090
    protocol: TCP
` : ''}`;
}

function deployment(s: MeshService, version: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${s.name}-${version}
  namespace: ${s.namespace}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${s.name}
      version: ${version}
  template:
    metadata:
      labels:
        app: ${s.name}
        version: ${version}
    spec:
      serviceAccountName: ${s.name}
      containers:
      - name: app
        image: example/app:${version}
        ports:
        - containerPort: 8080
${s.grpc ? '        - containerPort: 9090\n' : ''}`;
}

function destinationRule(s: MeshService): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: ${s.name}
  namespace: ${s.namespace}
spec:
  host: ${s.name}.${s.namespace}.svc.cluster.local
  trafficPolicy:
    connectionPool:
      http:
        http1MaxPendingRequests: 100
        maxRequestsPerConnection: 10
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 10s
      baseEjectionTime: 30s
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;
}

/** The VirtualService of `s` with `weightV1` percent to v1 and the rest to v2. */
export function virtualService(s: MeshService, weightV1: number): string {
  const host = `${s.name}.${s.namespace}.svc.cluster.local`;
  return `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: ${s.name}
  namespace: ${s.namespace}
spec:
  hosts:
  - ${host}
  http:
  - name: jason
    match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination:
        host: ${host}
        subset: v2
  - name: split
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: 5xx,connect-failure
    timeout: 10s
    route:
    - destination:
        host: ${host}
        subset: v1
      weight: ${weightV1}
    - destination:
        host: ${host}
        subset: v2
      weight: ${100 - weightV1}
`;
}

/** A VM registered for `s` (an extra v1 endpoint). */
export function workloadEntry(s: MeshService, name: string, address: string): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata:
  name: ${name}
  namespace: ${s.namespace}
spec:
  address: ${address}
  labels:
    app: ${s.name}
    version: v1
  serviceAccount: ${s.name}
`;
}

export const vsFile = (s: MeshService): string => `${s.namespace}/${s.name}/virtual-service.yaml`;
export const weFile = (s: MeshService, name: string): string => `${s.namespace}/${s.name}/${name}.yaml`;

/** Every object of the mesh as `file → YAML`. */
export function meshFiles(o: MeshOptions): Map<string, string> {
  const files = new Map<string, string>();
  for (const s of meshServices(o)) {
    const dir = `${s.namespace}/${s.name}`;
    files.set(`${dir}/service.yaml`, service(s));
    files.set(`${dir}/deployment-v1.yaml`, deployment(s, 'v1', o.replicas));
    files.set(`${dir}/deployment-v2.yaml`, deployment(s, 'v2', o.replicas));
    files.set(`${dir}/destination-rule.yaml`, destinationRule(s));
    files.set(vsFile(s), virtualService(s, 90));
  }
  return files;
}
