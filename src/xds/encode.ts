/**
 * Encoding of SotW DiscoveryResponses for the wire with each distinct resource encoded once.
 * Resources coming out of the generation cache are interned (one object per distinct content),
 * so the encoded `google.protobuf.Any` of a resource is kept per object (WeakMap), and so is the
 * encoded run of a whole shared resource list: a push of one route configuration to a thousand
 * sidecars encodes it once and copies bytes for each. The envelope (version_info, type_url,
 * nonce, control_plane) is written per response. Within a resource, the elements of top-level
 * repeated message fields are encoded one by one and kept by content, so an edited route
 * configuration re-encodes one virtual host, not fifty. Everything is encoded by api/xds
 * `encodeMessage`, which checks values against the Envoy protos and throws XdsCodecError as
 * before. Pure apart from the caches: WeakMaps, and a bounded map of element encodings.
 */
import protobuf from 'protobufjs';
import { DiscoveryTypeUrl, encodeMessage, resolveMessage, resourceTypeUrl } from '../api/xds/index.js';
import { fieldsByJsonName, hasSpecialJson } from '../api/xds/json.js';
import type { DiscoveryResponse } from '../api/xds/discovery.js';

/** Resource → its `resources` field entry (tag, length, encoded Any). */
const entries = new WeakMap<object, Uint8Array>();
/** Resource list → the concatenated entries of its resources. */
const lists = new WeakMap<readonly object[], Uint8Array>();

const RESPONSE_KEYS: ReadonlySet<string> = new Set(['versionInfo', 'resources', 'canary', 'typeUrl', 'nonce', 'controlPlane']);

/**
 * Encoded elements of top-level repeated message fields (a route configuration's virtual hosts,
 * a listener's filter chains) by type and JSON: a changed route configuration re-encodes only
 * the virtual hosts that changed. Two generations, rotated by count, so it stays bounded.
 */
let elementsNow = new Map<string, Uint8Array>();
let elementsBefore = new Map<string, Uint8Array>();
const MAX_ELEMENTS = 20_000;

function elementBytes(type: protobuf.Type, element: unknown): Uint8Array {
  const key = `${type.fullName}\u0000${JSON.stringify(element)}`;
  let b = elementsNow.get(key) ?? elementsBefore.get(key);
  if (!b) b = encodeMessage(type.fullName.slice(1), element as object); // throws XdsCodecError
  if (elementsNow.size >= MAX_ELEMENTS) {
    elementsBefore = elementsNow;
    elementsNow = new Map();
  }
  elementsNow.set(key, b);
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
    for (const e of v as unknown[]) {
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
  }
  return b;
}

function listOf(resources: readonly object[]): Uint8Array {
  let b = lists.get(resources);
  if (!b) {
    b = Buffer.concat(resources.map(entryOf));
    lists.set(resources, b);
  }
  return b;
}

/** A DiscoveryResponse (proto3 JSON, resources with `@type`) as protobuf bytes. */
export function encodeDiscoveryResponse(r: DiscoveryResponse): Buffer {
  for (const k of Object.keys(r)) {
    if (!RESPONSE_KEYS.has(k)) return toBuffer(encodeMessage(DiscoveryTypeUrl.DiscoveryResponse, r));
  }
  const head = protobuf.Writer.create();
  if (r.versionInfo) head.uint32(10).string(r.versionInfo);
  const body = listOf(r.resources ?? []);
  const tail = protobuf.Writer.create();
  if (r.canary) tail.uint32(24).bool(true);
  if (r.typeUrl) tail.uint32(34).string(r.typeUrl);
  if (r.nonce) tail.uint32(42).string(r.nonce);
  if (r.controlPlane) {
    tail.uint32(50).fork();
    if (r.controlPlane.identifier) tail.uint32(10).string(r.controlPlane.identifier);
    tail.ldelim();
  }
  return Buffer.concat([head.finish(), body, tail.finish()]);
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** Any discovery message by its type URL; SotW responses take the cached path. */
export function encodeResponse(typeUrl: string, message: object): Buffer {
  if (typeUrl === DiscoveryTypeUrl.DiscoveryResponse) return encodeDiscoveryResponse(message as DiscoveryResponse);
  return toBuffer(encodeMessage(typeUrl, message));
}
