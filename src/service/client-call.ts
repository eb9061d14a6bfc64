/**
 * The service side of a client call: messages instead of bytes.
 *
 * - `UnaryCall` collects the one response of a unary or client-streaming call
 *   and settles the caller's promise.
 * - `ResponseStream` is what server-streaming and bidi calls return: an
 *   AsyncIterable of responses, with `headers` and `trailers` promises and
 *   `cancel()`. It pauses the HTTP/2 stream when the consumer falls behind.
 * - `sendAll` writes a request stream (AsyncIterable or array), awaiting
 *   backpressure, then half-closes.
 */
import type { ClientStream, ClientStreamListener, ClientStreamOptions } from '../http2/client-stream.js';
import { Code } from '../wire/grpc/code.js';
import { encodeFramed } from '../wire/grpc/frame.js';
import { ProtoError } from '../wire/proto/error.js';
import { GrpcError } from '../wire/grpc/error.js';
import { Metadata } from '../wire/grpc/metadata.js';
import type { MessageCodec } from '../wire/proto/schema.js';
import type { ClientCall } from './client-interceptors.js';
import type { MetadataInit } from './context.js';
import type { MethodDefinition } from './definition.js';

export type { MetadataInit };

/** Options of one call. */
export interface CallOptions {
  /** Relative deadline, ms from now. */
  timeout?: number;
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

/** The absolute deadline a call's options ask for, if any. */
export function deadlineOf(options: CallOptions): number | undefined {
  let deadline = options.deadline instanceof Date ? options.deadline.getTime() : options.deadline;
  if (options.timeout !== undefined) {
    const fromTimeout = Date.now() + options.timeout;
    if (deadline === undefined || fromTimeout < deadline) deadline = fromTimeout;
  }
  return deadline;
}

export function toMetadata(init: MetadataInit): Metadata {
  return init instanceof Metadata ? init : new Metadata(init);
}

/** Transport options of a call; with no options at all, a shared frozen object. Throws GrpcError for bad metadata. */
export function streamOptions(
  options: CallOptions | undefined,
  replayable: boolean,
  defaultCompression: string | undefined,
): ClientStreamOptions {
  if (options === undefined && defaultCompression === undefined) return replayable ? REPLAYABLE : NO_OPTIONS;
  const o = options ?? {};
  return {
    deadline: deadlineOf(o),
    metadata: o.metadata === undefined ? undefined : toMetadata(o.metadata),
    signal: o.signal,
    compression: o.compression ?? defaultCompression,
    compressMessage: o.compressMessage,
    waitForReady: o.waitForReady,
    replayable,
  };
}

/** Transport options from an interceptor-visible call (metadata and deadline as the interceptors left them). */
export function streamOptionsFromCall(
  call: ClientCall,
  options: CallOptions | undefined,
  replayable: boolean,
  defaultCompression: string | undefined,
): ClientStreamOptions {
  return {
    deadline: call.deadline,
    metadata: call.metadata,
    signal: options?.signal,
    compression: options?.compression ?? defaultCompression,
    compressMessage: options?.compressMessage,
    waitForReady: options?.waitForReady,
    replayable,
  };
}

/** Runs a user callback; if it throws, the call is cancelled with that error. */
function notify(stream: ClientStream | undefined, callback: (md: Metadata) => void, md: Metadata): void {
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
  stream: ClientStream | undefined,
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

/** The one response of a unary or client-streaming call. */
export class UnaryCall<O> implements ClientStreamListener {
  stream: ClientStream | undefined;
  private message: Uint8Array | undefined;
  private count = 0;

  constructor(
    private readonly output: MessageCodec<O>,
    private readonly resolve: (value: O) => void,
    private readonly reject: (error: GrpcError) => void,
    private readonly options: CallOptions | undefined,
    private readonly call: ClientCall | undefined,
  ) {}

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

  onEnd(error: GrpcError | undefined, trailers: Metadata): void {
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
export class ResponseStream<O> implements ClientStreamListener, AsyncIterableIterator<O> {
  /** @internal */ stream: ClientStream | undefined;
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
  started(stream: ClientStream): void {
    this.stream = stream;
    if (this.cancelled) stream.cancel();
  }

  onHeaders(headers: Metadata): void {
    this.receivedHeaders = headers;
    if (this.call !== undefined) this.call.headers = headers;
    this.headersWaiter?.resolve(headers);
    const onHeader = this.options?.onHeader;
    if (onHeader !== undefined) notify(this.stream, onHeader, headers);
  }

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

  onEnd(error: GrpcError | undefined, trailers: Metadata): void {
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
 * Sends every message of `source`, waiting whenever the stream asks to, then
 * half-closes. Stops early if the call ends. If the source throws, the call is
 * cancelled with CANCELLED naming that error; if a message does not encode,
 * with INTERNAL.
 */
export async function sendAll<I>(
  stream: ClientStream,
  input: MessageCodec<I>,
  source: AsyncIterable<I> | Iterable<I>,
): Promise<void> {
  const alloc = stream.frameAllocator;
  try {
    if (Symbol.iterator in source && !(Symbol.asyncIterator in source)) {
      for (const message of source as Iterable<I>) {
        if (stream.finished) return;
        const wait = stream.sendFrame(encodeFramed(input, message, alloc));
        if (wait !== undefined) await wait;
      }
    } else {
      for await (const message of source as AsyncIterable<I>) {
        if (stream.finished) return;
        const wait = stream.sendFrame(encodeFramed(input, message, alloc));
        if (wait !== undefined) await wait;
        if (stream.finished) return;
      }
    }
    stream.end();
  } catch (err) {
    if (err instanceof GrpcError) stream.cancel(err);
    // A request the codec cannot encode is our side's mistake: INTERNAL, as grpc-go answers.
    else if (err instanceof ProtoError) stream.cancel(GrpcError.from(err, Code.INTERNAL));
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
