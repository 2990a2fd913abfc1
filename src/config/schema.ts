/**
 * A small structural schema language for the fields of each kind, and its checker.
 *
 * Each kind file declares its fields once (`obj({...})`, `str()`, `uint32()`, `dur()`, …); the
 * checker reports wrong types, unknown fields (naming the valid ones), enum values outside their
 * set (naming the valid ones), out-of-range integers and malformed durations. Semantic rules that
 * relate fields live in the kind files and run only on objects that pass this check, so they may
 * trust the types. Unset and `null` fields are treated alike, as protobuf JSON does.
 */
import type { Ctx, Path } from './ctx.js';
import { parseDuration } from './duration.js';

export type Schema =
  | { k: 'string'; enum?: readonly string[] }
  | { k: 'int'; min: number; max: number }
  | { k: 'number' }
  | { k: 'bool' }
  | { k: 'duration'; allowZero: boolean }
  | { k: 'array'; of: Schema }
  | { k: 'map'; of: Schema }
  | { k: 'object'; fields: Record<string, Schema>; open: boolean }
  | { k: 'intOrString' }
  | { k: 'any' };

export const str = (): Schema => ({ k: 'string' });
export const enumOf = (...values: string[]): Schema => ({ k: 'string', enum: values });
export const int32 = (): Schema => ({ k: 'int', min: -2147483648, max: 2147483647 });
export const uint32 = (): Schema => ({ k: 'int', min: 0, max: 4294967295 });
export const int64 = (): Schema => ({ k: 'int', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
export const uint64 = (): Schema => ({ k: 'int', min: 0, max: Number.MAX_SAFE_INTEGER });
export const num = (): Schema => ({ k: 'number' });
export const bool = (): Schema => ({ k: 'bool' });
/** A duration string (`1s`, `100ms`, `1m30s`), at least 1 ms with millisecond precision. */
export const dur = (): Schema => ({ k: 'duration', allowZero: false });
/** A duration that may also be `0s` (meaning "disabled"). */
export const durOrZero = (): Schema => ({ k: 'duration', allowZero: true });
export const arr = (of: Schema): Schema => ({ k: 'array', of });
export const map = (of: Schema): Schema => ({ k: 'map', of });
export const obj = (fields: Record<string, Schema>): Schema => ({ k: 'object', fields, open: false });
/** An object whose unknown fields are allowed (Kubernetes kinds, where Trellis reads a subset). */
export const openObj = (fields: Record<string, Schema>): Schema => ({ k: 'object', fields, open: true });
export const intOrString = (): Schema => ({ k: 'intOrString' });
export const any = (): Schema => ({ k: 'any' });

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}

function listNames(names: readonly string[]): string {
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
}

/** Edit distance, capped: only small distances matter for suggestions. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known name closest to a misspelt one (case-insensitive match, or at most 2 edits). */
function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = k.toLowerCase() === lower ? 0 : distance(name, k);
    if (d < bestD) { best = k; bestD = d; }
  }
  return best;
}

/** Checks `value` against `schema`, reporting to `ctx` at `path`. Returns true when no error. */
export function checkSchema(schema: Schema, value: unknown, path: Path, ctx: Ctx): boolean {
  const before = ctx.errorCount;
  walk(schema, value, path, ctx);
  return ctx.errorCount === before;
}

function walk(schema: Schema, value: unknown, path: Path, ctx: Ctx): void {
  if (value === null || value === undefined) return;
  switch (schema.k) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') {
        ctx.error(path, `must be a string, got ${typeName(value)}`);
      } else if (schema.enum && !schema.enum.includes(value)) {
        const near = closest(value, schema.enum);
        ctx.error(path, `unknown value ${JSON.stringify(value)}; ${near ? `did you mean ${JSON.stringify(near)}? ` : ''}valid values are: ${schema.enum.join(', ')}`);
      }
      return;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        ctx.error(path, `must be an integer, got ${typeName(value)}`);
      } else if (value < schema.min || value > schema.max) {
        ctx.error(path, `must be between ${schema.min} and ${schema.max}, got ${value}`);
      }
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) ctx.error(path, `must be a number, got ${typeName(value)}`);
      return;
    case 'bool':
      if (typeof value !== 'boolean') ctx.error(path, `must be true or false, got ${typeName(value)}`);
      return;
    case 'intOrString':
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
        ctx.error(path, `must be an integer or a string, got ${typeName(value)}`);
      }
      return;
    case 'duration': {
      if (typeof value !== 'string') {
        ctx.error(path, `must be a duration string such as "1s" or "100ms", got ${typeName(value)}`);
        return;
      }
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.error(path, `invalid duration ${JSON.stringify(value)}; use a number with a unit (ms, s, m, h), e.g. "1.5s" or "100ms"`);
      } else if (ms === 0 && schema.allowZero) {
        return;
      } else if (ms < 1) {
        ctx.error(path, `duration ${JSON.stringify(value)} is too small; it must be at least 1ms`);
      } else if (!Number.isInteger(Math.round(ms * 1e6) / 1e6)) {
        ctx.error(path, `duration ${JSON.stringify(value)} has sub-millisecond precision; use whole milliseconds`);
      }
      return;
    }
    case 'array':
      if (!Array.isArray(value)) {
        ctx.error(path, `must be a list, got ${typeName(value)}`);
        return;
      }
      for (let i = 0; i < value.length; i++) walk(schema.of, value[i], [...path, i], ctx);
      return;
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) {
        ctx.error(path, `must be a mapping, got ${typeName(value)}`);
        return;
      }
      for (const [k, v] of Object.entries(value)) walk(schema.of, v, [...path, k], ctx);
      return;
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        ctx.error(path, `must be a mapping, got ${typeName(value)}`);
        return;
      }
      for (const [k, v] of Object.entries(value)) {
        const f = Object.prototype.hasOwnProperty.call(schema.fields, k) ? schema.fields[k] : undefined;
        if (f) walk(f, v, [...path, k], ctx);
        else if (!schema.open) {
          const near = closest(k, Object.keys(schema.fields));
          ctx.error([...path, k], `unknown field ${JSON.stringify(k)}; ${near ? `did you mean ${JSON.stringify(near)}? ` : ''}valid fields here are: ${listNames(Object.keys(schema.fields))}`);
        }
      }
      return;
    }
  }
}
