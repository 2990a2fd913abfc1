/**
 * The configurations of the proxy benchmark: the fixed-response upstream (nginx `return 200`),
 * nginx and haproxy as keep-alive reverse proxies to it, and the Trellis mesh as YAML — a
 * Gateway + gateway-bound VirtualService routing to a STATIC ServiceEntry at the upstream (the
 * plain reverse proxy), and 100 Kubernetes Services, each with a WorkloadEntry at the upstream and
 * a VirtualService of two routes (a `/canary` prefix route, then the default route with a timeout
 * and retries), for the sidecar's 100-service route table. Every server runs as one process in the
 * foreground, so the process started is the one pinned and measured.
 */

/** The response body of the upstream (a small JSON-ish text, 64 bytes). */
export const UPSTREAM_BODY = '{"service":"bench-upstream","ok":true,"padding":"0123456789abc"}';

/** One foreground nginx process, its files under `dir`, keep-alive without a request cap (opens `http {`). */
function nginxPreamble(dir: string, name: string, tmp: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/${name}-error.log warn;
pid ${dir}/${name}.pid;
events { worker_connections 8192; }
http {
  access_log off;
${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${tmp}-${t};`).join('\n')}
  keepalive_requests 100000000;
  keepalive_timeout 300s;`;
}

/** nginx as the fixed-response upstream: one process, keep-alive without a request cap. */
export function nginxUpstreamConf(dir: string, port: number): string {
  return `${nginxPreamble(dir, 'upstream', 'u')}
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / {
      default_type application/json;
      return 200 '${UPSTREAM_BODY}';
    }
  }
}
`;
}

/** nginx as a reverse proxy with an upstream keep-alive pool. */
export function nginxProxyConf(dir: string, port: number, upstreamPort: number): string {
  return `${nginxPreamble(dir, 'proxy', 'p')}
  upstream backend {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`;
}

/** haproxy in HTTP mode, one thread, server-side keep-alive with connection reuse. */
export function haproxyConf(port: number, upstreamPort: number): string {
  return `global
  nbthread 1
  maxconn 4000
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend bench
  bind 127.0.0.1:${port}
  default_backend upstream
backend upstream
  server u1 127.0.0.1:${upstreamPort} maxconn 1000
`;
}

export const GATEWAY_HOST = 'bench.example.com';
export const SERVICES = 100;
export const SERVICE_PORT = 8080;
export const serviceHost = (i: number) => `svc-${i}.bench.svc.cluster.local`;

/** The gateway scenario: Gateway on `port` + VirtualService → STATIC ServiceEntry at the upstream. */
export function gatewayYaml(port: number, upstreamPort: number): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: backend, namespace: bench}
spec:
  hosts: [backend.bench.internal]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${upstreamPort}}}]
---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: bench-gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: ${port}, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: bench-gw, namespace: bench}
spec:
  hosts: ["*"]
  gateways: [istio-system/bench-gw]
  http:
  - route: [{destination: {host: backend.bench.internal, port: {number: 80}}}]
`;
}

/** The sidecar scenario: 100 Services (each a WorkloadEntry at the upstream) and VirtualServices. */
export function sidecarYaml(upstreamPort: number, n = SERVICES): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: svc-${i}, namespace: bench}
spec:
  ports: [{name: http, port: ${SERVICE_PORT}, targetPort: http}]
  selector: {app: svc-${i}}
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: svc-${i}-0, namespace: bench}
spec: {address: 127.0.0.1, ports: {http: ${upstreamPort}}, labels: {app: svc-${i}, version: v1}}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: svc-${i}, namespace: bench}
spec:
  hosts: [svc-${i}]
  http:
  - name: canary
    match: [{uri: {prefix: /canary}}]
    route: [{destination: {host: svc-${i}}, headers: {request: {set: {x-canary: "1"}}}}]
  - name: default
    timeout: 10s
    retries: {attempts: 2, retryOn: "connect-failure,refused-stream,503"}
    route: [{destination: {host: svc-${i}}}]
`);
  }
  return docs.join('---\n');
}
