/**
 * The HPACK Huffman code (RFC 7541 §5.2, Appendix B): a fixed prefix code of 5 to
 * 30 bits for each of the 256 octets, and a 257th symbol, EOS, of 30 one bits.
 *
 *     "www.example.com"  15 octets  ->  f1e3 c2e5 f23a 6ba0 ab90 f4ff  12 octets
 *      ^ 'w' = 1111000 (7 bits)      the last octet is filled with the high bits of EOS (ones)
 *
 * The code is canonical: sorted by (length, symbol), each code is the previous one
 * plus one, shifted left when the length grows. So the 257 lengths alone define it,
 * and the table below is just those (Appendix B's "len in bits" column); the codes
 * are rebuilt from them at load.
 *
 * Decoding rules (§5.2): a string ends on an octet boundary, filled with at most 7
 * padding bits that are the most significant bits of EOS (all ones). More than 7
 * bits of padding, padding that is not all ones, or the EOS symbol inside the string
 * are decoding errors: `huffmanDecode` returns undefined and the caller (HPACK)
 * turns that into its COMPRESSION_ERROR.
 */

// prettier-ignore
const LENGTHS: readonly number[] = [
  // 0x00 – 0x1f: control octets
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  // 0x20 ' ' – 0x3f '?'
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  // 0x40 '@' – 0x5f '_'
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  // 0x60 '`' – 0x7f
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  // 0x80 – 0xff
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  // 256: EOS
  30,
];

/** The symbol number of EOS. */
export const EOS = 256;
const MAX_LENGTH = 30;

/** CODES[s]: the code of symbol s, right-aligned in LENGTHS[s] bits. */
const CODES = new Uint32Array(257);
/**
 * For canonical decoding: by length L, the first code of that length, how many
 * codes have it, and where their symbols start in SORTED (symbols by (length, value)).
 * LIMIT[L] is one past the last code of length L, left-aligned in 30 bits: a 30-bit
 * window below LIMIT[L] (and not below LIMIT[L-1]) starts with a code of length L.
 */
const FIRST = new Uint32Array(MAX_LENGTH + 1);
const OFFSET = new Uint16Array(MAX_LENGTH + 1);
const LIMIT = new Uint32Array(MAX_LENGTH + 1);
const SORTED = new Uint16Array(257);
const SHORTEST = 5;

{
  const order = Array.from({ length: 257 }, (_, s) => s).sort((a, b) => LENGTHS[a]! - LENGTHS[b]! || a - b);
  let code = 0;
  let length = LENGTHS[order[0]!]!;
  order.forEach((s, i) => {
    if (i > 0) {
      code = (code + 1) * 2 ** (LENGTHS[s]! - length);
      length = LENGTHS[s]!;
    }
    CODES[s] = code;
    SORTED[i] = s;
  });
  let i = 0;
  let next = 0; // the first code of the current length
  for (let l = 1; l <= MAX_LENGTH; l++) {
    FIRST[l] = next;
    OFFSET[l] = i;
    while (i < 257 && LENGTHS[SORTED[i]!] === l) i++;
    const count = i - OFFSET[l]!;
    LIMIT[l] = (next + count) * 2 ** (MAX_LENGTH - l);
    next = (next + count) * 2;
  }
}

/** The code of one symbol, for tests and learners: `[code, bits]`. */
export function huffmanCode(symbol: number): [number, number] {
  return [CODES[symbol]!, LENGTHS[symbol]!];
}

/** Octets `bytes[start, end)` take once Huffman-coded (the padding included). */
export function huffmanLength(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let bits = 0;
  for (let i = start; i < end; i++) bits += LENGTHS[bytes[i]!]!;
  return Math.ceil(bits / 8);
}

/**
 * Writes the code of `bytes[start, end)` into `out` at `at`, padded with ones to the
 * octet; returns the position after it. `out` must have huffmanLength(...) bytes free.
 */
export function huffmanEncode(bytes: Uint8Array, out: Uint8Array, at: number, start = 0, end = bytes.length): number {
  // `acc` holds the `bits` (< 8) not yet written, and takes at most 24 more at a time: 31 bits, in an int32.
  let acc = 0;
  let bits = 0;
  for (let i = start; i < end; i++) {
    const s = bytes[i]!;
    let length = LENGTHS[s]!;
    let code = CODES[s]!;
    if (length > 24) {
      // The top bits of a code longer than 24 first (at most 6, so 13 bits at most).
      const high = length - 24;
      acc = (acc << high) | (code >>> 24);
      bits += high;
      if (bits >= 8) {
        bits -= 8;
        out[at++] = acc >>> bits;
        acc &= (1 << bits) - 1;
      }
      code &= 0xff_ffff;
      length = 24;
    }
    acc = (acc << length) | code;
    bits += length;
    while (bits >= 8) {
      bits -= 8;
      out[at++] = acc >>> bits;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out[at++] = (acc << (8 - bits)) | (0xff >>> bits);
  return at;
}

/**
 * Decodes `bytes[start, end)` into `out` (which must hold (end - start) * 8 / 5
 * octets, the most a code of 5-bit symbols can expand to); returns the number of
 * octets written, or undefined if the string breaks a rule of §5.2.
 */
export function huffmanDecode(bytes: Uint8Array, start: number, end: number, out: Uint8Array): number | undefined {
  // `acc` holds `bits` unread bits, right-aligned (at most 32: a uint32; bits above them are stale).
  let acc = 0;
  let bits = 0;
  let pos = start;
  let n = 0;
  for (;;) {
    while (bits <= 24 && pos < end) {
      acc = ((acc << 8) | bytes[pos++]!) >>> 0;
      bits += 8;
    }
    if (bits === 0) return n;
    // The next 30 bits, left-aligned. With 25–29 bits in `acc` the rest come from the next octet;
    // past the input end they are ones, what valid padding is made of.
    let window: number;
    if (bits >= MAX_LENGTH) window = (acc >>> (bits - MAX_LENGTH)) & 0x3fff_ffff;
    else {
      const fill = MAX_LENGTH - bits;
      const more = pos < end ? bytes[pos]! >>> (8 - fill) : (1 << fill) - 1;
      window = ((acc << fill) | more) & 0x3fff_ffff;
    }
    let length = SHORTEST;
    while (window >= LIMIT[length]!) length++;
    const symbol = SORTED[OFFSET[length]! + ((window >>> (MAX_LENGTH - length)) - FIRST[length]!)]!;
    if (length > bits) {
      if (pos === end) {
        // What is left is shorter than the code it begins: it must be padding.
        if (bits > 7) return undefined; // padding of 8 bits or more
        const mask = (1 << bits) - 1;
        return (acc & mask) === mask ? n : undefined; // padding must be all ones
      }
      // The code ends in the next octet: take it (the bits that fall off the top were this code's).
      acc = ((acc << 8) | bytes[pos++]!) >>> 0;
      bits += 8;
    }
    if (symbol === EOS) return undefined; // EOS inside the string
    out[n++] = symbol;
    bits -= length;
  }
}
