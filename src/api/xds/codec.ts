/**
 * Encoding and decoding of xDS resources between Trellis's in-memory form (proto3 canonical JSON,
 * see api/envoy/common.ts) and protobuf bytes, with the real Envoy protos (`protos.ts`).
 *
 * `encodeResource`/`decodeResource` are what the ADS server uses; `checkRoundTrip` is the strict
 * check tests run over compiled output: fields unknown to the protos, values of the wrong type,
 * Envoy's own validation rules (`rules.ts`), and anything that does not come back identical after
 * encode → decode. Encoding refuses input with problems rather than dropping parts of it.
 */
import type protobuf from 'protobufjs';
import { TYPE_URL_PREFIX, TypeUrl } from '../envoy/common.js';
import { type Ctx, type Json, type JsonObject, fieldsByJsonName, hasSpecialJson, isPlainObject, joinPath } from './json.js';
import { encodePlain, messageFromJson } from './from-json.js';
import { messageToJson } from './to-json.js';
import { checkRules } from './rules.js';
import { lookupMessage } from './protos.js';

export type { Json, JsonObject } from './json.js';

/** Thrown when a value cannot be encoded faithfully; `problems` lists each `path: message`. */
export class XdsCodecError extends Error {
  readonly problems: readonly string[];
  constructor(what: string, problems: readonly string[]) {
    super(`${what}:\n  ${problems.join('\n  ')}`);
    this.name = 'XdsCodecError';
    this.problems = problems;
  }
}

/** `type.googleapis.com/envoy.config.cluster.v3.Cluster` for a URL or a plain message name. */
export function typeUrlOf(typeUrlOrName: string): string {
  return typeUrlOrName.includes('/') ? typeUrlOrName : TYPE_URL_PREFIX + typeUrlOrName.replace(/^\./, '');
}

/** The message type for a type URL or a full name; throws when it is not loaded. */
export function resolveMessage(typeUrlOrName: string): protobuf.Type {
  const url = typeUrlOf(typeUrlOrName);
  const type = lookupMessage(url.slice(url.lastIndexOf('/') + 1));
  if (!type) throw new XdsCodecError('unknown message type', [`'${typeUrlOrName}' is not loaded from the Envoy protos`]);
  return type;
}

/** The type URL of a resource: `typeUrl` if given, else its `@type`. */
export function resourceTypeUrl(resource: object, typeUrl?: string): string {
  const own = (resource as Record<string, unknown>)['@type'];
  const url = typeUrl ?? (typeof own === 'string' ? own : undefined);
  if (!url) throw new XdsCodecError('resource type unknown', ['(root): no @type and no type URL given']);
  return typeUrlOf(url);
}

/** Which of the four resource types has every top-level key of `resource` (undefined if not one). */
export function inferResourceTypeUrl(resource: object): string | undefined {
  const own = (resource as Record<string, unknown>)['@type'];
  if (typeof own === 'string') return own;
  const keys = Object.keys(resource);
  const fits = Object.values(TypeUrl).filter((url) => {
    const table = fieldsByJsonName(resolveMessage(url));
    return keys.every((k) => table.has(k));
  });
  return fits.length === 1 ? fits[0] : undefined;
}

interface Converted {
  type: protobuf.Type;
  url: string;
  proto: unknown;
  canon: JsonObject;
  ctx: Ctx;
}

function convert(resource: object, typeUrl?: string): Converted {
  const url = resourceTypeUrl(resource, typeUrl);
  const type = resolveMessage(url);
  const ctx: Ctx = { problems: [] };
  const body = { ...(resource as Record<string, unknown>) };
  const own = body['@type'];
  if (own !== undefined && typeUrl !== undefined && typeUrlOf(String(own)) !== url) {
    ctx.problems.push(`@type: '${String(own)}' differs from the expected type '${url}'`);
  }
  delete body['@type'];
  // Well-known types (Duration, wrappers, Struct, …) carry their JSON under `value`, as in an Any.
  const special = hasSpecialJson(type);
  const c = messageFromJson(type, special ? body.value : body, special ? 'value' : '', ctx);
  const canon = (special ? { value: c?.canon ?? null } : (c?.canon ?? {})) as JsonObject;
  return { type, url, proto: c?.proto ?? {}, canon, ctx };
}

/** A message (by type URL or name) from its JSON form to bytes; throws XdsCodecError on problems. */
export function encodeMessage(typeUrlOrName: string, json: object): Uint8Array {
  const c = convert(json, typeUrlOrName);
  const bytes = c.ctx.problems.length ? undefined : encodePlain(c.type, c.proto, '', c.ctx);
  if (!bytes) throw new XdsCodecError(`cannot encode ${c.type.fullName.slice(1)}`, c.ctx.problems);
  return bytes;
}

/** A resource (typed by its `@type`, or by `typeUrl`) to the bytes of its message. */
export function encodeResource(resource: object, typeUrl?: string): Uint8Array {
  return encodeMessage(resourceTypeUrl(resource, typeUrl), resource);
}

/** A resource packed as a protobufjs `google.protobuf.Any` (for DiscoveryResponse.resources). */
export function packResource(resource: object, typeUrl?: string): { type_url: string; value: Uint8Array } {
  const url = resourceTypeUrl(resource, typeUrl);
  return { type_url: url, value: encodeMessage(url, resource) };
}

function decodeWith(typeUrlOrName: string, bytes: Uint8Array, ctx: Ctx): JsonObject {
  const type = resolveMessage(typeUrlOrName);
  const message = type.decode(bytes) as unknown as Record<string, unknown>;
  const json = messageToJson(type, message, '', ctx);
  return hasSpecialJson(type) ? { value: json } : (json as JsonObject);
}

/** Bytes of a message (by type URL or name) to its JSON form (no `@type`). */
export function decodeMessage(typeUrlOrName: string, bytes: Uint8Array): JsonObject {
  return decodeWith(typeUrlOrName, bytes, { problems: [] });
}

/** Bytes of a resource to its JSON form, `@type` first, as `encodeResource` takes it. */
export function decodeResource(typeUrl: string, bytes: Uint8Array): JsonObject {
  return { '@type': typeUrlOf(typeUrl), ...decodeMessage(typeUrl, bytes) };
}

export interface RoundTripOptions {
  /** Check Envoy's protoc-gen-validate rules too (default true). */
  rules?: boolean;
}

/**
 * Every problem with a resource: unknown fields (with the valid names), wrong types, bad
 * Durations, two members of one oneof, Envoy validation rules, and every value that does not
 * come back identical through encode → decode. Empty when the resource is faithful.
 */
export function checkRoundTrip(typeUrl: string | undefined, resource: object, options: RoundTripOptions = {}): string[] {
  let c: Converted;
  try {
    c = convert(resource, typeUrl);
  } catch (err) {
    return err instanceof XdsCodecError ? [...err.problems] : [String(err)];
  }
  const problems = [...c.ctx.problems];
  if (options.rules !== false) checkRules(c.type, c.canon, '', problems);
  const before = c.ctx.problems.length;
  const bytes = encodePlain(c.type, c.proto, '', c.ctx);
  if (!bytes) return [...problems, ...c.ctx.problems.slice(before)];
  const decodeCtx: Ctx = { problems: [] };
  let decoded: JsonObject;
  try {
    decoded = decodeWith(c.url, bytes, decodeCtx);
  } catch (err) {
    return [...problems, `(root): encoded bytes do not decode: ${(err as Error).message}`];
  }
  problems.push(...decodeCtx.problems);
  diff(c.canon, decoded, '', problems);
  return problems;
}

function show(value: Json | undefined): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Differences between what was meant (`want`) and what came back (`got`). */
function diff(want: Json | undefined, got: Json | undefined, path: string, out: string[]): void {
  const at = path || '(root)';
  if (Array.isArray(want) && Array.isArray(got)) {
    if (want.length !== got.length) out.push(`${at}: ${want.length} items came back as ${got.length}`);
    for (let i = 0; i < Math.min(want.length, got.length); i++) diff(want[i], got[i], `${path}[${i}]`, out);
    return;
  }
  if (isPlainObject(want) && isPlainObject(got)) {
    for (const key of Object.keys(want)) {
      const sub = joinPath(path, key);
      if (!(key in got)) out.push(`${sub}: dropped by encode → decode (was ${show(want[key])})`);
      else diff(want[key], got[key], sub, out);
    }
    for (const key of Object.keys(got)) {
      if (!(key in want)) out.push(`${joinPath(path, key)}: appeared after encode → decode (${show(got[key])})`);
    }
    return;
  }
  if (want !== got && !(Number.isNaN(want) && Number.isNaN(got))) {
    out.push(`${at}: changed by encode → decode from ${show(want)} to ${show(got)}`);
  }
}
