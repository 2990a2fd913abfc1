/**
 * The protobuf wire format, read side: varints (32-bit and 64-bit), fixed-width numbers,
 * length-delimited spans, and skipping unknown fields (groups included). Bounds are checked on
 * every read; a truncated or malformed input throws WireError with the byte offset. 64-bit
 * values come out as decimal strings (proto3 JSON's form). No schema knowledge here.
 */

/**
 * Malformed protobuf input: `reason`, the byte `offset` where it was found, and, once decoding
 * code has added them, the field `path` (`loadAssignment.endpoints[0]`) and the message type.
 */
export class WireError extends Error {
  readonly reason: string;
  readonly offset: number;
  path = '';
  type = '';

  constructor(reason: string, offset: number) {
    super(`${reason} at byte ${offset}`);
    this.name = 'WireError';
    this.reason = reason;
    this.offset = offset;
  }

  /** Records that the error happened inside field `name` (item `index` of a repeated field). */
  within(name: string, index?: number): this {
    const seg = index === undefined ? name : `${name}[${index}]`;
    this.path = this.path ? `${seg}.${this.path}` : seg;
    return this.compose();
  }

  /** Records the message type being decoded. */
  inType(type: string): this {
    this.type = type;
    return this.compose();
  }

  private compose(): this {
    const where = this.path ? ` in field ${this.path}` : '';
    this.message = `${this.type ? `cannot decode ${this.type}: ` : ''}${this.reason} at byte ${this.offset}${where}`;
    return this;
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Nested messages (and groups) deeper than this are refused, as protobufjs refuses them. */
export const MAX_DEPTH = 100;

const TWO_32 = 4294967296;

export class WireReader {
  readonly buf: Buffer;
  pos: number;
  /** Exclusive end of the part being read (a message's span). */
  end: number;
  /** The two halves of the last 64-bit varint or fixed64 read. */
  lo = 0;
  hi = 0;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new WireError(`truncated input: ${n} byte${n === 1 ? '' : 's'} needed, ${this.end - this.pos} left`, this.pos);
  }

  /** A varint's low 32 bits, unsigned (the rest of a longer varint is read and dropped). */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos < this.end && buf[pos]! < 0x80) {
      this.pos = pos + 1;
      return buf[pos]!;
    }
    let value = 0;
    let shift = 0;
    for (;;) {
      if (pos >= this.end) throw new WireError('truncated varint', this.pos);
      const b = buf[pos++]!;
      if (shift < 32) value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
      if (shift >= 70) throw new WireError('varint longer than 10 bytes', this.pos);
    }
    this.pos = pos;
    return value % TWO_32;
  }

  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const v = this.uint32();
    return (v >>> 1) ^ -(v & 1);
  }

  /** A 64-bit varint into `lo`/`hi`. */
  varint64(): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (pos >= this.end) throw new WireError('truncated varint', this.pos);
      const b = buf[pos++]!;
      const bits = b & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else if (shift < 64) hi |= bits << (shift - 32);
      if (b < 0x80) break;
      shift += 7;
      if (shift >= 70) throw new WireError('varint longer than 10 bytes', this.pos);
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  fixed32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A fixed64 into `lo`/`hi`. */
  fixed64(): void {
    this.need(8);
    this.lo = this.buf.readUInt32LE(this.pos);
    this.hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
  }

  float(): number {
    this.need(4);
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** The end of a length-delimited span starting here (pos moves past the length). */
  span(): number {
    const at = this.pos;
    const len = this.uint32();
    if (this.pos + len > this.end) throw new WireError(`length ${len} runs past the end of its message (${this.end - this.pos} byte${this.end - this.pos === 1 ? '' : 's'} left)`, at);
    return this.pos + len;
  }

  string(): string {
    const end = this.span();
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }

  /** A length-delimited value's bytes (a view, not a copy). */
  bytes(): Buffer {
    const end = this.span();
    const b = this.buf.subarray(this.pos, end);
    this.pos = end;
    return b;
  }

  /**
   * Walks the fields of the message spanning pos..end: `visit(fieldNumber, wireType)` must read
   * or skip each value (pos is at the value). Restores `end` for the enclosing message after.
   */
  fields(end: number, visit: (id: number, wireType: number) => void): void {
    const outer = this.end;
    this.end = end;
    while (this.pos < end) {
      const tag = this.uint32();
      visit(tag >>> 3, tag & 7);
    }
    this.end = outer;
  }

  /** Throws unless a field's wire type is the one its type is written with. */
  expect(got: number, want: number, what: string): void {
    if (got !== want) throw new WireError(`${what} has wire type ${got}, expected ${want}`, this.pos);
  }

  /** Skips one value of `wireType` (a whole group for START_GROUP). */
  skip(wireType: number, depth = 0): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.span();
        return;
      case WIRE_START_GROUP: {
        if (depth >= MAX_DEPTH) throw new WireError('groups nested too deep', this.pos);
        for (;;) {
          if (this.pos >= this.end) throw new WireError('truncated group (no end tag)', this.pos);
          const tag = this.uint32();
          if ((tag & 7) === WIRE_END_GROUP) return;
          this.skip(tag & 7, depth + 1);
        }
      }
      case WIRE_FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new WireError(`invalid wire type ${wireType}`, this.pos);
    }
  }
}

/** `lo`/`hi` as the decimal string of a 64-bit integer of `kind`. */
export function longToString(kind: string, lo: number, hi: number): string {
  if (kind === 'sint64') {
    // zigzag: (n >>> 1) ^ -(n & 1) over 64 bits
    const negative = (lo & 1) === 1;
    let l = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    let h = hi >>> 1;
    if (negative) {
      l = ~l >>> 0;
      h = ~h >>> 0;
    }
    return longToString('int64', l, h);
  }
  if (hi === 0) return String(lo);
  const signed = kind === 'int64' || kind === 'sfixed64';
  if (!signed || hi < 0x80000000) {
    if (hi < 0x200000) return String(hi * TWO_32 + lo); // below 2^53: exact as a number
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}
