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
 * returns a copy of exactly the written bytes. `encodeFramed` returns that
 * copy as a whole gRPC frame — [flag][length][message] (frame.ts) in one
 * allocation — so a transport sends it without copying it again; the
 * transport may pass its own allocator (e.g. one handing out Node Buffers).
 */
import type { MessageCodec, MessageSchema } from './schema.js';
import { planFor } from './codec-plan.js';
import { encodeMessage } from './codec-encode.js';
import { decodeMessage } from './codec-decode.js';
import { Writer } from './writer.js';
import { FRAME_HEADER_LENGTH, writeFrameHeader } from './frame.js';

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
    encodeFramed(value: any, alloc: (length: number) => Uint8Array = newBytes): Uint8Array {
      if (busy) {
        const w = new Writer(256);
        w.pos = FRAME_HEADER_LENGTH;
        encodeMessage(plan, value, w, 0);
        return framedCopy(w, alloc);
      }
      busy = true;
      const w = writer;
      w.pos = FRAME_HEADER_LENGTH; // room for the prefix, filled in once the length is known
      try {
        encodeMessage(plan, value, w, 0);
        return framedCopy(w, alloc);
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

/** The Writer's bytes (prefix room included) in a buffer of their own, with the prefix of an uncompressed frame. */
function framedCopy(w: Writer, alloc: (length: number) => Uint8Array): Uint8Array {
  const n = w.pos;
  const out = alloc(n);
  const buf = w.buf;
  if (n <= 64) for (let i = FRAME_HEADER_LENGTH; i < n; i++) out[i] = buf[i]!;
  else out.set(buf.subarray(FRAME_HEADER_LENGTH, n), FRAME_HEADER_LENGTH);
  writeFrameHeader(out, 0, n - FRAME_HEADER_LENGTH, false);
  return out;
}
