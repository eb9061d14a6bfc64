/**
 * The gRPC message frame ("Length-Prefixed-Message", grpc/grpc doc/PROTOCOL-HTTP2.md).
 *
 * Every message on a gRPC stream, in either direction, travels as
 *
 *     +--------+--------+--------+--------+--------+----------------------+
 *     |  flag  |        length (uint32, big-endian)|  payload: length bytes |
 *     +--------+--------+--------+--------+--------+----------------------+
 *
 * - flag bit 0 (`FLAG_COMPRESSED`): the payload is compressed with the stream's
 *   `grpc-encoding`; 0 means the payload is the message as is.
 * - flag bit 7 (`FLAG_TRAILERS`): gRPC-Web only; the payload is not a message
 *   but the trailers, written as HTTP/1 header lines.
 * - the other bits are reserved and must be zero.
 *
 * A message may be empty (length 0), so a frame is at least five bytes long.
 * Frames are independent of HTTP/2 DATA frames: one DATA frame may hold several
 * messages, and one message may span many DATA frames.
 */
import { Code } from './code.js';
import { GrpcError } from './error.js';

/** Bytes before the payload: one flag byte and a four-byte length. */
export const FRAME_HEADER_LENGTH = 5;

/** Flag bit: the payload is compressed (`grpc-encoding`). */
export const FLAG_COMPRESSED = 0x01;

/** Flag bit (gRPC-Web): the payload carries trailers, not a message. */
export const FLAG_TRAILERS = 0x80;

/** The largest length the four-byte prefix can announce. */
export const MAX_FRAME_LENGTH = 0xffff_ffff;

/**
 * Writes the five-byte prefix for a payload of `length` bytes at `offset`.
 * Use it to frame a message into a buffer you already own (one allocation for
 * a batch of messages) instead of copying each payload into its own frame.
 */
export function writeFrameHeader(target: Uint8Array, offset: number, length: number, compressed: boolean): void {
  target[offset] = compressed ? FLAG_COMPRESSED : 0;
  target[offset + 1] = length >>> 24;
  target[offset + 2] = (length >>> 16) & 0xff;
  target[offset + 3] = (length >>> 8) & 0xff;
  target[offset + 4] = length & 0xff;
}

/** Anything that can encode a message after room left for a prefix: the protobuf codec does (proto/codec.ts). */
export interface PrefixRoomEncoder<T> {
  encodeInto(value: T, alloc?: (length: number) => Uint8Array, offset?: number): Uint8Array;
}

/**
 * `value` as a whole uncompressed frame, [0][length][message], in one buffer
 * from `alloc`: the encoder writes the message after five bytes of room and
 * the prefix goes in front. A transport sends it as is, or re-frames
 * `subarray(FRAME_HEADER_LENGTH)` to compress it. Framing needs no knowledge
 * of protobuf: any encoder with an `encodeInto` will do (tonic frames what
 * prost encodes the same way).
 */
export function encodeFramed<T>(
  encoder: PrefixRoomEncoder<T>,
  value: T,
  alloc?: (length: number) => Uint8Array,
): Uint8Array {
  const frame = encoder.encodeInto(value, alloc, FRAME_HEADER_LENGTH);
  writeFrameHeader(frame, 0, frame.length - FRAME_HEADER_LENGTH, false);
  return frame;
}

/** A new buffer holding `[flag][length][payload]`. */
export function encodeFrame(payload: Uint8Array, compressed = false): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_LENGTH + payload.length);
  writeFrameHeader(frame, 0, payload.length, compressed);
  frame.set(payload, FRAME_HEADER_LENGTH);
  return frame;
}

/** The payload length a prefix announces (bytes `offset`..`offset+4`), as an unsigned number. */
export function readFrameLength(source: Uint8Array, offset: number): number {
  return (
    ((source[offset + 1]! << 24) | (source[offset + 2]! << 16) | (source[offset + 3]! << 8) | source[offset + 4]!) >>> 0
  );
}

/**
 * RESOURCE_EXHAUSTED when the message `frame` carries is over `limit` bytes (a send
 * limit: maxSendMessageLength), else undefined: checked before the frame is sent,
 * the same words on every side that sends (`what`: a request or a response).
 */
export function sendLimitError(frame: Uint8Array, limit: number, what: 'request' | 'response'): GrpcError | undefined {
  const length = frame.length - FRAME_HEADER_LENGTH;
  if (length <= limit) return undefined;
  return new GrpcError(
    Code.RESOURCE_EXHAUSTED,
    `${what} message of ${length} bytes is over the send limit of ${limit} bytes`,
  );
}
