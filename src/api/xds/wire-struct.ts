/**
 * google.protobuf.Struct, Value and ListValue on the wire, hand-written (their shape is fixed):
 * plain JSON → bytes and back, with no schema and no protobufjs. Used for the node metadata the
 * proxy sends, Istio's metadata exchange header (proxy/stats/peer-metadata.ts), and by the
 * schema decoder (wire-decode.ts) wherever a Struct appears in a resource.
 *
 * Decoding gives what to-json.ts gives: keys in wire order (as a JS object orders them), a Value
 * by the first of number/string/bool/struct/list that is set (numbers as they are, NaN included),
 * null otherwise. Encoding matches codec.ts `encodeMessage` byte for byte: undefined object
 * members are left out; undefined list items, non-finite numbers and non-JSON values throw.
 */
import type { Json, JsonObject } from './json.js';
import { MAX_DEPTH, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireError, WireReader } from './wire-reader.js';
import { WireWriter } from './wire-writer.js';

// ── Decoding ────────────────────────────────────────────────────────────────────────────────

/** Sets `obj[key]` as an own property, `__proto__` included. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** A Struct spanning r.pos..end. */
export function readStruct(r: WireReader, end: number, depth: number): JsonObject {
  if (depth > MAX_DEPTH) throw new WireError('messages nested too deep', r.pos);
  const out: JsonObject = {};
  r.fields(end, (id, wt) => {
    if (id !== 1) return r.skip(wt);
    r.expect(wt, WIRE_LEN, 'Struct.fields');
    let key = '';
    let value: Json = null;
    r.fields(r.span(), (eid, ewt) => {
      if (eid === 1) {
        r.expect(ewt, WIRE_LEN, 'Struct.fields key');
        key = r.string();
      } else if (eid === 2) {
        r.expect(ewt, WIRE_LEN, 'Struct.fields value');
        value = readValue(r, r.span(), depth + 1);
      } else r.skip(ewt);
    });
    setOwn(out, key, value);
  });
  return out;
}

/** A Value spanning r.pos..end: the first of number/string/bool/struct/list set, else null. */
export function readValue(r: WireReader, end: number, depth: number): Json {
  if (depth > MAX_DEPTH) throw new WireError('messages nested too deep', r.pos);
  const kinds: (Json | undefined)[] = [];
  r.fields(end, (id, wt) => {
    switch (id) {
      case 1:
        r.expect(wt, WIRE_VARINT, 'Value.null_value');
        r.uint32();
        return;
      case 2:
        r.expect(wt, WIRE_FIXED64, 'Value.number_value');
        kinds[2] = r.double();
        return;
      case 3:
        r.expect(wt, WIRE_LEN, 'Value.string_value');
        kinds[3] = r.string();
        return;
      case 4:
        r.expect(wt, WIRE_VARINT, 'Value.bool_value');
        r.varint64();
        kinds[4] = r.lo !== 0 || r.hi !== 0;
        return;
      case 5:
        r.expect(wt, WIRE_LEN, 'Value.struct_value');
        kinds[5] = readStruct(r, r.span(), depth + 1);
        return;
      case 6:
        r.expect(wt, WIRE_LEN, 'Value.list_value');
        kinds[6] = readList(r, r.span(), depth + 1);
        return;
      default:
        r.skip(wt);
    }
  });
  return kinds[2] ?? kinds[3] ?? kinds[4] ?? kinds[5] ?? kinds[6] ?? null;
}

/** A ListValue spanning r.pos..end. */
export function readList(r: WireReader, end: number, depth: number): Json[] {
  if (depth > MAX_DEPTH) throw new WireError('messages nested too deep', r.pos);
  const out: Json[] = [];
  r.fields(end, (id, wt) => {
    if (id !== 1) return r.skip(wt);
    r.expect(wt, WIRE_LEN, 'ListValue.values');
    out.push(readValue(r, r.span(), depth + 1));
  });
  return out;
}

/** A google.protobuf.Struct's bytes → plain JSON; throws WireError on malformed input. */
export function decodeStruct(bytes: Uint8Array): JsonObject {
  const r = new WireReader(bytes);
  return readStruct(r, r.end, 0);
}

// ── Encoding ────────────────────────────────────────────────────────────────────────────────

function where(path: string): string {
  return path || '(root)';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** A Struct's fields (the map entries) for a plain object. */
export function writeStruct(w: WireWriter, obj: Record<string, unknown>, path: string): WireWriter {
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const entry = new WireWriter().string(1, k).message(2, writeValue(new WireWriter(), v, path ? `${path}.${k}` : k));
    w.message(1, entry);
  }
  return w;
}

function writeValue(w: WireWriter, v: unknown, path: string): WireWriter {
  if (v === null) return w.tag(1, WIRE_VARINT).varint(0);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${where(path)}: a google.protobuf.Value number must be finite, got ${v}`);
    return w.double(2, v);
  }
  if (typeof v === 'string') return w.string(3, v);
  if (typeof v === 'boolean') return w.bool(4, v);
  if (Array.isArray(v)) {
    const list = new WireWriter();
    v.forEach((item, i) => {
      if (item === undefined) throw new Error(`${where(path)}[${i}]: expected a JSON value, got undefined`);
      list.message(1, writeValue(new WireWriter(), item, `${path}[${i}]`));
    });
    return w.message(6, list);
  }
  if (isObject(v)) return w.message(5, writeStruct(new WireWriter(), v, path));
  throw new Error(`${where(path)}: expected a JSON value (null, number, string, boolean, array or object), got ${typeof v}`);
}

/** A google.protobuf.Struct's bytes for a plain JSON object. */
export function encodeStruct(obj: Record<string, unknown>): Buffer {
  return writeStruct(new WireWriter(), obj, '').finish();
}
