/**
 * `connect()` of `cloudflare:sockets` (workerd, Cloudflare Workers) as a
 * ByteStream, for a channel's `connect` option (transport 'wiregrpc'):
 *
 *   import { connect } from 'cloudflare:sockets';
 *   new Channel('10.0.0.2:50051', { connect: cfConnect(connect) })
 *
 * The socket is a pair of WHATWG streams (web-stream-bytes.ts), usable once
 * `opened` resolves. cloudflare:sockets offers no ALPN, so this is h2c (HTTP/2
 * with prior knowledge): TLS with h2 is not something it can negotiate. The
 * runtime's `connect` is a parameter, not an import: this module loads in Node too.
 */
import type { ByteStream } from './byte-stream.js';
import { streamSocket } from './web-stream-bytes.js';

/** The part of cloudflare:sockets used here (@cloudflare/workers-types: Socket, SocketOptions). */
export interface CfSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<{ remoteAddress?: string; localAddress?: string }>;
  close(): Promise<void>;
}
export type CfConnect = (
  address: { hostname: string; port: number },
  options?: { secureTransport?: 'off' | 'on' | 'starttls'; allowHalfOpen?: boolean },
) => CfSocket;

/** Where to connect: one of a channel's addresses (src/http2/target.ts). */
export type SocketAddress = { host: string; port: number } | { path: string };

/** A `connect` option for a channel: each call opens one socket with cloudflare:sockets' `connect`. */
export function cfConnect(connect: CfConnect): (address: SocketAddress) => ByteStream {
  return (address) => {
    if ('path' in address) throw new Error('cloudflare:sockets cannot connect to a unix socket');
    const socket = connect({ hostname: address.host, port: address.port }, { secureTransport: 'off' });
    return streamSocket(
      socket.opened.then((info) => ({
        readable: socket.readable,
        writable: socket.writable,
        close: () => socket.close(),
        remoteAddress: info.remoteAddress,
        remotePort: address.port,
      })),
    );
  };
}
