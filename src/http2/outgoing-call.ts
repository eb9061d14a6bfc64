/**
 * What a client call is to the layers around it, with no HTTP/2 in sight:
 *
 *   service layer ──OutgoingCall──▶ ClientStream (client-stream.ts)  or  RetryingCall (retrying-call.ts)
 *                 ◀──ClientStreamListener── headers, messages, then the status (once)
 *
 * and the options one call is started with (ClientStreamOptions).
 */
import type { GrpcError } from '../wire/grpc/error.js';
import type { Metadata } from '../wire/grpc/metadata.js';

export interface ClientStreamListener {
  /** Response headers (custom metadata only). Not called for a Trailers-Only response. */
  onHeaders(headers: Metadata): void;
  /**
   * One response message, decompressed. The bytes may be a view into a network
   * buffer. `compressed`: the message's frame had the compressed flag.
   */
  onMessage(data: Uint8Array, compressed: boolean): void;
  /**
   * The call's status: `error` undefined means OK. Called exactly once,
   * possibly from inside `start()`. (Not the end of the response body: that is
   * `onBodyEnd` below, after which the status still waits for queued messages.)
   */
  onStatus(error: GrpcError | undefined, trailers: Metadata): void;
}

/**
 * A client call as the service layer drives it: a ClientStream, or a call that
 * retries or hedges over several of them (retrying-call.ts).
 */
export interface OutgoingCall {
  /** True once the call has ended (status known, cancelled, failed). */
  readonly finished: boolean;
  /** Where to frame streamed request messages before `sendFrame`. */
  readonly frameAllocator: (length: number) => Uint8Array;
  start(): void;
  sendFrame(frame: Uint8Array): Promise<void> | undefined;
  sendLastFrame(frame: Uint8Array): void;
  end(): void;
  cancel(error?: GrpcError): void;
  pause(): void;
  resume(): void;
  describe(cause: string): string;
}

export interface ClientStreamOptions {
  /** Absolute deadline, epoch ms. */
  deadline?: number;
  metadata?: Metadata;
  signal?: AbortSignal;
  /** Compress request messages with this (`gzip`, `deflate`); default: none. */
  compression?: string;
  /** With `compression`: whether request message `index` (0-based) is compressed; default every one. */
  compressMessage?: (index: number) => boolean;
  /** Wait for a connection instead of failing fast while the channel cannot connect. */
  waitForReady?: boolean;
  /**
   * The caller sends one message and ends (unary, server-streaming): the frame
   * is kept so the call can be replayed once if the server refuses the stream
   * unprocessed (REFUSED_STREAM, e.g. racing a GOAWAY).
   */
  replayable?: boolean;
  /** Largest request message, bytes; default the channel's `maxSendMessageLength` (service config may lower it). */
  maxSendMessageLength?: number;
  /** Largest response message, bytes; default the channel's `maxReceiveMessageLength`. */
  maxReceiveMessageLength?: number;
  /** A retry or hedge: how many attempts went before, sent as `grpc-previous-rpc-attempts` (gRFC A6). */
  previousAttempts?: number;
}
