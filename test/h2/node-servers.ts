/**
 * Our Connection behind real sockets, for the tests against other HTTP/2
 * implementations: a TCP (h2c, prior knowledge) or TLS (ALPN h2) listener on
 * 127.0.0.1:0 whose every connection is a server Connection, and a client
 * Connection over a fresh TCP or TLS socket.
 */
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { Connection, type ConnectionOptions } from '../../src/h2/connection.js';
import type { H2Error } from '../../src/h2/errors.js';
import { nodeSocket } from '../../src/h2/node-socket.js';
import { echo } from './conn-helpers.js';

export interface OurServer {
  port: number;
  connections: Set<Connection>;
  errors: H2Error[];
  close(): Promise<void>;
}

export interface TlsFiles {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
}

/** Listens on 127.0.0.1:0; `tls` given: TLS with ALPN h2 only. */
export async function listen(options: Partial<ConnectionOptions> = {}, tlsFiles?: TlsFiles): Promise<OurServer> {
  const connections = new Set<Connection>();
  const errors: H2Error[] = [];
  const sockets = new Set<net.Socket>();
  const accept = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const conn = new Connection(nodeSocket(socket), {
      role: 'server',
      onStream: echo,
      onError: (e) => errors.push(e),
      ...options,
      onClose: () => {
        connections.delete(conn);
        options.onClose?.();
      },
    });
    connections.add(conn);
  };
  const server = tlsFiles
    ? tls.createServer({ key: tlsFiles.key, cert: tlsFiles.cert, ALPNProtocols: ['h2'] }, (socket) => {
        if (socket.alpnProtocol !== 'h2') socket.destroy();
        else accept(socket);
      })
    : net.createServer(accept);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    errors,
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** A client Connection to 127.0.0.1:port (TLS when `ca` is given: ALPN h2, servername localhost). */
export async function connect(
  port: number,
  options: Partial<ConnectionOptions> = {},
  ca?: Buffer,
): Promise<{ conn: Connection; errors: H2Error[]; closed: Promise<void> }> {
  const socket = ca
    ? tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost', ALPNProtocols: ['h2'] })
    : net.connect(port, '127.0.0.1');
  await once(socket, ca ? 'secureConnect' : 'connect');
  if (ca && (socket as tls.TLSSocket).alpnProtocol !== 'h2') throw new Error('the server did not choose h2');
  const errors: H2Error[] = [];
  let resolve!: () => void;
  const closed = new Promise<void>((r) => (resolve = r));
  const conn = new Connection(nodeSocket(socket), {
    role: 'client',
    onError: (e) => errors.push(e),
    onClose: () => resolve(),
    ...options,
  });
  return { conn, errors, closed };
}
