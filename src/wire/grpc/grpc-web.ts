/**
 * gRPC-Web's body format (grpc/grpc doc/PROTOCOL-WEB.md), the bytes both a
 * gRPC-Web server and a browser client need. Pure: no I/O, no Node.
 *
 * gRPC-Web is gRPC for peers that cannot read HTTP trailers (browsers, fetch,
 * HTTP/1.1). Its body is the same Length-Prefixed-Messages as gRPC (frame.ts),
 * except that the status travels as one more frame at the end of the response:
 *
 *     +--------+-------------------+--------------------------------------+
 *     |  0x80  |  length (4, BE)   |  "grpc-status: 0\r\n"                |
 *     |        |                   |  "grpc-message: ...\r\n"  ...        |
 *     +--------+-------------------+--------------------------------------+
 *
 * flag bit 7 (`FLAG_TRAILERS`) marks it; the payload is the trailers as
 * HTTP/1-style header lines, lower-case names. A Trailers-Only response (an
 * error before any message) may instead carry the status in the response
 * headers and have an empty body.
 *
 * `application/grpc-web-text` bodies are base64 of those bytes. A sender may
 * encode each piece it writes separately, padding included, so a text body is
 * a run of padded base64 segments ("AAAAAA==gAAAAA..."): the decoder works
 * four characters at a time and lets padding end any group, wherever the
 * network happened to cut the stream.
 */
import { Code } from './code.js';
import { Deframer, type DeframerOptions, type Frame } from './deframer.js';
import { GrpcError } from './error.js';
import { FLAG_TRAILERS, FRAME_HEADER_LENGTH } from './frame.js';
import type { HeaderRecord } from './metadata.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The trailers frame: `[0x80][length][name: value\r\n ...]`. Array values give one line each. */
export function encodeTrailersFrame(trailers: Readonly<HeaderRecord>): Uint8Array {
  let text = '';
  for (const name of Object.keys(trailers)) {
    const value = trailers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) text += `${name}: ${v}\r\n`;
    else text += `${name}: ${value}\r\n`;
  }
  const payload = encoder.encode(text);
  const frame = new Uint8Array(FRAME_HEADER_LENGTH + payload.length);
  frame[0] = FLAG_TRAILERS;
  new DataView(frame.buffer).setUint32(1, payload.length);
  frame.set(payload, FRAME_HEADER_LENGTH);
  return frame;
}

/**
 * The header lines of a trailers frame's payload, names lower-cased; a name
 * seen twice gets an array. Empty lines are skipped; a line without a colon
 * is a protocol error (INTERNAL).
 *
 * The names are the server's: the record has no prototype, so `constructor`
 * or `toString` read nothing inherited and `__proto__` is an own field (on a
 * plain `{}`, assigning it would replace the prototype).
 */
export function parseTrailers(payload: Uint8Array): HeaderRecord {
  const out: HeaderRecord = Object.create(null) as HeaderRecord;
  for (const line of decoder.decode(payload).split('\n')) {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') continue;
    const colon = text.indexOf(':');
    if (colon <= 0)
      throw new GrpcError(Code.INTERNAL, `malformed gRPC-Web trailer line ${JSON.stringify(text.slice(0, 64))}`);
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else out[name] = [String(seen), value];
  }
  return out;
}

// ─── base64 for application/grpc-web-text ──────────────────────────────────

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='
/** ASCII code → 6-bit value, or -1. */
const VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
const CODE = new Uint8Array(64);
for (let i = 0; i < 64; i++) CODE[i] = ALPHABET.charCodeAt(i);

/** Standard padded base64 of `bytes`, as ASCII bytes (ready to write to a body). */
export function encodeBase64Bytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = CODE[n >> 18]!;
    out[o++] = CODE[(n >> 12) & 63]!;
    out[o++] = CODE[(n >> 6) & 63]!;
    out[o++] = CODE[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o++] = CODE[n >> 18]!;
    out[o++] = CODE[(n >> 12) & 63]!;
    out[o++] = rest === 2 ? CODE[(n >> 6) & 63]! : PAD;
    out[o++] = PAD;
  }
  return out;
}

/**
 * Decodes a base64 body that arrives in arbitrary pieces. Characters are
 * taken four at a time; a group cut by a chunk boundary waits (at most three
 * characters) for the next chunk. `=` may close any group — "xx==" gives one
 * byte, "xxx=" two — so independently padded segments decode back to back.
 * Anything else (a character outside the alphabet, padding in the wrong
 * place, a body that stops inside a group) is INTERNAL.
 */
export class Base64Decoder {
  private acc = 0;
  /** Characters of the current group seen so far (0–3), padding included. */
  private count = 0;
  /** Padding characters in the current group. */
  private pads = 0;

  /** The bytes this chunk completes (a new array; possibly empty). */
  push(chunk: Uint8Array): Uint8Array {
    const out = new Uint8Array(((this.count + chunk.length) >> 2) * 3);
    let o = 0;
    let acc = this.acc;
    let count = this.count;
    let pads = this.pads;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === PAD) {
        if (count < 2) throw this.error('padding at the start of a group');
        pads++;
        acc <<= 6;
      } else {
        const v = VALUE[c]!;
        if (v < 0) throw this.error(`byte 0x${c.toString(16)} is not base64`);
        if (pads > 0) throw this.error('data after padding inside a group');
        acc = (acc << 6) | v;
      }
      if (++count === 4) {
        out[o++] = acc >> 16;
        if (pads < 2) out[o++] = (acc >> 8) & 0xff;
        if (pads < 1) out[o++] = acc & 0xff;
        acc = 0;
        count = 0;
        pads = 0;
      }
    }
    this.acc = acc;
    this.count = count;
    this.pads = pads;
    return o === out.length ? out : out.subarray(0, o);
  }

  /** End of body: throws INTERNAL if it stopped inside a four-character group. */
  end(): void {
    if (this.count !== 0) throw this.error(`the body ends inside a base64 group (${this.count} of 4 characters)`);
  }

  private error(what: string): GrpcError {
    return new GrpcError(Code.INTERNAL, `invalid grpc-web-text body: ${what}`);
  }
}

/** A Deframer for grpc-web-text bodies: base64 first, then frames. Same interface as Deframer. */
export class TextDeframer {
  private readonly base64 = new Base64Decoder();
  private readonly frames: Deframer;

  constructor(options?: DeframerOptions) {
    this.frames = new Deframer(options);
  }

  get pending(): number {
    return this.frames.pending;
  }

  push(chunk: Uint8Array): Frame[] {
    return this.frames.push(this.base64.push(chunk));
  }

  end(): void {
    this.base64.end();
    this.frames.end();
  }
}
