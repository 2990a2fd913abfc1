/**
 * proto3 canonical JSON → protobufjs input, walking the message descriptors strictly. For every
 * value it returns two things: `proto`, the object `Type.fromObject` takes (proto field names,
 * Durations as seconds/nanos, nested `Any` already encoded to bytes), and `canon`, the canonical
 * JSON a proto3 printer would write back for it (defaults of fields without presence dropped,
 * Durations normalised, 64-bit integers as strings, enums by name). `codec.ts` compares `canon`
 * with what actually comes back from the wire. Unknown fields, wrong types, bad Durations, two
 * members of one oneof and unknown `@type`s are reported with their JSON path, never ignored.
 */
import protobuf from 'protobufjs';
import { messageForTypeUrl } from './protos.js';
import {
  type Ctx,
  type Json,
  type JsonObject,
  closest,
  describe,
  fieldsByJsonName,
  hasSpecialJson,
  isDefaultValue,
  hasPresence,
  isPlainObject,
  joinPath,
  jsonName,
  LONG_TYPES,
  problem,
  realOneof,
} from './json.js';
import { formatDuration, formatTimestamp, int32InRange, parseBase64, parseDuration, parseLong, parseTimestamp, toBase64 } from './wkt.js';

export interface Converted {
  proto: unknown;
  canon: Json;
}

/** A message value (any type, well-known or not) from its JSON form. */
export function messageFromJson(type: protobuf.Type, value: unknown, path: string, ctx: Ctx): Converted | undefined {
  const name = type.fullName;
  const f = (id: number): string => type.fieldsById[id].name;
  switch (name) {
    case '.google.protobuf.Any':
      return anyFromJson(value, path, ctx);
    case '.google.protobuf.Duration':
    case '.google.protobuf.Timestamp': {
      const isDuration = name.endsWith('Duration');
      const parsed = typeof value === 'string' ? (isDuration ? parseDuration(value) : parseTimestamp(value)) : undefined;
      if (!parsed) {
        const form = isDuration ? 'a Duration string such as "5s" or "0.250s"' : 'an RFC 3339 timestamp such as "2024-01-01T00:00:00Z"';
        problem(ctx, path, `expected ${form}, got ${describe(value)}`);
        return undefined;
      }
      return {
        proto: { [f(1)]: parsed.seconds.toString(), [f(2)]: parsed.nanos },
        canon: isDuration ? formatDuration(parsed) : formatTimestamp(parsed),
      };
    }
    case '.google.protobuf.Struct':
      return structFromJson(type, value, path, ctx);
    case '.google.protobuf.ListValue': {
      if (!Array.isArray(value)) {
        problem(ctx, path, `expected an array (google.protobuf.ListValue), got ${describe(value)}`);
        return undefined;
      }
      return listFromJson(type, value, path, ctx);
    }
    case '.google.protobuf.Value':
      return valueFromJson(type, value, path, ctx);
    case '.google.protobuf.FieldMask': {
      if (typeof value !== 'string' || !/^([A-Za-z0-9.]+(,[A-Za-z0-9.]+)*)?$/.test(value)) {
        problem(ctx, path, `expected a FieldMask string such as "a.b,c", got ${describe(value)}`);
        return undefined;
      }
      const paths = value === '' ? [] : value.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
      return { proto: { [f(1)]: paths }, canon: value };
    }
    default:
      if (hasSpecialJson(type)) { // the wrappers: UInt32Value, BoolValue, …
        const inner = type.fieldsById[1];
        const c = scalarFromJson(inner.type, value, path, ctx);
        return c && { proto: { [inner.name]: c.proto }, canon: c.canon };
      }
      if (!isPlainObject(value)) {
        problem(ctx, path, `expected an object (${name.slice(1)}), got ${describe(value)}`);
        return undefined;
      }
      return fieldsFromJson(type, value, path, ctx);
  }
}

/** The fields of an ordinary message; `skip` names keys handled by the caller (`@type`). */
function fieldsFromJson(type: protobuf.Type, obj: Record<string, unknown>, path: string, ctx: Ctx, skip?: string): Converted {
  const table = fieldsByJsonName(type);
  const proto: Record<string, unknown> = {};
  const canon: JsonObject = {};
  const oneofSet = new Map<string, string>();
  for (const [key, value] of Object.entries(obj)) {
    if (key === skip || value === undefined) continue;
    const fieldPath = joinPath(path, key);
    const field = table.get(key);
    if (!field) {
      unknownField(type, key, fieldPath, ctx);
      continue;
    }
    const nullable = field.repeated || field.resolvedType?.fullName !== '.google.protobuf.Value';
    if (value === null && nullable) continue; // null means unset (except for a Value, where it is NULL_VALUE)
    const oneof = realOneof(field);
    if (oneof) {
      const other = oneofSet.get(oneof.name);
      if (other !== undefined) {
        problem(ctx, fieldPath, `'${key}' and '${other}' are both set, but they are members of oneof '${oneof.name}' of ${type.fullName.slice(1)}; set only one`);
        continue;
      }
      oneofSet.set(oneof.name, key);
    }
    const c = fieldFromJson(field, value, fieldPath, ctx);
    if (!c) continue;
    if (c.canon === OMIT) continue; // a default without presence: not serialized, not printed
    proto[field.name] = c.proto;
    canon[key] = c.canon;
  }
  return { proto, canon };
}

function unknownField(type: protobuf.Type, key: string, path: string, ctx: Ctx): void {
  const names = [...fieldsByJsonName(type).keys()];
  const byProtoName = type.fields[key];
  let hint: string;
  if (byProtoName) hint = `write it in lowerCamelCase as '${jsonName(byProtoName)}'`;
  else {
    const near = closest(key, names);
    hint = `${near ? `did you mean '${near}'? ` : ''}valid fields: ${names.join(', ') || '(none)'}`;
  }
  problem(ctx, path, `unknown field '${key}' of ${type.fullName.slice(1)}; ${hint}`);
}

/** Marks a default value of a field without presence: valid, but neither encoded nor printed. */
const OMIT = Symbol('omit') as unknown as Json;

function fieldFromJson(field: protobuf.Field, value: unknown, path: string, ctx: Ctx): Converted | undefined {
  if (field instanceof protobuf.MapField) {
    const keyType = field.keyType;
    if (!isPlainObject(value)) {
      problem(ctx, path, `expected an object (map<${keyType}, ${field.type}>), got ${describe(value)}`);
      return undefined;
    }
    const proto: Record<string, unknown> = {};
    const canon: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const itemPath = joinPath(path, k);
      if (!mapKeyValid(keyType, k)) {
        problem(ctx, itemPath, `map key '${k}' is not a valid ${keyType}`);
        continue;
      }
      const c = singleFromJson(field, v, itemPath, ctx);
      if (!c) continue;
      proto[k] = c.proto;
      canon[k] = c.canon;
    }
    return Object.keys(canon).length ? { proto, canon } : { proto, canon: OMIT };
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      problem(ctx, path, `expected an array (repeated ${field.type}), got ${describe(value)}`);
      return undefined;
    }
    const proto: unknown[] = [];
    const canon: Json[] = [];
    value.forEach((item, i) => {
      const itemPath = `${path}[${i}]`;
      if (item === null || item === undefined) {
        problem(ctx, itemPath, 'null is not allowed in a repeated field');
        return;
      }
      const c = singleFromJson(field, item, itemPath, ctx);
      if (c) {
        proto.push(c.proto);
        canon.push(c.canon);
      }
    });
    return canon.length ? { proto, canon } : { proto, canon: OMIT };
  }
  const c = singleFromJson(field, value, path, ctx);
  if (c && !hasPresence(field) && isDefaultValue(field, c.canon)) return { proto: c.proto, canon: OMIT };
  return c;
}

function mapKeyValid(keyType: string, key: string): boolean {
  if (keyType === 'string') return true;
  if (keyType === 'bool') return key === 'true' || key === 'false';
  if (LONG_TYPES.has(keyType)) return parseLong(keyType, key) !== undefined;
  return /^-?\d+$/.test(key) && int32InRange(keyType, Number(key));
}

function singleFromJson(field: protobuf.Field, value: unknown, path: string, ctx: Ctx): Converted | undefined {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageFromJson(resolved, value, path, ctx);
  if (resolved instanceof protobuf.Enum) return enumFromJson(resolved, value, path, ctx);
  return scalarFromJson(field.type, value, path, ctx);
}

function enumFromJson(type: protobuf.Enum, value: unknown, path: string, ctx: Ctx): Converted | undefined {
  const names = Object.keys(type.values);
  if (typeof value === 'string' && value in type.values) return { proto: type.values[value], canon: value };
  if (typeof value === 'number' && Number.isInteger(value) && type.valuesById[value] !== undefined) {
    return { proto: value, canon: type.valuesById[value] };
  }
  const near = typeof value === 'string' ? closest(value, names) : undefined;
  problem(ctx, path, `${describe(value)} is not a value of enum ${type.fullName.slice(1)}; ${near ? `did you mean '${near}'? ` : ''}valid: ${names.join(', ')}`);
  return undefined;
}

export function scalarFromJson(kind: string, value: unknown, path: string, ctx: Ctx): Converted | undefined {
  const wrong = (expected: string): undefined => {
    problem(ctx, path, `expected ${expected} (${kind}), got ${describe(value)}`);
    return undefined;
  };
  switch (kind) {
    case 'double':
    case 'float':
      if (typeof value === 'number') return { proto: value, canon: value };
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return { proto: Number(value), canon: value };
      return wrong('a number');
    case 'int32':
    case 'sint32':
    case 'sfixed32':
    case 'uint32':
    case 'fixed32':
      if (typeof value === 'number' && int32InRange(kind, value)) return { proto: value, canon: value };
      return wrong(kind.includes('u') || kind === 'fixed32' ? 'an integer from 0 to 4294967295' : 'a 32-bit integer');
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64': {
      const text = parseLong(kind, value);
      if (text !== undefined) return { proto: text, canon: text };
      return wrong('a 64-bit integer as a safe integer number or a decimal string');
    }
    case 'bool':
      return typeof value === 'boolean' ? { proto: value, canon: value } : wrong('true or false');
    case 'string':
      return typeof value === 'string' ? { proto: value, canon: value } : wrong('a string');
    case 'bytes': {
      const bytes = typeof value === 'string' ? parseBase64(value) : undefined;
      return bytes ? { proto: bytes, canon: toBase64(bytes) } : wrong('base64 text');
    }
    default:
      problem(ctx, path, `unsupported scalar type ${kind}`);
      return undefined;
  }
}

/** `{'@type': url, ...fields}` (or `{'@type': url, value: …}` for well-known types) → encoded Any. */
function anyFromJson(value: unknown, path: string, ctx: Ctx): Converted | undefined {
  if (!isPlainObject(value) || typeof value['@type'] !== 'string') {
    problem(ctx, path, `expected an Any: an object with '@type' (type.googleapis.com/…), got ${describe(value)}`);
    return undefined;
  }
  const url = value['@type'];
  const inner = messageForTypeUrl(url);
  if (!inner) {
    problem(ctx, joinPath(path, '@type'), `'${url}' is not a message type loaded from the Envoy protos (see api/xds/protos.ts)`);
    return undefined;
  }
  let c: Converted | undefined;
  if (hasSpecialJson(inner)) {
    for (const key of Object.keys(value)) {
      if (key !== '@type' && key !== 'value') problem(ctx, joinPath(path, key), `unknown field '${key}': an Any holding ${inner.fullName.slice(1)} has only '@type' and 'value'`);
    }
    if (value.value === undefined) {
      problem(ctx, joinPath(path, 'value'), `missing 'value' for ${inner.fullName.slice(1)}`);
      return undefined;
    }
    c = messageFromJson(inner, value.value, joinPath(path, 'value'), ctx);
    if (c) c = { proto: c.proto, canon: { '@type': url, value: c.canon } };
  } else {
    const fields = fieldsFromJson(inner, value, path, ctx, '@type');
    c = { proto: fields.proto, canon: { '@type': url, ...(fields.canon as JsonObject) } };
  }
  if (!c) return undefined;
  const bytes = encodePlain(inner, c.proto, path, ctx);
  if (!bytes) return undefined;
  return { proto: { type_url: url, value: bytes }, canon: c.canon };
}

/** protobufjs encoding of an already-checked plain object. */
export function encodePlain(type: protobuf.Type, plain: unknown, path: string, ctx: Ctx): Uint8Array | undefined {
  try {
    return type.encode(type.fromObject(plain as Record<string, unknown>)).finish();
  } catch (err) {
    problem(ctx, path, `protobufjs could not encode ${type.fullName.slice(1)}: ${(err as Error).message}`);
    return undefined;
  }
}

function structFromJson(type: protobuf.Type, value: unknown, path: string, ctx: Ctx): Converted | undefined {
  if (!isPlainObject(value)) {
    problem(ctx, path, `expected an object (google.protobuf.Struct), got ${describe(value)}`);
    return undefined;
  }
  const valueType = type.fieldsById[1].resolvedType as protobuf.Type;
  const proto: Record<string, unknown> = {};
  const canon: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const c = valueFromJson(valueType, v, joinPath(path, k), ctx);
    if (c) {
      proto[k] = c.proto;
      canon[k] = c.canon;
    }
  }
  return { proto: { [type.fieldsById[1].name]: proto }, canon };
}

function listFromJson(type: protobuf.Type, value: unknown[], path: string, ctx: Ctx): Converted {
  const valueType = type.fieldsById[1].resolvedType as protobuf.Type;
  const proto: unknown[] = [];
  const canon: Json[] = [];
  value.forEach((item, i) => {
    const c = valueFromJson(valueType, item, `${path}[${i}]`, ctx);
    if (c) {
      proto.push(c.proto);
      canon.push(c.canon);
    }
  });
  return { proto: { [type.fieldsById[1].name]: proto }, canon };
}

function valueFromJson(type: protobuf.Type, value: unknown, path: string, ctx: Ctx): Converted | undefined {
  const f = (id: number): string => type.fieldsById[id].name;
  if (value === null) return { proto: { [f(1)]: 0 }, canon: null };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      problem(ctx, path, 'a google.protobuf.Value number must be finite');
      return undefined;
    }
    return { proto: { [f(2)]: value }, canon: value };
  }
  if (typeof value === 'string') return { proto: { [f(3)]: value }, canon: value };
  if (typeof value === 'boolean') return { proto: { [f(4)]: value }, canon: value };
  if (Array.isArray(value)) {
    const c = listFromJson(type.fieldsById[6].resolvedType as protobuf.Type, value, path, ctx);
    return { proto: { [f(6)]: c.proto }, canon: c.canon };
  }
  if (isPlainObject(value)) {
    const c = structFromJson(type.fieldsById[5].resolvedType as protobuf.Type, value, path, ctx);
    return c && { proto: { [f(5)]: c.proto }, canon: c.canon };
  }
  problem(ctx, path, `expected a JSON value, got ${describe(value)}`);
  return undefined;
}
