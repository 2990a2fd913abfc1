/**
 * The result of `trellis explain`: one request walked through one workload's compiled config,
 * as a list of decisions (each naming the xDS object and field behind it and, where there is one,
 * the Istio object and its file:line) plus a summary and the outcome. This is the JSON output;
 * the text output renders it. Types only.
 */

/** An Istio or Kubernetes object a decision came from. */
export interface SourceRef {
  kind: string;
  namespace: string;
  name: string;
  file?: string;
  line?: number;
  /** Field path inside the object, when the decision comes from one field. */
  field?: string;
}

export type StepKind =
  | 'destination' | 'listener' | 'filterChain' | 'routeConfiguration' | 'virtualHost' | 'route'
  | 'weightedClusters' | 'rewrite' | 'action' | 'policy' | 'cluster' | 'endpoints' | 'blocked';

export interface Step {
  step: StepKind;
  /** One line saying what was decided. */
  decision: string;
  /** The xDS object behind the decision: `Listener 0.0.0.0_8080`, `RouteConfiguration 8080`, … */
  object?: string;
  /** The field of that object that decided it. */
  field?: string;
  source?: SourceRef;
  /** Extra lines: losing candidates, reasons, settings. */
  details?: string[];
}

export interface ExplainRequestSpec {
  method: string;
  url: string;
  scheme: string;
  host: string;
  port: number;
  authority: string;
  path: string;
  headers: Record<string, string>;
  sni?: string;
  /** http, tls (TLS from the app: no HTTP routing in the proxy), tcp */
  transport: 'http' | 'tls' | 'tcp';
}

export interface RouteSkip {
  index: number;
  name: string;
  match: string;
  reasons: string[];
  source?: SourceRef;
}

export interface EndpointInfo {
  address: string;
  port?: number;
  hostname?: string;
  healthStatus?: string;
  weight?: number;
  locality?: string;
  workload?: string;
}

export type OutcomeKind = 'forwarded' | 'passthrough' | 'redirect' | 'directResponse' | 'blocked' | 'error';

export interface Outcome {
  kind: OutcomeKind;
  /** HTTP status the client sees when not forwarded (404, 503, 502, …). */
  status?: number;
  /** Envoy response flag: NR (no route), UH (no healthy upstream), NC (no cluster). */
  responseFlag?: string;
  cluster?: string;
  message: string;
  /** Concrete fixes: YAML the user can apply, or what to change. */
  suggestions?: string[];
}

export interface Explanation {
  workload: { namespace: string; name: string; podName: string; proxyType: string; ip: string; labels: Record<string, string> };
  request: ExplainRequestSpec;
  destination: { address: string; port: number; how: string };
  listener?: string;
  acceptedBy?: string;
  filterChain?: string;
  routeConfiguration?: string;
  virtualHost?: string;
  route?: { index: number; name: string; match: string; source?: SourceRef };
  skippedRoutes: RouteSkip[];
  weightedClusters?: { clusters: { name: string; weight: number }[]; totalWeight: number; random: number; chosen: string };
  rewrite?: { path: string; authority: string };
  cluster?: {
    name: string;
    type?: string;
    subset?: string;
    lbPolicy?: string;
    hashPolicy?: unknown;
    circuitBreakers?: unknown;
    outlierDetection?: unknown;
    destinationRule?: SourceRef;
    services?: SourceRef[];
  };
  endpoints: EndpointInfo[];
  /** Every cluster named along the way (route targets, weighted choices, the chosen one). */
  clusters: string[];
  steps: Step[];
  outcome: Outcome;
}
