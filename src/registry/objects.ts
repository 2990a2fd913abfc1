/**
 * Small helpers over validated input objects for the registry and the model: the identity of an
 * object, its origin as a ConfigRef, its spec typed by kind, and `latestObjects`, which applies
 * the input the way `kubectl apply` would (a later object with the same kind, namespace and name
 * replaces the earlier one but keeps its place, since the place stands in for creation time).
 */
import type { RawObject } from '../api/resource.js';
import type { ConfigRef } from './types.js';

export function objectKey(o: RawObject): string {
  return `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
}

export function configRef(o: RawObject): ConfigRef {
  return {
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    file: o.origin.file,
    line: o.origin.line,
  };
}

/** The object's `spec`, typed by the caller (validation has already checked its shape). */
export function specOf<T>(o: RawObject): T {
  const s = o.body.spec;
  return (s && typeof s === 'object' ? s : {}) as T;
}

/** Later objects replace earlier ones of the same kind/namespace/name, in the earlier one's place. */
export function latestObjects(objects: readonly RawObject[]): RawObject[] {
  const index = new Map<string, number>();
  const out: RawObject[] = [];
  for (const o of objects) {
    const k = objectKey(o);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, out.length);
      out.push(o);
    } else {
      out[at] = o;
    }
  }
  return out;
}

export function ofKind(objects: readonly RawObject[], kind: string): RawObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** A plain string map from YAML (non-string values dropped). */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Whether `s` is an IPv4 or IPv6 literal (no CIDR). */
export function isIp(s: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s)) return s.split('.').every((p) => Number(p) <= 255);
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s);
}
