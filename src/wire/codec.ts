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
 * returns a copy of exactly the written bytes.
 */
import type { MessageCodec, MessageSchema } from './schema.js';
import { planFor } from './codec-plan.js';
import { encodeMessage } from './codec-encode.js';
import { decodeMessage } from './codec-decode.js';
import { Writer } from './writer.js';

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
    decode(bytes: Uint8Array): any {
      return decodeMessage(plan, bytes);
    },
  };
}
