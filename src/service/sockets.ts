/**
 * `wiregrpc/sockets`: the gRPC client for runtimes that have sockets but no
 * node:http2 — Deno, Bun, and Workers (workerd, `cloudflare:sockets`) — on
 * wiregrpc's own HTTP/2 (src/h2) over a ByteStream the runtime provides:
 *
 *   import { connect } from 'cloudflare:sockets';
 *   import { createClient, cfConnect } from 'wiregrpc/sockets';
 *   const client = createClient(UserInfo, '10.0.0.2:50051', { connect: cfConnect(connect) });
 *   const user = await client.getUserInfo({ name: 'foo' });
 *
 * The same stubs, call options, errors and metadata as `wiregrpc/core`'s
 * client; no server, no .proto loader, and nothing reachable from here loads
 * node:http2, node:net, node:tls or node:fs at module top level (a bundle
 * needs only node:buffer: workerd's `nodejs_compat`). Importing it makes
 * transport 'wiregrpc' (wiregrpc's own HTTP/2 client) available: this entry
 * point is for nothing else.
 */
import { registerWiregrpcTransport } from '../http2/h2-client-connect.js';

registerWiregrpcTransport();

export { Code, codeName, parseCode } from '../wire/grpc/code.js';
export { GrpcError, type GrpcErrorOptions } from '../wire/grpc/error.js';
export { Metadata, type MetadataValue } from '../wire/grpc/metadata.js';
export { codecFor } from '../wire/proto/codec.js';
export type { MessageSchema, FieldSchema, EnumSchema, ScalarType, MessageCodec } from '../wire/proto/schema.js';
export type { CallShape, MethodDefinition, ServiceDefinition } from './definition.js';
export { defineService, callShape, type MethodSpec } from './define.js';
export type {
  ClientOf,
  ImplementationOf,
  TypedMethod,
  TypedServiceDefinition,
  MessageInit,
  DynamicClient,
} from './typed.js'; // ImplementationOf: what generated code names (wiregrpc gen --runtime-import wiregrpc/sockets)

export {
  Channel,
  type ChannelOptions,
  type ChannelTlsOptions,
  type ChannelKeepaliveOptions,
  type ChannelTransport,
  type ConnectivityState,
} from '../http2/channel.js';
export { createClient, type Client, type ClientOptions } from './client.js';
export { type CallOptions, type MetadataInit, ResponseStream } from './client-call.js';

export type { ByteSink, ByteStream } from '../h2/byte-stream.js';
export { denoConnect, type DenoConnectOptions } from '../h2/deno-socket.js';
export { bunConnect, type BunConnectOptions } from '../h2/bun-socket.js';
export { cfConnect, type CfConnect, type CfSocket } from '../h2/cf-socket.js';
