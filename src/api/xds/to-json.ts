/**
 * Decoded protobufjs message → proto3 canonical JSON, the mirror of `from-json.ts`: lowerCamelCase
 * names, defaults of fields without presence left out, Durations as "5s", wrappers as plain
 * values, 64-bit integers as decimal strings, enums by name, bytes as base64, Struct as plain
 * JSON, and `Any` decoded recursively into `{'@type': url, ...fields}` (or `value` for well-known
 * types). An `Any` whose type is not loaded keeps its bytes (`value` in base64) and is reported.
 */
import protobuf from 'protobufjs';
import { messageForTypeUrl } from './protos.js';
import { type Ctx, type Json, type JsonObject, hasPresence, hasSpecialJson, isDefaultValue, joinPath, jsonName, LONG_TYPES, problem } from './json.js';
import { doubleToJson, float32ToJson, formatDuration, formatTimestamp, toBase64 } from './wkt.js';

type Decoded = Record<string, unknown>;

function own(message: Decoded, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, name) && message[name] !== null && message[name] !== undefined;
}

function longText(value: unknown): string {
  return typeof value === 'number' ? String(value) : String(value as { toString(): string });
}

export function messageToJson(type: protobuf.Type, message: Decoded, path: string, ctx: Ctx): Json {
  const field = (id: number): unknown => message[type.fieldsById[id].name];
  switch (type.fullName) {
    case '.google.protobuf.Any':
      return anyToJson(message, path, ctx);
    case '.google.protobuf.Duration':
    case '.google.protobuf.Timestamp': {
      const value = { seconds: BigInt(longText(field(1) ?? 0)), nanos: Number(field(2) ?? 0) };
      return type.fullName.endsWith('Duration') ? formatDuration(value) : formatTimestamp(value);
    }
    case '.google.protobuf.Struct':
      return structToJson(type, message, path, ctx);
    case '.google.protobuf.ListValue':
      return listToJson(type, message, path, ctx);
    case '.google.protobuf.Value':
      return valueToJson(type, message, path, ctx);
    case '.google.protobuf.FieldMask':
      return ((field(1) as string[] | undefined) ?? []).map((p) => p.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())).join(',');
    default:
      if (hasSpecialJson(type)) {
        const inner = type.fieldsById[1];
        return scalarToJson(inner.type, own(message, inner.name) ? message[inner.name] : defaultScalar(inner.type));
      }
      return fieldsToJson(type, message, path, ctx);
  }
}

function fieldsToJson(type: protobuf.Type, message: Decoded, path: string, ctx: Ctx): JsonObject {
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    if (!own(message, field.name)) continue;
    const key = jsonName(field);
    const fieldPath = joinPath(path, key);
    const value = message[field.name];
    if (field.map) {
      const entries = Object.entries(value as Decoded);
      if (!entries.length) continue;
      const obj: JsonObject = {};
      for (const [k, v] of entries) obj[k] = singleToJson(field, v, joinPath(fieldPath, k), ctx);
      out[key] = obj;
    } else if (field.repeated) {
      const items = value as unknown[];
      if (!items.length) continue;
      out[key] = items.map((v, i) => singleToJson(field, v, `${fieldPath}[${i}]`, ctx));
    } else {
      const json = singleToJson(field, value, fieldPath, ctx);
      if (!hasPresence(field) && isDefaultValue(field, json)) continue;
      out[key] = json;
    }
  }
  return out;
}

function singleToJson(field: protobuf.Field, value: unknown, path: string, ctx: Ctx): Json {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, value as Decoded, path, ctx);
  if (resolved instanceof protobuf.Enum) {
    const name = resolved.valuesById[value as number];
    return name ?? (value as number);
  }
  return scalarToJson(field.type, value);
}

function defaultScalar(kind: string): unknown {
  if (kind === 'bool') return false;
  if (kind === 'string') return '';
  if (kind === 'bytes') return new Uint8Array();
  return 0;
}

function scalarToJson(kind: string, value: unknown): Json {
  if (LONG_TYPES.has(kind)) return longText(value);
  if (kind === 'float') return float32ToJson(value as number);
  if (kind === 'double') return doubleToJson(value as number);
  if (kind === 'bytes') return toBase64(value as Uint8Array);
  return value as Json;
}

function anyToJson(message: Decoded, path: string, ctx: Ctx): Json {
  const url = String(message['type_url'] ?? '');
  const bytes = (message['value'] as Uint8Array | undefined) ?? new Uint8Array();
  const inner = messageForTypeUrl(url);
  if (!inner) {
    problem(ctx, joinPath(path, '@type'), `'${url}' is not a message type loaded from the Envoy protos; kept as bytes`);
    return { '@type': url, value: toBase64(bytes) };
  }
  let decoded: Decoded;
  try {
    decoded = inner.decode(bytes) as unknown as Decoded;
  } catch (err) {
    problem(ctx, path, `bytes of ${inner.fullName.slice(1)} do not decode: ${(err as Error).message}`);
    return { '@type': url, value: toBase64(bytes) };
  }
  const json = messageToJson(inner, decoded, path, ctx);
  return hasSpecialJson(inner) ? { '@type': url, value: json } : { '@type': url, ...(json as JsonObject) };
}

function structToJson(type: protobuf.Type, message: Decoded, path: string, ctx: Ctx): JsonObject {
  const valueType = type.fieldsById[1].resolvedType as protobuf.Type;
  const fields = (message[type.fieldsById[1].name] as Record<string, Decoded> | undefined) ?? {};
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(fields)) out[k] = valueToJson(valueType, v, joinPath(path, k), ctx);
  return out;
}

function listToJson(type: protobuf.Type, message: Decoded, path: string, ctx: Ctx): Json[] {
  const valueType = type.fieldsById[1].resolvedType as protobuf.Type;
  const values = (message[type.fieldsById[1].name] as Decoded[] | undefined) ?? [];
  return values.map((v, i) => valueToJson(valueType, v, `${path}[${i}]`, ctx));
}

function valueToJson(type: protobuf.Type, message: Decoded, path: string, ctx: Ctx): Json {
  const name = (id: number): string => type.fieldsById[id].name;
  if (own(message, name(2))) return message[name(2)] as number;
  if (own(message, name(3))) return message[name(3)] as string;
  if (own(message, name(4))) return message[name(4)] as boolean;
  if (own(message, name(5))) return structToJson(type.fieldsById[5].resolvedType as protobuf.Type, message[name(5)] as Decoded, path, ctx);
  if (own(message, name(6))) return listToJson(type.fieldsById[6].resolvedType as protobuf.Type, message[name(6)] as Decoded, path, ctx);
  return null; // null_value, or an empty Value
}
