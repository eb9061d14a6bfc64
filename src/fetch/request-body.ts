/**
 * The one request message of a fetch call (unary and server-streaming methods: all gRPC-Web over fetch can carry),
 * read from the Request's body stream as it arrives:
 *
 *   body chunks ──(base64, for -text)──deframe──▶ [flag][len][payload] ──flag set?──▶ inflate ──▶ the request
 *
 * Bounded like the node transport's (src/http2/message-reader.ts, request-queue.ts), with its answers: a frame
 * announcing more than the receive limit is refused before its payload is buffered (RESOURCE_EXHAUSTED); a body that
 * stops inside a frame, bad base64 or unknown flag bits are INTERNAL; a compressed frame without a `grpc-encoding`
 * is INTERNAL; no message, or a second one, is UNIMPLEMENTED. Reading stops at the first error (the rest of the body
 * is cancelled, never buffered), and when `stop` says the call is over.
 */
import { Code } from '../wire/grpc/code.js';
import { Deframer, type Frame } from '../wire/grpc/deframer.js';
import { GrpcError } from '../wire/grpc/error.js';
import { FLAG_COMPRESSED } from '../wire/grpc/frame.js';
import { TextDeframer } from '../wire/grpc/grpc-web.js';
import { decompress } from './compression.js';

export interface RequestMessage {
  readonly data: Uint8Array;
  /** The frame's compressed flag (the data is inflated already). */
  readonly compressed: boolean;
}

export interface BodyOptions {
  /** `:path`, for the messages. */
  readonly path: string;
  readonly text: boolean;
  readonly maxMessageLength: number;
  /** The request's `grpc-encoding` ("identity": none announced). */
  readonly encoding: string;
}

/**
 * Reads the whole body and returns its one message. Throws GrpcError (see above); `reader` is the body's reader,
 * which the caller may cancel to stop it early (a cancelled read ends the body like its end would, and the result is
 * then never used).
 */
export async function readSingleMessage(
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined,
  options: BodyOptions,
): Promise<RequestMessage> {
  // Requests never carry trailer frames: the 0x80 flag is refused like any unknown bit.
  const limits = { maxMessageLength: options.maxMessageLength, allowedFlags: FLAG_COMPRESSED };
  const deframer = options.text ? new TextDeframer(limits) : new Deframer(limits);
  let message: Frame | undefined;
  const take = (frames: Frame[]): void => {
    for (const frame of frames) {
      if (message !== undefined)
        throw new GrpcError(Code.UNIMPLEMENTED, `${options.path} takes one request message; the client sent more`);
      // A frame inside one chunk is a view of it: fine, each read() hands over a chunk of its own.
      message = frame;
    }
  };
  try {
    if (reader !== undefined) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        take(deframer.push(value));
      }
    }
    deframer.end();
  } catch (err) {
    await reader?.cancel().catch(() => undefined);
    throw GrpcError.from(err, Code.INTERNAL);
  }
  if (message === undefined)
    throw new GrpcError(Code.UNIMPLEMENTED, `${options.path} takes one request message; the client sent none`);
  const frame: Frame = message;
  if (!frame.compressed) return { data: frame.data, compressed: false };
  if (options.encoding === 'identity')
    throw new GrpcError(
      Code.INTERNAL,
      'a request message has the compressed flag set but the request has no grpc-encoding',
    );
  return { data: await decompress(options.encoding, frame.data, options.maxMessageLength), compressed: true };
}
