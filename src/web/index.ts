/**
 * wiregrpc for browsers and workers (and Node, Deno, Bun through their
 * fetch): gRPC-Web calls over `fetch`, plus what generated code needs.
 *
 *   import { createWebClient } from 'wiregrpc/web';
 *   import { UserInfo } from './gen/userinfo.js';   // wiregrpc gen --runtime-import wiregrpc/web
 *   const client = createWebClient(UserInfo, 'https://api.example');
 *   await client.getUserInfo({ name: 'foo' });
 *
 * Where it sits: src/web is the browser's counterpart of src/http2 +
 * src/service. Its transport (call.ts) uses src/wire and web APIs only; the
 * client (client.ts) takes service definitions as src/service makes them;
 * from src/service it imports only the Node-free files — definition and
 * typed (types), define (defineService) — never the loader, the HTTP/2
 * transport or protobufjs. A bundler given this entry pulls in no Node module.
 */
export { Code, codeName, parseCode } from '../wire/grpc/code.js';
export { GrpcError, type GrpcErrorOptions } from '../wire/grpc/error.js';
export { Metadata, type MetadataValue } from '../wire/grpc/metadata.js';
export { codecFor } from '../wire/proto/codec.js';
export { toJson, fromJson } from '../wire/proto/json.js';
export type { MessageSchema, FieldSchema, EnumSchema, ScalarType, MessageCodec } from '../wire/proto/schema.js';

// What `wiregrpc gen` output imports (pass `--runtime-import wiregrpc/web`).
export { defineService, callShape, type MethodSpec } from '../service/define.js';
export type { CallShape, MethodDefinition, ServiceDefinition } from '../service/definition.js';
export type { TypedMethod, TypedServiceDefinition, MessageInit, ClientOf, ImplementationOf } from '../service/typed.js';
export type { Client } from '../service/client.js';

export {
  createWebClient,
  type WebClientOf,
  type WebUnaryMethod,
  type WebServerStreamingMethod,
  type WebUnsupportedMethod,
} from './client.js';
export { webCall, type WebCallOptions, type WebTransportOptions, type MetadataInit } from './call.js';

// The rich error model (helper "details"): typed error details, as in wiregrpc/core.
export { isWireError } from '../wire/grpc/error.js';
export { type Any, type MessageType, anyPack, anyUnpack, anyIs, anyTypeName } from '../wire/grpc/any.js';
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
} from '../service/rpc/error-details.js';
