/**
 * What a server call needs of the stream it answers on: the part of
 * node:http2's ServerHttp2Stream that server-stream.ts, the two call
 * protocols (call-protocol.ts, grpc-web.ts) and the refusals
 * (request-check.ts) use, and no more.
 *
 *   request   'data' 'end' 'aborted'   pause() resume() isPaused()
 *   response  respond(headers, { endStream | waitForTrailers })  write() end()
 *             'wantTrailers' → sendTrailers()   'drain', writableLength
 *   the end   'close' 'error', closed, destroyed, rstCode, close(code)
 *   who       session.socket (peer address, client certificate)
 *
 * A ServerHttp2Stream is one as it is; gRPC-Web over HTTP/1.1 gives an
 * IncomingMessage/ServerResponse pair dressed as one (http1-stream.ts).
 */
import type { ServerStreamResponseOptions } from 'node:http2';
import type { Socket } from 'node:net';
import type { HeaderRecord } from '../wire/grpc/metadata.js';

export interface StreamLike {
  /** The connection it belongs to; undefined once the stream is gone. */
  readonly session: { readonly socket: Socket } | undefined;
  readonly closed: boolean;
  readonly destroyed: boolean;
  /** The RST_STREAM code it closed with (rst-code.ts). */
  readonly rstCode: number | undefined;
  /** Response bytes written but not yet sent (backpressure). */
  readonly writableLength: number;

  respond(headers: Readonly<HeaderRecord>, options?: ServerStreamResponseOptions): void;
  sendTrailers(headers: Readonly<HeaderRecord>): void;
  write(chunk: Uint8Array): boolean;
  end(chunk?: Uint8Array): void;
  /** Closes the stream with RST_STREAM(`code`). */
  close(code?: number): void;

  pause(): unknown;
  resume(): unknown;
  isPaused(): boolean;

  on<A extends unknown[]>(event: string, listener: (...args: A) => void): unknown;
  once<A extends unknown[]>(event: string, listener: (...args: A) => void): unknown;
}

/** Who counts the calls of a connection (server-connection.ts): told once when each one is over. */
export interface StreamTally {
  /** `reset`: the stream closed before our status went out (the client reset it, or the connection went). */
  streamClosed(reset: boolean): void;
  /** Headers or DATA of this stream went out: the client's next ping is not a strike (gRFC A8, as grpc-go). */
  dataSent(): void;
}
