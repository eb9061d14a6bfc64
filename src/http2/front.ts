/**
 * One port, two protocols: each new connection goes to the HTTP/2 server
 * (gRPC, and gRPC-Web from HTTP/2 clients) or to the HTTP/1.1 server
 * (gRPC-Web from browsers and fetch over `http://`).
 *
 *   - TLS: ALPN decides. We offer `h2` and `http/1.1`; a client that picks
 *     `h2` (every gRPC client, browsers on https) gets HTTP/2.
 *   - Cleartext: the first bytes decide. An HTTP/2 connection starts with
 *     the preface `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` (RFC 9113 §3.4), an
 *     HTTP/1.1 one with a method (`POST`, `OPTIONS`, ...). Three bytes tell
 *     them apart; they are put back (`unshift`) before the socket is handed
 *     over, and node:http2 reads what is already buffered when it starts.
 *
 * (node:http2 has `allowHTTP1` for TLS only in Node 20, and with it every
 * HTTP/2 stream also goes through the compatibility API; this routing keeps
 * HTTP/2 streams on the fast 'stream' path.)
 *
 * Every accepted connection starts its handshake clock here (handshake.ts):
 * the TLS handshake and the sniffing count against it. The HTTP/2 side —
 * node:http2, or wiregrpc's own (h2-accept.ts, `transport: 'wiregrpc'`) —
 * sends our SETTINGS the moment it is handed the socket, i.e. as soon as the
 * connection is known to be HTTP/2.
 */
import type http from 'node:http';
import net from 'node:net';
import { armHandshake, rawSocketOf } from './handshake.js';
import type { Http1Connections } from './http1-connections.js';
import { nodeTls } from './node-tls.js';

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CAs that client certificates must chain to (mutual TLS). */
  ca?: string | Buffer | (string | Buffer)[];
  /** Ask for a client certificate, and refuse the connection without a valid one. */
  requestCert?: boolean;
}

const PREFACE = Buffer.from('PRI');

/** Where connections go, shared by every listening socket of one server. */
export interface FrontTargets {
  /** An HTTP/2 connection: to node:http2's server, or to wiregrpc's own (h2-accept.ts). */
  readonly h2: (socket: net.Socket) => void;
  readonly h1: http.Server;
  /** HTTP/1.1 connections, tracked (timeouts, shutdown) before node:http gets them. */
  readonly http1: Http1Connections;
  /** Cleartext connections that have not yet said which protocol they speak, and TLS ones mid-handshake (shutdown closes them). */
  readonly undecided: Set<net.Socket>;
  readonly handshakeTimeoutMs: number;
}

/** A listening server that hands each connection to `h2` or `h1` (neither of which listens itself). */
export function createFront(to: FrontTargets, options: TlsOptions | undefined): net.Server {
  const { h2, h1, http1, undecided, handshakeTimeoutMs } = to;
  if (options === undefined)
    return net.createServer((socket) => {
      armHandshake(socket, handshakeTimeoutMs);
      sniff(socket, to);
    });
  const server = nodeTls().createServer(
    {
      key: options.key,
      cert: options.cert,
      ca: options.ca,
      requestCert: options.requestCert ?? false,
      rejectUnauthorized: options.requestCert ?? false,
      ALPNProtocols: ['h2', 'http/1.1'],
      minVersion: 'TLSv1.2', // RFC 9113 §9.2
    },
    (socket) => {
      if (socket.alpnProtocol === 'h2') return h2(socket);
      socket.setNoDelay(true); // as node:http's own listener does (node:http2 sets it for its sessions)
      http1.add(socket, rawSocketOf(socket));
      h1.emit('connection', socket);
    },
  );
  server.on('tlsClientError', noop);
  // The raw TCP socket, before the TLS handshake: the clock covers it. (The TLSSocket handed on wraps it.)
  server.on('connection', (socket: net.Socket) => {
    armHandshake(socket, handshakeTimeoutMs);
    undecided.add(socket);
    socket.once('close', () => undecided.delete(socket));
  });
  server.on('secureConnection', (socket: net.Socket) => undecided.delete(rawSocketOf(socket)));
  return server;
}

function sniff(socket: net.Socket, to: FrontTargets): void {
  const { h2, h1, http1, undecided } = to;
  let head: Buffer | undefined;
  const forget = (): boolean => undecided.delete(socket);
  const onData = (chunk: Buffer): void => {
    head = head === undefined ? chunk : Buffer.concat([head, chunk]);
    if (head.length < PREFACE.length) return;
    forget();
    socket.off('data', onData);
    socket.off('error', noop);
    socket.off('close', forget);
    socket.pause();
    socket.unshift(head);
    if (head.subarray(0, PREFACE.length).equals(PREFACE)) {
      h2(socket);
      // Node's HTTP/2 server reads the socket's handle itself, buffered bytes first. Bun's (1.4) reads
      // through 'data' events, which a paused socket holds back: let them flow (test/runtimes/repro/bun-h2-unshift.mjs);
      // so does wiregrpc's own (src/h2/node-socket.ts).
      if (socket.listenerCount('data') > 0) socket.resume();
    } else {
      socket.setNoDelay(true); // as node:http's own listener does (node:http2 sets it for its sessions)
      http1.add(socket, socket);
      h1.emit('connection', socket);
      socket.resume();
    }
  };
  undecided.add(socket);
  socket.on('data', onData);
  socket.on('error', noop); // a client gone before it said anything
  socket.on('close', forget);
}

function noop(): void {}
