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
import type { MessageCodec, MessageSchema } from './schema.js';
import { planFor } from './codec-plan.js';
import { encodeMessage } from './codec-encode.js';
import { decodeMessage } from './codec-decode.js';
import { SMALL_COPY, Writer } from './writer.js';

/** A Writer that grew past this is dropped after use, so one huge message does not pin its buffer. */
const KEEP_BUFFER = 1 << 20;

const codecs = new WeakMap<MessageSchema, MessageCodec<any>>();

export function codecFor<T = Record<string, unknown>>(schema: MessageSchema): MessageCodec<T> {
  let codec = codecs.get(schema);
  if (codec === undefined) {
    codec = buildCodec(schema);
    codecs.set(schema, codec);
  }
  return codec as MessageCodec<T>;
}

function buildCodec(schema: MessageSchema): MessageCodec<any> {
  const plan = planFor(schema);
  let writer = new Writer(4096);
  // A getter in a value could call encode() again while we are writing: it then gets its own Writer.
  let busy = false;
  return {
    schema,
    encode(value: any): Uint8Array {
      if (busy) {
        const w = new Writer(256);
        encodeMessage(plan, value, w, 0);
        return w.finish();
      }
      busy = true;
      const w = writer;
      w.pos = 0;
      try {
        encodeMessage(plan, value, w, 0);
        return w.finish();
      } finally {
        busy = false;
        if (w.buf.length > KEEP_BUFFER) writer = new Writer(4096);
      }
    },
    encodeInto(value: any, alloc: (length: number) => Uint8Array = newBytes, offset = 0): Uint8Array {
      if (busy) {
        const w = new Writer(256);
        w.pos = offset;
        encodeMessage(plan, value, w, 0);
        return copyAfter(w, alloc, offset);
      }
      busy = true;
      const w = writer;
      w.pos = offset; // the caller's room, left as it is: only the message is copied out
      try {
        encodeMessage(plan, value, w, 0);
        return copyAfter(w, alloc, offset);
      } finally {
        busy = false;
        if (w.buf.length > KEEP_BUFFER) writer = new Writer(4096);
      }
    },
    decode(bytes: Uint8Array): any {
      return decodeMessage(plan, bytes);
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
