/**
 * The gRPC server transport: node:http2 sessions in, ServerCalls out.
 *
 * It listens (TCP over IPv4/IPv6, unix sockets; h2c or TLS, with client
 * certificates for mutual TLS), checks and routes each new stream (see
 * server-stream.ts), pings idle connections (keepalive), and shuts down either
 * gracefully — GOAWAY, calls in flight finish, new ones are refused — or at once.
 */
import http2 from 'node:http2';
import type { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import { Code } from '../wire/code.js';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '../wire/deframer.js';
import { GrpcError } from '../wire/error.js';
import { parseTimeout } from '../wire/timeout.js';
import { acceptsEncoding, ACCEPT_ENCODING, isSupportedEncoding } from './compression.js';
import { bind, parseListenTarget, type ListenAddress, type ListenTarget } from './listen.js';
import { checkRequest, refuse, refuseCall } from './request-check.js';
import { ServerCall, type CallConfig, type CallDispatcher, type Route } from './server-stream.js';
import { traceServerStream, tracing } from './trace.js';

export type { ListenAddress, ListenTarget } from './listen.js';

export interface KeepaliveOptions {
  /** Ping a connection every `timeMs` milliseconds. */
  timeMs: number;
  /** Close it when a ping is not answered within `timeoutMs` (default 20 s). */
  timeoutMs?: number;
}

export interface ServerTransportOptions {
  /** Largest request message accepted, after decompression (default 4 MiB). Larger → RESOURCE_EXHAUSTED. */
  maxReceiveMessageLength?: number;
  /** Largest response message sent (default: no limit). Larger → RESOURCE_EXHAUSTED. */
  maxSendMessageLength?: number;
  /** Compress responses with this, for clients that accept it (`grpc-accept-encoding`). Default "identity". */
  compression?: 'identity' | 'gzip' | 'deflate';
  keepalive?: KeepaliveOptions;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection (default 100, as node:http2). */
  maxConcurrentStreams?: number;
  /** Other HTTP/2 settings we announce. */
  http2Settings?: http2.Settings;
  /** node:http2's per-session memory ceiling in MiB (default 10). */
  maxSessionMemory?: number;
}

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CAs that client certificates must chain to (mutual TLS). */
  ca?: string | Buffer | (string | Buffer)[];
  /** Ask for a client certificate, and refuse the connection without a valid one. */
  requestCert?: boolean;
}

export interface ListenOptions {
  tls?: TlsOptions;
}

type NodeServer = http2.Http2Server | http2.Http2SecureServer;

export class GrpcServerTransport<R extends Route> {
  private readonly dispatcher: CallDispatcher<R>;
  private readonly config: CallConfig;
  private readonly compression: string;
  private readonly options: ServerTransportOptions;
  private readonly servers = new Set<NodeServer>();
  private readonly sessions = new Set<ServerHttp2Session>();
  private closing = false;

  constructor(dispatcher: CallDispatcher<R>, options: ServerTransportOptions = {}) {
    this.dispatcher = dispatcher;
    this.options = options;
    this.compression = options.compression ?? 'identity';
    if (!isSupportedEncoding(this.compression)) throw new GrpcError(Code.INVALID_ARGUMENT, `compression "${this.compression}" is not supported (supported: ${ACCEPT_ENCODING})`);
    this.config = Object.freeze({
      maxReceiveMessageLength: options.maxReceiveMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH,
      maxSendMessageLength: options.maxSendMessageLength ?? Number.MAX_SAFE_INTEGER,
    });
    this.onStream = this.onStream.bind(this);
    this.onSession = this.onSession.bind(this);
  }

  /** Starts listening; resolves with the bound address. May be called several times (e.g. TCP and a unix socket). */
  async listen(target: ListenTarget, options: ListenOptions = {}): Promise<ListenAddress> {
    if (this.closing) throw new GrpcError(Code.UNAVAILABLE, 'the server is shut down');
    const bindTarget = parseListenTarget(target);
    const settings: http2.Settings = { maxConcurrentStreams: this.options.maxConcurrentStreams ?? 100, ...this.options.http2Settings };
    const base: http2.ServerOptions = { settings, maxSessionMemory: this.options.maxSessionMemory };
    const tls = options.tls;
    const server: NodeServer = tls
      ? http2.createSecureServer({
        ...base,
        key: tls.key,
        cert: tls.cert,
        ca: tls.ca,
        requestCert: tls.requestCert ?? false,
        rejectUnauthorized: tls.requestCert ?? false,
        allowHTTP1: false,
      })
      : http2.createServer(base);
    server.on('stream', this.onStream);
    server.on('session', this.onSession);
    server.on('sessionError', noop);
    server.on('tlsClientError', noop);
    this.servers.add(server);
    try {
      return await bind(server, bindTarget);
    } catch (err) {
      this.servers.delete(server);
      throw new GrpcError(Code.UNAVAILABLE, `cannot listen on ${JSON.stringify(target)}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Graceful: stop accepting connections, send GOAWAY on every connection (new
   * streams are refused with REFUSED_STREAM, which clients retry elsewhere),
   * let the calls in flight finish, then resolve.
   */
  shutdown(): Promise<void> {
    this.closing = true;
    const done: Promise<void>[] = [];
    for (const server of this.servers) done.push(new Promise((resolve) => server.close(() => resolve())));
    for (const session of this.sessions) {
      done.push(new Promise((resolve) => (session.closed ? resolve() : session.once('close', resolve))));
      session.close();
    }
    this.servers.clear();
    return Promise.all(done).then(noop);
  }

  /** Now: every connection is torn down (handlers see their signal abort), listeners closed. */
  forceShutdown(): void {
    this.closing = true;
    for (const session of this.sessions) session.destroy();
    for (const server of this.servers) server.close();
    this.servers.clear();
    this.sessions.clear();
  }

  private onSession(session: ServerHttp2Session): void {
    if (this.closing) {
      session.close();
      return;
    }
    this.sessions.add(session);
    session.on('error', noop);
    session.once('close', () => this.sessions.delete(session));
    const keepalive = this.options.keepalive;
    if (keepalive !== undefined && keepalive.timeMs > 0) startKeepalive(session, keepalive.timeMs, keepalive.timeoutMs ?? 20_000);
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    if (tracing) traceServerStream(stream, headers); // WIREGRPC_TRACE=1: src/http2/trace.ts
    const status = checkRequest(headers);
    if (status !== 0) {
      refuse(stream, status);
      return drop(stream);
    }
    if (this.closing) return reject(stream, new GrpcError(Code.UNAVAILABLE, 'the server is shutting down'));
    const path = headers[':path']!;
    const route = this.dispatcher.route(path);
    if (route === undefined) return reject(stream, new GrpcError(Code.UNIMPLEMENTED, `unknown method ${path}`));

    let requestEncoding = 'identity';
    const encoding = headers['grpc-encoding'] as string | undefined;
    if (encoding !== undefined) {
      requestEncoding = encoding.trim().toLowerCase();
      if (!isSupportedEncoding(requestEncoding)) {
        return reject(stream, new GrpcError(Code.UNIMPLEMENTED, `grpc-encoding "${encoding}" is not supported (supported: ${ACCEPT_ENCODING})`));
      }
    }
    const responseEncoding = this.compression !== 'identity' && acceptsEncoding(headers['grpc-accept-encoding'], this.compression) ? this.compression : 'identity';

    let timeoutMs: number | undefined;
    const timeout = headers['grpc-timeout'] as string | undefined;
    if (timeout !== undefined) {
      const parsed = parseTimeout(timeout);
      if (typeof parsed !== 'number') return reject(stream, parsed);
      timeoutMs = parsed;
    }

    if (route.unaryRequest) {
      new ServerCall(stream, headers, this.config, requestEncoding, responseEncoding, timeoutMs, this.dispatcher, route);
    } else {
      const call = new ServerCall(stream, headers, this.config, requestEncoding, responseEncoding, timeoutMs, undefined, route);
      this.dispatcher.dispatch(call, route, undefined);
    }
  }
}

/** A call refused before it began: Trailers-Only with the status. */
function reject(stream: ServerHttp2Stream, error: GrpcError): void {
  refuseCall(stream, error);
  drop(stream);
}

/** After a refusal: read and discard whatever the client still sends. */
function drop(stream: ServerHttp2Stream): void {
  stream.on('error', noop);
  stream.resume();
}

function startKeepalive(session: ServerHttp2Session, timeMs: number, timeoutMs: number): void {
  let deadline: NodeJS.Timeout | undefined;
  const interval = setInterval(() => {
    if (deadline !== undefined || session.destroyed) return; // a ping is still out
    const sent = session.ping((err) => {
      clearTimeout(deadline);
      deadline = undefined;
      if (err) session.destroy();
    });
    if (!sent) return;
    deadline = setTimeout(() => session.destroy(), timeoutMs);
    deadline.unref();
  }, timeMs);
  interval.unref();
  session.once('close', () => {
    clearInterval(interval);
    clearTimeout(deadline);
  });
}

function noop(): void {}
