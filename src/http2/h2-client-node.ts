/**
 * A channel's connection over node:http2 (transport 'node:http2', the
 * default): `http2.connect` to `http://host:port` (h2c, prior knowledge) or
 * `https://` (TLS, ALPN h2), and for a unix socket the socket handed over.
 *
 * node:http2 and node:net are loaded on the first connection
 * (`process.getBuiltinModule`), not by an import: a channel whose connections
 * go over a runtime's own sockets (transport 'wiregrpc' with `connect`, in
 * Deno, Bun or workerd) never loads them.
 */
import type http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import type { ConnectOptions } from './h2-client-options.js';
import type { ClientSession } from './h2-client-session.js';
import { tlsConnectOptions } from './h2-client-tls.js';
import { nodeTls } from './node-tls.js';
import type { Address } from './target.js';

/** A node:http2 session to `address`; node throws here for bad TLS options, before any I/O. */
export function openNodeSession(address: Address, options: ConnectOptions): ClientSession {
  return connect(address, options);
}

function connect(address: Address, options: ConnectOptions): http2.ClientHttp2Session {
  const h2 = process.getBuiltinModule('node:http2');
  const tlsOptions = tlsConnectOptions(options.tls, options.authority);
  const secure = tlsOptions !== undefined;
  const extra: http2.SecureClientSessionOptions = { ...options.http2, ...tlsOptions };
  if ('path' in address) {
    // node:http2 has no unix socket URL: we hand it the socket.
    const path = address.path;
    extra.createConnection = () =>
      secure
        ? nodeTls().connect({ ...(extra as tls.ConnectionOptions), path, ALPNProtocols: ['h2'] })
        : (process.getBuiltinModule('node:net') as typeof net).connect(path);
    return h2.connect(`${secure ? 'https' : 'http'}://localhost`, extra);
  }
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return h2.connect(`${secure ? 'https' : 'http'}://${host}:${address.port}`, extra);
}
