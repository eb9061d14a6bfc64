/**
 * One connection of wiregrpc's own HTTP/2 (src/h2) as the server holds it — the
 * same policy as server-connection.ts gives node:http2's sessions, with the
 * parts nghttp2 kept out of reach now done by the engine itself:
 *
 *   socket ─nodeSocket()─▶ ByteStream ─▶ Connection (src/h2, role server)
 *                                          │ onStream(H2Stream, flat headers)
 *                                          ▼
 *                              H2ServerStream (h2-server-stream.ts) ─▶ the transport's accept()
 *
 *   handshake   what is left of the accept clock (handshake.ts: TLS and sniffing spent part of
 *               it) goes to the Connection: preface + SETTINGS within it, else closed
 *   limits      SETTINGS_MAX_CONCURRENT_STREAMS and _MAX_HEADER_LIST_SIZE enforced by the engine,
 *               an oversized header block refused on its stream alone
 *   its pings   gRFC A8 in the engine (`ping` policy): strikes, GOAWAY ENHANCE_YOUR_CALM "too_many_pings"
 *   our pings   keepalive.timeMs: a PING every so often; no answer in timeoutMs → closed
 *   idleness    gRFC A9: no call for maxConnectionIdleMs → GOAWAY, closed
 *   age         gRFC A9: after maxConnectionAgeMs (±10 % jitter) → GOAWAY; calls in flight get
 *               maxConnectionAgeGraceMs more, then the connection is closed
 *   resets      streams its client reset before we answered, for the server-wide budget (load-shed.ts)
 */
import type { Socket } from 'node:net';
import { Connection, type ConnectionOptions, type PingPolicy } from '../h2/connection.js';
import { ErrorCode, type H2Error } from '../h2/errors.js';
import { nodeSocket } from '../h2/node-socket.js';
import type { Settings } from '../h2/settings.js';
import type { H2Stream } from '../h2/stream.js';
import { handshakeDone, handshakeLeft, rawSocketOf } from './handshake.js';
import { headerList, H2ServerStream } from './h2-server-stream.js';
import { trailersOnly } from './response-headers.js';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { LoadShedder, Sheddable } from './load-shed.js';
import type { ConnectionPolicy } from './server-connection.js';
import type { StreamLike, StreamTally } from './stream-like.js';

/** What every connection of one server shares. */
export interface H2ServerConfig {
  readonly policy: ConnectionPolicy;
  readonly shedder: LoadShedder;
  /** What we announce (MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE, ...). */
  readonly settings: Partial<Settings>;
  /** A request's header list over this is refused on its stream (the connection goes on). */
  readonly maxHeaderListSize: number;
  /** Per connection, the engine's own bound on streams reset before answered (the server-wide one: load-shed.ts). */
  readonly maxResetsPerSecond: number;
  /** A new request on `conn`, as a StreamLike with its header list. */
  readonly onCall: (stream: StreamLike, headers: readonly string[], conn: H2ServerConnection) => void;
  /** `conn`'s socket is gone. */
  readonly onClosed: (conn: H2ServerConnection) => void;
  /** gRFC A8 as the engine enforces it (undefined: not enforced); one object for every connection. */
  readonly ping: PingPolicy | undefined;
}

/** The engine's ping policy for a server's ConnectionPolicy (made once per server: H2ServerConfig.ping). */
export function pingPolicy(policy: ConnectionPolicy): PingPolicy | undefined {
  if (!policy.enforcePings) return undefined;
  return Object.freeze({
    minIntervalMs: policy.minPingIntervalMs,
    permitWithoutCalls: policy.permitWithoutCalls,
    maxStrikes: policy.maxPingStrikes,
  });
}

/** The longest a connection we ended (ENHANCE_YOUR_CALM, forceShutdown) stays open for its GOAWAY to be written. */
const CALM_CLOSE_MS = 100;

function finite(ms: number): boolean {
  return ms > 0 && ms < Infinity;
}

/**
 * One server connection: it is its Connection's options too (ConnectionOptions: settings and limits read from the
 * server's config, callbacks as methods), so a connection makes no options object and no closures of its own
 * (~0.4 KB per idle connection; measured with the bench memory row's steps).
 */
export class H2ServerConnection implements StreamTally, Sheddable, ConnectionOptions {
  readonly connection: Connection;
  /** Calls (ServerStreams) running on it. */
  active = 0;
  resets = 0;
  resetWindow = -1;
  /** Sent away (ENHANCE_YOUR_CALM): what it still does no longer counts. */
  shed = false;
  private readonly config: H2ServerConfig;
  /** What a stream's `session` is: the socket, for the peer's address and certificate (peer.ts). */
  private readonly session: { readonly socket: Socket };
  /** The policy's timers (none on a connection without A9 or keepalive options: an idle one holds little). */
  private timers: NodeJS.Timeout[] | undefined;
  /** whenClosed() promises (shutdown asks; nothing is made per connection otherwise). */
  private closeWaiters: (() => void)[] | undefined;
  private lastCallEnd = Date.now();
  private draining = false;
  private gone = false;
  private pingDeadline: NodeJS.Timeout | undefined;
  /** ConnectionOptions: what is left of the accept clock (Infinity when no clock ran: none). */
  readonly handshakeTimeoutMs: number;

  constructor(socket: Socket, config: H2ServerConfig) {
    this.config = config;
    this.session = { socket };
    const raw = rawSocketOf(socket);
    const left = handshakeLeft(raw);
    handshakeDone(raw); // the Connection's own clock takes over with what is left
    this.handshakeTimeoutMs = left;
    const { policy } = config;
    this.connection = new Connection(nodeSocket(socket), this);
    if (finite(policy.pingTimeMs)) this.every(policy.pingTimeMs, () => this.pingNow());
    if (finite(policy.maxConnectionIdleMs)) this.later(policy.maxConnectionIdleMs, () => this.checkIdle());
    if (finite(policy.maxConnectionAgeMs)) {
      const jitter = 1 + (Math.random() * 0.2 - 0.1);
      this.later(policy.maxConnectionAgeMs * jitter, () => this.drain(policy.maxConnectionAgeGraceMs));
    }
  }

  // ─── ConnectionOptions, from the server's config ───────────────────────────

  get role(): 'server' {
    return 'server';
  }

  get settings(): Partial<Settings> {
    return this.config.settings;
  }

  get maxHeaderListSize(): number {
    return this.config.maxHeaderListSize;
  }

  get maxResetsPerSecond(): number {
    return this.config.maxResetsPerSecond;
  }

  get ping(): PingPolicy | undefined {
    return this.config.ping;
  }

  /** The socket is gone. */
  get isClosed(): boolean {
    return this.gone;
  }

  /** Resolves once the socket is gone. */
  whenClosed(): Promise<void> {
    if (this.gone) return Promise.resolve();
    return new Promise((resolve) => (this.closeWaiters ??= []).push(resolve));
  }

  /** @internal ConnectionOptions: the socket is gone. */
  onClose(): void {
    this.gone = true;
    for (const timer of this.timers ?? []) clearTimeout(timer);
    clearTimeout(this.pingDeadline);
    this.config.shedder.forget(this);
    this.config.onClosed(this);
    for (const resolve of this.closeWaiters ?? []) resolve();
  }

  /** @internal ConnectionOptions: a new request. */
  onStream(h2: H2Stream, headers: readonly string[], endStream: boolean): void {
    const stream = new H2ServerStream(h2, this.session);
    this.config.onCall(stream, headers, this);
    // A request without a body (HEADERS with END_STREAM): its end, once the call listens.
    if (endStream) stream.requestEnd();
  }

  /**
   * A request the engine refused on its own stream. Header list over maxMetadataSize: answered here, Trailers-Only
   * RESOURCE_EXHAUSTED saying so (the client's mistake, and it can tell); the others (a malformed request,
   * RFC 9113 §8.1.1) are reset by the engine when this returns, with its code (PROTOCOL_ERROR), as nghttp2 does.
   * @internal ConnectionOptions.
   */
  onStreamError(stream: H2Stream, error: H2Error): void {
    if (error.code !== ErrorCode.ENHANCE_YOUR_CALM) return;
    const why = new GrpcError(
      Code.RESOURCE_EXHAUSTED,
      `request metadata is over this server's limit of ${this.config.maxHeaderListSize} bytes (${error.detail})`,
    );
    stream.respond(headerList(trailersOnly(why, undefined)), true);
  }

  /** A call starts on this connection (the transport, for each ServerStream). */
  streamOpened(): void {
    this.active++;
    this.config.shedder.active++;
  }

  /** StreamTally (ServerStream): the call is over; `reset` when its stream closed before our status went out. */
  streamClosed(reset: boolean): void {
    this.active--;
    this.config.shedder.active--;
    if (this.active === 0) this.lastCallEnd = Date.now();
    if (reset) this.config.shedder.reset(this);
  }

  /** StreamTally: the engine itself sees what we send (for the ping policy); nothing to do here. */
  dataSent(): void {}

  /** Graceful: GOAWAY (NO_ERROR), calls in flight finish; after `graceMs`, closed whatever runs. */
  drain(graceMs: number): void {
    if (this.draining || this.gone) return;
    this.draining = true;
    this.connection.goaway(ErrorCode.NO_ERROR);
    if (finite(graceMs)) this.later(graceMs, () => this.connection.destroy());
  }

  /**
   * Sheddable: GOAWAY ENHANCE_YOUR_CALM with `debug` (the engine then half-closes), and closed for good
   * CALM_CLOSE_MS later whether or not the peer closes its side.
   */
  enhanceYourCalm(debug: string): void {
    if (this.shed || this.gone) return;
    this.shed = true;
    this.connection.goaway(ErrorCode.ENHANCE_YOUR_CALM, debug);
    const connection = this.connection;
    setTimeout(() => connection.destroy(), CALM_CLOSE_MS).unref();
  }

  /**
   * Now (forceShutdown): GOAWAY(NO_ERROR) naming the last stream processed — the rest the client can retry
   * elsewhere — every stream ended (the handlers' signals abort), what is queued written, FIN; closed for good
   * CALM_CLOSE_MS later if the peer has not closed by then. As node:http2's `session.destroy()`.
   */
  destroy(): void {
    if (this.gone) return;
    this.connection.terminate(ErrorCode.NO_ERROR);
    const connection = this.connection;
    setTimeout(() => connection.destroy(), CALM_CLOSE_MS).unref();
  }

  private pingNow(): void {
    if (this.pingDeadline !== undefined) return; // one is still out
    this.connection.ping();
    this.pingDeadline = setTimeout(() => this.connection.destroy(), this.config.policy.pingTimeoutMs);
    this.pingDeadline.unref();
  }

  /** @internal ConnectionOptions: our PING was answered. */
  onPingAck(): void {
    clearTimeout(this.pingDeadline);
    this.pingDeadline = undefined;
  }

  private checkIdle(): void {
    const idleMs = this.config.policy.maxConnectionIdleMs;
    const since = Date.now() - this.lastCallEnd;
    if (this.active === 0 && since >= idleMs) this.drain(this.config.policy.maxConnectionAgeGraceMs);
    else this.later(this.active === 0 ? idleMs - since : idleMs, () => this.checkIdle());
  }

  private later(ms: number, run: () => void): void {
    const timers = (this.timers ??= []);
    const timer = setTimeout(() => {
      timers.splice(timers.indexOf(timer), 1);
      if (!this.gone) run();
    }, ms);
    timer.unref();
    timers.push(timer);
  }

  private every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref();
    (this.timers ??= []).push(timer);
  }
}
