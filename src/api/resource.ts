/**
 * The envelope every config object shares (apiVersion, kind, metadata, spec) and where it came
 * from (file and line), plus the table of kinds Trellis understands.
 *
 * This module only describes data; parsing lives in `config/`, and per-kind field types live in
 * `api/istio.ts` and `api/kubernetes.ts`.
 */

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Origin {
  file: string;
  /** 1-based line where the object starts. */
  line: number;
}

/** A parsed object whose envelope is known; `spec` is still the raw value from YAML. */
export interface RawObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  /** The whole document as plain data (for validation of fields outside `spec`). */
  body: Record<string, unknown>;
  origin: Origin;
  /** Maps a field path to the 1-based line that holds it (best effort: nearest existing parent). */
  lineOf(path: readonly (string | number)[]): number;
}

export const ISTIO_NETWORKING_GROUP = 'networking.istio.io';
export const ISTIO_VERSIONS = ['v1alpha3', 'v1beta1', 'v1'] as const;

export const ISTIO_KINDS = [
  'VirtualService',
  'DestinationRule',
  'Gateway',
  'ServiceEntry',
  'WorkloadEntry',
  'WorkloadGroup',
  'Sidecar',
] as const;
export type IstioKind = (typeof ISTIO_KINDS)[number];

export const KUBE_KINDS = ['Service', 'Namespace', 'Deployment', 'Pod'] as const;
export type KubeKind = (typeof KUBE_KINDS)[number];

export type Kind = IstioKind | KubeKind;

/** The apiVersions Trellis accepts for each kind. */
export const API_VERSIONS: Record<Kind, readonly string[]> = {
  VirtualService: ISTIO_VERSIONS.map((v) => `${ISTIO_NETWORKING_GROUP}/${v}`),
  DestinationRule: ISTIO_VERSIONS.map((v) => `${ISTIO_NETWORKING_GROUP}/${v}`),
  Gateway: ISTIO_VERSIONS.map((v) => `${ISTIO_NETWORKING_GROUP}/${v}`),
  ServiceEntry: ISTIO_VERSIONS.map((v) => `${ISTIO_NETWORKING_GROUP}/${v}`),
  WorkloadEntry: ISTIO_VERSIONS.map((v) => `${ISTIO_NETWORKING_GROUP}/${v}`),
  WorkloadGroup: ISTIO_VERSIONS.map((v) => `${ISTIO_NETWORKING_GROUP}/${v}`),
  Sidecar: ISTIO_VERSIONS.map((v) => `${ISTIO_NETWORKING_GROUP}/${v}`),
  Service: ['v1'],
  Namespace: ['v1'],
  Deployment: ['apps/v1'],
  Pod: ['v1'],
};

/** The API group that serves a kind ('' for the Kubernetes core group). */
export function groupOf(kind: Kind): string {
  const v = API_VERSIONS[kind][0]!;
  return v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
}

/** The group part of an apiVersion (`networking.istio.io/v1` → `networking.istio.io`, `v1` → ''). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function isKnownKind(kind: string): kind is Kind {
  return Object.prototype.hasOwnProperty.call(API_VERSIONS, kind);
}

/** `Kind namespace/name`, the way every message names an object. */
export function objectRef(o: { kind: string; metadata: { namespace: string; name: string } }): string {
  return o.metadata.namespace
    ? `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`
    : `${o.kind} ${o.metadata.name}`;
}

/** Formats a path as `spec.http[0].route[1].weight`. */
export function formatPath(path: readonly (string | number)[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) s += s ? `.${seg}` : seg;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}
