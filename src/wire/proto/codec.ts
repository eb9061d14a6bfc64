/**
 * codecFor(schema): the message codec every call uses.
 *
 * A codec is built once per message type and cached. Building it digests the
 * schema into a plan (codec-plan.ts); encoding and decoding are loops over
 * that plan (codec-encode.ts, codec-decode.ts). Nothing is compiled from
 * strings, so the codec runs where `eval` is forbidden (CSP, edge runtimes,
 * `node --disallow-code-generation-from-strings`).
 *
 * Encoding writes into one Writer per codec, reused from call to call, and
 * returns a copy of exactly the written bytes. `encodeInto(value, alloc,
 * offset)` puts that copy `offset` bytes into a buffer from the caller's
 * allocator, leaving the first bytes for the caller: that is how gRPC frames
 * a message (grpc/frame.ts writes its five-byte prefix there) in one
 * allocation, without the codec knowing what a frame is.
 */
import type { CodecOptions, MessageCodec, MessageSchema } from './schema.js';
import { planFor } from './codec-plan.js';
import { encodeMessage, encodeOptions } from './codec-encode.js';
import { decodeMessage, decodeOptions } from './codec-decode.js';
import { checkRequired, reachesRequired } from './required.js';
import { SMALL_COPY, Writer } from './writer.js';

/** A Writer that grew past this is dropped after use, so one huge message does not pin its buffer. */
const KEEP_BUFFER = 1 << 20;

type Value = Record<string, unknown>;

/** One cache per combination of options (index: discardUnknownFields | !checkRequired << 1). */
const codecs = [0, 1, 2, 3].map(() => new WeakMap<MessageSchema, MessageCodec<Value>>());

/**
 * The codec of `schema`. Options (schema.ts, CodecOptions): `discardUnknownFields`
 * drops what the schema does not describe instead of keeping it;
 * `checkRequired: false` skips proto2's `required` checks.
 */
export function codecFor<T = Record<string, unknown>>(schema: MessageSchema, options?: CodecOptions): MessageCodec<T> {
  const index = (options?.discardUnknownFields === true ? 1 : 0) | (options?.checkRequired === false ? 2 : 0);
  const cache = codecs[index]!;
  let codec = cache.get(schema);
  if (codec === undefined) {
    codec = buildCodec(schema, index);
    cache.set(schema, codec);
  }
  return codec as unknown as MessageCodec<T>;
}

function buildCodec(schema: MessageSchema, index: number): MessageCodec<Value> {
  const plan = planFor(schema);
  const keepUnknown = (index & 1) === 0;
  const required = (index & 2) === 0;
  let writer = new Writer(4096);
  // A getter in a value could call encode() again while we are writing: it then gets its own Writer.
  let busy = false;
  /** Encodes `value` into `w` from `w.pos` with this codec's options (restored after: encodes may nest). */
  const encodeWith = (w: Writer, value: Value): void => {
    const outer = encodeOptions.checkRequired;
    encodeOptions.checkRequired = required;
    try {
      encodeMessage(plan, value, w, 0);
    } finally {
      encodeOptions.checkRequired = outer;
    }
  };
  // Checked once the whole message is read: a message field can arrive in pieces that are merged.
  let deepRequired: boolean | undefined;
  return {
    schema,
    encode(value: Value): Uint8Array {
      if (busy) {
        const w = new Writer(256);
        encodeWith(w, value);
        return w.finish();
      }
      busy = true;
      const w = writer;
      w.pos = 0;
      try {
        encodeWith(w, value);
        return w.finish();
      } finally {
        busy = false;
        if (w.buf.length > KEEP_BUFFER) writer = new Writer(4096);
      }
    },
    encodeInto(value: Value, alloc: (length: number) => Uint8Array = newBytes, offset = 0): Uint8Array {
      if (busy) {
        const w = new Writer(256);
        w.pos = offset;
        encodeWith(w, value);
        return copyAfter(w, alloc, offset);
      }
      busy = true;
      const w = writer;
      w.pos = offset; // the caller's room, left as it is: only the message is copied out
      try {
        encodeWith(w, value);
        return copyAfter(w, alloc, offset);
      } finally {
        busy = false;
        if (w.buf.length > KEEP_BUFFER) writer = new Writer(4096);
      }
    },
    decode(bytes: Uint8Array): Value {
      // Decoding runs no user code and does not nest: the options are set, not saved.
      decodeOptions.keepUnknown = keepUnknown;
      const value = decodeMessage(plan, bytes);
      if (required && (deepRequired ??= reachesRequired(plan))) checkRequired(plan, value);
      return value;
    },
  };
}

function newBytes(length: number): Uint8Array {
  return new Uint8Array(length);
}

/** The Writer's bytes after `offset` in a buffer of their own (the first `offset` bytes are the caller's to fill). */
function copyAfter(w: Writer, alloc: (length: number) => Uint8Array, offset: number): Uint8Array {
  const n = w.pos;
  const out = alloc(n);
  const buf = w.buf;
  if (n - offset < SMALL_COPY) for (let i = offset; i < n; i++) out[i] = buf[i]!;
  else out.set(buf.subarray(offset, n), offset);
  return out;
}
