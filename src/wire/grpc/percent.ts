/**
 * Percent-encoding of `grpc-message` (grpc/grpc doc/PROTOCOL-HTTP2.md):
 *
 *     Percent-Byte-Encoded   → 1*( Percent-Byte-Unencoded / Percent-Byte-Encoded )
 *     Percent-Byte-Unencoded → 1*( %x20-%x24 / %x26-%x7E ) ; space and VCHAR, except %
 *     Percent-Byte-Encoded   → "%" 2HEXDIGIT ; 0-9 A-F
 *
 * The status message is Unicode text: it is written as UTF-8 and every byte
 * outside printable ASCII, and `%` itself, becomes `%XX`. The spec asks
 * decoders never to fail or drop the message over a bad encoding, so
 * decoding here never throws.
 */

const HEX = '0123456789ABCDEF';
const utf8Encoder = new TextEncoder();
// `ignoreBOM`: a message that starts with U+FEFF keeps it.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function isPlain(c: number): boolean {
  return c >= 0x20 && c <= 0x7e && c !== 0x25;
}

/**
 * `grpc-message` for a status text. Lone surrogates (which have no UTF-8 form)
 * are written as U+FFFD, as TextEncoder does; every other string round-trips
 * through `decodeGrpcMessage`.
 *
 * A leading or trailing space is encoded too (`%20`), although the grammar
 * allows it bare: HTTP/2 field values may not begin or end with white space
 * (RFC 9113 §8.2.1), and node:http2 trims it, so "name = " would arrive as
 * "name =".
 */
export function encodeGrpcMessage(text: string): string {
  const last = text.length - 1;
  let i = 0;
  while (i <= last && isPlain(text.charCodeAt(i)) && !(text.charCodeAt(i) === 0x20 && (i === 0 || i === last))) i++;
  if (i > last) return text; // the common case: nothing to encode
  let out = text.slice(0, i);
  const bytes = utf8Encoder.encode(text.slice(i));
  for (let j = 0; j < bytes.length; j++) {
    const b = bytes[j]!;
    const edgeSpace = b === 0x20 && (i + j === 0 || j === bytes.length - 1);
    out += isPlain(b) && !edgeSpace ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 65 && c <= 70) return c - 55; // A-F
  if (c >= 97 && c <= 102) return c - 87; // a-f (accepted, never written)
  return -1;
}

/**
 * The status text from a `grpc-message` value. Never throws:
 * - a `%` not followed by two hex digits stays as it is;
 * - each run of `%XX` bytes is decoded as UTF-8, invalid sequences becoming U+FFFD;
 * - characters that should have been encoded but were not (a sloppy peer) are kept.
 */
export function decodeGrpcMessage(value: string): string {
  let pct = value.indexOf('%');
  if (pct < 0) return value;
  let out = value.slice(0, pct);
  let bytes: Uint8Array | undefined;
  let i = pct;
  while (i < value.length) {
    // A run of valid %XX escapes becomes bytes, decoded together.
    let n = 0;
    while (i + 2 < value.length && value.charCodeAt(i) === 0x25) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hexValue(value.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) break;
      bytes ??= new Uint8Array(Math.floor(value.length / 3));
      bytes[n++] = (hi << 4) | lo;
      i += 3;
    }
    if (n > 0) out += utf8Decoder.decode(bytes!.subarray(0, n));
    if (i >= value.length) break;
    // Then everything up to the next '%' (after this position) is literal text.
    pct = value.indexOf('%', i + 1);
    if (pct < 0) pct = value.length;
    out += value.slice(i, pct);
    i = pct;
  }
  return out;
}
