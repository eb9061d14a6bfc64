/**
 * The gRPC server transport: node:http2 sessions in, ServerStreams out.
 *
 * It listens (TCP over IPv4/IPv6, unix sockets; h2c or TLS, with client
 * certificates for mutual TLS), checks each new stream (request-check.ts,
 * `grpc-encoding`, `grpc-timeout`) and hands it, as a ServerStream
 * (server-stream.ts), to the service layer — which alone decides what the call
 * is (src/service/server.ts). It pings idle connections (keepalive), and shuts
 * down either gracefully — GOAWAY, calls in flight finish, new ones are
 * refused — or at once.
 *
 * The same port serves gRPC-Web (grpc-web.ts): over HTTP/2 as another
 * content-type on the same 'stream' path, and over HTTP/1.1 (front.ts routes
 * such connections to a node:http server; http1-stream.ts) for browsers.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http2 from 'node:http2';
import type { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type net from 'node:net';
import { Code } from '../wire/grpc/code.js';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '../wire/grpc/deframer.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import { parseTimeout } from '../wire/grpc/timeout.js';
import { acceptsEncoding, ACCEPT_ENCODING, isSupportedEncoding } from './compression.js';
import { CorsPolicy, type GrpcWebOptions } from './cors.js';
import { createFront, type TlsOptions } from './front.js';
import { GrpcWebProtocol } from './grpc-web.js';
import { http1Call } from './http1-stream.js';
import { END_OPTIONS } from './response-headers.js';
import { bind, parseListenTarget, type ListenAddress, type ListenTarget } from './listen.js';
import { checkRequest, refuse, refuseCall } from './request-check.js';
import { GRPC_PROTOCOL, type CallConfig, type CallProtocol } from './call-protocol.js';
import { ServerStream } from './server-stream.js';
import type { StreamLike } from './stream-like.js';
import { traceServerStream, tracing } from './trace.js';

export type { ListenAddress, ListenTarget } from './listen.js';
export type { TlsOptions } from './front.js';

/** The service layer, as the transport sees it. */
export interface CallHandler {
  /**
   * A new call, its request checked (content-type, `grpc-encoding`,
   * `grpc-timeout`). The handler decides what it is — a method it serves, or
   * an unknown service or method — and answers it; nothing is sent until it does.
   */
  handleCall(stream: ServerStream): void;
}

/** The server's own pings (the client-side counterpart is ChannelKeepaliveOptions). */
export interface ServerKeepaliveOptions {
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
  keepalive?: ServerKeepaliveOptions;
  /**
   * HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection. Default 100, not
   * node:http2's 4294967295 (unlimited): every stream is a running handler, so
   * one connection should not start unbounded work; 100 is RFC 9113 §6.5.2's
   * recommended floor ("no smaller than 100"), enough parallelism per connection.
   */
  maxConcurrentStreams?: number;
  /** Other HTTP/2 settings we announce. */
  http2Settings?: http2.Settings;
  /** node:http2's per-session memory ceiling in MiB (default 10). */
  maxSessionMemory?: number;
  /** gRPC-Web (always served): which browser origins CORS lets in (default: none). */
  grpcWeb?: GrpcWebOptions;
}

export interface ListenOptions {
  tls?: TlsOptions;
}

export type { GrpcWebOptions } from './cors.js';

export class GrpcServerTransport {
  private readonly handler: CallHandler;
  private readonly config: CallConfig;
  private readonly compression: string;
  private readonly options: ServerTransportOptions;
  private readonly cors: CorsPolicy;
  /** Listening sockets (front.ts), handing connections to `h2` or `h1`, which never listen themselves. */
  private readonly servers = new Set<net.Server>();
  private h2: http2.Http2Server | undefined;
  private h1: http.Server | undefined;
  private readonly undecided = new Set<net.Socket>();
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly onSessionClose: (this: ServerHttp2Session) => void;
  private closing = false;

  constructor(handler: CallHandler, options: ServerTransportOptions = {}) {
    this.handler = handler;
    this.options = options;
    this.compression = options.compression ?? 'identity';
    if (!isSupportedEncoding(this.compression))
      throw new GrpcError(
        Code.INVALID_ARGUMENT,
        `compression "${this.compression}" is not supported (supported: ${ACCEPT_ENCODING})`,
      );
    this.config = Object.freeze({
      maxReceiveMessageLength: options.maxReceiveMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH,
      maxSendMessageLength: options.maxSendMessageLength ?? Number.MAX_SAFE_INTEGER,
    });
    this.cors = new CorsPolicy(options.grpcWeb);
    this.onStream = this.onStream.bind(this);
    this.onSession = this.onSession.bind(this);
    this.onHttp1Request = this.onHttp1Request.bind(this);
    const sessions = this.sessions;
    // One listener for every session (`this` is the session): no closure, no once-wrapper per connection.
    this.onSessionClose = function (this: ServerHttp2Session) {
      sessions.delete(this);
    };
  }

  /** Starts listening; resolves with the bound address. May be called several times (e.g. TCP and a unix socket). */
  async listen(target: ListenTarget, options: ListenOptions = {}): Promise<ListenAddress> {
    if (this.closing) throw new GrpcError(Code.UNAVAILABLE, 'the server is shut down');
    const bindTarget = parseListenTarget(target);
    if (this.h2 === undefined) {
      const settings: http2.Settings = {
        maxConcurrentStreams: this.options.maxConcurrentStreams ?? 100,
        ...this.options.http2Settings,
      };
      this.h2 = http2.createServer({ settings, maxSessionMemory: this.options.maxSessionMemory });
      this.h2.on('stream', this.onStream);
      this.h2.on('session', this.onSession);
      this.h2.on('sessionError', noop);
      this.h1 = http.createServer(this.onHttp1Request);
    }
    const server = createFront(this.h2, this.h1!, options.tls, this.undecided);
    this.servers.add(server);
    try {
      return await bind(server, bindTarget);
    } catch (err) {
      this.servers.delete(server);
      throw new GrpcError(Code.UNAVAILABLE, `cannot listen on ${JSON.stringify(target)}: ${(err as Error).message}`, {
        cause: err,
      });
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
    for (const socket of this.undecided) socket.destroy();
    this.h1?.closeIdleConnections(); // busy HTTP/1.1 connections close once answered (onHttp1Request)
    this.servers.clear();
    return Promise.all(done).then(noop);
  }

  /** Now: every connection is torn down (handlers see their signal abort), listeners closed. */
  forceShutdown(): void {
    this.closing = true;
    for (const session of this.sessions) session.destroy();
    for (const socket of this.undecided) socket.destroy();
    this.h1?.closeAllConnections();
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
    // (A session's errors need no listener here: node:http2 forwards them to the server's 'sessionError'.)
    session.on('close', this.onSessionClose);
    const keepalive = this.options.keepalive;
    if (keepalive !== undefined && keepalive.timeMs > 0)
      startKeepalive(session, keepalive.timeMs, keepalive.timeoutMs ?? 20_000);
  }

  /** gRPC-Web over HTTP/1.1: the same path as an HTTP/2 stream, through a stream look-alike. */
  private onHttp1Request(req: IncomingMessage, res: ServerResponse): void {
    if (this.closing) res.shouldKeepAlive = false;
    const call = http1Call(req, res);
    if (call !== undefined) this.accept(call.stream, call.headers, undefined);
  }

  /** node:http2's 'stream' (`rawHeaders`: the same fields as a flat list, what the call keeps; received-headers.ts). */
  private onStream(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    _flags: number,
    rawHeaders: string[],
  ): void {
    if (tracing) traceServerStream(stream, headers); // WIREGRPC_TRACE=1: src/http2/trace.ts
    this.accept(stream, headers, rawHeaders);
  }

  /** A new request, over HTTP/2 or HTTP/1.1: refused here, or handed to the service layer as a ServerStream. */
  private accept(stream: StreamLike, headers: IncomingHttpHeaders, rawHeaders: string[] | undefined): void {
    const type = checkRequest(headers);
    if (typeof type === 'number') {
      const preflight = type === 405 && headers[':method'] === 'OPTIONS' ? this.cors.preflight(headers) : undefined;
      if (preflight !== undefined) respondAndEnd(stream, preflight);
      else refuse(stream, type);
      return drop(stream);
    }
    const protocol: CallProtocol = type.web ? new GrpcWebProtocol(type, headers.origin, this.cors) : GRPC_PROTOCOL;
    if (this.closing) return reject(stream, protocol, new GrpcError(Code.UNAVAILABLE, 'the server is shutting down'));
    let requestEncoding = 'identity';
    const encoding = headers['grpc-encoding'] as string | undefined;
    if (encoding !== undefined) {
      requestEncoding = encoding.trim().toLowerCase();
      if (!isSupportedEncoding(requestEncoding)) {
        return reject(
          stream,
          protocol,
          new GrpcError(
            Code.UNIMPLEMENTED,
            `grpc-encoding "${encoding}" is not supported (supported: ${ACCEPT_ENCODING})`,
          ),
        );
      }
    }
    const responseEncoding =
      this.compression !== 'identity' && acceptsEncoding(headers['grpc-accept-encoding'], this.compression)
        ? this.compression
        : 'identity';

    let timeoutMs: number | undefined;
    const timeout = headers['grpc-timeout'] as string | undefined;
    if (timeout !== undefined) {
      const parsed = parseTimeout(timeout);
      if (typeof parsed !== 'number') return reject(stream, protocol, parsed);
      timeoutMs = parsed;
    }

    this.handler.handleCall(
      new ServerStream(
        stream,
        rawHeaders ?? headers,
        this.config,
        requestEncoding,
        responseEncoding,
        timeoutMs,
        protocol,
      ),
    );
  }
}

/** A call refused before it began: Trailers-Only with the status. */
function reject(stream: StreamLike, protocol: CallProtocol, error: GrpcError): void {
  refuseCall(stream, protocol, error);
  drop(stream);
}

/** A whole answer in one header block (a CORS preflight's). */
function respondAndEnd(stream: StreamLike, headers: HeaderRecord): void {
  try {
    stream.respond(headers, END_OPTIONS);
  } catch {
    // The stream is already gone.
  }
}

/** After a refusal: read and discard whatever the client still sends. */
function drop(stream: StreamLike): void {
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
