/**
 * The gRPC server transport: node:http2 sessions in, ServerStreams out.
 *
 * It listens (TCP over IPv4/IPv6, unix sockets; h2c or TLS, with client
 * certificates for mutual TLS), checks each new stream (request-check.ts,
 * `grpc-encoding`, `grpc-timeout`) and hands it, as a ServerStream
 * (server-stream.ts), to the service layer — which alone decides what the call
 * is (src/service/server.ts). Each connection is held to its limits
 * (handshake.ts, server-connection.ts for HTTP/2, http1-connections.ts for
 * HTTP/1.1; load-shed.ts across all of them), and the transport shuts down
 * either gracefully — GOAWAY, calls in flight finish within a grace, new ones
 * are refused — or at once.
 *
 * HTTP/2 is node:http2's, or — `transport: 'wiregrpc'` — wiregrpc's own (src/h2,
 * through h2-accept.ts, h2-server-connection.ts and h2-server-stream.ts): the
 * same checks, the same ServerStream, the same policies.
 *
 * The same port serves gRPC-Web (grpc-web.ts): over HTTP/2 as another
 * content-type on the same 'stream' path, and over HTTP/1.1 (front.ts routes
 * such connections to a node:http server; http1-stream.ts) for browsers.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http2 from 'node:http2';
import type { Http2Session, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type net from 'node:net';
import { Code } from '../wire/grpc/code.js';
import { DEFAULT_MAX_MESSAGE_LENGTH } from '../wire/grpc/deframer.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import { parseTimeout } from '../wire/grpc/timeout.js';
import { acceptsEncoding, ACCEPT_ENCODING, isSupportedEncoding } from './compression.js';
import { CorsPolicy } from './cors.js';
import { createFront, type FrontTargets, type TlsOptions } from './front.js';
import { H2Acceptor } from './h2-accept.js';
import type { H2ServerConnection } from './h2-server-connection.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from './handshake.js';
import { Http1Connections } from './http1-connections.js';
import { LoadShedder } from './load-shed.js';
import { RST_REFUSED_STREAM } from './rst-code.js';
import { ServerConnection, type ConnectionPolicy } from './server-connection.js';
import {
  connectionPolicy,
  DEFAULT_MAX_METADATA_SIZE,
  DEFAULT_SHUTDOWN_GRACE_MS,
  transportKind,
  type ServerTransportOptions,
  type TransportKind,
  type ShutdownOptions,
} from './server-options.js';
import { GrpcWebProtocol } from './grpc-web.js';
import { http1Call } from './http1-stream.js';
import { END_OPTIONS } from './response-headers.js';
import { bind, describeBindTarget, parseListenTarget, type AddressOf, type ListenTarget } from './listen.js';
import { checkRequest, refuse, refuseCall } from './request-check.js';
import { GRPC_PROTOCOL, type CallConfig, type CallProtocol } from './call-protocol.js';
import { ServerStream } from './server-stream.js';
import type { StreamLike } from './stream-like.js';
import { traceServerStream, tracing } from './trace.js';

export type { AddressOf, ListenAddress, ListenTarget, TcpAddress, UnixAddress } from './listen.js';
export type { TlsOptions } from './front.js';
export type {
  ServerTransportOptions,
  ServerKeepaliveOptions,
  ShutdownOptions,
  Http1Options,
  TransportKind,
} from './server-options.js';

/** The service layer, as the transport sees it. */
export interface CallHandler {
  /**
   * A new call, its request checked (content-type, `grpc-encoding`,
   * `grpc-timeout`). The handler decides what it is — a method it serves, or
   * an unknown service or method — and answers it; nothing is sent until it does.
   */
  handleCall(stream: ServerStream): void;
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
  /** Which HTTP/2: node:http2 (`h2`) or wiregrpc's own (`own`). */
  readonly transport: TransportKind;
  private h2: http2.Http2Server | undefined;
  private own: H2Acceptor | undefined;
  private toH2: ((socket: net.Socket) => void) | undefined;
  private h1: http.Server | undefined;
  private readonly undecided = new Set<net.Socket>();
  private readonly http1: Http1Connections;
  /** HTTP/2 connections, with what each is held to. */
  private readonly connections = new Map<Http2Session, ServerConnection>();
  private readonly policy: ConnectionPolicy;
  private readonly shedder: LoadShedder;
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
    this.policy = connectionPolicy(options);
    this.shedder = new LoadShedder(options.maxResetsPerSecond, options.maxConcurrentCalls);
    this.http1 = new Http1Connections({
      ...options.http1,
      headTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    });
    this.transport = transportKind(options);
    this.onStream = this.onStream.bind(this);
    this.onSession = this.onSession.bind(this);
    this.onHttp1Request = this.onHttp1Request.bind(this);
  }

  /** Starts listening; resolves with the bound address. May be called several times (e.g. TCP and a unix socket). */
  async listen<T extends ListenTarget>(target: T, options: ListenOptions = {}): Promise<AddressOf<T>> {
    if (this.closing) throw new GrpcError(Code.UNAVAILABLE, 'the server is shut down');
    const bindTarget = parseListenTarget(target);
    if (this.toH2 === undefined && this.transport === 'wiregrpc') {
      const own = new H2Acceptor(this.options, this.policy, this.shedder, (stream, fields, headers, conn) => {
        if (tracing) traceServerStream(stream, headers); // WIREGRPC_TRACE=1: src/http2/trace.ts
        this.accept(stream, fields, headers, conn);
      });
      this.own = own;
      this.toH2 = (socket) => (this.closing ? socket.destroy() : own.accept(socket));
      this.h1 = http.createServer(this.onHttp1Request);
    }
    if (this.toH2 === undefined) {
      const settings: http2.Settings = {
        maxConcurrentStreams: this.options.maxConcurrentStreams ?? 100,
        maxHeaderListSize: this.options.maxMetadataSize ?? DEFAULT_MAX_METADATA_SIZE,
        ...this.options.http2Settings,
      };
      this.h2 = http2.createServer({ settings, maxSessionMemory: this.options.maxSessionMemory });
      this.h2.on('stream', this.onStream);
      this.h2.on('session', this.onSession);
      this.h2.on('sessionError', noop);
      this.h1 = http.createServer(this.onHttp1Request);
      const h2 = this.h2;
      this.toH2 = (socket) => h2.emit('connection', socket);
    }
    const targets: FrontTargets = {
      h2: this.toH2,
      h1: this.h1!,
      http1: this.http1,
      undecided: this.undecided,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    };
    const server = createFront(targets, options.tls);
    this.servers.add(server);
    try {
      return (await bind(server, bindTarget)) as AddressOf<T>;
    } catch (err) {
      this.servers.delete(server);
      const why =
        (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the address is in use' : (err as Error).message;
      throw new GrpcError(Code.UNAVAILABLE, `cannot listen on ${describeBindTarget(bindTarget)}: ${why}`, {
        cause: err,
      });
    }
  }

  /**
   * Graceful, and sure to end: stop accepting connections, send GOAWAY on
   * every connection (new streams are refused with REFUSED_STREAM, which
   * clients retry elsewhere), close idle HTTP/1.1 connections (busy ones once
   * answered), let the calls in flight finish — and after `graceMs` (default
   * 30 s) close whatever still runs, as `forceShutdown()` does. Resolves when
   * every connection is closed.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    this.closing = true;
    const done: Promise<void>[] = [];
    for (const server of this.servers) done.push(new Promise((resolve) => server.close(() => resolve())));
    for (const session of this.connections.keys()) {
      done.push(new Promise((resolve) => (session.closed ? resolve() : session.once('close', resolve))));
      session.close();
    }
    if (this.own !== undefined) done.push(...this.own.shutdown());
    for (const socket of this.undecided) socket.destroy();
    this.http1.closeIdle();
    this.servers.clear();
    const graceMs = options.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.forceShutdown();
        resolve();
      }, graceMs);
    });
    return Promise.race([Promise.all(done).then(noop), grace]).finally(() => clearTimeout(timer));
  }

  /** Now: every connection is torn down (handlers see their signal abort), listeners closed. */
  forceShutdown(): void {
    this.closing = true;
    for (const session of this.connections.keys()) session.destroy();
    this.own?.destroyAll();
    for (const socket of this.undecided) socket.destroy();
    this.http1.destroyAll();
    for (const server of this.servers) server.close();
    this.servers.clear();
    this.connections.clear();
  }

  private onSession(session: ServerHttp2Session): void {
    if (this.closing) {
      session.close();
      return;
    }
    // (A session's errors need no listener here: node:http2 forwards them to the server's 'sessionError'.)
    this.connections.set(session, new ServerConnection(session, this.policy, this.shedder));
    session.once('close', () => this.connections.delete(session));
  }

  /** gRPC-Web over HTTP/1.1: the same path as an HTTP/2 stream, through a stream look-alike. */
  private onHttp1Request(req: IncomingMessage, res: ServerResponse): void {
    this.http1.request(req, res);
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
    if (tracing) traceServerStream(stream, rawHeaders); // WIREGRPC_TRACE=1: src/http2/trace.ts
    const session = stream.session;
    const conn = session === undefined ? undefined : this.connections.get(session);
    if (stream.destroyed) {
      // Gone before we saw it — reset by the client (it counts against the reset budget), or its
      // connection failed; node:http2 may still emit the stream's 'error'.
      stream.on('error', noop);
      if (conn !== undefined && !session!.destroyed) this.shedder.reset(conn);
      return;
    }
    if (conn?.shedStream(stream)) return; // over the reset budget: refused before any call state (server-connection.ts)
    this.accept(stream, headers, rawHeaders, conn);
  }

  /** A new request, over HTTP/2 or HTTP/1.1: refused here, or handed to the service layer as a ServerStream. */
  private accept(
    stream: StreamLike,
    headers: IncomingHttpHeaders,
    rawHeaders: readonly string[] | undefined,
    conn?: ServerConnection | H2ServerConnection,
  ): void {
    const type = checkRequest(headers);
    if (typeof type === 'number') {
      const preflight = type === 405 && headers[':method'] === 'OPTIONS' ? this.cors.preflight(headers) : undefined;
      if (preflight !== undefined) respondAndEnd(stream, preflight);
      else refuse(stream, type);
      return drop(stream);
    }
    const protocol: CallProtocol = type.web ? new GrpcWebProtocol(type, headers.origin, this.cors) : GRPC_PROTOCOL;
    if (this.closing) return reject(stream, protocol, new GrpcError(Code.UNAVAILABLE, 'the server is shutting down'));
    if (!this.shedder.admit()) {
      // Over maxConcurrentCalls: not started, so safe for the client to retry (HTTP/1.1 has no such answer: UNAVAILABLE).
      if (conn !== undefined) {
        stream.on('error', noop); // node reports our own RST_STREAM as the stream's 'error'
        return stream.close(RST_REFUSED_STREAM);
      }
      return reject(
        stream,
        protocol,
        new GrpcError(Code.UNAVAILABLE, 'the server is at its limit of concurrent calls'),
      );
    }
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

    conn?.streamOpened();
    this.handler.handleCall(
      new ServerStream(
        stream,
        rawHeaders ?? headers,
        this.config,
        requestEncoding,
        responseEncoding,
        timeoutMs,
        protocol,
        conn,
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

function noop(): void {}
