/**
 * Types only: the shape of a client stub and of a server handler, and how a
 * typed service definition (written by `wiregrpc gen`, or by hand) turns into
 * a typed client and a typed implementation.
 *
 *   const UserInfo: TypedServiceDefinition<{ GetUserInfo: TypedMethod<UserRequest, UserResponse, 'unary'> }>;
 *   createClient(UserInfo, target).getUserInfo({ name })     // Promise<UserResponse>
 *   server.add(UserInfo, { async getUserInfo(request) { ... } })   // request: UserRequest
 *
 * What you send may leave fields out (MessageInit: every field optional, all
 * the way down, as the encoder skips absent fields); what you receive is the
 * full message as the decoder builds it (proto3 scalars, lists and maps always
 * present). What a handler returns must name only fields the response has
 * (ExactImplementation): a misspelt field is a compile error, not a value the
 * encoder drops.
 *
 * A definition loaded from a .proto at run time has no such types: its
 * methods are keyed by `string`. Its client is a DynamicClient (stubs of
 * `any` in, `any` out, the call options still checked) and its
 * implementation a DynamicImplementation (`ctx` still typed); see dynamic.ts
 * for reaching such stubs under `noUncheckedIndexedAccess`.
 */
import type { CallOptions, ResponseStream } from './client-call.js';
import type { ServerContext } from './context.js';
import type { CallShape, MethodDefinition, ServiceDefinition } from './definition.js';
import type {
  BidiStreamingHandler,
  ClientStreamingHandler,
  ServerStreamingHandler,
  UnaryHandler,
} from './server-call.js';

// ─── Client stubs, one type per call shape ───

export type UnaryMethod<I = unknown, O = unknown> = (request: I, options?: CallOptions) => Promise<O>;
export type ServerStreamingMethod<I = unknown, O = unknown> = (request: I, options?: CallOptions) => ResponseStream<O>;
export type ClientStreamingMethod<I = unknown, O = unknown> = (
  requests: AsyncIterable<I> | Iterable<I>,
  options?: CallOptions,
) => Promise<O>;
export type BidiStreamingMethod<I = unknown, O = unknown> = (
  requests: AsyncIterable<I> | Iterable<I>,
  options?: CallOptions,
) => ResponseStream<O>;

/**
 * The stub of a method known only at run time (a .proto loaded without a type
 * argument): the request and the result are `any` — a Promise for unary and
 * client-streaming methods, a ResponseStream for the others — while the call
 * options are checked like a typed stub's.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the message types of a loaded .proto are not known to the compiler
export type DynamicMethod = (request: any, options?: CallOptions) => any;

/** The stubs of a client for a loaded definition, by .proto name and lowerCamelCase name. */
export type DynamicClient = { readonly [method: string]: DynamicMethod };

/** A handler of a method known only at run time: `request` is `any`, `ctx` is typed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as DynamicMethod: no static message types
export type DynamicHandler = (request: any, ctx: ServerContext) => any;

/**
 * An implementation of a loaded definition: handlers keyed by .proto name or
 * lowerCamelCase name (an object literal gets `ctx` typed), or any object
 * whose methods are the handlers (a class instance). Server.add checks the
 * keys against the definition when it is called.
 */
export type DynamicImplementation = { readonly [method: string]: DynamicHandler } | object;

// ─── Typed definitions ───

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
            : DynamicMethod
    : DynamicMethod;

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
            : DynamicHandler
    : DynamicHandler;

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
    ? DynamicClient
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
    ? DynamicImplementation
    : { [K in keyof MethodsOf<S> & string as Uncapitalize<K>]?: HandlerOf<MethodsOf<S>[K]> } & {
        [K in keyof MethodsOf<S> & string]?: HandlerOf<MethodsOf<S>[K]>;
      };

// ─── Exact responses ───
//
// TypeScript checks excess properties only of an object literal written
// where its type is known; a handler's return value is inferred first and
// compared afterwards, so `async (req) => ({ id: 1, txet: 'oops' })` would pass
// as a UserResponse handler and the encoder would drop `txet`. Server.add
// therefore infers the implementation's own type `I` and checks it again
// with every response key that the message lacks made unassignable.

type Awaitable<T> = T | PromiseLike<T>;

/**
 * `T` with every key that `S` lacks given a type no value has but this sentence, all the way down (arrays, maps,
 * oneof unions): the compiler then says `Type 'string' is not assignable to type '"'txet' is not a field of this
 * message"'`.
 */
export type Exact<T, S> = T extends Uint8Array | bigint | string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer E)[]
    ? S extends readonly (infer SE)[]
      ? readonly Exact<E, SE>[]
      : S
    : T extends object
      ? S extends object
        ? { [K in keyof T]: K extends keyof S ? Exact<T[K], NonNullable<S[K]>> : NotAField<K> }
        : S
      : T;

type NotAField<K> = `'${K & string}' is not a field of this message`;

/** The definition of the method that implementation key `K` names (.proto or lowerCamelCase name), or never. */
type MethodByKey<M, K> = K extends keyof M
  ? M[K]
  : { [P in keyof M & string]: Uncapitalize<P> extends K ? M[P] : never }[keyof M & string];

type ItemOf<R> = R extends AsyncIterable<infer E> ? E : R extends Iterable<infer E> ? E : never;

/** Handler `F`, as written, with its responses held to exactly the fields of method `D`'s output. */
type ExactHandler<F, D> =
  D extends TypedMethod<infer _I, infer O, infer S>
    ? F extends (...args: infer A) => infer R
      ? S extends 'server_streaming' | 'bidi_streaming'
        ? (
            ...args: A
          ) => Awaitable<
            | AsyncIterable<Exact<ItemOf<Awaited<R>>, MessageInit<O>>>
            | Iterable<Exact<ItemOf<Awaited<R>>, MessageInit<O>>>
          >
        : (...args: A) => Awaitable<Exact<Awaited<R>, MessageInit<O>>>
      : F
    : F;

/**
 * The type Server.add checks an implementation `I` of `S` against: `I` itself,
 * with each handler's responses exact. Where `I` could not be inferred (it is
 * the declared ImplementationOf<S> itself, e.g. a variable annotated with it)
 * there is nothing more to check.
 */
export type ExactImplementation<S extends ServiceDefinition, I> =
  IsLoose<MethodsOf<S>> extends true
    ? I
    : I &
        (ImplementationOf<S> extends I
          ? unknown
          : {
              [K in keyof I]: [MethodByKey<MethodsOf<S>, K>] extends [never]
                ? I[K]
                : ExactHandler<I[K], MethodByKey<MethodsOf<S>, K>>;
            });
