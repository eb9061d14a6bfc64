/**
 * UTF-8 for protobuf `string` fields, without Buffer.
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
const SHORT_DECODE = 48;

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
  for (let i = 0; i < len; i++) {
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
 * Short strings are decoded here, into code units turned into a string a
 * few at a time (unitsToString); ASCII-only ones straight from the bytes. Each multi-byte sequence is checked the way the
 * Unicode standard's table 3-7 says (no overlong forms, no surrogates, nothing
 * above U+10FFFF, no truncation).
 */
export function utf8Decode(buf: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  if (n > SHORT_DECODE) return nativeDecode(buf, start, end);
  let high = 0;
  for (let i = start; i < end; i++) high |= buf[i]!;
  return high < 0x80 ? unitsToString(buf, start, end) : shortDecode(buf, start, end);
}

const fromCharCode = String.fromCharCode;

/**
 * Code units → string, up to 8 characters per String.fromCharCode call:
 * fewer intermediate strings than one call per character, and no array
 * allocation (`apply`) either.
 */
function unitsToString(u: ArrayLike<number>, start: number, end: number): string {
  let out = '';
  let i = start;
  for (; i + 8 <= end; i += 8) {
    out += fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!, u[i + 5]!, u[i + 6]!, u[i + 7]!);
  }
  switch (end - i) {
    case 0: return out;
    case 1: return out + fromCharCode(u[i]!);
    case 2: return out + fromCharCode(u[i]!, u[i + 1]!);
    case 3: return out + fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!);
    case 4: return out + fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!);
    case 5: return out + fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!);
    case 6: return out + fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!, u[i + 5]!);
    default: return out + fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!, u[i + 5]!, u[i + 6]!);
  }
}

/** UTF-16 code units of a short non-ASCII string being decoded (at most SHORT_DECODE of them). */
const units = new Uint16Array(SHORT_DECODE);

/** Short UTF-8 with non-ASCII bytes, validated. */
function shortDecode(buf: Uint8Array, start: number, end: number): string | undefined {
  let k = 0;
  let i = start;
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
  return unitsToString(units, 0, k);
}

function nativeDecode(buf: Uint8Array, start: number, end: number): string | undefined {
  try {
    return strictDecoder.decode(buf.subarray(start, end));
  } catch {
    return undefined;
  }
}
