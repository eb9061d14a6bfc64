/**
 * Writer: appends protobuf wire-format values to one growable buffer.
 *
 * The wire format in one paragraph: a message is a sequence of fields, each a
 * *tag* (a varint holding `fieldNumber << 3 | wireType`) followed by a value.
 * Wire type 0 is a varint (7 bits per byte, low bits first, high bit = "more"),
 * 1 is 8 little-endian bytes, 5 is 4 little-endian bytes, and 2 is
 * length-delimited: a varint byte count, then the bytes (strings, bytes,
 * submessages, packed repeated numbers). Types 3/4 (groups) are legacy.
 *
 * Submessages need their length *before* their bytes. The two classic answers
 * are a first pass that computes every size, or writing the body and then
 * inserting the length. We do the second: `fork()` reserves ONE byte for the
 * length, and `join()` fills it in; when the body turned out to be 128 bytes or
 * longer, join() shifts the body right by the extra varint bytes with
 * `copyWithin` (a native memmove). Most submessages are < 128 bytes, so the
 * common case is a single store, the values are walked once (a size pass
 * would walk them twice and measure every string's UTF-8 length), and a big
 * submessage costs one memmove per nesting level. The buffer is kept between
 * messages, so a steady stream of messages allocates only its result.
 */
import { utf8Write } from './utf8.js';
import { LITTLE } from './float.js';

const TWO_32 = 4294967296;

/**
 * Byte runs shorter than this are copied with a loop, longer ones with
 * `TypedArray.set` (a native memcpy behind a fixed cost). Measured on node 20
 * (5e6 copies each, this machine): 16 bytes 14 ns by loop vs 45 ns by set,
 * 32 bytes 35 vs 45, 48 bytes 45 vs 45, 64 bytes 56 vs 45, 128 bytes 100 vs 45.
 * The one threshold for every small copy in the codec (Writer.bytes, codec.ts).
 */
export const SMALL_COPY = 48;
/** Index of the low half of a 64-bit value seen as two 32-bit ones. */
const LO = LITTLE ? 0 : 1;

/** Low and high 32-bit halves of the last 64-bit value split by `split64`. */
let lo = 0;
let hi = 0;

/** A bigint is split by storing it into this (wrapping modulo 2^64, as protobuf does) and reading its halves. */
const big = new BigInt64Array(1);
const bigHalves = new Uint32Array(big.buffer);

/** Splits a 64-bit integer (bigint or integral number) into `lo`/`hi` (two's complement). */
function split64(v: bigint | number): void {
  if (typeof v === 'number') {
    // ToUint32 is exact modulo 2^32 for every integer below 2^53.
    lo = v >>> 0;
    hi = Math.floor(v / TWO_32) >>> 0;
    return;
  }
  // One typed-array store (optimized code does it inline), no BigInt arithmetic.
  big[0] = v;
  lo = bigHalves[LO]!;
  hi = bigHalves[1 - LO]!;
}

export class Writer {
  /** The buffer; only `buf[0, pos)` holds written bytes. */
  buf: Uint8Array;
  /** A DataView of `buf`, for floats (why a DataView here and not in the Reader: float.ts). */
  private view: DataView;
  pos = 0;

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  /** Forgets what was written; keeps the buffer. */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A copy of what was written (the buffer itself is reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** A tag: field number and wire type. */
  tag(no: number, wireType: number): this {
    return this.uint32(((no << 3) | wireType) >>> 0);
  }

  /** A varint of an unsigned 32-bit value. */
  uint32(v: number): this {
    if (this.pos + 5 > this.buf.length) this.grow(5);
    const buf = this.buf;
    let pos = this.pos;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
    return this;
  }

  /** int32 and enums: negative values are sign-extended to 64 bits, so they take 10 bytes. */
  int32(v: number): this {
    return v >= 0 ? this.uint32(v) : this.varint64(v >>> 0, 0xffffffff);
  }

  /** ZigZag maps small magnitudes to small varints: 0→0, -1→1, 1→2, -2→3. */
  sint32(v: number): this {
    return this.uint32(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** A varint of the 64-bit value `hi * 2^32 + lo`. */
  varint64(l: number, h: number): this {
    if (this.pos + 10 > this.buf.length) this.grow(10);
    const buf = this.buf;
    let pos = this.pos;
    while (h > 0) {
      buf[pos++] = (l & 127) | 128;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    while (l > 127) {
      buf[pos++] = (l & 127) | 128;
      l >>>= 7;
    }
    buf[pos++] = l;
    this.pos = pos;
    return this;
  }

  int64(v: bigint | number): this {
    split64(v);
    return this.varint64(lo, hi);
  }

  uint64(v: bigint | number): this {
    split64(v);
    return this.varint64(lo, hi);
  }

  sint64(v: bigint | number): this {
    split64(v);
    // zigzag over the 64-bit two's complement: (v << 1) ^ (v >> 63)
    const sign = hi >> 31;
    const h = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
    const l = ((lo << 1) ^ sign) >>> 0;
    return this.varint64(l, h);
  }

  bool(v: boolean): this {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  fixed32(v: number): this {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = v;
    buf[pos + 1] = v >>> 8;
    buf[pos + 2] = v >>> 16;
    buf[pos + 3] = v >>> 24;
    this.pos = pos + 4;
    return this;
  }

  sfixed32(v: number): this {
    return this.fixed32(v);
  }

  fixed64(v: bigint | number): this {
    split64(v);
    const h = hi;
    return this.fixed32(lo).fixed32(h);
  }

  sfixed64(v: bigint | number): this {
    return this.fixed64(v);
  }

  /** Floats: 4 or 8 little-endian bytes, through the DataView of the buffer (measured in float.ts). */
  float(v: number): this {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  double(v: number): this {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Bytes as they are, without a length (a field kept raw: unknown.ts). */
  raw(v: Uint8Array): this {
    const n = v.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    if (n < SMALL_COPY) {
      const buf = this.buf;
      const pos = this.pos;
      for (let i = 0; i < n; i++) buf[pos + i] = v[i]!;
    } else this.buf.set(v, this.pos);
    this.pos += n;
    return this;
  }

  /** Length-prefixed bytes. */
  bytes(v: Uint8Array): this {
    const n = v.length;
    this.uint32(n);
    if (this.pos + n > this.buf.length) this.grow(n);
    if (n < SMALL_COPY) {
      const buf = this.buf;
      const pos = this.pos;
      for (let i = 0; i < n; i++) buf[pos + i] = v[i]!;
    } else {
      this.buf.set(v, this.pos);
    }
    this.pos += n;
    return this;
  }

  /**
   * Length-prefixed UTF-8. The length is not known before the string is
   * encoded, but it is at least the number of UTF-16 units (and at most three
   * times that): room for the smallest possible length varint is left, the
   * string encoded after it, and in the rare case that the byte length needs
   * a longer varint (non-ASCII text near a 128, 16384, ... boundary) the
   * bytes are moved right to make room.
   */
  string(v: string): this {
    const units = v.length;
    if (this.pos + 5 + 3 * units > this.buf.length) this.grow(5 + 3 * units);
    const buf = this.buf;
    const start = this.pos;
    if (units < 128) {
      const end = utf8Write(v, buf, start + 1);
      const len = end - start - 1;
      if (len < 128) {
        buf[start] = len;
        this.pos = end;
        return this;
      }
      return this.lengthBefore(start, 1, len);
    }
    const reserve = varintSize(units);
    const len = utf8Write(v, buf, start + reserve) - start - reserve;
    return this.lengthBefore(start, reserve, len);
  }

  /** Writes `len` as a varint at `start`, where `reserve` bytes were left for it before the `len` bytes of a body. */
  private lengthBefore(start: number, reserve: number, len: number): this {
    const need = varintSize(len);
    if (need !== reserve) this.buf.copyWithin(start + need, start + reserve, start + reserve + len);
    this.pos = start;
    this.uint32(len);
    this.pos = start + need + len;
    return this;
  }

  /** Starts a length-delimited body (after its tag); returns the mark for `join`. */
  fork(): number {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    return this.pos++;
  }

  /** Ends the body started at `mark`: writes its length before it. */
  join(mark: number): this {
    const len = this.pos - mark - 1;
    if (len < 128) {
      this.buf[mark] = len;
      return this;
    }
    const extra = varintSize(len) - 1;
    if (this.pos + extra > this.buf.length) this.grow(extra);
    this.buf.copyWithin(mark + 1 + extra, mark + 1, this.pos);
    const end = this.pos + extra;
    this.pos = mark;
    this.uint32(len);
    this.pos = end;
    return this;
  }
}

/** Bytes a varint of the unsigned 32-bit `v` takes. */
export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}
