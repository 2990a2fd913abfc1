/**
 * The protobuf wire format, write side, for the few messages the proxy sends (DiscoveryRequest,
 * google.protobuf.Struct): tags, varints, doubles, strings, bytes and nested messages, written
 * into one growing buffer. Nested messages are written into a Writer of their own and copied in
 * behind their length; the messages are small. No schema knowledge here.
 */
import { WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './wire-reader.js';

export class WireWriter {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** An unsigned varint (0 ≤ value < 2^53). */
  varint(value: number): this {
    this.room(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
    return this;
  }

  /** An int32 as protobuf writes it: negative values as 10-byte two's complement varints. */
  int32(value: number): this {
    if (value >= 0) return this.varint(value);
    this.room(10);
    let lo = value >>> 0;
    for (let i = 0; i < 4; i++) {
      this.buf[this.len++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    // bits 28..63: the low 4 bits of `lo` that remain, then all ones
    this.buf[this.len++] = (lo & 0x0f) | 0x70 | 0x80;
    for (let i = 0; i < 4; i++) this.buf[this.len++] = 0xff;
    this.buf[this.len++] = 0x01;
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  string(field: number, value: string): this {
    const n = Buffer.byteLength(value);
    this.tag(field, WIRE_LEN).varint(n);
    this.room(n);
    this.len += this.buf.write(value, this.len, 'utf8');
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN).varint(value.length);
    this.room(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  message(field: number, inner: WireWriter): this {
    return this.bytes(field, inner.finish());
  }

  double(field: number, value: number): this {
    this.tag(field, WIRE_FIXED64);
    this.room(8);
    this.buf.writeDoubleLE(value, this.len);
    this.len += 8;
    return this;
  }

  bool(field: number, value: boolean): this {
    return this.tag(field, WIRE_VARINT).varint(value ? 1 : 0);
  }

  /** The bytes written so far (a view of the writer's buffer). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}
