/**
 * The options of one client call, checked and turned into the transport's:
 *
 *   { timeout: '1.5s', deadline, metadata, signal, compression, waitForReady, … }
 *     ──callDeadline──▶ one absolute deadline (the earliest of timeout, deadline, the method's config)
 *     ──streamOptions─▶ ClientStreamOptions (with the method's service config folded in)
 *
 * A malformed option is a TypeError before anything is sent: the caller's
 * mistake, not a status a server could have answered.
 */
import type { ClientStreamOptions } from '../http2/outgoing-call.js';
import { parseCallTimeout } from '../http2/duration.js';
import type { MethodConfig } from '../http2/service-config.js';
import { Metadata } from '../wire/grpc/metadata.js';
import type { MetadataInit } from './context.js';

export type { MetadataInit };

/** Options of one call. */
export interface CallOptions {
  /**
   * Relative deadline: milliseconds from now, or a duration `'250ms'`, `'1.5s'`,
   * `'2m'`, `'1h'`. Anything else is a TypeError before the call is sent.
   */
  timeout?: number | string;
  /** Absolute deadline (a Date or epoch ms). With `timeout` too, the earlier wins. */
  deadline?: Date | number;
  /** Request metadata. */
  metadata?: MetadataInit;
  /** Aborting it cancels the call (RST_STREAM CANCEL; the call fails with CANCELLED). */
  signal?: AbortSignal;
  /** Compress request messages (`gzip`, `deflate`); default none. */
  compression?: 'gzip' | 'deflate' | 'identity';
  /** With `compression`: whether request message `index` (0-based) is compressed; default every one (the flag is per message). */
  compressMessage?: (index: number) => boolean;
  /** Called for each response message as it arrives, before decoding: was its frame compressed? */
  onMessageReceived?(info: { compressed: boolean }): void;
  /** While the channel cannot connect, wait (until the deadline) instead of failing with UNAVAILABLE. */
  waitForReady?: boolean;
  /** Called with the response headers. */
  onHeader?(headers: Metadata): void;
  /** Called with the trailers when the call ends (OK or not). */
  onTrailer?(trailers: Metadata): void;
}

const NO_OPTIONS: ClientStreamOptions = Object.freeze({});
const REPLAYABLE: ClientStreamOptions = Object.freeze({ replayable: true });

/**
 * The absolute deadline (epoch ms) of a call: the earliest of its `timeout`,
 * its `deadline` and the method's configured timeout (service config: "the
 * lower of the two"). A malformed one is a TypeError: nothing is sent.
 */
export function callDeadline(
  options: CallOptions | undefined,
  configTimeoutMs: number | undefined,
): number | undefined {
  let deadline: number | undefined;
  const given = options?.deadline;
  if (given !== undefined) {
    deadline = given instanceof Date ? given.getTime() : given;
    if (typeof deadline !== 'number' || Number.isNaN(deadline))
      throw new TypeError(`deadline must be a Date or epoch milliseconds, got ${String(given)}`);
  }
  const timeout = options?.timeout === undefined ? configTimeoutMs : parseCallTimeout(options.timeout);
  if (timeout !== undefined) {
    const fromTimeout = Date.now() + Math.min(timeout, configTimeoutMs ?? Infinity);
    if (deadline === undefined || fromTimeout < deadline) deadline = fromTimeout;
  }
  return deadline;
}

/** Request metadata as given: a Metadata, or a plain object of values. Throws GrpcError for a bad key or value. */
export function toMetadata(init: MetadataInit): Metadata {
  return init instanceof Metadata ? init : new Metadata(init);
}

/** What the stub binds once per method (service/client.ts) and every call of it shares. */
export interface MethodBinding {
  /** One request (unary, server-streaming): its frame leaves with END_STREAM and can be replayed as it is. */
  readonly singleRequest: boolean;
  /** The client's default compression. */
  readonly compression: string | undefined;
  /** The channel's service config for this method. */
  readonly config: MethodConfig | undefined;
}

/**
 * The transport options of a call; with no options, no default compression
 * and no method config, a shared frozen object. `deadline` and `metadata`
 * are the call's own (as interceptors left them, when there are any).
 */
export function streamOptions(
  binding: MethodBinding,
  options: CallOptions | undefined,
  deadline: number | undefined,
  metadata: Metadata | undefined,
): ClientStreamOptions {
  const config = binding.config;
  if (
    options === undefined &&
    deadline === undefined &&
    metadata === undefined &&
    binding.compression === undefined &&
    config === undefined
  )
    return binding.singleRequest ? REPLAYABLE : NO_OPTIONS;
  return {
    deadline,
    metadata,
    signal: options?.signal,
    compression: options?.compression ?? binding.compression,
    compressMessage: options?.compressMessage,
    // The application's own choice wins over the service config's (gRFC A2).
    waitForReady: options?.waitForReady ?? config?.waitForReady,
    replayable: binding.singleRequest,
    maxSendMessageLength: config?.maxRequestMessageBytes,
    maxReceiveMessageLength: config?.maxResponseMessageBytes,
  };
}
