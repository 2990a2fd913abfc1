/**
 * Shared pieces of the proto3-JSON codec: the JSON value type, proto3 JSON field names (protoc's
 * rule, not protobufjs's camelCase, which leaves `consecutive_5xx` alone), per-type field tables,
 * field presence, and short value descriptions for problem messages. No encoding happens here.
 */
import protobuf from 'protobufjs';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Problems found while converting, each `path: message`. */
export interface Ctx {
  problems: string[];
}

export function problem(ctx: Ctx, path: string, message: string): void {
  ctx.problems.push(`${path || '(root)'}: ${message}`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** `a.b`, or `a['x.y']` for keys that are not identifiers (map keys). */
export function joinPath(path: string, key: string): string {
  if (/^[A-Za-z_@][A-Za-z0-9_]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** protoc's JSON name: drop each underscore and upper-case the next character. */
export function protoJsonName(protoName: string): string {
  let out = '';
  let upper = false;
  for (const ch of protoName) {
    if (ch === '_') upper = true;
    else {
      out += upper ? ch.toUpperCase() : ch;
      upper = false;
    }
  }
  return out;
}

const jsonNames = new WeakMap<protobuf.Field, string>();

/** The proto3 JSON name of a field (`json_name` option if present). */
export function jsonName(field: protobuf.Field): string {
  let name = jsonNames.get(field);
  if (name === undefined) {
    const option: unknown = field.options?.['json_name'];
    name = typeof option === 'string' ? option : protoJsonName(field.name);
    jsonNames.set(field, name);
  }
  return name;
}

const tables = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

/** A type's fields by JSON name, in declaration order. */
export function fieldsByJsonName(type: protobuf.Type): Map<string, protobuf.Field> {
  let table = tables.get(type);
  if (!table) {
    table = new Map(type.fieldsArray.map((f) => [jsonName(f), f] as const));
    tables.set(type, table);
  }
  return table;
}

/** A real (not proto3-`optional` synthetic) oneof the field belongs to. */
export function realOneof(field: protobuf.Field): protobuf.OneOf | undefined {
  const oneof = field.partOf;
  if (!oneof) return undefined;
  if (oneof.fieldsArray.length === 1 && oneof.name === `_${field.name}`) return undefined;
  return oneof;
}

/** Whether a set-to-default value is still serialized (message, oneof member, proto3 optional). */
export function hasPresence(field: protobuf.Field): boolean {
  return field.partOf != null || field.resolvedType instanceof protobuf.Type;
}

export const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** Whether a singular value (canonical JSON) is its field's proto3 default. */
export function isDefaultValue(field: protobuf.Field, canon: Json): boolean {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return canon === resolved.valuesById[0] || canon === 0;
  if (resolved instanceof protobuf.Type) return false;
  switch (field.type) {
    case 'bool':
      return canon === false;
    case 'string':
    case 'bytes':
      return canon === '';
    default:
      return LONG_TYPES.has(field.type) ? canon === '0' : canon === 0;
  }
}

/** A short rendering of a value for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}

/** The candidate closest to `name` by edit distance, if reasonably close. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase().replace(/_/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Types whose JSON form is not an object of fields; inside an Any their JSON sits under `value`. */
const SPECIAL_JSON = new Set([
  '.google.protobuf.Any',
  '.google.protobuf.Duration',
  '.google.protobuf.Timestamp',
  '.google.protobuf.Struct',
  '.google.protobuf.Value',
  '.google.protobuf.ListValue',
  '.google.protobuf.FieldMask',
  '.google.protobuf.DoubleValue',
  '.google.protobuf.FloatValue',
  '.google.protobuf.Int64Value',
  '.google.protobuf.UInt64Value',
  '.google.protobuf.Int32Value',
  '.google.protobuf.UInt32Value',
  '.google.protobuf.BoolValue',
  '.google.protobuf.StringValue',
  '.google.protobuf.BytesValue',
]);

export function hasSpecialJson(type: protobuf.Type): boolean {
  return SPECIAL_JSON.has(type.fullName);
}
