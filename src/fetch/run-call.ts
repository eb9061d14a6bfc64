/**
 * One fetch call, from the moment its method is known to its status — src/service/server-call.ts's `runCall`,
 * for a FetchCall (fetch-call.ts) instead of the node transport's ServerStream:
 *
 *   request   the one message (`call.singleRequest()`), decoded
 *   handler   run directly, or inside the interceptor chain (the same ServerInterceptors as the Server's)
 *   response  unary: the message and the status in one go; server-streaming: every message the handler yields
 *             (an async or sync iterable), then the status
 *
 * The same outcomes as there: a handler that throws a GrpcError ends the call with its code, message, metadata
 * and details; anything else thrown is UNKNOWN with its message; a request that does not decode is INTERNAL; a
 * streaming handler that returns no iterable is INTERNAL. When the call ends early (the client left, the deadline)
 * a streaming handler's iterator is closed (`return()`: a generator runs its `finally`).
 *
 * server-call.ts itself is not used: it frames into node:buffer Buffers (src/http2/message-writer.ts), and the
 * fetch handler loads in runtimes without Node's modules. What the two share lives below them: the context
 * (context.ts), the interceptor chain (interceptors.ts), the codecs (src/wire).
 */
import type { ServerStream } from '../http2/server-stream.js';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { encodeFramed } from '../wire/grpc/frame.js';
import type { MessageCodec } from '../wire/proto/schema.js';
import { ServerContext } from '../service/context.js';
import type { MethodDefinition } from '../service/definition.js';
import { chainInterceptors, type ServerInterceptor } from '../service/interceptors.js';
import type { BoundMethod } from '../service/router.js';
import type { FetchCall } from './fetch-call.js';

type Responses = AsyncIterable<unknown> | Iterable<unknown>;

/** Per-method state, built once when the service is added. */
export interface FetchEntry {
  readonly method: MethodDefinition;
  readonly streamingResponse: boolean;
  readonly input: MessageCodec<unknown>;
  readonly output: MessageCodec<unknown>;
  readonly handler: BoundMethod['handler'];
  /** `this` for the handler: the implementation object. */
  readonly self: unknown;
  /** The interceptor chain around the handler; undefined without interceptors. */
  readonly chain: ((ctx: ServerContext) => Promise<void>) | undefined;
}

/** A handler's ServerContext, knowing the FetchCall it belongs to. */
class FetchContext extends ServerContext {
  readonly call: FetchCall;

  constructor(call: FetchCall, method: MethodDefinition) {
    // ServerContext reads only the members of `ContextStream` (fetch-call.ts), which FetchCall implements.
    super(call as unknown as ServerStream, method);
    this.call = call;
  }
}

export function fetchEntry(
  { method, handler }: BoundMethod,
  self: unknown,
  interceptors: readonly ServerInterceptor[],
): FetchEntry {
  const streamingResponse = method.shape === 'server_streaming';
  const output = method.output as MessageCodec<unknown>;
  let chain: FetchEntry['chain'];
  if (interceptors.length > 0) {
    const terminal = async (ctx: ServerContext): Promise<void> => {
      if (ctx.entered) throw new Error(`${ctx.method.path}: an interceptor called next() twice`);
      ctx.entered = true;
      const response = await handler.call(self, ctx.request, ctx);
      if (streamingResponse) await sendAll((ctx as FetchContext).call, output, response);
      else ctx.response = response;
    };
    chain = chainInterceptors(interceptors, terminal);
  }
  return Object.freeze({
    method,
    streamingResponse,
    input: method.input as MessageCodec<unknown>,
    output,
    handler,
    self,
    chain,
  });
}

/** Runs one call: takes the request, runs the handler, sends the response and the status. Never rejects. */
export async function runFetchCall(entry: FetchEntry, call: FetchCall): Promise<void> {
  const ctx = new FetchContext(call, entry.method);
  try {
    const request = decodeRequest(entry.input, await call.singleRequest());
    let response: unknown;
    if (entry.chain !== undefined) {
      ctx.request = request;
      await entry.chain(ctx);
      response = ctx.response;
    } else {
      response = await entry.handler.call(entry.self, request, ctx);
      if (entry.streamingResponse) await sendAll(call, entry.output, response);
    }
    if (entry.streamingResponse) call.finish(undefined, ctx.trailersIfAny);
    else if (!call.done) {
      const sent = call.sendLastFrame(encodeResponse(entry.output, response, call.frameAllocator), ctx.trailersIfAny);
      if (sent !== undefined) await sent;
    }
  } catch (err) {
    if (!call.done) call.finish(GrpcError.from(err, Code.UNKNOWN), ctx.trailersIfAny);
  }
}

/** Writes every response, waiting for the body to drain; stops once the call is over (closing the iterator). */
async function sendAll(call: FetchCall, output: MessageCodec<unknown>, responses: unknown): Promise<void> {
  if (responses === undefined || responses === null) return; // a handler with nothing to stream
  const iterable = responses as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  if (typeof iterable[Symbol.asyncIterator] !== 'function' && typeof iterable[Symbol.iterator] !== 'function')
    throw new GrpcError(
      Code.INTERNAL,
      `${call.path}: a streaming handler must return an (async) iterable, e.g. be an async generator`,
    );
  // for-await: `break` and a throw in the body call the iterator's return(), as the node server does.
  for await (const response of responses as Responses) {
    if (call.done) break;
    const sent = call.sendFrame(encodeResponse(output, response, call.frameAllocator));
    if (sent !== undefined) await sent;
    if (call.done) break;
  }
}

function decodeRequest(codec: MessageCodec<unknown>, bytes: Uint8Array): unknown {
  try {
    return codec.decode(bytes);
  } catch (err) {
    throw GrpcError.from(err, Code.INTERNAL);
  }
}

function encodeResponse(
  codec: MessageCodec<unknown>,
  response: unknown,
  alloc: (length: number) => Uint8Array,
): Uint8Array {
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
