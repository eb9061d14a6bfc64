/**
 * wiregrpc/fetch: a gRPC-Web server as a fetch handler, for runtimes that serve through `(Request) => Response`
 * — Cloudflare Workers (workerd), Deno.serve, Bun.serve, service workers — and anything else with fetch's Request
 * and Response (Node too).
 *
 *   import { createFetchHandler } from 'wiregrpc/fetch';
 *   import { UserInfo } from './gen/userinfo.js';   // wiregrpc gen --runtime-import wiregrpc/fetch
 *   const grpc = createFetchHandler({ cors: { origins: '*' } }).add(UserInfo, {
 *     async getUserInfo(request) { return { id: 1, name: request.name } },
 *   });
 *   export default { fetch: grpc.fetch };
 *
 * Where it sits: beside src/web (floor 4), the server twin of its client. It uses src/service's transport-free
 * files (the context, interceptors, the router, definitions) and the Node-free helpers of src/http2 (CORS, header
 * blocks) — never the node:http2 transport, server.ts or server-call.ts — and web APIs only: loaded, it imports no
 * Node module, so it runs in workerd without nodejs_compat (scripts/bundle.mjs checks the bundle).
 */
export { createFetchHandler, FetchHandler, type FetchHandlerOptions, type FetchRequestInfo } from './handler.js';
export type { GrpcWebOptions } from '../http2/cors.js';

export { Code, codeName, parseCode } from '../wire/grpc/code.js';
export { GrpcError, type GrpcErrorOptions } from '../wire/grpc/error.js';
export { Metadata, type MetadataValue } from '../wire/grpc/metadata.js';
export { codecFor } from '../wire/proto/codec.js';
export type { MessageSchema, FieldSchema, EnumSchema, ScalarType, MessageCodec } from '../wire/proto/schema.js';
export { ServerContext, type MetadataInit } from '../service/context.js';
export {
  type ServerInterceptor,
  loggingServerInterceptor,
  authServerInterceptor,
  metricsServerInterceptor,
} from '../service/interceptors.js';

// What `wiregrpc gen` output imports (pass `--runtime-import wiregrpc/fetch`).
export { defineService, callShape, type MethodSpec } from '../service/define.js';
export type { CallShape, MethodDefinition, ServiceDefinition } from '../service/definition.js';
export type { TypedMethod, TypedServiceDefinition, MessageInit, ImplementationOf, ClientOf } from '../service/typed.js';
export type { Client } from '../service/client.js'; // named by generated code (its client types); a type only

// The rich error model: typed error details (grpc-status-details-bin), as in wiregrpc/core.
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
