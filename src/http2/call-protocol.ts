/**
 * The one thing gRPC and gRPC-Web do differently on the server: how a call's
 * bytes go on the wire. A ServerStream (server-stream.ts) decides *what* to
 * send and when; its `CallProtocol` decides *how*:
 *
 *   gRPC       headers · DATA frames · HTTP/2 trailers (on 'wantTrailers')
 *   gRPC-Web   headers · DATA frames · a last frame flagged 0x80 holding the
 *              status (grpc-web.ts), maybe base64 throughout
 *
 * `GRPC_PROTOCOL` below is shared by every gRPC call; grpc-web.ts makes one per
 * gRPC-Web call (it knows the call's content-type and CORS origin).
 */
import { Deframer } from '../wire/grpc/deframer.js';
import { FLAG_COMPRESSED } from '../wire/grpc/frame.js';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import type { FrameSource } from './message-reader.js';
import { END_OPTIONS, RESPOND_OPTIONS } from './response-headers.js';
import type { StreamLike } from './stream-like.js';

export type { FrameSource };

/** Per-server settings every call reads (one shared object). */
export interface CallConfig {
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
}

/** How a call's bytes go on the wire. */
export interface CallProtocol {
  /** The status goes out as HTTP/2 trailers: the stream asks for them with 'wantTrailers'. */
  readonly trailers: boolean;
  /** The request body's frame cutter. */
  deframer(config: CallConfig): FrameSource;
  /** Sends the response headers; messages follow. */
  respond(stream: StreamLike, headers: Readonly<HeaderRecord>): void;
  /** Sends one header block that is the whole response (Trailers-Only). */
  respondOnly(stream: StreamLike, headers: Readonly<HeaderRecord>): void;
  /** Writes a chunk of whole frames; false: the stream's buffer is over its mark. */
  write(stream: StreamLike, frames: Uint8Array): boolean;
  /** Writes the last frames (if any), then — unless `trailers` says they follow on 'wantTrailers' — the status, and ends the response. */
  end(stream: StreamLike, frames: Uint8Array | undefined, trailers: Readonly<HeaderRecord>): void;
}

/** gRPC over HTTP/2: the status goes out as real HTTP/2 trailers, on 'wantTrailers' (server-stream.ts). */
export const GRPC_PROTOCOL: CallProtocol = Object.freeze({
  trailers: true,
  deframer: (config: CallConfig) =>
    new Deframer({ maxMessageLength: config.maxReceiveMessageLength, allowedFlags: FLAG_COMPRESSED }),
  respond: (stream: StreamLike, headers: Readonly<HeaderRecord>) => stream.respond(headers, RESPOND_OPTIONS),
  respondOnly: (stream: StreamLike, headers: Readonly<HeaderRecord>) => stream.respond(headers, END_OPTIONS),
  write: (stream: StreamLike, frames: Uint8Array) => stream.write(frames),
  end(stream: StreamLike, frames: Uint8Array | undefined): void {
    if (frames === undefined) stream.end();
    else stream.end(frames);
  },
});
