/**
 * One server call, from the moment the service layer has matched it to a
 * method (server.ts `handleCall`) to its status:
 *
 *   request   the one message (unary, server-streaming: `stream.singleRequest`
 *             hands it over, decoded here) or an AsyncIterable decoding them as the handler pulls
 *   handler   run directly, or inside the interceptor chain
 *   response  one message and the status in one go (unary, client-streaming),
 *             or every message the handler yields, then the status
 *
 *   unary             async (request, ctx) => response
 *   server-streaming  (request, ctx) => AsyncIterable<response>   (an async generator)
 *   client-streaming  async (requests: AsyncIterable, ctx) => response
 *   bidi-streaming    (requests: AsyncIterable, ctx) => AsyncIterable<response>
 *
 * Everything that depends only on the method — its shape, the handler, its
 * interceptor chain, the codecs — is resolved once in `methodEntry` (when the
 * service is added); a call then costs a ServerContext and the handler's own work.
 *
 * A handler that throws a GrpcError ends the call with its code, message and
 * metadata; anything else thrown ends it with UNKNOWN and the error's message.
 */
import { allocFrame } from '../http2/message-writer.js';
import type { ServerStream } from '../http2/server-stream.js';
import { Code } from '../wire/grpc/code.js';
import { encodeFramed } from '../wire/grpc/frame.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { MessageCodec } from '../wire/proto/schema.js';
import { ServerContext } from './context.js';
import type { MethodDefinition } from './definition.js';
import { chainInterceptors, type ServerInterceptor } from './interceptors.js';

type Awaitable<T> = T | PromiseLike<T>;
type Responses<O> = AsyncIterable<O> | Iterable<O>;

// The defaults are for services loaded at run time, whose message types TypeScript cannot know (typed.ts narrows them).
/* eslint-disable @typescript-eslint/no-explicit-any -- see above */
export type UnaryHandler<I = any, O = any> = (request: I, ctx: ServerContext) => Awaitable<O>;
export type ServerStreamingHandler<I = any, O = any> = (request: I, ctx: ServerContext) => Awaitable<Responses<O>>;
export type ClientStreamingHandler<I = any, O = any> = (requests: AsyncIterable<I>, ctx: ServerContext) => Awaitable<O>;
export type BidiStreamingHandler<I = any, O = any> = (
  requests: AsyncIterable<I>,
  ctx: ServerContext,
) => Awaitable<Responses<O>>;
export type Handler = UnaryHandler | ServerStreamingHandler | ClientStreamingHandler | BidiStreamingHandler;

/** A service implementation: handlers keyed by the .proto method name (`GetUserInfo`) or its localName (`getUserInfo`). */
export type ServiceImplementation = Record<string, Handler | any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A handler as the runner calls it: `handler.call(self, request, ctx)`. */
type AnyHandler = (this: unknown, request: unknown, ctx: ServerContext) => unknown;

/** Per-method state, built once when the service is added. */
export interface MethodEntry {
  readonly method: MethodDefinition;
  /** The method takes exactly one request (unary, server-streaming): taken with `singleRequest`. */
  readonly singleRequest: boolean;
  /** The method answers with a stream of messages (server-streaming, bidi). */
  readonly streamingResponse: boolean;
  readonly input: MessageCodec<unknown>;
  readonly output: MessageCodec<unknown>;
  readonly handler: AnyHandler;
  /** `this` for the handler: the implementation object (class instances work). */
  readonly self: unknown;
  /** The interceptor chain around the handler; undefined without interceptors (the direct path). */
  readonly chain: ((ctx: ServerContext) => Promise<void>) | undefined;
}

export function methodEntry(
  method: MethodDefinition,
  handler: AnyHandler,
  self: unknown,
  interceptors: readonly ServerInterceptor[],
): MethodEntry {
  const singleRequest = method.shape === 'unary' || method.shape === 'server_streaming';
  const streamingResponse = method.shape === 'server_streaming' || method.shape === 'bidi_streaming';
  let chain: MethodEntry['chain'];
  if (interceptors.length > 0) {
    const output = method.output as MessageCodec<unknown>;
    const terminal = streamingResponse
      ? (ctx: ServerContext) => {
          enter(ctx);
          return Promise.resolve(handler.call(self, ctx.request, ctx)).then((responses) =>
            sendAll(ctx.stream, output, responses as Responses<unknown> | undefined),
          );
        }
      : async (ctx: ServerContext) => {
          enter(ctx);
          ctx.response = await handler.call(self, ctx.request, ctx);
        };
    chain = chainInterceptors(interceptors, terminal);
  }
  return Object.freeze({
    method,
    singleRequest,
    streamingResponse,
    input: method.input as MessageCodec<unknown>,
    output: method.output as MessageCodec<unknown>,
    handler,
    self,
    chain,
  });
}

function enter(ctx: ServerContext): void {
  if (ctx.entered) throw new Error(`${ctx.method.path}: an interceptor called next() twice`);
  ctx.entered = true;
}

/**
 * Runs one call of `entry`'s method on `stream`: takes the request, runs the
 * handler, sends the response and the status. Whatever goes wrong ends the
 * call with a status. A method that takes one request runs once it is here
 * (`singleRequest`, asked in the tick the call starts, before any request DATA
 * is read: ServerStream holds them until then); if the call ends before that,
 * the handler never runs.
 */
export function runCall(entry: MethodEntry, stream: ServerStream): void {
  if (!entry.singleRequest) {
    void run(entry, stream, undefined);
    return;
  }
  try {
    stream.singleRequest(runWithRequest, entry);
  } catch (err) {
    stream.finish(GrpcError.from(err, Code.INTERNAL));
  }
}

function runWithRequest(entry: MethodEntry, request: Uint8Array, stream: ServerStream): void {
  void run(entry, stream, request);
}

/**
 * The call from its request on. Never rejects. (One async function for the
 * whole call: the unary path awaits the handler, nothing more.)
 */
async function run(entry: MethodEntry, stream: ServerStream, bytes: Uint8Array | undefined): Promise<void> {
  const ctx = new ServerContext(stream, entry.method);
  try {
    const request = bytes !== undefined ? decodeRequest(entry.input, bytes) : new RequestStream(stream, entry.input);
    let response: unknown;
    if (entry.chain !== undefined) {
      // The handler inside the interceptors; a streaming one sends its responses in there (methodEntry).
      ctx.request = request;
      await entry.chain(ctx);
      response = ctx.response;
    } else {
      response = await entry.handler.call(entry.self, request, ctx);
      if (entry.streamingResponse) await sendAll(stream, entry.output, response as Responses<unknown> | undefined);
    }
    if (entry.streamingResponse) {
      stream.finish(undefined, ctx.trailersIfAny);
    } else if (!stream.done) {
      const sent = stream.sendLastFrame(encodeResponse(entry.output, response), ctx.trailersIfAny);
      if (sent !== undefined) await sent;
    }
  } catch (err) {
    fail(ctx, err);
  }
}

// ─── Pieces ──────────────────────────────────────────────────────────────

/** Frames a response message: `encodeFramed` (wire/grpc/frame.ts)'s allocator. */
type Alloc = (length: number) => Uint8Array;

/**
 * Writes every response, waiting on flow control; stops once the call is
 * over, closing the iterator (`return()`: a generator runs its `finally`).
 * Behaves as a `for await` loop would, without its cost per message: a sync
 * iterable (an array, a sync generator) is walked with for-of, awaiting only
 * for flow control; an async one is pulled by ResponsePump.
 */
function sendAll(
  stream: ServerStream,
  output: MessageCodec<unknown>,
  responses: Responses<unknown> | undefined,
): Promise<void> {
  if (responses === undefined || responses === null) return Promise.resolve(); // a handler with nothing to stream
  if (typeof (responses as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function') {
    return new ResponsePump(stream, output, (responses as AsyncIterable<unknown>)[Symbol.asyncIterator]()).finished;
  }
  if (typeof (responses as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function')
    return sendEach(stream, output, responses as Iterable<unknown>);
  return Promise.reject(
    new GrpcError(
      Code.INTERNAL,
      `${stream.path}: a streaming handler must return an (async) iterable, e.g. be an async generator`,
    ),
  );
}

/** The responses of a sync iterable. A promise among them is awaited, as `for await` would. */
async function sendEach(
  stream: ServerStream,
  output: MessageCodec<unknown>,
  responses: Iterable<unknown>,
): Promise<void> {
  const alloc = stream.frameAllocator;
  for (let response of responses) {
    if (isThenable(response)) response = await response;
    if (stream.done) break;
    const sent = stream.sendFrame(encodeResponse(output, response, alloc));
    if (sent !== undefined) await sent;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * The responses of an async iterable (an async generator), pulled one at a
 * time: each result is sent, then the next is asked for. Promise callbacks
 * instead of `for await` save suspending and resuming an async function per
 * message (about a fifth of what a message costs a fast stream); the order of
 * events, and when `return()` is called, are for-await's:
 *   - the call is over → `return()`, then done;
 *   - encoding or sending throws → `return()`, then that error;
 *   - `next()` rejects (the handler threw) → that error; the iterator is over.
 */
class ResponsePump {
  readonly finished: Promise<void>;
  private readonly stream: ServerStream;
  private readonly output: MessageCodec<unknown>;
  private readonly iterator: AsyncIterator<unknown>;
  private readonly alloc: Alloc;
  private resolve!: () => void;
  private reject!: (err: unknown) => void;
  private readonly onResult = (result: IteratorResult<unknown>): void => this.result(result);
  private readonly onNextFailed = (err: unknown): void => this.reject(err);
  private readonly onSent = (): void => this.pull();
  private readonly onSendFailed = (err: unknown): void => this.close(err, true);

  constructor(stream: ServerStream, output: MessageCodec<unknown>, iterator: AsyncIterator<unknown>) {
    this.stream = stream;
    this.output = output;
    this.iterator = iterator;
    this.alloc = stream.frameAllocator;
    this.finished = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.pull();
  }

  private pull(): void {
    let next: Promise<IteratorResult<unknown>>;
    try {
      next = this.iterator.next();
    } catch (err) {
      this.reject(err);
      return;
    }
    // An async generator's is a native promise; anything else is taken as `await` would.
    (next instanceof Promise ? next : Promise.resolve(next)).then(this.onResult, this.onNextFailed);
  }

  private result(result: IteratorResult<unknown>): void {
    if (typeof result !== 'object' || result === null) {
      this.reject(new TypeError(`iterator result ${String(result)} is not an object`));
      return;
    }
    if (result.done) {
      this.resolve();
      return;
    }
    const stream = this.stream;
    if (stream.done) {
      this.close(undefined, false);
      return;
    }
    let sent: Promise<void> | undefined;
    try {
      sent = stream.sendFrame(encodeResponse(this.output, result.value, this.alloc));
    } catch (err) {
      this.close(err, true);
      return;
    }
    if (sent === undefined) this.pull();
    else sent.then(this.onSent, this.onSendFailed);
  }

  /** Closes the iterator; then done, or `error` (which wins over one from `return()`) if `failed`. */
  private close(error: unknown, failed: boolean): void {
    const iterator = this.iterator;
    if (typeof iterator.return !== 'function') {
      if (failed) this.reject(error);
      else this.resolve();
      return;
    }
    let closing: Promise<unknown>;
    try {
      closing = Promise.resolve(iterator.return());
    } catch (err) {
      this.reject(failed ? error : err);
      return;
    }
    closing.then(
      () => (failed ? this.reject(error) : this.resolve()),
      (err: unknown) => this.reject(failed ? error : err),
    );
  }
}

/** The requests of a client-streaming or bidi call, decoded as the handler pulls them. */
class RequestStream<I> implements AsyncIterableIterator<I> {
  private readonly stream: ServerStream;
  private readonly codec: MessageCodec<I>;

  constructor(stream: ServerStream, codec: MessageCodec<I>) {
    this.stream = stream;
    this.codec = codec;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<I>> {
    // A message already waiting is decoded now: one settled promise, not read()'s and an async function's.
    const queued = this.stream.readQueued();
    if (queued === undefined) return this.read();
    try {
      return Promise.resolve({ done: false, value: decodeRequest(this.codec, queued) });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private async read(): Promise<IteratorResult<I>> {
    const bytes = await this.stream.read();
    if (bytes === undefined) return { done: true, value: undefined };
    return { done: false, value: decodeRequest(this.codec, bytes) };
  }

  /** The handler stopped reading early (`break`): nothing to undo; the rest is never read. */
  async return(): Promise<IteratorResult<I>> {
    return { done: true, value: undefined };
  }
}

function decodeRequest<I>(codec: MessageCodec<I>, bytes: Uint8Array): I {
  try {
    return codec.decode(bytes);
  } catch (err) {
    throw GrpcError.from(err, Code.INTERNAL);
  }
}

/** The response as a whole gRPC frame in a Node Buffer: the transport sends it without another copy. */
function encodeResponse(codec: MessageCodec<unknown>, response: unknown, alloc: Alloc = allocFrame): Uint8Array {
  if (response === undefined || response === null)
    throw new GrpcError(Code.INTERNAL, 'the handler returned no response message');
  try {
    return encodeFramed(codec, response, alloc);
  } catch (err) {
    throw new GrpcError(
      Code.INTERNAL,
      `could not encode the response (${codec.schema.typeName}): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Ends the call with what the handler threw (unless the call is already over). */
function fail(ctx: ServerContext, err: unknown): void {
  const stream = ctx.stream;
  if (stream.done) return;
  stream.finish(GrpcError.from(err, Code.UNKNOWN), ctx.trailersIfAny);
}
