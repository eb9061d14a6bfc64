/**
 * A channel: one HTTP/2 connection to a target, shared by every call.
 *
 * gRPC calls are HTTP/2 streams, so any number of them run at once over one
 * connection. The channel opens it on the first call (not before), and follows
 * the connectivity states of grpc/grpc doc/connectivity-semantics-and-api.md:
 *
 *     IDLE ──call──▶ CONNECTING ──ok──▶ READY ──GOAWAY / loss──▶ IDLE
 *                        │  ▲
 *                  fail  ▼  │ backoff elapsed (and someone is waiting)
 *                  TRANSIENT_FAILURE
 *
 * - A call made while CONNECTING waits for that attempt. If it fails, calls fail
 *   at once with UNAVAILABLE naming the target and the cause, unless they asked
 *   to wait for ready: those wait for a later attempt (or their deadline).
 * - Failed attempts are spaced by exponential backoff (backoff.ts).
 * - After GOAWAY the old connection finishes its streams while new calls go to
 *   a new one; a lost connection is replaced on the next call.
 * - Idle, the connection does not keep the process alive (it is unref'd while
 *   no call is active), and `close()` ends it for good.
 */
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { HeaderRecord } from '../wire/metadata.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { methodHeaders, type ChannelHeaderOptions } from './request-headers.js';
import { rstCodeName } from './rst-code.js';
import { formatAddress, parseTarget, type Address, type Target } from './target.js';

export interface ChannelTlsOptions {
  /** Trusted CA certificates (PEM); the system's by default. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate and key, for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Name to verify the server certificate against (and send as SNI); default: the authority's host. */
  servername?: string;
  /** Default true. Turning it off accepts any certificate: tests only. */
  rejectUnauthorized?: boolean;
}

export interface KeepaliveOptions {
  /** Send a PING after this long, ms. */
  timeMs: number;
  /** Close the connection if the PING is not acknowledged within this, ms (default 20000). */
  timeoutMs?: number;
  /** Also ping while no call is active (default false; servers may object). */
  permitWithoutCalls?: boolean;
}

export interface ChannelOptions {
  /** `true` for TLS with the system CAs, or TLS/mTLS settings. Default: plaintext (h2c). */
  tls?: boolean | ChannelTlsOptions;
  /** The `:authority` to send instead of the target's (also the default TLS server name). */
  authority?: string;
  /** Put in front of `wiregrpc/<version>` in `user-agent`. */
  userAgent?: string;
  keepalive?: KeepaliveOptions;
  backoff?: BackoffOptions;
  /** Largest response message accepted, bytes (default 4 MiB). */
  maxReceiveMessageLength?: number;
  /** Largest request message sent, bytes (default: no limit). */
  maxSendMessageLength?: number;
  /** Passed to `http2.connect` (HTTP/2 settings, maxSessionMemory, ...). */
  http2?: http2.ClientSessionOptions;
}

export type ConnectivityState = 'idle' | 'connecting' | 'ready' | 'transient_failure' | 'shutdown';

/** What a channel needs from a call that asks for a connection (ClientStream implements it). */
export interface ChannelCall {
  readonly waitForReady: boolean;
  /** The connection is ready: open the stream on it. */
  attach(connection: Connection): void;
  /** No connection could be had: fail the call with UNAVAILABLE and this cause. */
  unavailable(cause: string, error?: Error): void;
}

/** One HTTP/2 session and what the channel knows about it. */
export class Connection {
  /** Calls on this connection not yet finished. */
  active = 0;
  connected = false;
  /** The session-level error, if any. */
  error: Error | undefined;
  /** Set when the connection is going or gone: why. */
  lostReason: string | undefined;
  connectTimer: NodeJS.Timeout | undefined;
  pingTimer: NodeJS.Timeout | undefined;
  pingTimeout: NodeJS.Timeout | undefined;

  constructor(
    readonly session: http2.ClientHttp2Session,
    /** `127.0.0.1:50051`: the address this connection went to. */
    readonly address: string,
  ) {}

  /** Why streams on this connection died, if it is gone. */
  get lost(): string | undefined {
    if (this.lostReason !== undefined) return this.lostReason;
    if (this.session.destroyed || this.session.closed) return this.error ? this.error.message : 'connection closed';
    return undefined;
  }

  streamStarted(): void {
    if (this.active++ === 0) this.session.ref();
  }

  streamEnded(): void {
    if (--this.active === 0 && !this.session.destroyed) this.session.unref();
  }

  clearTimers(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pingTimeout);
  }
}

const MIB = 1024 * 1024;

export class Channel {
  readonly target: Target;
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
  private readonly options: ChannelOptions;
  private readonly headerOptions: ChannelHeaderOptions;
  private readonly templates = new Map<string, HeaderRecord>();
  private readonly backoff: Backoff;
  private readonly waiting = new Set<ChannelCall>();
  private state: ConnectivityState = 'idle';
  private conn: Connection | undefined;
  private lastError: string | undefined;
  private lastErrorObject: Error | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private closed: Promise<void> | undefined;

  constructor(target: string | Target, options: ChannelOptions = {}) {
    this.target = typeof target === 'string' ? parseTarget(target) : target;
    this.options = options;
    this.maxReceiveMessageLength = options.maxReceiveMessageLength ?? 4 * MIB;
    this.maxSendMessageLength = options.maxSendMessageLength ?? Number.MAX_SAFE_INTEGER;
    this.backoff = new Backoff(options.backoff);
    this.headerOptions = {
      scheme: options.tls ? 'https' : 'http',
      authority: options.authority ?? this.target.authority,
      userAgentPrefix: options.userAgent,
    };
  }

  /** The constant request headers of a method (`:path`), built once and cached. */
  methodHeaders(path: string): HeaderRecord {
    let template = this.templates.get(path);
    if (template === undefined) {
      template = methodHeaders(this.headerOptions, path);
      this.templates.set(path, template);
    }
    return template;
  }

  getState(): ConnectivityState {
    return this.state;
  }

  /** Gives the call a connection now, later, or an error (see the state diagram above). */
  start(call: ChannelCall): void {
    switch (this.state) {
      case 'ready':
        call.attach(this.conn!);
        return;
      case 'idle':
        this.waiting.add(call);
        this.connect();
        return;
      case 'connecting':
        this.waiting.add(call);
        return;
      case 'transient_failure':
        if (call.waitForReady) {
          this.waiting.add(call);
          this.backoffTimer?.ref(); // a waiting call keeps the process alive until the next attempt
        } else {
          call.unavailable(this.lastError!, this.lastErrorObject);
        }
        return;
      case 'shutdown':
        call.unavailable('channel closed');
        return;
    }
  }

  /** The call stopped waiting (deadline, cancellation). */
  forget(call: ChannelCall): void {
    this.waiting.delete(call);
    if (this.waiting.size === 0) this.backoffTimer?.unref();
  }

  /**
   * Opening a stream on `conn` threw (it was closing and we had not heard yet):
   * stop using it. The call then asks again with `start`.
   */
  connectionBroken(conn: Connection, error: Error): void {
    conn.lostReason ??= error.message;
    if (this.conn === conn) this.detach();
  }

  /** Text for an error message: `<cause> (target localhost:50051)`. */
  describe(cause: string): string {
    return `${cause} (target ${this.target.text})`;
  }

  /**
   * No new calls; calls in flight finish, then the connection closes. The
   * promise resolves once it has. A process whose channels are all closed exits.
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.state = 'shutdown';
    clearTimeout(this.backoffTimer);
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const call of waiting) call.unavailable('channel closed');
    const conn = this.conn;
    this.conn = undefined;
    if (conn === undefined || conn.session.destroyed) {
      this.closed = Promise.resolve();
    } else {
      conn.clearTimers();
      this.closed = new Promise((resolve) => {
        conn.session.once('close', resolve);
        conn.session.ref(); // so that `await close()` itself cannot be cut short by an idle, unref'd session
        if (conn.connected) conn.session.close();
        else conn.session.destroy(); // still connecting: nobody is using it
      });
    }
    return this.closed;
  }

  private connect(): void {
    this.state = 'connecting';
    const addresses = this.target.addresses;
    const address = addresses[this.attempts++ % addresses.length]!;
    let session: http2.ClientHttp2Session;
    try {
      session = this.openSession(address);
    } catch (err) {
      // Bad TLS options and the like: node throws before any I/O.
      queueMicrotask(() => this.attemptFailed((err as Error).message, err as Error));
      return;
    }
    const conn = new Connection(session, formatAddress(address));
    this.conn = conn;
    conn.connectTimer = setTimeout(() => {
      conn.lostReason = `connect timed out after ${this.backoff.connectTimeout()}ms to ${conn.address}`;
      session.destroy();
    }, this.backoff.connectTimeout());
    session.once('connect', () => this.onConnect(conn));
    session.on('error', (err: Error) => {
      conn.error ??= err;
    });
    session.on('goaway', (code: number) => {
      conn.lostReason ??= `server sent GOAWAY (${rstCodeName(code)})`;
      if (this.conn === conn) this.detach();
    });
    session.once('close', () => this.onClose(conn));
  }

  private openSession(address: Address): http2.ClientHttp2Session {
    const tlsOption = this.options.tls;
    const secure = tlsOption !== undefined && tlsOption !== false;
    const extra: http2.SecureClientSessionOptions = { ...this.options.http2 };
    if (secure) {
      const t = tlsOption === true ? {} : tlsOption;
      if (t.ca !== undefined) extra.ca = t.ca;
      if (t.cert !== undefined) extra.cert = t.cert;
      if (t.key !== undefined) extra.key = t.key;
      if (t.rejectUnauthorized !== undefined) extra.rejectUnauthorized = t.rejectUnauthorized;
      const servername = t.servername ?? hostOf(this.headerOptions.authority);
      if (servername !== undefined && net.isIP(servername) === 0) extra.servername = servername;
    }
    if ('path' in address) {
      // node:http2 has no unix socket URL: we hand it the socket.
      extra.createConnection = () =>
        secure ? tls.connect({ ...(extra as tls.ConnectionOptions), path: address.path, ALPNProtocols: ['h2'] }) : net.connect(address.path);
      return http2.connect(`${secure ? 'https' : 'http'}://localhost`, extra);
    }
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    return http2.connect(`${secure ? 'https' : 'http'}://${host}:${address.port}`, extra);
  }

  private onConnect(conn: Connection): void {
    clearTimeout(conn.connectTimer);
    conn.connected = true;
    if (this.conn !== conn) return; // closed meanwhile
    this.state = 'ready';
    this.backoff.reset();
    this.startKeepalive(conn);
    const calls = [...this.waiting];
    this.waiting.clear();
    for (const call of calls) call.attach(conn);
    if (conn.active === 0) conn.session.unref();
  }

  private onClose(conn: Connection): void {
    conn.clearTimers();
    conn.lostReason ??= conn.error ? conn.error.message : 'connection closed';
    if (this.conn !== conn) return;
    if (conn.connected) {
      this.detach();
    } else {
      this.conn = undefined;
      this.attemptFailed(conn.lostReason, conn.error);
    }
  }

  /** The current connection is going away: new calls get a new one. */
  private detach(): void {
    this.conn = undefined;
    if (this.state === 'shutdown') return;
    this.state = 'idle';
    if (this.waiting.size > 0) this.connect();
  }

  private attemptFailed(reason: string, error: Error | undefined): void {
    if (this.state === 'shutdown') return;
    this.state = 'transient_failure';
    this.lastError = reason;
    this.lastErrorObject = error;
    for (const call of [...this.waiting]) {
      if (call.waitForReady) continue;
      this.waiting.delete(call);
      call.unavailable(reason, error);
    }
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.state !== 'transient_failure') return;
      if (this.waiting.size > 0) this.connect();
      else this.state = 'idle'; // reconnect on the next call, not on our own
    }, this.backoff.next());
    if (this.waiting.size === 0) this.backoffTimer.unref();
  }

  private startKeepalive(conn: Connection): void {
    const keepalive = this.options.keepalive;
    if (keepalive === undefined || !(keepalive.timeMs > 0)) return;
    const timeoutMs = keepalive.timeoutMs ?? 20_000;
    conn.pingTimer = setInterval(() => {
      if (conn.pingTimeout !== undefined || conn.session.destroyed) return;
      if (conn.active === 0 && !keepalive.permitWithoutCalls) return;
      conn.pingTimeout = setTimeout(() => {
        conn.lostReason = `keepalive ping to ${conn.address} not acknowledged within ${timeoutMs}ms`;
        conn.session.destroy();
      }, timeoutMs).unref();
      try {
        conn.session.ping(() => {
          clearTimeout(conn.pingTimeout);
          conn.pingTimeout = undefined;
        });
      } catch {
        clearTimeout(conn.pingTimeout);
        conn.pingTimeout = undefined;
      }
    }, keepalive.timeMs).unref();
  }
}

/** `example.com:443` → `example.com`; `[::1]:50051` → `::1`. */
function hostOf(authority: string): string | undefined {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    return close > 0 ? authority.slice(1, close) : undefined;
  }
  const colon = authority.lastIndexOf(':');
  return colon >= 0 ? authority.slice(0, colon) : authority;
}
