/**
 * Deno's sockets as ByteStreams, for a channel's `connect` option
 * (transport 'wiregrpc' under Deno):
 *
 *   Deno.connect({ hostname, port })                               h2c, prior knowledge
 *   Deno.connectTls({ hostname, port, alpnProtocols: ['h2'] })     TLS; the handshake must pick h2
 *
 *   new Channel('127.0.0.1:50051', { connect: denoConnect() })
 *   new Channel('api.example.com:443', { tls: true, connect: denoConnect({ tls: { caCerts: [pem] } }) })
 *
 * `Deno` is read from globalThis when a connection is made: this module loads
 * anywhere (and in Node `denoConnect()` throws, naming the runtime it needs).
 */
import type { ByteStream } from './byte-stream.js';
import { streamSocket, type StreamSocket } from './web-stream-bytes.js';

/** The part of Deno's API used here (lib.deno.ns.d.ts). */
interface DenoConn extends StreamSocket {
  readonly remoteAddr?: { hostname?: string; port?: number };
  ref(): void;
  unref(): void;
  handshake?(): Promise<{ alpnProtocol: string | null }>;
}
interface DenoApi {
  connect(
    options: { hostname: string; port: number; transport?: 'tcp' } | { path: string; transport: 'unix' },
  ): Promise<DenoConn>;
  connectTls(options: {
    hostname: string;
    port: number;
    caCerts?: string[];
    alpnProtocols?: string[];
    cert?: string;
    key?: string;
  }): Promise<DenoConn>;
  startTls(
    conn: DenoConn,
    options: { hostname?: string; caCerts?: string[]; alpnProtocols?: string[] },
  ): Promise<DenoConn>;
}

export interface DenoConnectOptions {
  /** TLS (with ALPN h2): `true` for the system's CAs, or these; client certificate and key for mutual TLS. */
  tls?: boolean | { caCerts?: string[]; cert?: string; key?: string; servername?: string };
}

/** Where to connect: one of a channel's addresses (src/http2/target.ts). */
export type SocketAddress = { host: string; port: number } | { path: string };

/** A `connect` option for a channel: each call opens one Deno socket. */
export function denoConnect(options: DenoConnectOptions = {}): (address: SocketAddress) => ByteStream {
  const deno = (globalThis as { Deno?: DenoApi }).Deno;
  if (deno === undefined) throw new Error('denoConnect() needs Deno (globalThis.Deno is not there)');
  const tlsOption = options.tls;
  return (address) => {
    if ('path' in address) {
      if (tlsOption) throw new Error('denoConnect: TLS over a unix socket is not supported');
      return streamSocket(deno.connect({ path: address.path, transport: 'unix' }).then(withAddress));
    }
    if (tlsOption === undefined || tlsOption === false) {
      return streamSocket(deno.connect({ hostname: address.host, port: address.port }).then(withAddress));
    }
    const t = tlsOption === true ? {} : tlsOption;
    const caCerts = t.caCerts !== undefined ? { caCerts: t.caCerts } : {};
    // A server name other than the host connected to: TCP first, then TLS naming it (Deno.startTls).
    const tls =
      t.servername !== undefined && t.servername !== address.host
        ? deno
            .connect({ hostname: address.host, port: address.port })
            .then((tcp) => deno.startTls(tcp, { hostname: t.servername, alpnProtocols: ['h2'], ...caCerts }))
        : deno.connectTls({
            hostname: address.host,
            port: address.port,
            alpnProtocols: ['h2'],
            ...caCerts,
            ...(t.cert !== undefined && t.key !== undefined ? { cert: t.cert, key: t.key } : {}),
          });
    const opening = tls.then(async (conn) => {
      const { alpnProtocol } = (await conn.handshake?.()) ?? { alpnProtocol: null };
      if (alpnProtocol !== 'h2') {
        conn.close();
        throw new Error(
          `${address.host}:${address.port} did not negotiate HTTP/2 over TLS (ALPN: ${alpnProtocol ?? 'none'}, expected h2)`,
        );
      }
      return withAddress(conn);
    });
    return streamSocket(opening);
  };
}

function withAddress(conn: DenoConn): StreamSocket {
  return {
    readable: conn.readable,
    writable: conn.writable,
    close: () => conn.close(),
    ref: () => conn.ref(),
    unref: () => conn.unref(),
    remoteAddress: conn.remoteAddr?.hostname,
    remotePort: conn.remoteAddr?.port,
  };
}
