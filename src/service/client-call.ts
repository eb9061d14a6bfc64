/**
 * The service side of a client call: messages instead of bytes.
 *
 * - `SingleResponse` collects the one response of a unary or client-streaming
 *   call and settles the caller's promise.
 * - `ResponseStream` is what server-streaming and bidi calls return: an
 *   AsyncIterable of responses, with `headers` and `trailers` promises and
 *   `cancel()`. It pauses the HTTP/2 stream when the consumer falls behind.
 * - `sendAll` writes a request stream (AsyncIterable or array), awaiting
 *   backpressure, then half-closes.
 * - `callDeadline`, `toMetadata`, `streamOptions`: a call's options, checked
 *   (a bad one is a TypeError before anything is sent) and turned into the
 *   transport's.
 */
import type { ClientStreamListener, ClientStreamOptions, OutgoingCall } from '../http2/client-stream.js';
import { parseCallTimeout } from '../http2/duration.js';
import type { MethodConfig } from '../http2/service-config.js';
import { Code } from '../wire/grpc/code.js';
import { encodeFramed } from '../wire/grpc/frame.js';
import { GrpcError } from '../wire/grpc/error.js';
import { Metadata } from '../wire/grpc/metadata.js';
import type { MessageCodec } from '../wire/proto/schema.js';
import type { ClientCall } from './client-interceptors.js';
import type { MetadataInit } from './context.js';
import type { MethodDefinition } from './definition.js';

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

/** Runs a user callback; if it throws, the call is cancelled with that error. */
function notify(stream: OutgoingCall | undefined, callback: (md: Metadata) => void, md: Metadata): void {
  try {
    callback(md);
  } catch (err) {
    stream?.cancel(
      new GrpcError(Code.CANCELLED, `a callback threw: ${(err as Error)?.message ?? String(err)}`, { cause: err }),
    );
  }
}

/** Runs `onMessageReceived`; if it throws, the call is cancelled with that error. */
function received(
  stream: OutgoingCall | undefined,
  callback: (info: { compressed: boolean }) => void,
  compressed: boolean,
): void {
  try {
    callback({ compressed });
  } catch (err) {
    stream?.cancel(
      new GrpcError(Code.CANCELLED, `a callback threw: ${(err as Error)?.message ?? String(err)}`, { cause: err }),
    );
  }
}

/**
 * What a call's responses go to: the ClientStream's listener, told of the
 * stream that serves it once there is one.
 */
export interface CallListener extends ClientStreamListener {
  started(stream: OutgoingCall): void;
}

/** The one response of a unary or client-streaming call: a listener that settles the caller's promise. */
export class SingleResponse<O> implements CallListener {
  /** @internal */ stream: OutgoingCall | undefined;
  private message: Uint8Array | undefined;
  private count = 0;

  constructor(
    private readonly output: MessageCodec<O>,
    private readonly resolve: (value: O) => void,
    private readonly reject: (error: GrpcError) => void,
    private readonly options: CallOptions | undefined,
    private readonly call: ClientCall | undefined,
  ) {}

  /** @internal */
  started(stream: OutgoingCall): void {
    this.stream = stream;
  }

  onHeaders(headers: Metadata): void {
    if (this.call !== undefined) this.call.headers = headers;
    const onHeader = this.options?.onHeader;
    if (onHeader !== undefined) notify(this.stream, onHeader, headers);
  }

  onMessage(data: Uint8Array, compressed: boolean): void {
    if (this.options?.onMessageReceived !== undefined)
      received(this.stream, this.options.onMessageReceived, compressed);
    if (this.count++ === 0) {
      this.message = data;
      return;
    }
    // doc/statuscodes.md: a response cardinality violation is UNIMPLEMENTED, on
    // the client as on the server (grpc-js and grpc-java agree).
    const stream = this.stream!;
    stream.cancel(
      new GrpcError(
        Code.UNIMPLEMENTED,
        stream.describe(
          'cardinality violation: the server sent more than one response message for a single-response method',
        ),
      ),
    );
  }

  onStatus(error: GrpcError | undefined, trailers: Metadata): void {
    if (this.call !== undefined) this.call.trailers = trailers;
    const onTrailer = this.options?.onTrailer;
    if (onTrailer !== undefined) notify(undefined, onTrailer, trailers);
    if (error !== undefined) {
      this.reject(error);
    } else if (this.message === undefined) {
      this.reject(
        new GrpcError(
          Code.UNIMPLEMENTED,
          this.stream!.describe(
            'cardinality violation: the server ended a single-response call with OK but sent no response message',
          ),
          { metadata: trailers },
        ),
      );
    } else {
      let value: O;
      try {
        value = this.output.decode(this.message);
      } catch (err) {
        this.reject(GrpcError.from(err, Code.INTERNAL));
        return;
      }
      this.resolve(value);
    }
  }
}

/** Buffered responses beyond which we stop reading from the network. */
const HIGH_WATER = 32;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The responses of a server-streaming or bidi call, as an AsyncIterable:
 *
 *   const responses = client.listFeatures(rect);
 *   for await (const feature of responses) ...      // throws GrpcError if the call fails
 *   const trailers = await responses.trailers;
 *
 * Leaving the loop early (`break`) cancels the call.
 */
export class ResponseStream<O> implements CallListener, AsyncIterableIterator<O> {
  /** @internal */ stream: OutgoingCall | undefined;
  /** @internal With interceptors: settles `next()` of the innermost interceptor. */
  transportDone: { resolve(): void; reject(error: GrpcError): void } | undefined;
  private readonly queue: O[] = [];
  private head = 0;
  private waiter: { resolve(r: IteratorResult<O>): void; reject(e: unknown): void } | undefined;
  private ended = false;
  private error: GrpcError | undefined;
  private paused = false;
  private cancelled = false;
  private receivedHeaders: Metadata | undefined;
  private receivedTrailers: Metadata | undefined;
  private headersWaiter: Deferred<Metadata> | undefined;
  private trailersWaiter: Deferred<Metadata> | undefined;

  constructor(
    private readonly output: MessageCodec<O>,
    private readonly options: CallOptions | undefined,
    private readonly call: ClientCall | undefined,
  ) {}

  /** Response headers; resolves with empty metadata if the call ends without any. Never rejects. */
  get headers(): Promise<Metadata> {
    if (this.receivedHeaders !== undefined) return Promise.resolve(this.receivedHeaders);
    if (this.ended) return Promise.resolve(new Metadata());
    return (this.headersWaiter ??= deferred()).promise;
  }

  /** Trailers, once the call has ended (OK or not). Never rejects: the error comes from the iteration. */
  get trailers(): Promise<Metadata> {
    if (this.receivedTrailers !== undefined) return Promise.resolve(this.receivedTrailers);
    return (this.trailersWaiter ??= deferred()).promise;
  }

  /** Cancels the call (RST_STREAM CANCEL); iteration then ends with CANCELLED. */
  cancel(): void {
    this.cancelled = true;
    this.stream?.cancel();
  }

  /** @internal Called once the transport stream exists. */
  started(stream: OutgoingCall): void {
    this.stream = stream;
    if (this.cancelled) stream.cancel();
  }

  /** @internal */
  onHeaders(headers: Metadata): void {
    this.receivedHeaders = headers;
    if (this.call !== undefined) this.call.headers = headers;
    this.headersWaiter?.resolve(headers);
    const onHeader = this.options?.onHeader;
    if (onHeader !== undefined) notify(this.stream, onHeader, headers);
  }

  /** @internal */
  onMessage(data: Uint8Array, compressed: boolean): void {
    if (this.options?.onMessageReceived !== undefined)
      received(this.stream, this.options.onMessageReceived, compressed);
    let message: O;
    try {
      message = this.output.decode(data);
    } catch (err) {
      this.stream!.cancel(GrpcError.from(err, Code.INTERNAL));
      return;
    }
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ value: message, done: false });
      return;
    }
    this.queue.push(message);
    if (!this.paused && this.queue.length - this.head >= HIGH_WATER) {
      this.paused = true;
      this.stream!.pause();
    }
  }

  /** @internal */
  onStatus(error: GrpcError | undefined, trailers: Metadata): void {
    this.receivedTrailers = trailers;
    if (this.call !== undefined) this.call.trailers = trailers;
    const onTrailer = this.options?.onTrailer;
    if (onTrailer !== undefined) notify(undefined, onTrailer, trailers);
    const done = this.transportDone;
    if (done !== undefined) {
      if (error === undefined) done.resolve();
      else done.reject(error);
    } else {
      this.finish(error);
    }
  }

  /** @internal The call's final outcome (after interceptors, if any). */
  finish(error: GrpcError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.headersWaiter?.resolve(this.receivedHeaders ?? new Metadata());
    this.trailersWaiter?.resolve(this.receivedTrailers ?? new Metadata());
    const waiter = this.waiter;
    if (waiter !== undefined && this.head === this.queue.length) {
      this.waiter = undefined;
      if (error !== undefined) {
        this.error = undefined;
        waiter.reject(error);
      } else {
        waiter.resolve({ value: undefined, done: true });
      }
    }
  }

  next(): Promise<IteratorResult<O>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head]!;
      this.queue[this.head++] = undefined as O;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      if (this.paused && this.queue.length - this.head <= HIGH_WATER / 2) {
        this.paused = false;
        this.stream?.resume();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      const error = this.error;
      if (error !== undefined) {
        this.error = undefined; // reported once; later next() calls say done
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    // One pending next() at a time. A misuse of the iterator by the caller, not a
    // fault of the call (which goes on; the first next() still settles):
    // FAILED_PRECONDITION, "not in a state required for the operation".
    if (this.waiter !== undefined)
      return Promise.reject(
        new GrpcError(Code.FAILED_PRECONDITION, 'next() called again before the previous next() settled'),
      );
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** `break` out of `for await`: cancel the call if it is still running. */
  return(): Promise<IteratorResult<O>> {
    if (!this.ended) this.cancel();
    this.queue.length = 0;
    this.head = 0;
    this.error = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

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

/** For interceptors: a per-call view of the call. */
export class ClientCallInfo implements ClientCall {
  response: unknown = undefined;
  headers: Metadata | undefined = undefined;
  trailers: Metadata | undefined = undefined;
  constructor(
    readonly method: MethodDefinition,
    readonly target: string,
    readonly metadata: Metadata,
    public deadline: number | undefined,
    readonly request: unknown,
  ) {}
}
