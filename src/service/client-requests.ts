/**
 * The request side of a client call, as messages: checked, framed, sent.
 *
 *   unary, server-streaming   encodeRequest: one message → its frame ([0][len][bytes]), before anything is sent
 *   client-streaming, bidi    checkRequests, then sendAll: an (async) iterable, frame by frame, with backpressure
 *
 * What is not a message (or does not encode) is the caller's mistake: a
 * TypeError before the call goes out, or — for a message of a stream already
 * under way — the call cancelled with INVALID_ARGUMENT, the message not sent.
 */
import type { OutgoingCall } from '../http2/outgoing-call.js';
import { Code } from '../wire/grpc/code.js';
import { encodeFramed } from '../wire/grpc/frame.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { MessageCodec } from '../wire/proto/schema.js';

/**
 * The one request of a unary or server-streaming call, framed; a request that
 * is not a message object, or does not encode, is the caller's mistake: a
 * TypeError, thrown before anything is sent.
 */
export function encodeRequest<I>(
  input: MessageCodec<I>,
  request: unknown,
  alloc: (n: number) => Uint8Array,
): Uint8Array {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw new TypeError(`the request must be a message object, got ${describeValue(request)}`);
  try {
    return encodeFramed(input, request as I, alloc);
  } catch (err) {
    throw new TypeError(`the request does not encode: ${encodeFailure(err)}`, { cause: err });
  }
}

/**
 * Why a value did not encode. Only the value can be at fault (the codec
 * throws ProtoError; GrpcError from codecs of before the split), so whatever
 * the encoder threw is reported as the caller's mistake.
 */
function encodeFailure(err: unknown): string {
  if (err instanceof GrpcError) return err.rawMessage;
  return err instanceof Error ? err.message : String(err);
}

/** The requests of a client-streaming or bidi call must be an Iterable or AsyncIterable; TypeError otherwise. */
export function checkRequests(requests: unknown): AsyncIterable<unknown> | Iterable<unknown> {
  if (
    typeof requests === 'object' &&
    requests !== null &&
    (Symbol.iterator in requests || Symbol.asyncIterator in requests)
  )
    return requests as AsyncIterable<unknown> | Iterable<unknown>;
  throw new TypeError(`the requests must be an Iterable or AsyncIterable of messages, got ${describeValue(requests)}`);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object that is not iterable' : `${typeof value} ${String(value)}`;
}

/**
 * Sends every message of `source`, waiting whenever the stream asks to, then
 * half-closes. Stops early if the call ends. If the source throws, the call is
 * cancelled with CANCELLED naming that error; a message that does not encode
 * cancels it with INVALID_ARGUMENT (the caller's mistake; it is not sent).
 */
export async function sendAll<I>(
  stream: OutgoingCall,
  input: MessageCodec<I>,
  source: AsyncIterable<I> | Iterable<I>,
): Promise<void> {
  const alloc = stream.frameAllocator;
  let index = 0;
  const frame = (message: I): Uint8Array => {
    if (typeof message !== 'object' || message === null || Array.isArray(message))
      throw new GrpcError(
        Code.INVALID_ARGUMENT,
        `request message ${index} must be a message object, got ${describeValue(message)} (not sent)`,
      );
    try {
      return encodeFramed(input, message, alloc);
    } catch (err) {
      throw new GrpcError(
        Code.INVALID_ARGUMENT,
        `request message ${index} does not encode (not sent): ${encodeFailure(err)}`,
        { cause: err },
      );
    }
  };
  try {
    if (Symbol.iterator in source && !(Symbol.asyncIterator in source)) {
      for (const message of source as Iterable<I>) {
        if (stream.finished) return;
        const wait = stream.sendFrame(frame(message));
        index++;
        if (wait !== undefined) await wait;
      }
    } else {
      for await (const message of source as AsyncIterable<I>) {
        if (stream.finished) return;
        const wait = stream.sendFrame(frame(message));
        index++;
        if (wait !== undefined) await wait;
        if (stream.finished) return;
      }
    }
    stream.end();
  } catch (err) {
    if (err instanceof GrpcError) stream.cancel(err);
    else
      stream.cancel(
        new GrpcError(Code.CANCELLED, `the request stream threw: ${(err as Error)?.message ?? String(err)}`, {
          cause: err,
        }),
      );
  }
}
