/**
 * The transport floor on its own: gRPC over node:http2, moving framed bytes and
 * headers, with no idea what a message type is. src/service builds on it.
 */
export {
  GrpcServerTransport,
  type CallHandler,
  type ServerTransportOptions,
  type ServerKeepaliveOptions,
  type TlsOptions,
  type ListenOptions,
} from './server-transport.js';
export { ServerStream, type StreamLike, type CallConfig } from './server-stream.js';
export { Channel, Connection, type ChannelOptions, type ChannelTlsOptions, type ConnectivityState } from './channel.js';
export { ClientStream, type ClientStreamListener, type ClientStreamOptions } from './client-stream.js';
export { registerWiregrpcTransport } from './h2-client-connect.js';
export type { ChannelTransport } from './channel.js';
export { parseTarget, formatAddress, type Target, type Address } from './target.js';
export { compress, decompress, SUPPORTED_ENCODINGS } from './compression.js';
export { Backoff, type BackoffOptions } from './backoff.js';
