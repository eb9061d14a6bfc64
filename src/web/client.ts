/**
 * A gRPC-Web client over fetch, from a service definition:
 *
 *   import { UserInfo } from './gen/userinfo.js';      // wiregrpc gen --runtime-import wiregrpc/web
 *   const client = createWebClient(UserInfo, 'https://api.example');
 *   const user = await client.getUserInfo({ name: 'foo' }, { timeout: 2000 });
 *   for await (const note of client.listNotes({ user: 1 })) ...
 *
 * Unary methods return a Promise of the response; server-streaming methods an
 * AsyncIterable of responses (leaving the loop early cancels the call).
 * Client-streaming and bidi methods exist on the client but reject with
 * UNIMPLEMENTED: fetch cannot stream a request body to the server while
 * reading the response in browsers, and gRPC-Web does not define it.
 *
 * Messages go through the definition's codecs (src/wire/proto/codec.ts); nothing
 * here needs protobufjs, Node, or code generation from strings.
 */
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { MethodDefinition, ServiceDefinition } from '../service/definition.js';
import type { MessageInit, TypedMethod } from '../service/typed.js';
import { webCall, type WebCallOptions, type WebTransportOptions } from './call.js';

export type WebUnaryMethod<I, O> = (request: I, options?: WebCallOptions) => Promise<O>;
export type WebServerStreamingMethod<I, O> = (request: I, options?: WebCallOptions) => AsyncIterable<O>;
/** Client-streaming and bidi methods: present, and always rejecting with UNIMPLEMENTED. */
export type WebUnsupportedMethod = (...args: unknown[]) => Promise<never>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the stub of a dynamic (untyped) definition, as on the Node client
type LooseMethod = (request: any, options?: WebCallOptions) => any;
type WebStubOf<D> =
  D extends TypedMethod<infer I, infer O, infer S>
    ? S extends 'unary'
      ? WebUnaryMethod<MessageInit<I>, O>
      : S extends 'server_streaming'
        ? WebServerStreamingMethod<MessageInit<I>, O>
        : WebUnsupportedMethod
    : LooseMethod;
type MethodsOf<S> = S extends { readonly methods: infer M } ? M : never;

/** The web client of definition `S`: each method by its .proto name and its lowerCamelCase name. */
export type WebClientOf<S extends ServiceDefinition> = string extends keyof MethodsOf<S>
  ? Record<string, LooseMethod>
  : { readonly [K in keyof MethodsOf<S> & string as Uncapitalize<K>]: WebStubOf<MethodsOf<S>[K]> } & {
      readonly [K in keyof MethodsOf<S> & string]: WebStubOf<MethodsOf<S>[K]>;
    };

/** A client for `definition` calling `transport` (a base URL, or options with one). */
export function createWebClient<S extends ServiceDefinition>(
  definition: S,
  transport: string | WebTransportOptions,
): WebClientOf<S> {
  const options: WebTransportOptions = typeof transport === 'string' ? { baseUrl: transport } : { ...transport };
  const client: Record<string, unknown> = Object.create(null);
  for (const name of Object.keys(definition.methods)) {
    const method = definition.methods[name]!;
    const stub = stubFor(method, options);
    client[method.name] = stub;
    client[method.localName] = stub;
  }
  return Object.freeze(client) as WebClientOf<S>;
}

function stubFor(method: MethodDefinition, transport: WebTransportOptions): unknown {
  const { path, input, output } = method;
  switch (method.shape) {
    case 'unary':
      return async (request: unknown, options?: WebCallOptions) => {
        let reply: Uint8Array | undefined;
        for await (const bytes of webCall(transport, path, input.encode(request), options)) {
          if (reply !== undefined)
            throw new GrpcError(
              Code.UNIMPLEMENTED,
              `${path} is unary, but the server sent more than one response message`,
            );
          reply = bytes;
        }
        if (reply === undefined)
          throw new GrpcError(Code.UNIMPLEMENTED, `${path} is unary, but the server sent no response message`);
        return output.decode(reply);
      };
    case 'server_streaming':
      return async function* (request: unknown, options?: WebCallOptions) {
        for await (const bytes of webCall(transport, path, input.encode(request), options)) yield output.decode(bytes);
      };
    default:
      return async () => {
        throw new GrpcError(
          Code.UNIMPLEMENTED,
          `${path} is ${method.shape.replace('_', '-')}: gRPC-Web over fetch has unary and server-streaming calls only`,
        );
      };
  }
}
