/**
 * What a server transport can be told, with its defaults: message limits,
 * compression, HTTP/2 settings, and the limits that keep it standing under
 * hostile or careless peers (README, "Limits and timeouts", is the table of
 * these: option, default, what the peer gets when it trips).
 */
import type http2 from 'node:http2';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { GrpcWebOptions } from './cors.js';
import type { Http1Options } from './http1-connections.js';
import type { ConnectionPolicy, ServerKeepaliveOptions } from './server-connection.js';

export type { ServerKeepaliveOptions } from './server-connection.js';
export type { Http1Options } from './http1-connections.js';

/** The HTTP/2 implementations a server can run on. */
export type TransportKind = 'node:http2' | 'wiregrpc';

export interface ServerTransportOptions {
  /**
   * Which HTTP/2 serves the connections: `'node:http2'` (Node's, nghttp2 inside) or `'wiregrpc'` (src/h2,
   * wiregrpc's own, in TypeScript). Absent: the environment variable `WIREGRPC_TRANSPORT`, else 'node:http2'.
   */
  transport?: TransportKind;
  /** Largest request message accepted, after decompression (default 4 MiB). Larger → RESOURCE_EXHAUSTED. */
  maxReceiveMessageLength?: number;
  /** Largest response message sent (default: no limit). Larger → RESOURCE_EXHAUSTED. */
  maxSendMessageLength?: number;
  /** Compress responses with this, for clients that accept it (`grpc-accept-encoding`). Default "identity". */
  compression?: 'identity' | 'gzip' | 'deflate';
  /** Our pings, and the client pings we allow (gRFC A8). */
  keepalive?: ServerKeepaliveOptions;
  /**
   * HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection. Default 100, not
   * node:http2's 4294967295 (unlimited): every stream is a running handler, so
   * one connection should not start unbounded work; 100 is RFC 9113 §6.5.2's
   * recommended floor ("no smaller than 100"), enough parallelism per connection.
   */
  maxConcurrentStreams?: number;
  /**
   * Largest request header list (metadata included), as HTTP/2 counts it (each
   * field's name + value + 32), announced as SETTINGS_MAX_HEADER_LIST_SIZE.
   * Default 16 KiB (gRPC core's hard limit). A larger one is refused on its own
   * stream, RST_STREAM(ENHANCE_YOUR_CALM): the connection and its other calls
   * go on (see README for the one case node:http2 turns into a connection error).
   */
  maxMetadataSize?: number;
  /** Other HTTP/2 settings we announce. */
  http2Settings?: http2.Settings;
  /** node:http2's per-session memory ceiling in MiB (default 10). */
  maxSessionMemory?: number;
  /** gRPC-Web (always served): which browser origins CORS lets in (default: none). */
  grpcWeb?: GrpcWebOptions;
  /**
   * A connection must complete its TLS handshake (if TLS) and its HTTP/2
   * preface and SETTINGS — or, over HTTP/1.1, its first request head — this
   * soon after it is accepted, or it is closed (default 20 s; HTTP/1.1 gets a 408).
   */
  handshakeTimeoutMs?: number;
  /** HTTP/1.1 (gRPC-Web) connections: request body and keep-alive timeouts. */
  http1?: Omit<Http1Options, 'headTimeoutMs'>;
  /** gRFC A9: a connection without calls for this long gets GOAWAY and is closed (default: never). */
  maxConnectionIdleMs?: number;
  /** gRFC A9: a connection this old (±10 % jitter) gets GOAWAY, so clients reconnect and rebalance (default: never). */
  maxConnectionAgeMs?: number;
  /** gRFC A9: after that GOAWAY (age or idleness), calls in flight get this long, then the connection is closed (default: as long as they take). */
  maxConnectionAgeGraceMs?: number;
  /**
   * Server-wide budget of streams clients reset before we answered, per second
   * (the distributed rapid reset). Past it, the connection that reset most gets
   * GOAWAY ENHANCE_YOUR_CALM and is closed. Default 1000.
   */
  maxResetsPerSecond?: number;
  /** Server-wide ceiling on running calls; past it new streams get RST_STREAM(REFUSED_STREAM), which clients retry (default: none). */
  maxConcurrentCalls?: number;
}

export interface ShutdownOptions {
  /** Calls in flight get this long to finish after GOAWAY; then every connection is closed (default 30 s). */
  graceMs?: number;
}

const TRANSPORTS: readonly string[] = ['node:http2', 'wiregrpc'];

/**
 * The transport a server runs on: the option, else `WIREGRPC_TRANSPORT` (so a whole test suite can be run on
 * either), else node:http2. Throws GrpcError(INVALID_ARGUMENT) naming the source of an unknown value.
 */
export function transportKind(options: ServerTransportOptions): TransportKind {
  const given = options.transport;
  if (given !== undefined) {
    if (TRANSPORTS.includes(given)) return given;
    throw new GrpcError(
      Code.INVALID_ARGUMENT,
      `transport ${JSON.stringify(given)} is not one of ${TRANSPORTS.join(', ')}`,
    );
  }
  const env = typeof process === 'undefined' ? undefined : process.env.WIREGRPC_TRANSPORT;
  if (env === undefined || env === '') return 'node:http2';
  if (TRANSPORTS.includes(env)) return env as TransportKind;
  throw new GrpcError(
    Code.INVALID_ARGUMENT,
    `the environment variable WIREGRPC_TRANSPORT=${JSON.stringify(env)} is not one of ${TRANSPORTS.join(', ')}`,
  );
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
export const DEFAULT_MAX_METADATA_SIZE = 16 * 1024;

/** Every connection's policy, defaults filled in, once per server. */
export function connectionPolicy(options: ServerTransportOptions): ConnectionPolicy {
  const keepalive = options.keepalive ?? {};
  return Object.freeze({
    pingTimeMs: keepalive.timeMs ?? Infinity,
    pingTimeoutMs: keepalive.timeoutMs ?? 20_000,
    minPingIntervalMs: keepalive.minPingIntervalMs ?? 300_000,
    permitWithoutCalls: keepalive.permitWithoutCalls ?? false,
    maxPingStrikes: keepalive.maxPingStrikes ?? 2,
    // node:http2: opt-in — on by default it sent grpc-go 1.33 clients away (GOAWAY ENHANCE_YOUR_CALM) in the
    // interop matrix, their bandwidth-probe pings counted as strikes (see the note on issue #13). wiregrpc's own
    // HTTP/2 forgives a PING that follows our HEADERS or DATA in the engine itself, as grpc-go does: on by default
    // there (the interop matrix passes with it, grpc-go 1.33 clients included).
    enforcePings:
      transportKind(options) === 'wiregrpc' ||
      keepalive.minPingIntervalMs !== undefined ||
      keepalive.permitWithoutCalls !== undefined ||
      keepalive.maxPingStrikes !== undefined,
    maxConnectionIdleMs: options.maxConnectionIdleMs ?? Infinity,
    maxConnectionAgeMs: options.maxConnectionAgeMs ?? Infinity,
    maxConnectionAgeGraceMs: options.maxConnectionAgeGraceMs ?? Infinity,
  });
}
