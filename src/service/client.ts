/**
 * The client stub: one method per RPC, under its .proto name and its
 * lowerCamelCase name.
 *
 *   const client = createClient(protos.service('proto.UserInfo'), 'localhost:50051');
 *   const user = await client.getUserInfo({ name: 'foo' }, { timeout: 1000 });
 *   for await (const f of client.listFeatures(rect)) ...          // server-streaming
 *   const summary = await client.recordRoute(points);              // client-streaming (array or AsyncIterable)
 *   for await (const note of client.routeChat(notes())) ...        // bidi
 *   await client.close();
 *
 * Everything fixed per method (the header template, the codecs, the call
 * shape) is bound once, here; a call only builds what is its own. A unary call
 * without interceptors is one promise and two small objects on top of the
 * HTTP/2 stream.
 */
import { Channel, type ChannelOptions } from '../http2/channel.js';
import { ClientStream, type ClientStreamOptions, type OutgoingCall } from '../http2/client-stream.js';
import { allocFrame } from '../http2/message-writer.js';
import { RetryingCall, type AttemptPolicy } from '../http2/retrying-call.js';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { Metadata } from '../wire/grpc/metadata.js';
import { callDeadline, streamOptions, toMetadata, type MethodBinding } from './call-options.js';
import { ClientCallInfo, ResponseStream, SingleResponse, type CallListener, type CallOptions } from './client-call.js';
import { checkRequests, encodeRequest, sendAll } from './client-requests.js';
import { runInterceptors, type ClientInterceptor } from './client-interceptors.js';
import type { MethodDefinition, ServiceDefinition } from './definition.js';
import type { ClientOf, DynamicClient, ServerStreamingMethod, UnaryMethod } from './typed.js';

export interface ClientOptions extends ChannelOptions {
  /** Run around every call, outermost first. */
  interceptors?: readonly ClientInterceptor[];
  /** Compress request messages of every call (a call's own `compression` wins). */
  compression?: 'gzip' | 'deflate' | 'identity';
}

export interface ClientBase {
  readonly channel: Channel;
  /** Closes the channel if the client made it (from a target string); a channel passed in is left open. */
  close(): Promise<void>;
}

/**
 * A client: its methods are typed by `M` if you give it (e.g. an interface
 * written next to your .proto), and dynamically (DynamicClient: `any` in and out) otherwise. A method named
 * like a ClientBase member (`close`, `channel`) is reachable by its .proto name.
 */
export type Client<M = DynamicClient> = ClientBase & M;

/**
 * A client for `def`. A typed definition (from `wiregrpc gen`) gives typed
 * stubs (`ClientOf<S>`, see typed.ts); a loaded one gives loose stubs, or
 * the ones you name: `createClient<UserInfoClient>(def, target)`.
 */
export function createClient<S extends ServiceDefinition>(
  def: S,
  target: string | Channel,
  options?: ClientOptions,
): Client<ClientOf<S>>;
export function createClient<M = DynamicClient>(
  def: ServiceDefinition,
  target: string | Channel,
  options?: ClientOptions,
): Client<M>;
export function createClient(
  def: ServiceDefinition,
  target: string | Channel,
  options: ClientOptions = {},
): Client<Record<string, unknown>> {
  const owned = typeof target === 'string';
  const channel = owned ? new Channel(target, options) : target;
  const client: Record<string, unknown> = {};
  Object.defineProperty(client, 'channel', { value: channel, enumerable: false });
  Object.defineProperty(client, 'close', {
    value: () => (owned ? channel.close() : Promise.resolve()),
    enumerable: false,
  });
  const interceptors = options.interceptors ?? [];
  for (const name of Object.keys(def.methods)) {
    const method = def.methods[name]!;
    const stub = makeStub(channel, method, interceptors, options.compression);
    for (const key of [method.name, method.localName]) {
      if (!Object.hasOwn(client, key)) client[key] = stub;
    }
  }
  return client as Client<Record<string, unknown>>;
}

/** A method as every call of it sees it: bound once, when the client is made. */
interface Binding extends MethodBinding {
  readonly channel: Channel;
  readonly method: MethodDefinition;
  /** The service config's retry or hedging policy for this method. */
  readonly policy: AttemptPolicy | undefined;
}

function makeStub(
  channel: Channel,
  method: MethodDefinition,
  interceptors: readonly ClientInterceptor[],
  compression: string | undefined,
) {
  channel.methodHeaders(method.path); // build and cache the header template now
  const shape = method.shape;
  const config = channel.methodConfig(method.path);
  const binding: Binding = {
    channel,
    method,
    singleRequest: shape === 'unary' || shape === 'server_streaming',
    compression,
    config,
    policy:
      config?.retryPolicy !== undefined
        ? { retry: config.retryPolicy }
        : config?.hedgingPolicy !== undefined
          ? { hedging: config.hedgingPolicy }
          : undefined,
  };
  const singleResponse = shape === 'unary' || shape === 'client_streaming';
  if (!singleResponse) return streaming(binding, interceptors);
  return interceptors.length === 0 ? single(binding) : interceptedSingle(binding, interceptors);
}

/** The request of a call, checked: a single request framed, a request stream an (async) iterable. TypeError otherwise. */
type Requests = Uint8Array | AsyncIterable<unknown> | Iterable<unknown>;

function requestsOf(b: Binding, request: unknown): Requests {
  return b.singleRequest ? encodeRequest(b.method.input, request, allocFrame) : checkRequests(request);
}

/**
 * Every call, whatever its shape, goes out here: the transport call is made
 * (a ClientStream, or with a retry or hedging policy a RetryingCall over
 * several: interceptors above see the call once), its listener told, the call started (a connection asked
 * for) and the requests sent — a single request's frame with END_STREAM, a
 * request stream as it comes.
 */
function startCall(
  b: Binding,
  listener: CallListener,
  requests: Requests,
  options: CallOptions | undefined,
  deadline: number | undefined,
  metadata: Metadata | undefined,
): void {
  const call = outgoingCall(b, listener, streamOptions(b, options, deadline, metadata));
  listener.started(call);
  call.start();
  if (b.singleRequest) call.sendLastFrame(requests as Uint8Array);
  else void sendAll(call, b.method.input, requests as AsyncIterable<unknown> | Iterable<unknown>);
}

function outgoingCall(b: Binding, listener: CallListener, options: ClientStreamOptions): OutgoingCall {
  const policy = b.policy;
  if (policy === undefined) return new ClientStream(b.channel, b.method.path, listener, options);
  return new RetryingCall(b.channel, b.method.path, listener, options, policy);
}

/** An error on our side while starting a call: a TypeError (the caller's mistake) as it is, anything else INTERNAL. */
function startError(err: unknown): Error {
  return err instanceof TypeError ? err : GrpcError.from(err, Code.INTERNAL);
}

function metadataOf(options: CallOptions | undefined): Metadata | undefined {
  return options?.metadata === undefined ? undefined : toMetadata(options.metadata);
}

/**
 * Unary and client-streaming calls without interceptors — the fast path: one
 * transport call, one promise.
 */
function single(b: Binding): UnaryMethod {
  const { output } = b.method;
  return (request, options) =>
    new Promise((resolve, reject) => {
      try {
        const requests = requestsOf(b, request);
        const deadline = callDeadline(options, b.config?.timeoutMs);
        startCall(
          b,
          new SingleResponse(output, resolve, reject, options, undefined),
          requests,
          options,
          deadline,
          metadataOf(options),
        );
      } catch (err) {
        reject(startError(err));
      }
    });
}

/** A ClientCallInfo for interceptors; throws TypeError for a bad option. */
function callInfo(b: Binding, request: unknown, options: CallOptions | undefined): ClientCallInfo {
  return new ClientCallInfo(
    b.method,
    b.channel.target.text,
    callMetadata(options),
    callDeadline(options, b.config?.timeoutMs),
    b.singleRequest ? request : undefined,
  );
}

/** Unary and client-streaming calls with interceptors around them (which see the call once, whatever the retries below). */
function interceptedSingle(b: Binding, interceptors: readonly ClientInterceptor[]): UnaryMethod {
  const { output } = b.method;
  return async (request: unknown, options?: CallOptions) => {
    const requests = requestsOf(b, request);
    const info = callInfo(b, request, options);
    const send = () =>
      new Promise<void>((resolve, reject) => {
        const listener = new SingleResponse(
          output,
          (value) => {
            info.response = value;
            resolve();
          },
          reject,
          options,
          info,
        );
        try {
          startCall(b, listener, requests, options, info.deadline, info.metadata);
        } catch (err) {
          reject(GrpcError.from(err, Code.INTERNAL));
        }
      });
    await runInterceptors(interceptors, info, send).catch(rethrowAsGrpc);
    return info.response;
  };
}

/**
 * Server-streaming and bidi calls: the ResponseStream is returned at once; the
 * call starts now or after the interceptors. A bad argument or option throws
 * (TypeError) before anything is made.
 */
function streaming(b: Binding, interceptors: readonly ClientInterceptor[]): ServerStreamingMethod {
  const { output } = b.method;
  if (interceptors.length === 0) {
    return (request, options) => {
      const requests = requestsOf(b, request);
      const deadline = callDeadline(options, b.config?.timeoutMs);
      const responses = new ResponseStream(output, options, undefined);
      try {
        startCall(b, responses, requests, options, deadline, metadataOf(options));
      } catch (err) {
        responses.onStatus(GrpcError.from(err, Code.INTERNAL), new Metadata());
      }
      return responses;
    };
  }
  return (request, options) => {
    const requests = requestsOf(b, request);
    const deadline = callDeadline(options, b.config?.timeoutMs);
    let info: ClientCallInfo;
    try {
      info = new ClientCallInfo(b.method, b.channel.target.text, callMetadata(options), deadline, request);
    } catch (err) {
      const failed = new ResponseStream(output, options, undefined);
      failed.finish(GrpcError.from(err, Code.INTERNAL));
      return failed;
    }
    const responses = new ResponseStream(output, options, info);
    const send = () =>
      new Promise<void>((resolve, reject) => {
        responses.transportDone = { resolve, reject };
        try {
          startCall(b, responses, requests, options, info.deadline, info.metadata);
        } catch (err) {
          responses.onStatus(GrpcError.from(err, Code.INTERNAL), new Metadata());
        }
      });
    runInterceptors(interceptors, info, send).then(
      () => responses.finish(undefined),
      (err: unknown) => responses.finish(GrpcError.from(err)),
    );
    return responses;
  };
}

/** A call's own, mutable copy of its request metadata (interceptors add to it). */
function callMetadata(options: CallOptions | undefined): Metadata {
  const md = options?.metadata;
  if (md === undefined) return new Metadata();
  return md instanceof Metadata ? md.clone() : toMetadata(md);
}

function rethrowAsGrpc(err: unknown): never {
  throw GrpcError.from(err);
}
