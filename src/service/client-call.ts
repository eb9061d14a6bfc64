/**
 * The service side of a client call: messages instead of bytes.
 *
 * - `SingleResponse` collects the one response of a unary or client-streaming
 *   call and settles the caller's promise.
 * - `ResponseStream` is what server-streaming and bidi calls return: an
 *   AsyncIterable of responses, with `headers` and `trailers` promises and
 *   `cancel()`. It pauses the HTTP/2 stream when the consumer falls behind.
 *
 * The options of a call are call-options.ts's; its requests, client-requests.ts's.
 */
import type { ClientStreamListener, OutgoingCall } from '../http2/outgoing-call.js';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { Metadata } from '../wire/grpc/metadata.js';
import type { MessageCodec } from '../wire/proto/schema.js';
import type { CallOptions } from './call-options.js';
import type { ClientCall } from './client-interceptors.js';
import type { MetadataInit } from './context.js';
import type { MethodDefinition } from './definition.js';

export type { MetadataInit };

export type { CallOptions } from './call-options.js';

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

  /** CallListener (the transport calls it, not you): the stream that serves this call. */
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

  /** CallListener (the transport calls it, not you): the transport stream exists. */
  started(stream: OutgoingCall): void {
    this.stream = stream;
    if (this.cancelled) stream.cancel();
  }

  /** CallListener: the response headers. */
  onHeaders(headers: Metadata): void {
    this.receivedHeaders = headers;
    if (this.call !== undefined) this.call.headers = headers;
    this.headersWaiter?.resolve(headers);
    const onHeader = this.options?.onHeader;
    if (onHeader !== undefined) notify(this.stream, onHeader, headers);
  }

  /** CallListener: one response message. */
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

  /** CallListener: the status, once. */
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
