/**
 * How a channel connects: the options of ChannelOptions (channel.ts) that
 * concern one connection, shared by its subchannels (subchannel.ts) and by
 * the two transports — node:http2 (h2-client-node.ts) and wiregrpc's own
 * HTTP/2 (h2-client-connect.ts).
 */
import type http2 from 'node:http2';
import type { ByteStream } from '../h2/byte-stream.js';
import type { BackoffOptions } from './backoff.js';
import type { Address } from './target.js';

export interface ChannelTlsOptions {
  /** Trusted CA certificates (PEM); the system's by default. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate and key, for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Name to verify the server certificate against (and send as SNI); default: the authority's host. */
  servername?: string;
  /** Default true. Turning it off accepts any certificate: tests only. */
  rejectUnauthorized?: boolean;
}

export interface ChannelKeepaliveOptions {
  /**
   * Send a PING after this long, ms. Doubled for the channel's later
   * connections each time a server answers GOAWAY "too_many_pings" (gRFC A8).
   */
  timeMs: number;
  /** Close the connection if the PING is not acknowledged within this, ms (default 20000). */
  timeoutMs?: number;
  /** Also ping while no call is active (default false; servers may object). */
  permitWithoutCalls?: boolean;
}

/** How to connect: the channel's options that concern one connection. */
export interface ConnectOptions {
  tls?: boolean | ChannelTlsOptions;
  /** The `:authority` the channel sends: its host is the default TLS server name. */
  authority: string;
  keepalive?: ChannelKeepaliveOptions;
  backoff?: BackoffOptions;
  http2?: http2.ClientSessionOptions;
  /** Whose HTTP/2: node's (node:http2) or wiregrpc's own (src/h2). */
  transport: ChannelTransport;
  /** Transport 'wiregrpc' over a byte stream of the caller's (Deno, Bun, cloudflare:sockets) instead of node:net/node:tls. */
  connect?: (address: Address) => ByteStream;
}

/** Whose HTTP/2 a channel's connections speak: node's (node:http2, the default) or wiregrpc's own (src/h2). */
export type ChannelTransport = 'node:http2' | 'wiregrpc';
