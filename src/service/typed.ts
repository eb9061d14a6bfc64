/**
 * Types only: how a typed service definition (written by `wiregrpc gen`, or by
 * hand) turns into a typed client and a typed implementation.
 *
 *   const UserInfo: TypedServiceDefinition<{ GetUserInfo: TypedMethod<UserRequest, UserResponse, 'unary'> }>;
 *   createClient(UserInfo, target).getUserInfo({ name })     // Promise<UserResponse>
 *   server.add(UserInfo, { async getUserInfo(request) { ... } })   // request: UserRequest
 *
 * A definition loaded from a .proto at run time has no such types: its
 * methods are keyed by `string`, and ClientOf / ImplementationOf fall back to
 * the loose shapes (`any` in, `any` out) that createClient and Server.add
 * always had.
 *
 * What you send may leave fields out (MessageInit: every field optional, all
 * the way down, as the encoder skips absent fields); what you receive is the
 * full message as the decoder builds it (proto3 scalars, lists and maps always
 * present).
 */
import type { BidiStreamingMethod, ClientStreamingMethod, ServerStreamingMethod, UnaryMethod } from './client.js';
import type { CallShape, MethodDefinition, ServiceDefinition } from './definition.js';
import type {
  BidiStreamingHandler,
  ClientStreamingHandler,
  ServerStreamingHandler,
  ServiceImplementation,
  UnaryHandler,
} from './server-call.js';

/** A method definition that also knows its call shape as a type. */
export interface TypedMethod<I, O, S extends CallShape = CallShape> extends MethodDefinition<I, O> {
  readonly shape: S;
}

/** A service definition whose `methods` table is typed method by method (keys: the .proto names). */
export interface TypedServiceDefinition<
  M extends { readonly [K in keyof M]: MethodDefinition },
> extends ServiceDefinition {
  readonly methods: Readonly<M>;
}

/** Values you may send: every field optional, recursively; 64-bit integers also as numbers; lists readonly. */
export type MessageInit<T> = { [K in keyof T]?: InitValue<T[K]> };

type InitValue<V> = V extends bigint
  ? bigint | number
  : V extends Uint8Array
    ? V
    : V extends readonly (infer E)[]
      ? readonly InitValue<E>[]
      : V extends object
        ? MessageInit<V>
        : V;

/** The client stub of one method. */
export type StubOf<D> =
  D extends TypedMethod<infer I, infer O, infer S>
    ? S extends 'unary'
      ? UnaryMethod<MessageInit<I>, O>
      : S extends 'server_streaming'
        ? ServerStreamingMethod<MessageInit<I>, O>
        : S extends 'client_streaming'
          ? ClientStreamingMethod<MessageInit<I>, O>
          : S extends 'bidi_streaming'
            ? BidiStreamingMethod<MessageInit<I>, O>
            : LooseMethod
    : LooseMethod;

/** The server handler of one method. */
export type HandlerOf<D> =
  D extends TypedMethod<infer I, infer O, infer S>
    ? S extends 'unary'
      ? UnaryHandler<I, MessageInit<O>>
      : S extends 'server_streaming'
        ? ServerStreamingHandler<I, MessageInit<O>>
        : S extends 'client_streaming'
          ? ClientStreamingHandler<I, MessageInit<O>>
          : S extends 'bidi_streaming'
            ? BidiStreamingHandler<I, MessageInit<O>>
            : LooseMethod
    : LooseMethod;

type LooseMethod = (...args: any[]) => any;
type MethodsOf<S> = S extends { readonly methods: infer M } ? M : never;
/** True for a definition loaded at run time, whose method names are just `string`. */
type IsLoose<M> = string extends keyof M ? true : false;
/** `close` and `channel` belong to the client itself; such methods are reached by their .proto name. */
type ClientOwn = 'close' | 'channel';

/**
 * The methods of a client for definition `S`, by .proto name (`GetUserInfo`)
 * and by lowerCamelCase name (`getUserInfo`), as createClient makes them.
 */
export type ClientOf<S extends ServiceDefinition> =
  IsLoose<MethodsOf<S>> extends true
    ? Record<string, LooseMethod>
    : {
        readonly [K in keyof MethodsOf<S> & string as Exclude<Uncapitalize<K>, ClientOwn>]: StubOf<MethodsOf<S>[K]>;
      } & { readonly [K in keyof MethodsOf<S> & string]: StubOf<MethodsOf<S>[K]> };

/**
 * What Server.add accepts for definition `S`: a handler per method, keyed by
 * its lowerCamelCase name or its .proto name. Every one is optional (a
 * missing method answers UNIMPLEMENTED).
 */
export type ImplementationOf<S extends ServiceDefinition> =
  IsLoose<MethodsOf<S>> extends true
    ? ServiceImplementation
    : { [K in keyof MethodsOf<S> & string as Uncapitalize<K>]?: HandlerOf<MethodsOf<S>[K]> } & {
        [K in keyof MethodsOf<S> & string]?: HandlerOf<MethodsOf<S>[K]>;
      };
