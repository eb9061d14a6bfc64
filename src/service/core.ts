/**
 * wiregrpc without the .proto loader: everything a program needs when its
 * schemas come from `wiregrpc gen` (plain data) rather than from parsing .proto
 * files. It never imports protobufjs, so bundles for browsers, workers and
 * other constrained runtimes stay small. `wiregrpc` (index.ts) adds the loader.
 */
export { Code, codeName, parseCode } from '../wire/grpc/code.js';
export { GrpcError, type GrpcErrorOptions } from '../wire/grpc/error.js';
export { Metadata, type MetadataValue } from '../wire/grpc/metadata.js';
export { codecFor } from '../wire/proto/codec.js';
export type { MessageSchema, FieldSchema, EnumSchema, ScalarType, MessageCodec } from '../wire/proto/schema.js';

export type { CallShape, MethodDefinition, ServiceDefinition } from './definition.js';
export { defineService, callShape, type MethodSpec } from './define.js';
export type {
  TypedMethod,
  TypedServiceDefinition,
  MessageInit,
  ClientOf,
  ImplementationOf,
  StubOf,
  HandlerOf,
  Exact,
  ExactImplementation,
  UnaryMethod,
  ServerStreamingMethod,
  ClientStreamingMethod,
  BidiStreamingMethod,
  DynamicMethod,
  DynamicClient,
  DynamicHandler,
  DynamicImplementation,
} from './typed.js';

export {
  Server,
  type ServerOptions,
  type ServerKeepaliveOptions,
  type ListenAddress,
  type ListenOptions,
  type ListenTarget,
  type TlsOptions,
} from './server.js';
export { ServerContext } from './context.js';
export {
  loggingServerInterceptor,
  authServerInterceptor,
  metricsServerInterceptor,
  type ServerInterceptor,
  type ServerAuthOptions,
  type ServerCallRecord,
} from './interceptors.js';
export type {
  UnaryHandler,
  ServerStreamingHandler,
  ClientStreamingHandler,
  BidiStreamingHandler,
  ServiceImplementation,
} from './server-call.js';

export {
  Channel,
  type ChannelOptions,
  type ChannelTlsOptions,
  type ChannelKeepaliveOptions,
  type ChannelTransport,
  type ConnectivityState,
  type MethodConfig,
  type ServiceConfig,
  type ServiceConfigInit,
} from '../http2/channel.js';
export { createClient, type Client, type ClientOptions } from './client.js';
export { type CallOptions, type MetadataInit, ResponseStream } from './client-call.js';
export {
  loggingInterceptor,
  authInterceptor,
  metricsInterceptor,
  type ClientInterceptor,
  type ClientCall,
  type CallRecord,
} from './client-interceptors.js';

// The rich error model: google.rpc.Status details (helper "details").
export { isWireError } from '../wire/grpc/error.js';
export {
  type Any,
  type MessageType,
  anyPack,
  anyUnpack,
  anyIs,
  anyTypeName,
  AnySchema,
  TYPE_URL_PREFIX,
} from '../wire/grpc/any.js';
export { type Status, StatusSchema } from '../wire/grpc/status-details.js';
export {
  detail,
  ErrorInfo,
  RetryInfo,
  DebugInfo,
  QuotaFailure,
  PreconditionFailure,
  BadRequest,
  RequestInfo,
  ResourceInfo,
  Help,
  LocalizedMessage,
  ERROR_DETAIL_TYPES,
  type QuotaFailure_Violation,
  type PreconditionFailure_Violation,
  type BadRequest_FieldViolation,
  type Help_Link,
} from './rpc/error-details.js';
export { methodStub } from './dynamic.js';
export {
  timestampFromDate,
  timestampFromMs,
  timestampNow,
  timestampToDate,
  durationFromMs,
  durationToMs,
  type Timestamp,
  type Duration,
  type SecondsNanos,
} from './well-known.js';

// Protobuf as text: proto3 JSON (fromJsonString checks what JSON.parse would lose) and text format.
export {
  toJson,
  fromJson,
  toJsonString,
  fromJsonString,
  type JsonValue,
  type ToJsonOptions,
  type FromJsonOptions,
  type ToJsonStringOptions,
} from '../wire/proto/json.js';
export { typeRegistry, type TypeRegistry } from '../wire/proto/json-registry.js';
export { toText, fromText, type ToTextOptions, type FromTextOptions } from '../wire/proto/text-format.js';
export { ProtoError, type ProtoErrorKind } from '../wire/proto/error.js';
export { unknownFields, setUnknownFields, UNKNOWN_FIELDS } from '../wire/proto/unknown.js';
