/**
 * Envoy's own validation rules (protoc-gen-validate annotations in the .proto files, kept by
 * protobufjs as field and oneof options), checked over canonical JSON: required oneofs, required
 * messages, string and repeated lengths, numeric and Duration bounds, map sizes. A resource that
 * breaks one of these would be NACKed by a real Envoy. Only rules whose full value protobufjs
 * keeps are checked (regex patterns and `in` lists are not); nothing here changes the resource.
 */
import protobuf from 'protobufjs';
import { type Json, type JsonObject, hasPresence, hasSpecialJson, isPlainObject, joinPath, jsonName, LONG_TYPES, realOneof } from './json.js';
import { messageForTypeUrl } from './protos.js';
import { parseBase64, parseDuration } from './wkt.js';

type Rules = Record<string, unknown>;
const PREFIX = '(validate.rules).';
const cache = new WeakMap<protobuf.Field, Rules>();

function rulesOf(field: protobuf.Field): Rules {
  let rules = cache.get(field);
  if (!rules) {
    rules = {};
    for (const [key, value] of Object.entries(field.options ?? {})) {
      if (key.startsWith(PREFIX)) rules[key.slice(PREFIX.length)] = value;
    }
    cache.set(field, rules);
  }
  return rules;
}

/** Appends `path: message` for every rule `message` (of `type`) breaks, recursing into fields. */
export function checkRules(type: protobuf.Type, message: JsonObject, path: string, out: string[]): void {
  for (const oneof of type.oneofsArray) {
    if (oneof.options?.['(validate.required)'] !== true) continue;
    const members = oneof.fieldsArray.map(jsonName);
    if (!members.some((m) => m in message)) {
      out.push(`${path || '(root)'}: one of ${members.join(', ')} is required (Envoy validation: oneof '${oneof.name}' of ${type.fullName.slice(1)})`);
    }
  }
  for (const field of type.fieldsArray) {
    const key = jsonName(field);
    const rules = rulesOf(field);
    const fieldPath = joinPath(path, key);
    const present = key in message;
    const value = message[key];
    if (!present && !realOneof(field) && (rules['message.required'] || rules['duration.required'] || rules['any.required'] || rules['timestamp.required'])) {
      out.push(`${fieldPath}: required (Envoy validation of ${type.fullName.slice(1)})`);
      continue;
    }
    if (field.map) {
      const entries = present && isPlainObject(value) ? Object.entries(value) : [];
      checkCount(entries.length, rules, 'map.min_pairs', 'map.max_pairs', fieldPath, out);
      for (const [k, v] of entries) {
        checkScalar('string', k, rules, 'map.keys.', joinPath(fieldPath, k), out);
        checkSingle(field, v, rules, 'map.values.', joinPath(fieldPath, k), out);
      }
    } else if (field.repeated) {
      const items = present && Array.isArray(value) ? value : [];
      checkCount(items.length, rules, 'repeated.min_items', 'repeated.max_items', fieldPath, out);
      items.forEach((item, i) => checkSingle(field, item, rules, 'repeated.items.', `${fieldPath}[${i}]`, out));
    } else if (present) {
      checkSingle(field, value, rules, '', fieldPath, out);
    } else if (!hasPresence(field) && !realOneof(field)) {
      checkSingle(field, defaultOf(field), rules, '', fieldPath, out);
    }
  }
}

function defaultOf(field: protobuf.Field): Json {
  if (field.resolvedType instanceof protobuf.Enum) return field.resolvedType.valuesById[0] ?? 0;
  if (field.type === 'bool') return false;
  if (field.type === 'string' || field.type === 'bytes') return '';
  return LONG_TYPES.has(field.type) ? '0' : 0;
}

function checkCount(n: number, rules: Rules, minKey: string, maxKey: string, path: string, out: string[]): void {
  const min = rules[minKey];
  const max = rules[maxKey];
  if (typeof min === 'number' && n < min) out.push(`${path}: needs at least ${min} item(s), has ${n} (Envoy validation)`);
  if (typeof max === 'number' && n > max) out.push(`${path}: allows at most ${max} item(s), has ${n} (Envoy validation)`);
}

function checkSingle(field: protobuf.Field, value: Json, rules: Rules, prefix: string, path: string, out: string[]): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const id = typeof value === 'string' ? resolved.values[value] : (value as number);
    const notIn = rules[`${prefix}enum.not_in`];
    if (typeof notIn === 'number' && id === notIn) out.push(`${path}: must not be ${String(value)} (Envoy validation)`);
    const only = rules[`${prefix}enum.const`];
    if (typeof only === 'number' && id !== only) out.push(`${path}: must be ${resolved.valuesById[only]} (Envoy validation)`);
    return;
  }
  if (!(resolved instanceof protobuf.Type)) {
    checkScalar(field.type, value, rules, prefix, path, out);
    return;
  }
  if (resolved.fullName === '.google.protobuf.Duration') {
    checkDuration(value, rules, prefix, path, out);
  } else if (resolved.fullName === '.google.protobuf.Any') {
    if (!isPlainObject(value)) return;
    const inner = messageForTypeUrl(String(value['@type']));
    if (inner && !hasSpecialJson(inner)) {
      const { ['@type']: _ignored, ...fields } = value;
      checkRules(inner, fields as JsonObject, path, out);
    }
  } else if (hasSpecialJson(resolved)) {
    const wrapped = resolved.fieldsById[1];
    if (resolved.fullName.endsWith('Value') && wrapped?.name === 'value') checkScalar(wrapped.type, value, rules, prefix, path, out);
  } else if (isPlainObject(value)) {
    checkRules(resolved, value as JsonObject, path, out);
  }
}

function checkScalar(kind: string, value: Json, rules: Rules, prefix: string, path: string, out: string[]): void {
  const base = `${prefix}${kind}.`;
  const rule = (name: string): unknown => rules[base + name];
  if (kind === 'string' && typeof value === 'string') {
    if (rule('ignore_empty') === true && value === '') return;
    const chars = [...value].length;
    const bytes = Buffer.byteLength(value);
    const fail = (what: string, name: string): void => void out.push(`${path}: ${what} (Envoy validation string.${name})`);
    if (typeof rule('min_len') === 'number' && chars < (rule('min_len') as number)) fail(`must be at least ${String(rule('min_len'))} character(s) long`, 'min_len');
    if (typeof rule('max_len') === 'number' && chars > (rule('max_len') as number)) fail(`must be at most ${String(rule('max_len'))} character(s) long`, 'max_len');
    if (typeof rule('min_bytes') === 'number' && bytes < (rule('min_bytes') as number)) fail(`must be at least ${String(rule('min_bytes'))} byte(s)`, 'min_bytes');
    if (typeof rule('max_bytes') === 'number' && bytes > (rule('max_bytes') as number)) fail(`must be at most ${String(rule('max_bytes'))} byte(s)`, 'max_bytes');
    return;
  }
  if (kind === 'bytes' && typeof value === 'string') {
    const n = parseBase64(value)?.length ?? 0;
    if (typeof rule('min_len') === 'number' && n < (rule('min_len') as number)) out.push(`${path}: must be at least ${String(rule('min_len'))} byte(s) (Envoy validation)`);
    if (typeof rule('max_len') === 'number' && n > (rule('max_len') as number)) out.push(`${path}: must be at most ${String(rule('max_len'))} byte(s) (Envoy validation)`);
    return;
  }
  if (kind === 'bool') {
    if (typeof rule('const') === 'boolean' && value !== rule('const')) out.push(`${path}: must be ${String(rule('const'))} (Envoy validation)`);
    return;
  }
  if (typeof value === 'string' && !/^-?\d+(\.\d+)?$/.test(value)) return; // NaN, Infinity
  const n = Number(value);
  if (rule('ignore_empty') === true && n === 0) return;
  const bound = (name: string): number | undefined => {
    const r = rule(name);
    return typeof r === 'number' || typeof r === 'string' ? Number(r) : undefined;
  };
  checkBounds(n, bound, kind, String(value), path, out, String);
}

/** PGV bounds: gt/gte below and lt/lte above; when the lower bound exceeds the upper, outside. */
function checkBounds(
  n: number,
  bound: (name: string) => number | undefined,
  kind: string,
  shown: string,
  path: string,
  out: string[],
  format: (bound: number) => string,
): void {
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  const constant = bound('const');
  if (constant !== undefined && n !== constant) out.push(`${path}: must be ${format(constant)}, is ${shown} (Envoy validation ${kind}.const)`);
  const lower = gt ?? gte;
  const upper = lt ?? lte;
  const aboveLower = lower === undefined || (gt !== undefined ? n > gt : n >= lower);
  const belowUpper = upper === undefined || (lt !== undefined ? n < lt : n <= upper);
  const text = [gt !== undefined && `> ${format(gt)}`, gte !== undefined && `>= ${format(gte)}`, lt !== undefined && `< ${format(lt)}`, lte !== undefined && `<= ${format(lte)}`]
    .filter(Boolean)
    .join(' and ');
  const ok = lower !== undefined && upper !== undefined && upper < lower ? aboveLower || belowUpper : aboveLower && belowUpper;
  if (!ok) out.push(`${path}: ${shown} is out of range; must be ${text} (Envoy validation ${kind})`);
}

function checkDuration(value: Json, rules: Rules, prefix: string, path: string, out: string[]): void {
  const parsed = typeof value === 'string' ? parseDuration(value) : undefined;
  if (!parsed) return;
  const nanos = Number(parsed.seconds) * 1e9 + parsed.nanos;
  const bound = (name: string): number | undefined => {
    const s = rules[`${prefix}duration.${name}.seconds`];
    const ns = rules[`${prefix}duration.${name}.nanos`];
    if (s === undefined && ns === undefined) {
      return rules[`${prefix}duration.${name}`] !== undefined ? 0 : undefined; // `gt: {}` means 0
    }
    return Number(s ?? 0) * 1e9 + Number(ns ?? 0);
  };
  checkBounds(nanos, bound, 'duration', String(value), path, out, (ns) => `${ns / 1e9}s`);
}

