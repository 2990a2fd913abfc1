/**
 * Protobuf bytes → proto3 canonical JSON, driven by the compact wire schema (wire-schema.ts), for
 * the proxy: the exact JSON codec.ts `decodeResource`/`decodeMessage` give (to-json.ts over a
 * protobufjs decode), without protobufjs. Same keys in the same order (declaration order; map and
 * Struct keys in wire order), defaults of fields without presence left out, enums by name (the
 * number when unknown), 64-bit integers as decimal strings, float/double as to-json.ts prints
 * them, bytes in base64, Duration/Timestamp/wrappers/FieldMask/Struct/Value/ListValue in their
 * JSON forms, and Any decoded recursively into `{'@type', ...fields}` (`value` for well-known
 * types; the bytes in base64 when the type is unknown or does not decode). Unknown fields are
 * skipped. Like protobufjs, a singular field seen twice keeps the last value (messages are not
 * merged) and oneof members do not clear each other.
 *
 * Malformed input (truncated, a wire type that does not fit the field, bad varint) throws
 * WireError naming the type, the byte offset and the field path. Message tables are compiled
 * lazily, per type, on first use.
 */
import type { Json, JsonObject } from './json.js';
import { doubleToJson, float32ToJson, formatDuration, formatTimestamp } from './wkt.js';
import { MAX_DEPTH, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireError, WireReader, longToString } from './wire-reader.js';
import { readList, readStruct, readValue, setOwn } from './wire-struct.js';
import { loadWireSchema, type WireField, type WireSchema } from './wire-schema.js';

const TYPE_URL_PREFIX = 'type.googleapis.com/';
/** What a Date can print (JavaScript's range, wider than proto3's 0001-9999). */
const MIN_TIMESTAMP = -8_640_000_000_000n;
const MAX_TIMESTAMP = 8_640_000_000_000n;

/** How a message prints, when not as an object of its fields. */
type Special = 'any' | 'duration' | 'timestamp' | 'struct' | 'value' | 'list' | 'fieldmask' | 'wrapper' | undefined;

const SPECIAL: Record<string, Special> = {
  'google.protobuf.Any': 'any',
  'google.protobuf.Duration': 'duration',
  'google.protobuf.Timestamp': 'timestamp',
  'google.protobuf.Struct': 'struct',
  'google.protobuf.Value': 'value',
  'google.protobuf.ListValue': 'list',
  'google.protobuf.FieldMask': 'fieldmask',
  'google.protobuf.DoubleValue': 'wrapper',
  'google.protobuf.FloatValue': 'wrapper',
  'google.protobuf.Int64Value': 'wrapper',
  'google.protobuf.UInt64Value': 'wrapper',
  'google.protobuf.Int32Value': 'wrapper',
  'google.protobuf.UInt32Value': 'wrapper',
  'google.protobuf.BoolValue': 'wrapper',
  'google.protobuf.StringValue': 'wrapper',
  'google.protobuf.BytesValue': 'wrapper',
};

const WIRE_OF: Record<string, number> = {
  double: WIRE_FIXED64, fixed64: WIRE_FIXED64, sfixed64: WIRE_FIXED64,
  float: WIRE_FIXED32, fixed32: WIRE_FIXED32, sfixed32: WIRE_FIXED32,
  string: WIRE_LEN, bytes: WIRE_LEN,
  int32: WIRE_VARINT, uint32: WIRE_VARINT, sint32: WIRE_VARINT, int64: WIRE_VARINT, uint64: WIRE_VARINT, sint64: WIRE_VARINT, bool: WIRE_VARINT,
};

interface Field {
  readonly f: WireField;
  readonly index: number;
  /** Wire type of one (unpacked) value. */
  readonly wire: number;
  /** Whether a LEN value may be a packed run of values. */
  readonly packable: boolean;
  /** For message fields and map values of message type (compiled on first use). */
  msg?: Message;
  /** Enum value names by number. */
  enumNames?: Record<string, string>;
}

interface Message {
  readonly name: string;
  readonly special: Special;
  readonly fields: Field[];
  readonly byId: Map<number, Field>;
}

/** The JSON of a missing value of `f`'s type (what to-json.ts prints for an unset wrapper). */
function defaultJson(kind: string): Json {
  switch (kind) {
    case 'bool':
      return false;
    case 'string':
    case 'bytes':
      return '';
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64':
      return '0';
    default:
      return 0;
  }
}

export class WireDecoder {
  private readonly compiled = new Map<string, Message>();

  constructor(private readonly schema: WireSchema) {}

  /** Whether a message type (full name, no leading dot) is in the schema. */
  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.schema.messages, name);
  }

  /** Bytes of a message (by type URL or full name) → its JSON form (no `@type`), as codec.ts `decodeMessage`. */
  decodeMessage(typeUrlOrName: string, bytes: Uint8Array): JsonObject {
    const name = typeUrlOrName.slice(typeUrlOrName.lastIndexOf('/') + 1).replace(/^\./, '');
    const m = this.message(name);
    if (!m) throw new Error(`unknown message type: '${typeUrlOrName}' is not in the Envoy protos' wire schema`);
    const r = new WireReader(bytes);
    let json: Json;
    try {
      json = this.read(m, r, r.end, 0);
    } catch (e) {
      if (e instanceof WireError) e.inType(name);
      throw e;
    }
    return m.special ? { value: json } : (json as JsonObject);
  }

  /** Bytes of a resource → its JSON form, `@type` first, as codec.ts `decodeResource`. */
  decodeResource(typeUrl: string, bytes: Uint8Array): JsonObject {
    const url = typeUrl.includes('/') ? typeUrl : TYPE_URL_PREFIX + typeUrl.replace(/^\./, '');
    return { '@type': url, ...this.decodeMessage(url, bytes) };
  }

  // ── Tables ────────────────────────────────────────────────────────────────────────────────

  private message(name: string): Message | undefined {
    let m = this.compiled.get(name);
    if (m) return m;
    if (!this.has(name)) return undefined;
    const fields = this.schema.messages[name]!.fields.map((f, index): Field => {
      const wire = f.kind === 'message' ? WIRE_LEN : f.kind === 'enum' ? WIRE_VARINT : WIRE_OF[f.type]!;
      return { f, index, wire: f.mapKey ? WIRE_LEN : wire, packable: !!f.repeated && !f.mapKey && wire !== WIRE_LEN };
    });
    m = { name, special: SPECIAL[name], fields, byId: new Map(fields.map((f) => [f.f.id, f])) };
    this.compiled.set(name, m);
    return m;
  }

  private messageOf(field: Field): Message {
    if (!field.msg) {
      const m = this.message(field.f.type);
      if (!m) throw new Error(`wire schema: ${field.f.type} (field ${field.f.name}) is missing`);
      field.msg = m;
    }
    return field.msg;
  }

  private enumOf(field: Field): Record<string, string> {
    field.enumNames ??= this.schema.enums[field.f.type] ?? {};
    return field.enumNames;
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────────

  /** A message spanning r.pos..end as JSON (its special form for well-known types). */
  private read(m: Message, r: WireReader, end: number, depth: number): Json {
    if (depth > MAX_DEPTH) throw new WireError('messages nested too deep', r.pos);
    switch (m.special) {
      case 'any':
        return this.readAny(r, end, depth);
      case 'struct':
        return readStruct(r, end, depth);
      case 'value':
        return readValue(r, end, depth);
      case 'list':
        return readList(r, end, depth);
      default:
        break;
    }
    const slots = this.readFields(m, r, end, depth);
    switch (m.special) {
      case 'duration':
      case 'timestamp': {
        const value = { seconds: BigInt((slots[0] as string | undefined) ?? '0'), nanos: Number(slots[1] ?? 0) };
        if (m.special === 'duration') return formatDuration(value);
        if (value.seconds < MIN_TIMESTAMP || value.seconds > MAX_TIMESTAMP) throw new WireError(`Timestamp seconds ${value.seconds} out of range`, r.pos);
        return formatTimestamp(value);
      }
      case 'fieldmask':
        return ((slots[0] as string[] | undefined) ?? []).map((p) => p.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())).join(',');
      case 'wrapper':
        return (slots[0] as Json | undefined) ?? defaultJson(m.fields[0]!.f.type);
      default:
        return this.assemble(m, slots);
    }
  }

  /** Each field's JSON value by declaration index (undefined: not on the wire). */
  private readFields(m: Message, r: WireReader, end: number, depth: number): unknown[] {
    const slots: unknown[] = new Array(m.fields.length);
    const outer = r.end;
    r.end = end;
    while (r.pos < end) {
      const tag = r.uint32();
      const id = tag >>> 3;
      const wt = tag & 7;
      if (wt > 5) throw new WireError(`invalid wire type ${wt}`, r.pos);
      const field = m.byId.get(id);
      if (!field) {
        if (id === 0) throw new WireError('invalid field number 0', r.pos);
        r.skip(wt);
        continue;
      }
      try {
        this.readField(field, wt, slots, r, depth);
      } catch (e) {
        if (e instanceof WireError) e.within(field.f.json, field.f.repeated && !field.f.mapKey ? (slots[field.index] as unknown[]).length : undefined);
        throw e;
      }
    }
    r.end = outer;
    return slots;
  }

  private readField(field: Field, wt: number, slots: unknown[], r: WireReader, depth: number): void {
    const f = field.f;
    if (f.mapKey) {
      r.expect(wt, WIRE_LEN, `map field ${f.name}`);
      const map = (slots[field.index] ??= {}) as Record<string, unknown>;
      this.readMapEntry(field, map, r, r.span(), depth);
      return;
    }
    if (f.repeated) {
      const list = (slots[field.index] ??= []) as Json[];
      if (wt === WIRE_LEN && field.packable) {
        const end = r.span();
        const outer = r.end;
        r.end = end;
        while (r.pos < end) list.push(this.readOne(field, r, depth));
        r.end = outer;
        return;
      }
      r.expect(wt, field.wire, `field ${f.name}`);
      list.push(this.readOne(field, r, depth));
      return;
    }
    r.expect(wt, field.wire, `field ${f.name}`);
    slots[field.index] = this.readOne(field, r, depth);
  }

  /** One value of the field's type at r.pos, as JSON. */
  private readOne(field: Field, r: WireReader, depth: number): Json {
    const f = field.f;
    if (f.kind === 'message') return this.read(this.messageOf(field), r, r.span(), depth + 1);
    if (f.kind === 'enum') {
      const n = r.int32();
      return this.enumOf(field)[n] ?? n;
    }
    return readScalar(f.type, r);
  }

  private readMapEntry(field: Field, map: Record<string, unknown>, r: WireReader, end: number, depth: number): void {
    const f = field.f;
    let key: Json | undefined;
    let value: Json | undefined;
    r.fields(end, (id, wt) => {
      if (id === 1) {
        r.expect(wt, WIRE_OF[f.mapKey!]!, `map field ${f.name} key`);
        key = readScalar(f.mapKey!, r);
      } else if (id === 2) {
        r.expect(wt, f.kind === 'message' ? WIRE_LEN : f.kind === 'enum' ? WIRE_VARINT : WIRE_OF[f.type]!, `map field ${f.name} value`);
        value = this.readOne(field, r, depth);
      } else r.skip(wt);
    });
    if (value === undefined) {
      if (f.kind === 'message') {
        const empty = new WireReader(Buffer.alloc(0));
        value = this.read(this.messageOf(field), empty, 0, depth + 1);
      } else value = f.kind === 'enum' ? (this.enumOf(field)[0] ?? 0) : defaultJson(f.type);
    }
    setOwn(map, String(key ?? defaultJson(f.mapKey!)), value);
  }

  private readAny(r: WireReader, end: number, depth: number): Json {
    let url = '';
    let start = end;
    let stop = end;
    r.fields(end, (id, wt) => {
      if (id === 1) {
        r.expect(wt, WIRE_LEN, 'Any.type_url');
        url = r.string();
      } else if (id === 2) {
        r.expect(wt, WIRE_LEN, 'Any.value');
        stop = r.span();
        start = r.pos;
        r.pos = stop;
      } else r.skip(wt);
    });
    const slash = url.lastIndexOf('/');
    const inner = slash < 0 || slash === url.length - 1 ? undefined : this.message(url.slice(slash + 1));
    const raw = (): JsonObject => ({ '@type': url, value: r.buf.toString('base64', start, stop) });
    if (!inner) return raw();
    let json: Json;
    try {
      json = this.read(inner, new WireReader(r.buf, start, stop), stop, depth + 1);
    } catch {
      return raw(); // as to-json.ts: a payload that does not decode is kept as bytes
    }
    return inner.special ? { '@type': url, value: json } : { '@type': url, ...(json as JsonObject) };
  }

  /** The object of a message's fields in declaration order, proto3 defaults left out. */
  private assemble(m: Message, slots: unknown[]): JsonObject {
    const out: JsonObject = {};
    for (let i = 0; i < slots.length; i++) {
      const v = slots[i];
      if (v === undefined) continue;
      const field = m.fields[i]!;
      const f = field.f;
      if (f.mapKey) {
        if (Object.keys(v as object).length === 0) continue;
      } else if (f.repeated) {
        if ((v as unknown[]).length === 0) continue;
      } else if (!f.presence && this.isDefault(field, v as Json)) continue;
      out[f.json] = v as Json;
    }
    return out;
  }

  /** json.ts `isDefaultValue` on the printed value. */
  private isDefault(field: Field, v: Json): boolean {
    const f = field.f;
    if (f.kind === 'enum') return v === 0 || v === this.enumOf(field)[0];
    switch (f.type) {
      case 'bool':
        return v === false;
      case 'string':
      case 'bytes':
        return v === '';
      case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64':
        return v === '0';
      default:
        return v === 0;
    }
  }
}

/** One scalar of `kind` at r.pos, printed as to-json.ts prints it. */
function readScalar(kind: string, r: WireReader): Json {
  switch (kind) {
    case 'string':
      return r.string();
    case 'bool':
      r.varint64();
      return r.lo !== 0 || r.hi !== 0;
    case 'uint32':
      return r.uint32();
    case 'int32':
      return r.int32();
    case 'sint32':
      return r.sint32();
    case 'fixed32':
      return r.fixed32();
    case 'sfixed32':
      return r.fixed32() | 0;
    case 'int64':
    case 'uint64':
    case 'sint64':
      r.varint64();
      return longToString(kind, r.lo, r.hi);
    case 'fixed64':
    case 'sfixed64':
      r.fixed64();
      return longToString(kind, r.lo, r.hi);
    case 'double':
      return doubleToJson(r.double());
    case 'float':
      return float32ToJson(r.float());
    case 'bytes': {
      const end = r.span();
      const s = r.buf.toString('base64', r.pos, end);
      r.pos = end;
      return s;
    }
    default:
      throw new WireError(`unknown scalar type ${kind}`, r.pos);
  }
}

let shared: Promise<WireDecoder> | undefined;

/** The decoder over the loaded wire schema (loadWireSchema), created once. */
export function loadWireDecoder(): Promise<WireDecoder> {
  shared ??= loadWireSchema().then(
    (schema) => new WireDecoder(schema),
    (err: unknown) => {
      shared = undefined;
      throw err;
    },
  );
  return shared;
}
