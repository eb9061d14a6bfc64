/**
 * What a server call is given besides its stream: the server's limits, the
 * route it was matched to, the service layer that runs it, and — the one
 * thing gRPC and gRPC-Web do differently — how its bytes go on the wire.
 *
 * `CallProtocol` is that last part, a strategy object: `GRPC_PROTOCOL` below
 * (shared by every gRPC call), or grpc-web.ts's (one per gRPC-Web call). A
 * ServerCall (server-stream.ts) decides *what* to send and when; its protocol
 * decides *how*.
 */
import type { ServerHttp2Stream } from 'node:http2';
import { Deframer } from '../wire/grpc/deframer.js';
import { FLAG_COMPRESSED } from '../wire/grpc/frame.js';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import type { FrameSource } from './message-reader.js';
import { END_OPTIONS, RESPOND_OPTIONS } from './response-headers.js';
import type { ServerCall } from './server-stream.js';

export type { FrameSource };

/** Per-server settings every call reads (one shared object). */
export interface CallConfig {
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
}

/** What a router returns for a known `:path`. */
export interface Route {
  /** The method takes exactly one request (unary, server-streaming): the transport collects it before dispatch. */
  readonly unaryRequest: boolean;
}

/** The service layer, as the transport sees it. */
export interface CallDispatcher<R extends Route = Route> {
  route(path: string): R | undefined;
  /** A new call. `request` is the single request message for `unaryRequest` routes, undefined otherwise. */
  dispatch(call: ServerCall, route: R, request: Uint8Array | undefined): void;
}

/** How a call's bytes go on the wire. */
export interface CallProtocol {
  /** The request body's frame cutter. */
  deframer(config: CallConfig): FrameSource;
  /** Sends the response headers; messages follow. */
  respond(stream: ServerHttp2Stream, headers: Readonly<HeaderRecord>): void;
  /** Sends one header block that is the whole response (Trailers-Only). */
  respondOnly(stream: ServerHttp2Stream, headers: Readonly<HeaderRecord>): void;
  /** Writes a chunk of whole frames; false: the stream's buffer is over its mark. */
  write(stream: ServerHttp2Stream, frames: Uint8Array): boolean;
  /** Writes the last frames (if any), then the status `trailers`, and ends the response. */
  end(stream: ServerHttp2Stream, frames: Uint8Array | undefined, trailers: Readonly<HeaderRecord>): void;
}

/** The property of a node stream that points back to its call. */
export const CALL = Symbol('wiregrpc.call');

/** A node stream that knows its call (set by the ServerCall; read by the module-level listeners). */
export type CallStream = ServerHttp2Stream & { [CALL]: ServerCall };

// node:http2 asks for the trailers once the DATA side is ended (`waitForTrailers`).
function onWantTrailers(this: CallStream): void {
  this[CALL].flushTrailers();
}

/** gRPC over HTTP/2: the status goes out as real HTTP/2 trailers, on 'wantTrailers'. */
export const GRPC_PROTOCOL: CallProtocol = Object.freeze({
  deframer: (config: CallConfig) =>
    new Deframer({ maxMessageLength: config.maxReceiveMessageLength, allowedFlags: FLAG_COMPRESSED }),
  respond(stream: ServerHttp2Stream, headers: Readonly<HeaderRecord>): void {
    stream.once('wantTrailers', onWantTrailers);
    stream.respond(headers, RESPOND_OPTIONS);
  },
  respondOnly: (stream: ServerHttp2Stream, headers: Readonly<HeaderRecord>) => stream.respond(headers, END_OPTIONS),
  write: (stream: ServerHttp2Stream, frames: Uint8Array) => stream.write(frames),
  end(stream: ServerHttp2Stream, frames: Uint8Array | undefined): void {
    if (frames === undefined) stream.end();
    else stream.end(frames);
  },
});
