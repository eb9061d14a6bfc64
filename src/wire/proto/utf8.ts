/**
 * UTF-8 for protobuf `string` fields, without a Node Buffer (runs anywhere).
 *
 * Short strings dominate real messages (names, ids, enum-like tokens), and for
 * them a plain JavaScript loop beats the fixed cost of calling into
 * TextEncoder/TextDecoder. Long strings go to the native coders.
 *
 * Decoding is strict, as protobuf requires for proto3 `string`: invalid UTF-8
 * (overlong forms, surrogates, truncated sequences, > U+10FFFF) is rejected.
 * Encoding follows TextEncoder: a lone surrogate becomes U+FFFD.
 */
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Below this many UTF-16 units / bytes, the JavaScript loops are faster. */
const SHORT_ENCODE = 64;
const SHORT_DECODE = 64;

/** The exact number of UTF-8 bytes `text` encodes to. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      i++;
      n += 4;
    } else n += 3;
  }
  return n;
}

/**
 * Writes `text` into `buf` at `pos` and returns the new position. The caller
 * guarantees room for `3 * text.length` bytes (the worst case).
 */
export function utf8Write(text: string, buf: Uint8Array, pos: number): number {
  const len = text.length;
  if (len > SHORT_ENCODE) return pos + encoder.encodeInto(text, buf.subarray(pos)).written;
  // ASCII, one byte per unit at the same offset: the common case, in the
  // tightest loop (one compare and one store per character).
  let i = 0;
  for (; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) break;
    buf[pos + i] = c;
  }
  return i === len ? pos + len : utf8WriteFrom(text, i, buf, pos + i);
}

/** utf8Write from the unit `i` on (the first non-ASCII one) to the end. */
function utf8WriteFrom(text: string, i: number, buf: Uint8Array, pos: number): number {
  const len = text.length;
  for (; i < len; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      buf[pos++] = c;
    } else if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6);
      buf[pos++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < len ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && (d & 0xfc00) === 0xdc00) {
        i++;
        c = 0x10000 + ((c & 0x3ff) << 10) + (d & 0x3ff);
        buf[pos++] = 0xf0 | (c >> 18);
        buf[pos++] = 0x80 | ((c >> 12) & 63);
        buf[pos++] = 0x80 | ((c >> 6) & 63);
        buf[pos++] = 0x80 | (c & 63);
      } else {
        // A lone surrogate: U+FFFD, as TextEncoder does.
        buf[pos++] = 0xef;
        buf[pos++] = 0xbf;
        buf[pos++] = 0xbd;
      }
    } else {
      buf[pos++] = 0xe0 | (c >> 12);
      buf[pos++] = 0x80 | ((c >> 6) & 63);
      buf[pos++] = 0x80 | (c & 63);
    }
  }
  return pos;
}

/** `text` as a new Uint8Array of UTF-8. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Decodes `buf[start, end)` strictly. Returns undefined for invalid UTF-8 so
 * that the caller names the field in its own error.
 *
 * Short strings are decoded here. ASCII goes straight from the bytes into
 * String.fromCharCode, 8 characters per call, checked 8 bytes at a time. From
 * the first non-ASCII byte on, the rest is decoded into UTF-16 code units
 * (shortDecode), each multi-byte sequence checked the way the Unicode
 * standard's table 3-7 says (no overlong forms, no surrogates, nothing above
 * U+10FFFF, no truncation).
 */
export function utf8Decode(buf: Uint8Array, start: number, end: number): string | undefined {
  if (end - start > SHORT_DECODE) return nativeDecode(buf, start, end);
  let out = '';
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const c0 = buf[i]!,
      c1 = buf[i + 1]!,
      c2 = buf[i + 2]!,
      c3 = buf[i + 3]!;
    const c4 = buf[i + 4]!,
      c5 = buf[i + 5]!,
      c6 = buf[i + 6]!,
      c7 = buf[i + 7]!;
    if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7) >= 0x80) return shortDecode(buf, i, end, out);
    out += fromCharCode(c0, c1, c2, c3, c4, c5, c6, c7);
  }
  if (i === end) return out;
  const tail = asciiUpTo7(buf, i, end - i);
  return tail === undefined ? shortDecode(buf, i, end, out) : out + tail;
}

/**
 * The `n` (1–7) bytes at `b[i]` as a string when they are all ASCII, else
 * undefined: one test of all of them at once, one call to build the string.
 */
function asciiUpTo7(b: Uint8Array, i: number, n: number): string | undefined {
  switch (n) {
    case 1: {
      const c0 = b[i]!;
      return c0 < 0x80 ? fromCharCode(c0) : undefined;
    }
    case 2: {
      const c0 = b[i]!,
        c1 = b[i + 1]!;
      return (c0 | c1) < 0x80 ? fromCharCode(c0, c1) : undefined;
    }
    case 3: {
      const c0 = b[i]!,
        c1 = b[i + 1]!,
        c2 = b[i + 2]!;
      return (c0 | c1 | c2) < 0x80 ? fromCharCode(c0, c1, c2) : undefined;
    }
    case 4: {
      const c0 = b[i]!,
        c1 = b[i + 1]!,
        c2 = b[i + 2]!,
        c3 = b[i + 3]!;
      return (c0 | c1 | c2 | c3) < 0x80 ? fromCharCode(c0, c1, c2, c3) : undefined;
    }
    case 5: {
      const c0 = b[i]!,
        c1 = b[i + 1]!,
        c2 = b[i + 2]!,
        c3 = b[i + 3]!,
        c4 = b[i + 4]!;
      return (c0 | c1 | c2 | c3 | c4) < 0x80 ? fromCharCode(c0, c1, c2, c3, c4) : undefined;
    }
    case 6: {
      const c0 = b[i]!,
        c1 = b[i + 1]!,
        c2 = b[i + 2]!,
        c3 = b[i + 3]!,
        c4 = b[i + 4]!,
        c5 = b[i + 5]!;
      return (c0 | c1 | c2 | c3 | c4 | c5) < 0x80 ? fromCharCode(c0, c1, c2, c3, c4, c5) : undefined;
    }
    default: {
      const c0 = b[i]!,
        c1 = b[i + 1]!,
        c2 = b[i + 2]!,
        c3 = b[i + 3]!,
        c4 = b[i + 4]!,
        c5 = b[i + 5]!,
        c6 = b[i + 6]!;
      return (c0 | c1 | c2 | c3 | c4 | c5 | c6) < 0x80 ? fromCharCode(c0, c1, c2, c3, c4, c5, c6) : undefined;
    }
  }
}

const fromCharCode = String.fromCharCode;

/** The `n` (1–7) UTF-16 code units at `u[i]` as a string: one call, no array. */
function upTo7(u: Uint16Array, i: number, n: number): string {
  switch (n) {
    case 1:
      return fromCharCode(u[i]!);
    case 2:
      return fromCharCode(u[i]!, u[i + 1]!);
    case 3:
      return fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!);
    case 4:
      return fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!);
    case 5:
      return fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!);
    case 6:
      return fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!, u[i + 5]!);
    default:
      return fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!, u[i + 5]!, u[i + 6]!);
  }
}

/** UTF-16 code units of a short non-ASCII string being decoded (at most SHORT_DECODE of them). */
const units = new Uint16Array(SHORT_DECODE);

/** Short UTF-8 from `buf[i]` on, validated, appended to `out`. */
function shortDecode(buf: Uint8Array, i: number, end: number, out: string): string | undefined {
  let k = 0;
  while (i < end) {
    const b = buf[i++]!;
    if (b < 0x80) {
      units[k++] = b;
    } else if (b < 0xc2) {
      return undefined; // a continuation byte, or an overlong 2-byte lead
    } else if (b < 0xe0) {
      if (i >= end) return undefined;
      const b1 = buf[i++]!;
      if ((b1 & 0xc0) !== 0x80) return undefined;
      units[k++] = ((b & 0x1f) << 6) | (b1 & 0x3f);
    } else if (b < 0xf0) {
      if (i + 1 >= end) return undefined;
      const b1 = buf[i++]!;
      const b2 = buf[i++]!;
      if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80) return undefined;
      const c = ((b & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
      if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)) return undefined;
      units[k++] = c;
    } else if (b < 0xf5) {
      if (i + 2 >= end) return undefined;
      const b1 = buf[i++]!;
      const b2 = buf[i++]!;
      const b3 = buf[i++]!;
      if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return undefined;
      const c = ((b & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      if (c < 0x10000 || c > 0x10ffff) return undefined;
      units[k++] = 0xd800 + ((c - 0x10000) >> 10);
      units[k++] = 0xdc00 + ((c - 0x10000) & 0x3ff);
    } else {
      return undefined;
    }
  }
  let j = 0;
  for (; j + 8 <= k; j += 8) {
    const u = units;
    out += fromCharCode(u[j]!, u[j + 1]!, u[j + 2]!, u[j + 3]!, u[j + 4]!, u[j + 5]!, u[j + 6]!, u[j + 7]!);
  }
  return j === k ? out : out + upTo7(units, j, k - j);
}

function nativeDecode(buf: Uint8Array, start: number, end: number): string | undefined {
  try {
    return strictDecoder.decode(buf.subarray(start, end));
  } catch {
    return undefined;
  }
}
