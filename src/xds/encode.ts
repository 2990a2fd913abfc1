/**
 * Encoding of SotW DiscoveryResponses for the wire with each distinct resource encoded once.
 * Resources coming out of the generation cache are interned (one object per distinct content),
 * so the encoded `google.protobuf.Any` of a resource is kept per object (WeakMap). A response is
 * written into one buffer (envelope and the resources' bytes, one copy), and the last few
 * responses are kept by resource list and envelope: a push round gives every proxy with the same
 * list and version the same nonce (sotw.ts), so a route configuration pushed to a thousand
 * sidecars is one buffer that gRPC copies for each. Nothing is kept per list beyond those few,
 * so a proxy's own list (its inbound listeners) costs no memory here. Within a resource, the elements of top-level
 * repeated message fields are encoded one by one and kept by content, so an edited route
 * configuration re-encodes one virtual host, not fifty. Everything is encoded by api/xds
 * `encodeMessage`, which checks values against the Envoy protos and throws XdsCodecError as
 * before. Pure apart from the caches: WeakMaps, a few recent responses, and
 * the counters in `encodeStats` (what was encoded, for the benchmark; load-independent figures).
 */
import protobuf from 'protobufjs';
import { DiscoveryTypeUrl, encodeMessage, resolveMessage, resourceTypeUrl } from '../api/xds/index.js';
import { fieldsByJsonName, hasSpecialJson } from '../api/xds/json.js';
import type { DiscoveryResponse } from '../api/xds/discovery.js';

/** Resource → its `resources` field entry (tag, length, encoded Any). */
const entries = new WeakMap<object, Uint8Array>();

/** The last responses written, by list identity and envelope (a push round repeats them). */
const RECENT = 16;
const recent = new Map<string, Buffer>();
const listIds = new WeakMap<readonly object[], number>();
let nextListId = 0;

/** Running totals: resources encoded and responses assembled (both cache misses), with their bytes. */
export const encodeStats = { resources: 0, resourceBytes: 0, responses: 0, responseBytes: 0 };

const RESPONSE_KEYS: ReadonlySet<string> = new Set(['versionInfo', 'resources', 'canary', 'typeUrl', 'nonce', 'controlPlane']);

/**
 * Encoded elements of top-level repeated message fields (a route configuration's virtual hosts,
 * a listener's filter chains) by element object: the generation cache interns elements across
 * snapshots (intern.ts), so a changed route configuration re-encodes only the virtual hosts that
 * changed.
 */
const elementCache = new WeakMap<object, Uint8Array>();

function elementBytes(type: protobuf.Type, element: object): Uint8Array {
  if (typeof element !== 'object' || element === null) return encodeMessage(type.fullName.slice(1), element); // throws XdsCodecError
  let b = elementCache.get(element);
  if (!b) {
    b = encodeMessage(type.fullName.slice(1), element); // throws XdsCodecError
    elementCache.set(element, b);
  }
  return b;
}

/**
 * A resource's message bytes: its top-level repeated message fields encoded element by element
 * (cached) after the other fields. Protobuf allows fields in any order and concatenated
 * occurrences of a repeated field, so this decodes to the same message as `encodeResource`.
 */
function resourceBytes(resource: object): Uint8Array {
  const url = resourceTypeUrl(resource);
  const type = resolveMessage(url); // throws XdsCodecError for an unknown type
  const fields = fieldsByJsonName(type);
  const rest: Record<string, unknown> = {};
  const parts: Uint8Array[] = [];
  for (const [k, v] of Object.entries(resource)) {
    const f = k === '@type' ? undefined : fields.get(k);
    const element = f?.repeated && !f.map && f.resolvedType instanceof protobuf.Type && !hasSpecialJson(f.resolvedType) ? f.resolvedType : undefined;
    if (!f || !element || !Array.isArray(v) || v.length < 2) {
      rest[k] = v;
      continue;
    }
    for (const e of v as object[]) {
      const b = elementBytes(element, e);
      parts.push(protobuf.Writer.create().uint32((f.id << 3) | 2).uint32(b.length).finish(), b);
    }
  }
  const head = encodeMessage(url, rest);
  return parts.length === 0 ? head : Buffer.concat([head, ...parts]);
}

function entryOf(resource: object): Uint8Array {
  let b = entries.get(resource);
  if (!b) {
    const url = resourceTypeUrl(resource);
    const value = resourceBytes(resource); // throws XdsCodecError
    // DiscoveryResponse.resources = 2 (length-delimited): Any { type_url = 1; value = 2 }
    b = protobuf.Writer.create().uint32(18).fork().uint32(10).string(url).uint32(18).bytes(value).ldelim().finish();
    entries.set(resource, b);
    encodeStats.resources += 1;
    encodeStats.resourceBytes += b.length;
  }
  return b;
}

/** A DiscoveryResponse (proto3 JSON, resources with `@type`) as protobuf bytes. Shared: never mutate. */
export function encodeDiscoveryResponse(r: DiscoveryResponse): Buffer {
  for (const k of Object.keys(r)) {
    if (!RESPONSE_KEYS.has(k)) return toBuffer(encodeMessage(DiscoveryTypeUrl.DiscoveryResponse, r));
  }
  const resources = r.resources ?? [];
  let id = listIds.get(resources);
  if (id === undefined) listIds.set(resources, (id = ++nextListId));
  const key = `${id}\n${r.versionInfo ?? ''}\n${r.canary ? 1 : 0}\n${r.typeUrl ?? ''}\n${r.nonce ?? ''}\n${r.controlPlane?.identifier ?? '\u0000'}`;
  let out = recent.get(key);
  if (out) {
    recent.delete(key); // most recent last
    recent.set(key, out);
    return out;
  }
  const parts = resources.map(entryOf); // throws XdsCodecError
  const head = protobuf.Writer.create();
  if (r.versionInfo) head.uint32(10).string(r.versionInfo);
  const tail = protobuf.Writer.create();
  if (r.canary) tail.uint32(24).bool(true);
  if (r.typeUrl) tail.uint32(34).string(r.typeUrl);
  if (r.nonce) tail.uint32(42).string(r.nonce);
  if (r.controlPlane) {
    tail.uint32(50).fork();
    if (r.controlPlane.identifier) tail.uint32(10).string(r.controlPlane.identifier);
    tail.ldelim();
  }
  out = Buffer.concat([head.finish(), ...parts, tail.finish()]);
  recent.set(key, out);
  if (recent.size > RECENT) recent.delete(recent.keys().next().value!);
  encodeStats.responses += 1;
  encodeStats.responseBytes += out.length;
  return out;
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** Any discovery message by its type URL; SotW responses take the cached path. */
export function encodeResponse(typeUrl: string, message: object): Buffer {
  if (typeUrl === DiscoveryTypeUrl.DiscoveryResponse) return encodeDiscoveryResponse(message as DiscoveryResponse);
  return toBuffer(encodeMessage(typeUrl, message));
}
