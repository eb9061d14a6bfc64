/**
 * Reader: reads protobuf wire-format values from bytes that came off the
 * network, so it trusts nothing. Every read is bounds-checked, and every
 * failure is a ProtoError (kind 'decode') that says what was wrong and where:
 * truncated input, a varint longer than 10 bytes, wire types 6 and 7, field
 * number 0, an end-group without its start-group. Lengths are checked against
 * the bytes actually present before anything is sliced or decoded.
 */
import { ProtoError } from './error.js';
import { readFloat32, readFloat64 } from './float.js';
import { utf8Decode } from './utf8.js';

export const WireType = {
  VARINT: 0,
  I64: 1,
  LEN: 2,
  SGROUP: 3,
  EGROUP: 4,
  I32: 5,
} as const;

/** How deep groups (and, in the codec, submessages) may nest: protobuf's default limit. */
export const MAX_DEPTH = 100;

const TWO_32 = 4294967296;

/** The error of bytes that are not valid protobuf. */
export function wireError(message: string): ProtoError {
  return new ProtoError('decode', message);
}

export class Reader {
  /** The bytes (see reset()). */
  buf: Uint8Array;
  pos: number;
  /** End of the readable region (exclusive). */
  len: number;
  /** Halves of the last varint64/fixed64 read (two's complement). */
  lo = 0;
  hi = 0;

  constructor(buf: Uint8Array, pos = 0, len = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.len = len;
  }

  /** Points the Reader at other bytes, from their start (the codec reuses one Reader for every message). */
  reset(buf: Uint8Array): void {
    this.buf = buf;
    this.pos = 0;
    this.len = buf.length;
  }

  private truncated(what: string): ProtoError {
    return wireError(`protobuf: truncated ${what} at byte ${this.pos} of ${this.len}`);
  }

  /** A varint, truncated to its low 32 bits (unsigned). Consumes all of it (up to 10 bytes). */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    // Most varints (tags, lengths, small numbers) are one byte.
    if (pos < this.len && buf[pos]! < 128) {
      this.pos = pos + 1;
      return buf[pos]!;
    }
    if (pos + 5 <= this.len) {
      // Enough bytes for a 32-bit varint: no per-byte bounds checks.
      let b = buf[pos++]!;
      let v = b & 127;
      b = buf[pos++]!;
      v |= (b & 127) << 7;
      if (b < 128) {
        this.pos = pos;
        return v;
      }
      b = buf[pos++]!;
      v |= (b & 127) << 14;
      if (b < 128) {
        this.pos = pos;
        return v;
      }
      b = buf[pos++]!;
      v |= (b & 127) << 21;
      if (b < 128) {
        this.pos = pos;
        return v;
      }
      b = buf[pos++]!;
      v = (v | (b << 28)) >>> 0;
      this.pos = pos;
      if (b < 128) return v;
      this.skipVarintTail(5);
      return v;
    }
    this.varint64();
    return this.lo;
  }

  /** Consumes the continuation bytes of a varint of which `done` bytes were read. */
  private skipVarintTail(done: number): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = done; i < 10; i++) {
      if (pos >= this.len) {
        this.pos = pos;
        throw this.truncated('varint');
      }
      if (buf[pos++]! < 128) {
        this.pos = pos;
        return;
      }
    }
    this.pos = pos;
    throw wireError(`protobuf: varint longer than 10 bytes at byte ${pos}`);
  }

  /** A full 64-bit varint into `lo`/`hi`. */
  varint64(): void {
    const buf = this.buf;
    let pos = this.pos;
    const len = this.len;
    let l = 0;
    let h = 0;
    let b: number;
    let shift = 0;
    // bytes 1-4: 28 bits of lo
    for (; shift < 28; shift += 7) {
      if (pos >= len) {
        this.pos = pos;
        throw this.truncated('varint');
      }
      b = buf[pos++]!;
      l |= (b & 127) << shift;
      if (b < 128) {
        this.pos = pos;
        this.lo = l >>> 0;
        this.hi = 0;
        return;
      }
    }
    // byte 5: 4 bits of lo, 3 of hi
    if (pos >= len) {
      this.pos = pos;
      throw this.truncated('varint');
    }
    b = buf[pos++]!;
    l |= (b & 15) << 28;
    h = (b & 127) >> 4;
    if (b < 128) {
      this.pos = pos;
      this.lo = l >>> 0;
      this.hi = h;
      return;
    }
    // bytes 6-10: hi
    for (shift = 3; shift < 38; shift += 7) {
      if (pos >= len) {
        this.pos = pos;
        throw this.truncated('varint');
      }
      b = buf[pos++]!;
      h |= (b & 127) << shift;
      if (b < 128) {
        this.pos = pos;
        this.lo = l >>> 0;
        this.hi = h >>> 0;
        return;
      }
    }
    this.pos = pos;
    throw wireError(`protobuf: varint longer than 10 bytes at byte ${pos}`);
  }

  /** A tag, validated: [fieldNumber, wireType]. */
  tag(): [number, number] {
    const t = this.rawTag();
    return [t >>> 3, t & 7];
  }

  /** A tag as one number (`no << 3 | wireType`), validated; the codec splits it itself. */
  rawTag(): number {
    const t = this.uint32();
    if (t >>> 3 === 0) throw wireError(`protobuf: field number 0 at byte ${this.pos}`);
    const wt = t & 7;
    if (wt > 5) throw wireError(`protobuf: invalid wire type ${wt} at byte ${this.pos}`);
    return t;
  }

  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  bool(): boolean {
    // Any non-zero varint is true; it may be up to 10 bytes long.
    const buf = this.buf;
    if (this.pos < this.len && buf[this.pos]! < 128) return buf[this.pos++] !== 0;
    this.varint64();
    return (this.lo | this.hi) !== 0;
  }

  int64(): bigint {
    this.varint64();
    return toInt64(this.lo, this.hi);
  }

  uint64(): bigint {
    this.varint64();
    return toUint64(this.lo, this.hi);
  }

  sint64(): bigint {
    this.varint64();
    const sign = -(this.lo & 1);
    const l = (((this.lo >>> 1) | (this.hi << 31)) ^ sign) >>> 0;
    const h = ((this.hi >>> 1) ^ sign) >>> 0;
    return toInt64(l, h);
  }

  private need(n: number, what: string): number {
    const pos = this.pos;
    if (pos + n > this.len) throw this.truncated(what);
    this.pos = pos + n;
    return pos;
  }

  fixed32(): number {
    const p = this.need(4, 'fixed32');
    const buf = this.buf;
    return (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
  }

  sfixed32(): number {
    return this.fixed32() | 0;
  }

  private fixed64Halves(): void {
    const p = this.need(8, 'fixed64');
    const buf = this.buf;
    this.lo = (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
    this.hi = (buf[p + 4]! | (buf[p + 5]! << 8) | (buf[p + 6]! << 16) | (buf[p + 7]! << 24)) >>> 0;
  }

  fixed64(): bigint {
    this.fixed64Halves();
    return toUint64(this.lo, this.hi);
  }

  sfixed64(): bigint {
    this.fixed64Halves();
    return toInt64(this.lo, this.hi);
  }

  /** Floats: 4 or 8 little-endian bytes, by the byte copy of float.ts (measured there). */
  float(): number {
    return readFloat32(this.buf, this.need(4, 'float'));
  }

  double(): number {
    return readFloat64(this.buf, this.need(8, 'double'));
  }

  /** The length prefix of a length-delimited value, checked against the bytes left. Returns the end. */
  delimited(): number {
    const n = this.uint32();
    const end = this.pos + n;
    if (end > this.len)
      throw wireError(`protobuf: length ${n} at byte ${this.pos} exceeds the ${this.len - this.pos} bytes left`);
    return end;
  }

  /** Length-prefixed bytes, copied (the input buffer may be reused by its owner). */
  bytes(): Uint8Array {
    const end = this.delimited();
    const out = this.buf.slice(this.pos, end);
    this.pos = end;
    return out;
  }

  /**
   * Length-prefixed strict UTF-8; `field` (`pkg.Message.name`) names it in the
   * error. The reference string decoder: the codec's decode loop has its own
   * inlined copy for singular and repeated string fields (codec-decode.ts).
   */
  string(field?: string): string {
    const end = this.delimited();
    const s = utf8Decode(this.buf, this.pos, end);
    if (s === undefined) throw invalidUtf8(field, this.pos);
    this.pos = end;
    return s;
  }

  /**
   * Skips the value of a field whose tag was just read. A start-group is
   * skipped up to its matching end-group, nested groups included.
   */
  skip(wireType: number, no: number, depth = 0): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.need(8, 'fixed64');
        return;
      case 2:
        this.pos = this.delimited();
        return;
      case 5:
        this.need(4, 'fixed32');
        return;
      case 3: {
        if (depth >= MAX_DEPTH) throw wireError(`protobuf: groups nested deeper than ${MAX_DEPTH}`);
        for (;;) {
          if (this.pos >= this.len) throw this.truncated(`group ${no} (no end-group)`);
          const t = this.rawTag();
          if ((t & 7) === 4) {
            if (t >>> 3 !== no) throw wireError(`protobuf: end-group ${t >>> 3} does not match start-group ${no}`);
            return;
          }
          this.skip(t & 7, t >>> 3, depth + 1);
        }
      }
      case 4:
        throw wireError(`protobuf: unexpected end-group ${no} at byte ${this.pos}`);
      default:
        throw wireError(`protobuf: invalid wire type ${wireType} at byte ${this.pos}`);
    }
  }
}

/** The error of a string field whose bytes are not UTF-8. */
export function invalidUtf8(field: string | undefined, at: number): ProtoError {
  return wireError(`protobuf: invalid UTF-8 in string ${field !== undefined ? `field ${field} ` : ''}at byte ${at}`);
}

/** Two's complement halves → signed bigint (via a double when it is exact). */
export function toInt64(lo: number, hi: number): bigint {
  const h = hi | 0;
  if (h >= -0x200000 && h < 0x200000) return BigInt(h * TWO_32 + lo);
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}

/** Halves → unsigned bigint. */
export function toUint64(lo: number, hi: number): bigint {
  if (hi < 0x200000) return BigInt(hi * TWO_32 + lo);
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
