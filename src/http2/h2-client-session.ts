/**
 * The HTTP/2 client session a channel's calls go out on, as subchannel.ts and
 * client-stream.ts use it: the part of node:http2's ClientHttp2Session and
 * ClientHttp2Stream they need, and no more.
 *
 *   session   request(headers) → stream    ping(ack)    close() (GOAWAY, then done)    destroy()
 *             'connect' 'goaway'(code, lastStreamId, debug) 'error' 'close'   ref()/unref()
 *   stream    'response'(headers, flags) 'data' 'trailers' 'end' 'close' 'error' 'drain' 'ready'
 *             write() end() close(code) destroy()   pause() resume()
 *             rstCode, pending/id (did the HEADERS leave?), writableLength (backpressure)
 *
 * A node:http2 session is one as it is (transport 'node:http2'); wiregrpc's
 * own HTTP/2 (src/h2) is one through h2-client-connection.ts (transport
 * 'wiregrpc'), over any byte stream: a node:net or node:tls socket, Deno's,
 * Bun's, or cloudflare:sockets'.
 */
import type { HeaderRecord } from '../wire/grpc/metadata.js';

/** Response headers as the call reads them: lower-case names, `:status` a number, repeated fields as arrays. */
export type ReceivedHeaders = HeaderRecord & { ':status'?: number };

export interface ClientSessionStream {
  /** The stream id; undefined while the HEADERS have not been sent (the stream waits for a slot). */
  readonly id?: number | undefined;
  /** True while the HEADERS have not been sent. */
  readonly pending: boolean;
  readonly closed: boolean;
  readonly destroyed: boolean;
  /** The RST_STREAM code it closed with (NO_ERROR for a stream that ended normally). */
  readonly rstCode?: number | undefined;
  /**
   * The RST_STREAM was ours, not the server's: our HTTP/2 found the server's response malformed or over its
   * limits (RFC 9113 §8.1.1, §5.2) and reset the stream. node:http2 does not tell; absent there.
   */
  readonly resetByUs?: boolean;
  /** Request bytes written but not yet sent (flow control, socket buffer). */
  readonly writableLength: number;
  /** end() was called. */
  readonly writableEnded: boolean;
  /** Everything written, END_STREAM included, has been handed to the connection. */
  readonly writableFinished: boolean;

  /** DATA; false: wait for 'drain' (the bytes are queued). */
  write(chunk: Uint8Array): boolean;
  /** END_STREAM, after `chunk` if given. */
  end(chunk?: Uint8Array): void;
  /** RST_STREAM(code). */
  close(code?: number): void;
  destroy(): void;
  pause(): unknown;
  resume(): unknown;

  on(event: 'response', listener: (headers: ReceivedHeaders, flags: number) => void): unknown;
  on(event: 'trailers', listener: (trailers: HeaderRecord) => void): unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'close' | 'drain' | 'ready' | 'error', listener: () => void): unknown;
}

export interface ClientSession {
  readonly closed: boolean;
  readonly destroyed: boolean;
  /** The socket under the session: told when it closes. */
  readonly socket?: { once?(event: 'close', listener: () => void): unknown } | undefined;

  /** Opens a stream; a signal given resets it with CANCEL (and nothing else) when aborted. Throws once the session is closing. */
  request(headers: HeaderRecord, options?: { signal?: AbortSignal }): ClientSessionStream;
  /** PING; `ack` once the peer answers. False if it could not be sent. */
  ping(ack: (error: Error | null, duration: number, payload: Uint8Array) => void): boolean;
  /** Graceful: GOAWAY, streams open finish, then 'close'. */
  close(): void;
  /** Now: the socket closes, open streams are cut off. */
  destroy(): void;
  ref(): void;
  unref(): void;

  once(event: 'connect' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'goaway', listener: (code: number, lastStreamId: number, debug?: Uint8Array) => void): unknown;
}
