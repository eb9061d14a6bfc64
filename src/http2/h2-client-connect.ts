/**
 * A channel's connection over wiregrpc's own HTTP/2 (transport 'wiregrpc'):
 * a byte stream, and an H2ClientSession (h2-client-connection.ts) on it.
 *
 *   plaintext   node:net → h2c with prior knowledge (the client preface right away, RFC 9113 §3.3)
 *   TLS         node:tls with ALPN ["h2"]; a server that does not pick h2 is a failed attempt
 *   `connect`   the caller's ByteStream (Deno, Bun, cloudflare:sockets: src/h2/*-socket.ts), TLS its business
 *
 * node:net and node:tls are loaded on the first connection that needs them
 * (`process.getBuiltinModule`): with `connect`, neither is ever loaded.
 *
 * Channels find it through client-transport.ts's slot, which
 * `registerWiregrpcTransport()` fills: `wiregrpc` and `wiregrpc/sockets` call it
 * when loaded, a `wiregrpc/core` program calls it itself (from
 * `wiregrpc/http2`). Nothing else imports this file, so a program that never
 * calls it bundles none of src/h2's client.
 */
import type net from 'node:net';
import type tls from 'node:tls';
import type { ByteStream } from '../h2/byte-stream.js';
import { nodeSocket } from '../h2/node-socket.js';
import type { Settings } from '../h2/settings.js';
import { registerClientTransport } from './client-transport.js';
import { H2ClientSession, type H2SessionOptions } from './h2-client-connection.js';
import type { ConnectOptions } from './h2-client-options.js';
import type { ClientSession } from './h2-client-session.js';
import { tlsConnectOptions } from './h2-client-tls.js';
import { nodeTls } from './node-tls.js';
import { formatAddress, type Address } from './target.js';

/**
 * Makes transport 'wiregrpc' (and the `connect` option) available to this program's channels: wiregrpc's own
 * HTTP/2 client. `wiregrpc` and `wiregrpc/sockets` have done it on import; with `wiregrpc/core`, call it once
 * before creating a channel that uses it. Calling it again changes nothing.
 */
export function registerWiregrpcTransport(): void {
  registerClientTransport(openH2Session);
}

/** An HTTP/2 session of our own to `address`. Throws for bad TLS options (node:tls checks them before any I/O). */
export function openH2Session(address: Address, options: ConnectOptions): ClientSession {
  if (options.connect !== undefined) return new H2ClientSession(options.connect(address), sessionOptions(options));
  let session: H2ClientSession | undefined;
  const bytes = nodeBytes(address, options, () => session?.transportReady());
  session = new H2ClientSession(bytes, sessionOptions(options));
  return session;
}

/** What of `options.http2` applies to our HTTP/2: the SETTINGS we advertise. */
function sessionOptions(options: ConnectOptions): H2SessionOptions {
  const given = options.http2?.settings;
  if (given === undefined) return {};
  const settings: Partial<Settings> = {};
  if (given.headerTableSize !== undefined) settings.headerTableSize = given.headerTableSize;
  if (given.enablePush !== undefined) settings.enablePush = given.enablePush;
  if (given.maxConcurrentStreams !== undefined) settings.maxConcurrentStreams = given.maxConcurrentStreams;
  if (given.initialWindowSize !== undefined) settings.initialWindowSize = given.initialWindowSize;
  if (given.maxFrameSize !== undefined) settings.maxFrameSize = given.maxFrameSize;
  if (given.maxHeaderListSize !== undefined) settings.maxHeaderListSize = given.maxHeaderListSize;
  return { settings };
}

/** A node:net or node:tls socket to `address`; `ready` once it is connected (for TLS: with h2 agreed). */
function nodeBytes(address: Address, options: ConnectOptions, ready: () => void): ByteStream {
  const tlsOptions = tlsConnectOptions(options.tls, options.authority);
  const where = 'path' in address ? { path: address.path } : { host: address.host, port: address.port };
  if (tlsOptions === undefined) {
    const net = process.getBuiltinModule('node:net') as typeof import('node:net');
    const socket = net.connect({ ...where, noDelay: true } as net.NetConnectOpts);
    socket.once('connect', ready);
    return nodeSocket(socket);
  }
  const socket = nodeTls().connect({ ...tlsOptions, ...where, ALPNProtocols: ['h2'] } as tls.ConnectionOptions);
  socket.once('secureConnect', () => {
    if (socket.alpnProtocol === 'h2') {
      ready();
      return;
    }
    const picked = socket.alpnProtocol === false || socket.alpnProtocol === undefined ? 'none' : socket.alpnProtocol;
    socket.destroy(
      new Error(`${formatAddress(address)} did not negotiate HTTP/2 over TLS (ALPN: ${picked}, expected h2)`),
    );
  });
  return nodeSocket(socket);
}
