/**
 * HPACK's two primitive representations (RFC 7541 §5), read and written.
 *
 * An integer with an N-bit prefix (§5.1): values below 2^N - 1 fit in the prefix;
 * larger ones fill it with ones and continue in 7-bit groups, least significant
 * first, the top bit saying "more follows":
 *
 *       0   1   2   3   4   5   6   7
 *     +---+---+---+---+---+---+---+---+
 *     | ? | ? | ? | 1   1   1   1   1 |   prefix (N = 5) all ones: 31 …
 *     +---+---+---+---+---+---+---+---+
 *     | 1 |    Value-(2^N-1) LSB      |   … plus these groups of 7 bits
 *     +---+---------------------------+
 *     | 0 |    Value-(2^N-1) MSB      |
 *     +---+---------------------------+
 *
 *   1337 with N = 5:  1f 9a 0a   (31 + 26 + 10·128)
 *
 * A string literal (§5.2): a Huffman bit H, the octet length as an integer with a
 * 7-bit prefix, then the octets (Huffman-coded if H):
 *
 *     +---+---+---+---+---+---+---+---+
 *     | H |    String Length (7+)     |
 *     +---+---------------------------+
 *     |  String Data (Length octets)  |
 *     +-------------------------------+
 *
 * Strings here are latin-1: one char per octet, so no value is ever changed by a
 * text encoding. A char above U+00FF cannot be sent: the encoder refuses it before
 * writing anything.
 */
import { ErrorCode, H2Error } from './errors.js';
import { huffmanDecode, huffmanEncode, huffmanLength } from './huffman.js';

/** Integers above this are refused while decoding: no index, length or size of HPACK comes near it. */
export const MAX_INTEGER = 0xffff_ffff;

const EMPTY = new Uint8Array(0);

/**
 * Scratch space of every reader and writer in this realm. A header block is read or written in one synchronous
 * call that takes its result out as strings or a copy, so one buffer serves all connections: a connection holds
 * none (1,000 idle server connections: 1.0 MB of these buffers before, each with its own). Kept up to KEEP_SCRATCH
 * octets; a larger one, grown for an unusual block, is dropped after that block.
 */
const KEEP_SCRATCH = 16_384;
let huffmanOut = new Uint8Array(256);
let stringOctets = new Uint8Array(256);
let blockOut = new Uint8Array(1024);

/** Reads integers and strings from one header block, with every bound checked (COMPRESSION_ERROR). */
export class BlockReader {
  pos = 0;
  private end = 0;
  private bytes: Uint8Array = EMPTY;

  reset(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.pos = 0;
    this.end = bytes.length;
  }

  /** Lets go of the block (it may be a view of a large socket chunk). */
  release(): void {
    this.reset(EMPTY);
    if (huffmanOut.length > KEEP_SCRATCH) huffmanOut = new Uint8Array(256);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The next octet, not consumed (the caller checked `done`). */
  peek(): number {
    return this.bytes[this.pos]!;
  }

  /** An integer whose prefix is the low `prefixBits` bits of the current octet (§5.1). */
  integer(prefixBits: number): number {
    if (this.pos >= this.end) throw truncated('an integer');
    const max = (1 << prefixBits) - 1;
    let value = this.bytes[this.pos++]! & max;
    if (value < max) return value;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.end) throw truncated('an integer');
      const b = this.bytes[this.pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (value > MAX_INTEGER || shift > 28)
        throw H2Error.connection(ErrorCode.COMPRESSION_ERROR, 'HPACK integer overflows 32 bits');
      if ((b & 0x80) === 0) return value;
    }
  }

  /** A string literal (§5.2), as latin-1; undefined octets never appear. */
  string(): string {
    if (this.pos >= this.end) throw truncated('a string');
    const huffman = (this.bytes[this.pos]! & 0x80) !== 0;
    const length = this.integer(7);
    if (length > this.end - this.pos)
      throw H2Error.connection(
        ErrorCode.COMPRESSION_ERROR,
        `HPACK string of ${length} octets runs past the end of the block (${this.end - this.pos} left)`,
      );
    const start = this.pos;
    this.pos += length;
    if (!huffman) return latin1(this.bytes, start, start + length);
    // At most 8/5 octets out per octet in: the shortest code is 5 bits.
    const most = Math.ceil((length * 8) / 5);
    if (huffmanOut.length < most) huffmanOut = new Uint8Array(most);
    const n = huffmanDecode(this.bytes, start, start + length, huffmanOut);
    if (n === undefined)
      throw H2Error.connection(
        ErrorCode.COMPRESSION_ERROR,
        'HPACK Huffman string is malformed (padding over 7 bits, padding not all ones, or EOS inside)',
      );
    return latin1(huffmanOut, 0, n);
  }
}

function truncated(what: string): H2Error {
  return H2Error.connection(ErrorCode.COMPRESSION_ERROR, `HPACK block ends inside ${what}`);
}

/** Octets [start, end) as a string of one char per octet. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  // Node 20, a shared 2-core box (ns per string, loop vs apply): 8 chars 294 vs 330, 16 chars 626 vs 408,
  // 64 chars 1534 vs 894. So a loop below 16 chars, apply() from there.
  if (end - start < 16) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  let s = '';
  for (let i = start; i < end; i += 4096)
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  return s;
}

/**
 * Writes integers and strings into the shared buffer that grows as needed. One block at a time in a realm:
 * `take()` (or `clear()`) ends it, and a writer that begins a block starts with `clear()`.
 */
export class BlockWriter {
  private pos = 0;

  /** Starts a block, forgetting whatever an earlier one left unfinished. */
  clear(): void {
    this.pos = 0;
  }

  /** The block written so far (a copy: the buffer is reused). */
  take(): Uint8Array {
    const out = blockOut.slice(0, this.pos);
    this.pos = 0;
    if (blockOut.length > KEEP_SCRATCH) blockOut = new Uint8Array(1024);
    if (stringOctets.length > KEEP_SCRATCH) stringOctets = new Uint8Array(256);
    return out;
  }

  /** An integer in the low `prefixBits` bits of an octet whose high bits are `flags` (§5.1). */
  integer(value: number, prefixBits: number, flags: number): void {
    this.ensure(6);
    const buf = blockOut;
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      buf[this.pos++] = flags | value;
      return;
    }
    buf[this.pos++] = flags | max;
    value -= max;
    while (value >= 128) {
      buf[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    buf[this.pos++] = value;
  }

  /** A string literal (every char ≤ U+00FF), Huffman-coded when `huffman` is 'always', or when 'auto' and that is shorter. */
  string(text: string, huffman: 'auto' | 'always' | 'never'): void {
    const n = text.length;
    if (stringOctets.length < n) stringOctets = new Uint8Array(Math.max(n, stringOctets.length * 2));
    const octets = stringOctets;
    for (let i = 0; i < n; i++) octets[i] = text.charCodeAt(i); // the caller checked every char is ≤ U+00FF
    const coded = huffman === 'never' ? n + 1 : huffmanLength(octets, 0, n);
    if (huffman === 'always' || coded < n) {
      this.integer(coded, 7, 0x80);
      this.ensure(coded);
      this.pos = huffmanEncode(octets, blockOut, this.pos, 0, n);
    } else {
      this.integer(n, 7, 0);
      this.ensure(n);
      blockOut.set(octets.subarray(0, n), this.pos);
      this.pos += n;
    }
  }

  private ensure(n: number): void {
    if (this.pos + n <= blockOut.length) return;
    const next = new Uint8Array(Math.max(blockOut.length * 2, this.pos + n));
    next.set(blockOut.subarray(0, this.pos));
    blockOut = next;
  }
}
