/**
 * Interning of generated resources: every resource is replaced by the first one seen with the
 * same content, in the snapshot in effect or the one before, so that equal resources are one
 * object across proxies and snapshots (what lets encode.ts encode each once, partial.ts compare
 * by identity, and a connection keep little memory). The elements of a resource's top-level
 * arrays of objects (a route configuration's virtual hosts, a listener's filter chains, an
 * assignment's localities) are interned the same way, so that an edited route configuration
 * keeps the objects of its unchanged virtual hosts, whose encoded bytes encode.ts keeps by
 * identity. A resource is serialized once: its JSON is assembled from its elements' JSON, and
 * its content version (the hash of that JSON, `resourceVersion`) is what it is interned by;
 * equal versions are taken to mean equal content, as everywhere in the server. Lists of
 * resources are interned by their SotW version. Two generations of tables, rotated per snapshot.
 */
import { contentVersion } from './version.js';

const versionOf = new WeakMap<object, string>();

/** Content version of one resource (Delta, and the parts of a SotW version): the hash of its JSON. */
export function resourceVersion(resource: object): string {
  let v = versionOf.get(resource);
  if (v === undefined) {
    v = contentVersion(JSON.stringify(resource));
    versionOf.set(resource, v);
  }
  return v;
}

const listVersions = new WeakMap<readonly object[], string>();

/** The SotW version of a resource list: a hash of its resources' hashes, in order. */
export function listVersion(resources: readonly object[]): string {
  let v = listVersions.get(resources);
  if (v === undefined) {
    v = contentVersion(resources.map(resourceVersion).join('\n'));
    listVersions.set(resources, v);
  }
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether a top-level value is an array whose elements are interned one by one. */
function elementArray(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.length >= 2 && v.every(isRecord);
}

export class Interner {
  private now = new Map<string, object>();
  private before = new Map<string, object>();
  private elementsNow = new Map<string, object>();
  private elementsBefore = new Map<string, object>();
  private listsNow = new Map<string, readonly object[]>();
  private listsBefore = new Map<string, readonly object[]>();

  /** A new snapshot is in effect: what the one before last interned may go. */
  rotate(): void {
    this.before = this.now;
    this.now = new Map();
    this.elementsBefore = this.elementsNow;
    this.elementsNow = new Map();
    this.listsBefore = this.listsNow;
    this.listsNow = new Map();
  }

  /** The one object for `resource`'s content (plain JSON data; not mutated). */
  resource(resource: object): object {
    let json = '{';
    let replaced: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(resource)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue; // as JSON.stringify
      let vj: string;
      if (elementArray(v)) {
        const parts: string[] = [];
        let canon: object[] | undefined;
        v.forEach((e, i) => {
          const ej = JSON.stringify(e);
          parts.push(ej);
          const c = this.element(ej, e);
          if (c !== e) (canon ??= v.slice())[i] = c;
        });
        vj = `[${parts.join(',')}]`;
        if (canon) (replaced ??= {})[k] = canon;
      } else {
        vj = JSON.stringify(v);
      }
      json += `${json.length > 1 ? ',' : ''}${JSON.stringify(k)}:${vj}`;
    }
    json += '}';
    const version = contentVersion(json);
    let canon = this.now.get(version);
    if (canon) return canon;
    canon = this.before.get(version);
    if (!canon) {
      canon = replaced ? { ...resource, ...replaced } : resource;
      versionOf.set(canon, version);
    }
    this.now.set(version, canon);
    return canon;
  }

  /** The one array for a list of this version. */
  list(list: readonly object[], version: string): readonly object[] {
    let canon = this.listsNow.get(version);
    if (canon) return canon;
    canon = this.listsBefore.get(version) ?? list;
    this.listsNow.set(version, canon);
    return canon;
  }

  private element(json: string, element: object): object {
    let canon = this.elementsNow.get(json);
    if (canon) return canon;
    canon = this.elementsBefore.get(json) ?? element;
    this.elementsNow.set(json, canon);
    return canon;
  }
}
