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
import { ClientStream } from '../http2/client-stream.js';
import { allocFrame } from '../http2/message-writer.js';
import { Code } from '../wire/grpc/code.js';
import { encodeFramed } from '../wire/grpc/frame.js';
import { GrpcError } from '../wire/grpc/error.js';
import { Metadata } from '../wire/grpc/metadata.js';
import {
  ClientCallInfo,
  deadlineOf,
  ResponseStream,
  sendAll,
  streamOptions,
  streamOptionsFromCall,
  toMetadata,
  UnaryCall,
  type CallOptions,
} from './client-call.js';
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

function makeStub(
  channel: Channel,
  method: MethodDefinition,
  interceptors: readonly ClientInterceptor[],
  compression: string | undefined,
) {
  channel.methodHeaders(method.path); // build and cache the header template now
  const intercepted = interceptors.length > 0;
  switch (method.shape) {
    case 'unary':
      return intercepted
        ? interceptedSingle(channel, method, interceptors, compression, false)
        : single(channel, method, compression, false);
    case 'client_streaming':
      return intercepted
        ? interceptedSingle(channel, method, interceptors, compression, true)
        : single(channel, method, compression, true);
    case 'server_streaming':
      return streaming(channel, method, interceptors, compression, false);
    case 'bidi_streaming':
      return streaming(channel, method, interceptors, compression, true);
  }
}

/**
 * Unary and client-streaming calls without interceptors — the fast path: one
 * stream, one promise. A unary request is encoded as its frame up front and
 * leaves with END_STREAM; a client stream's requests are sent as they come.
 */
function single(
  channel: Channel,
  method: MethodDefinition,
  compression: string | undefined,
  streamingRequest: boolean,
): UnaryMethod {
  const { input, output, path } = method;
  return (request, options) =>
    new Promise((resolve, reject) => {
      const call = new UnaryCall(output, resolve, reject, options, undefined);
      let stream: ClientStream;
      let frame: Uint8Array | undefined;
      try {
        if (!streamingRequest) frame = encodeFramed(input, request, allocFrame);
        stream = new ClientStream(channel, path, call, streamOptions(options, !streamingRequest, compression));
      } catch (err) {
        reject(GrpcError.from(err, Code.INTERNAL));
        return;
      }
      call.stream = stream;
      stream.start();
      if (frame === undefined) {
        void sendAll(stream, input, request as AsyncIterable<unknown> | Iterable<unknown>);
      } else {
        stream.sendLast(frame);
      }
    });
}

/** Unary and client-streaming calls with interceptors around them. */
function interceptedSingle(
  channel: Channel,
  method: MethodDefinition,
  interceptors: readonly ClientInterceptor[],
  compression: string | undefined,
  streamingRequest: boolean,
): UnaryMethod {
  const { input, output, path } = method;
  const target = channel.target.text;
  return async (request: unknown, options?: CallOptions) => {
    const info = new ClientCallInfo(
      method,
      target,
      callMetadata(options),
      options === undefined ? undefined : deadlineOf(options),
      streamingRequest ? undefined : request,
    );
    const send = () =>
      new Promise<void>((resolve, reject) => {
        const call = new UnaryCall(
          output,
          (value) => {
            info.response = value;
            resolve();
          },
          reject,
          options,
          info,
        );
        let stream: ClientStream;
        let bytes: Uint8Array | undefined;
        try {
          if (!streamingRequest) bytes = encodeFramed(input, request, allocFrame);
          stream = new ClientStream(
            channel,
            path,
            call,
            streamOptionsFromCall(info, options, !streamingRequest, compression),
          );
        } catch (err) {
          reject(GrpcError.from(err, Code.INTERNAL));
          return;
        }
        call.stream = stream;
        stream.start();
        if (streamingRequest) {
          void sendAll(stream, input, request as AsyncIterable<unknown> | Iterable<unknown>);
        } else {
          stream.sendLast(bytes!);
        }
      });
    await runInterceptors(interceptors, info, send).catch(rethrowAsGrpc);
    return info.response;
  };
}

/** Server-streaming and bidi calls: the ResponseStream is returned at once; the call starts now or after the interceptors. */
function streaming(
  channel: Channel,
  method: MethodDefinition,
  interceptors: readonly ClientInterceptor[],
  compression: string | undefined,
  streamingRequest: boolean,
): ServerStreamingMethod {
  const { input, output, path } = method;
  const target = channel.target.text;
  const start = (
    responses: ResponseStream<unknown>,
    request: unknown,
    options: CallOptions | undefined,
    info: ClientCallInfo | undefined,
  ): void => {
    let stream: ClientStream;
    let bytes: Uint8Array | undefined;
    try {
      if (!streamingRequest) bytes = encodeFramed(input, request, allocFrame);
      const streamOpts =
        info === undefined
          ? streamOptions(options, !streamingRequest, compression)
          : streamOptionsFromCall(info, options, !streamingRequest, compression);
      stream = new ClientStream(channel, path, responses, streamOpts);
    } catch (err) {
      responses.onEnd(GrpcError.from(err, Code.INTERNAL), new Metadata());
      return;
    }
    responses.started(stream);
    stream.start();
    if (streamingRequest) {
      void sendAll(stream, input, request as AsyncIterable<unknown> | Iterable<unknown>);
    } else {
      stream.sendLast(bytes!);
    }
  };
  if (interceptors.length === 0) {
    return (request, options) => {
      const responses = new ResponseStream(output, options, undefined);
      start(responses, request, options, undefined);
      return responses;
    };
  }
  return (request, options) => {
    let info: ClientCallInfo;
    let responses: ResponseStream<unknown>;
    try {
      info = new ClientCallInfo(
        method,
        target,
        callMetadata(options),
        options === undefined ? undefined : deadlineOf(options),
        streamingRequest ? undefined : request,
      );
      responses = new ResponseStream(output, options, info);
    } catch (err) {
      const failed = new ResponseStream(output, options, undefined);
      failed.finish(GrpcError.from(err, Code.INTERNAL));
      return failed;
    }
    const send = () =>
      new Promise<void>((resolve, reject) => {
        responses.transportDone = { resolve, reject };
        start(responses, request, options, info);
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
