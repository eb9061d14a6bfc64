/**
 * Running a handler, one function per call shape. Everything that depends only
 * on the method — which runner, the handler, its interceptor chain, the
 * codecs — is resolved once in `methodEntry` (when the service is added); a
 * call then costs a ServerContext and the handler's own work.
 *
 *   unary             async (request, ctx) => response
 *   server-streaming  (request, ctx) => AsyncIterable<response>   (an async generator)
 *   client-streaming  async (requests: AsyncIterable, ctx) => response
 *   bidi-streaming    (requests: AsyncIterable, ctx) => AsyncIterable<response>
 *
 * A handler that throws a GrpcError ends the call with its code, message and
 * metadata; anything else thrown ends it with UNKNOWN and the error's message.
 */
import { allocFrame } from '../http2/message-writer.js';
import type { Route, ServerCall } from '../http2/server-stream.js';
import { Code } from '../wire/grpc/code.js';
import { encodeFramed } from '../wire/grpc/frame.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { MessageCodec } from '../wire/proto/schema.js';
import { ServerContext } from './context.js';
import type { MethodDefinition } from './definition.js';
import { chainInterceptors, type ServerInterceptor } from './interceptors.js';

type Awaitable<T> = T | PromiseLike<T>;
type Responses<O> = AsyncIterable<O> | Iterable<O>;

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

/** Per-method state, built once. */
export interface MethodEntry extends Route {
  readonly method: MethodDefinition;
  readonly input: MessageCodec<any>;
  readonly output: MessageCodec<any>;
  readonly handler: Function;
  /** `this` for the handler: the implementation object (class instances work). */
  readonly self: unknown;
  /** The interceptor chain around the handler; undefined without interceptors (the direct path). */
  readonly chain: ((ctx: ServerContext) => Promise<void>) | undefined;
  readonly run: (entry: MethodEntry, call: ServerCall, request: Uint8Array | undefined) => Promise<void>;
}

export function methodEntry(
  method: MethodDefinition,
  handler: Function,
  self: unknown,
  interceptors: readonly ServerInterceptor[],
): MethodEntry {
  const unaryRequest = method.shape === 'unary' || method.shape === 'server_streaming';
  const streamingResponse = method.shape === 'server_streaming' || method.shape === 'bidi_streaming';
  const run =
    method.shape === 'unary'
      ? runUnary
      : method.shape === 'server_streaming'
        ? runServerStreaming
        : method.shape === 'client_streaming'
          ? runClientStreaming
          : runBidi;
  let chain: MethodEntry['chain'];
  if (interceptors.length > 0) {
    const output = method.output;
    const terminal = streamingResponse
      ? (ctx: ServerContext) => {
          enter(ctx);
          return Promise.resolve(handler.call(self, ctx.request, ctx)).then((responses) =>
            sendAll(ctx.call, output, responses),
          );
        }
      : async (ctx: ServerContext) => {
          enter(ctx);
          ctx.response = await handler.call(self, ctx.request, ctx);
        };
    chain = chainInterceptors(interceptors, terminal);
  }
  return Object.freeze({ unaryRequest, method, input: method.input, output: method.output, handler, self, chain, run });
}

function enter(ctx: ServerContext): void {
  if (ctx.entered) throw new Error(`${ctx.method.path}: an interceptor called next() twice`);
  ctx.entered = true;
}

// ─── The four shapes: how the request arrives × how the response leaves ──

/** The request a handler gets: one decoded message, or a stream of them decoded as it pulls. */
type RequestOf = (entry: MethodEntry, call: ServerCall, bytes: Uint8Array | undefined) => unknown;

/** unary, server-streaming: the transport gathered the one request message. */
const oneRequest: RequestOf = (entry, _call, bytes) => decodeRequest(entry.input, bytes!);
/** client-streaming, bidi: the requests as an AsyncIterable. */
const requestStream: RequestOf = (entry, call) => new RequestStream(call, entry.input);

/** unary, client-streaming: one response message, then the status. */
async function runOneResponse(
  entry: MethodEntry,
  call: ServerCall,
  bytes: Uint8Array | undefined,
  requestOf: RequestOf,
): Promise<void> {
  const ctx = new ServerContext(call, entry.method);
  try {
    const request = requestOf(entry, call, bytes);
    let response: unknown;
    if (entry.chain === undefined) {
      response = await entry.handler.call(entry.self, request, ctx);
    } else {
      ctx.request = request;
      await entry.chain(ctx);
      response = ctx.response;
    }
    if (call.done) return;
    const sent = call.sendUnaryFrame(encodeResponse(entry.output, response), ctx.trailersIfAny);
    if (sent !== undefined) await sent;
  } catch (err) {
    fail(ctx, err);
  }
}

/** server-streaming, bidi: every message the handler yields, then the status. */
async function runResponseStream(
  entry: MethodEntry,
  call: ServerCall,
  bytes: Uint8Array | undefined,
  requestOf: RequestOf,
): Promise<void> {
  const ctx = new ServerContext(call, entry.method);
  try {
    const request = requestOf(entry, call, bytes);
    if (entry.chain === undefined) {
      await sendAll(call, entry.output, await entry.handler.call(entry.self, request, ctx));
    } else {
      ctx.request = request;
      await entry.chain(ctx);
    }
    call.finish(undefined, ctx.trailersIfAny);
  } catch (err) {
    fail(ctx, err);
  }
}

const runUnary: MethodEntry['run'] = (entry, call, bytes) => runOneResponse(entry, call, bytes, oneRequest);
const runClientStreaming: MethodEntry['run'] = (entry, call) => runOneResponse(entry, call, undefined, requestStream);
const runServerStreaming: MethodEntry['run'] = (entry, call, bytes) =>
  runResponseStream(entry, call, bytes, oneRequest);
const runBidi: MethodEntry['run'] = (entry, call) => runResponseStream(entry, call, undefined, requestStream);

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
  call: ServerCall,
  output: MessageCodec<any>,
  responses: Responses<unknown> | undefined,
): Promise<void> {
  if (responses === undefined || responses === null) return Promise.resolve(); // a handler with nothing to stream
  if (typeof (responses as any)[Symbol.asyncIterator] === 'function') {
    return new ResponsePump(call, output, (responses as AsyncIterable<unknown>)[Symbol.asyncIterator]()).finished;
  }
  if (typeof (responses as any)[Symbol.iterator] === 'function')
    return sendEach(call, output, responses as Iterable<unknown>);
  return Promise.reject(
    new GrpcError(
      Code.INTERNAL,
      `${call.path}: a streaming handler must return an (async) iterable, e.g. be an async generator`,
    ),
  );
}

/** The responses of a sync iterable. A promise among them is awaited, as `for await` would. */
async function sendEach(call: ServerCall, output: MessageCodec<any>, responses: Iterable<unknown>): Promise<void> {
  const alloc = call.frameAllocator;
  for (let response of responses) {
    if (isThenable(response)) response = await response;
    if (call.done) break;
    const sent = call.sendFrame(encodeResponse(output, response, alloc));
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
  private readonly call: ServerCall;
  private readonly output: MessageCodec<any>;
  private readonly iterator: AsyncIterator<unknown>;
  private readonly alloc: Alloc;
  private resolve!: () => void;
  private reject!: (err: unknown) => void;
  private readonly onResult = (result: IteratorResult<unknown>): void => this.result(result);
  private readonly onNextFailed = (err: unknown): void => this.reject(err);
  private readonly onSent = (): void => this.pull();
  private readonly onSendFailed = (err: unknown): void => this.close(err, true);

  constructor(call: ServerCall, output: MessageCodec<any>, iterator: AsyncIterator<unknown>) {
    this.call = call;
    this.output = output;
    this.iterator = iterator;
    this.alloc = call.frameAllocator;
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
    const call = this.call;
    if (call.done) {
      this.close(undefined, false);
      return;
    }
    let sent: Promise<void> | undefined;
    try {
      sent = call.sendFrame(encodeResponse(this.output, result.value, this.alloc));
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
  private readonly call: ServerCall;
  private readonly codec: MessageCodec<I>;

  constructor(call: ServerCall, codec: MessageCodec<I>) {
    this.call = call;
    this.codec = codec;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<I>> {
    // A message already waiting is decoded now: one settled promise, not read()'s and an async function's.
    const queued = this.call.readQueued();
    if (queued === undefined) return this.read();
    try {
      return Promise.resolve({ done: false, value: decodeRequest(this.codec, queued) });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private async read(): Promise<IteratorResult<I>> {
    const bytes = await this.call.read();
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
function encodeResponse(codec: MessageCodec<any>, response: unknown, alloc: Alloc = allocFrame): Uint8Array {
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
  const call = ctx.call;
  if (call.done) return;
  call.finish(GrpcError.from(err, Code.UNKNOWN), ctx.trailersIfAny);
}
