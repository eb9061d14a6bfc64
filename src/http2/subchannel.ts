/**
 * A subchannel: one address, its HTTP/2 connection, its own backoff.
 *
 * A channel's target can name several addresses (resolver.ts); the channel
 * keeps one subchannel per address and a balancer (balancer.ts) picks which
 * one each call goes to. A subchannel follows the connectivity states of
 * grpc/grpc doc/connectivity-semantics-and-api.md:
 *
 *     IDLE ──connect()──▶ CONNECTING ──ok──▶ READY ──GOAWAY / loss──▶ IDLE
 *       ▲                     │
 *       │                fail ▼
 *       └── backoff elapsed ── TRANSIENT_FAILURE
 *
 * It never reconnects on its own: after a loss or once its backoff has
 * elapsed it sits IDLE until the balancer asks again (because a call needs
 * it). So an unused channel holds no timers and no sockets that could keep a
 * process alive.
 */
import { Backoff } from './backoff.js';
import type { ChannelKeepaliveOptions, ConnectOptions } from './h2-client-options.js';
import { ownClientTransport } from './client-transport.js';
import type { ClientSession } from './h2-client-session.js';
import { openNodeSession } from './h2-client-node.js';
import { RST_ENHANCE_YOUR_CALM, RST_NO_ERROR, rstCodeName } from './rst-code.js';
import { formatAddress, type Address } from './target.js';

export type ConnectivityState = 'idle' | 'connecting' | 'ready' | 'transient_failure' | 'shutdown';

export type {
  ChannelKeepaliveOptions,
  ChannelTlsOptions,
  ChannelTransport,
  ConnectOptions,
} from './h2-client-options.js';

/** One HTTP/2 session (h2-client-session.ts: node's, or wiregrpc's own) and what we know about it. */
export class Connection {
  /** Calls on this connection not yet finished. */
  active = 0;
  connected = false;
  /** The session-level error, if any. */
  error: Error | undefined;
  /** Set when the connection is gone, or going because of an error: why. */
  lostReason: string | undefined;
  /**
   * Closing gracefully: a GOAWAY(NO_ERROR) came, or we closed it. Streams
   * already open go on (RFC 9113 §6.8) and end as the server ends them, so
   * node closing (then destroying) the session is not a loss.
   */
  draining = false;
  /** The socket under the session closed: streams still open were cut off. */
  socketClosed = false;
  connectTimer: NodeJS.Timeout | undefined;
  pingTimer: NodeJS.Timeout | undefined;
  pingTimeout: NodeJS.Timeout | undefined;

  constructor(
    readonly session: ClientSession,
    /** `127.0.0.1:50051`: the address this connection went to. */
    readonly address: string,
  ) {}

  /**
   * Why streams on this connection died, if it was lost; `undefined` while it
   * is up or draining gracefully, so that a stream the server resets there
   * reports the server's RST_STREAM code, not a lost connection.
   */
  get lost(): string | undefined {
    if (this.lostReason !== undefined) return this.lostReason;
    if (this.error !== undefined) return this.error.message;
    if (this.socketClosed) return 'connection closed';
    if (!this.draining && (this.session.destroyed || this.session.closed)) return 'connection closed';
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

/** Told of every state change of a subchannel (the balancer). */
export interface SubchannelListener {
  subchannelChanged(sub: Subchannel, previous: ConnectivityState): void;
}

export class Subchannel {
  state: ConnectivityState = 'idle';
  /** The connection while CONNECTING or READY. */
  conn: Connection | undefined;
  /** Why the last attempt failed (kept until the next success). */
  lastError: string | undefined;
  lastErrorObject: Error | undefined;
  /** `127.0.0.1:50051`, `[::1]:50051`, `unix:/run/app.sock`. */
  readonly name: string;
  private readonly backoff: Backoff;
  private backoffTimer: NodeJS.Timeout | undefined;
  /** Someone waits for this subchannel: its backoff timer keeps the process alive. */
  private wanted = false;
  private closed: Promise<void> | undefined;

  constructor(
    readonly address: Address,
    private readonly options: ConnectOptions,
    private readonly listener: SubchannelListener,
  ) {
    this.name = formatAddress(address);
    this.backoff = new Backoff(options.backoff);
  }

  /** IDLE → CONNECTING. Does nothing in any other state. */
  connect(): void {
    if (this.state !== 'idle') return;
    let session: ClientSession;
    try {
      session = openSession(this.address, this.options);
    } catch (err) {
      // Bad TLS options and the like: node throws before any I/O.
      this.setState('connecting');
      queueMicrotask(() => this.attemptFailed((err as Error).message, err as Error));
      return;
    }
    const conn = new Connection(session, this.name);
    this.conn = conn;
    const timeout = this.backoff.connectTimeout();
    conn.connectTimer = setTimeout(() => {
      conn.lostReason = `connect timed out after ${timeout}ms to ${conn.address}`;
      session.destroy();
    }, timeout);
    session.once('connect', () => this.onConnect(conn));
    session.on('error', (err: Error) => {
      conn.error ??= err;
    });
    session.on('goaway', (code: number, _lastStreamId: number, debugData?: Uint8Array) => {
      if (code === RST_ENHANCE_YOUR_CALM && debugData !== undefined && latin1(debugData) === 'too_many_pings') {
        this.tooManyPings(conn);
      }
      // NO_ERROR: a graceful shutdown; the streams it covers still complete.
      // Any other code: node destroys the session at once; streams are lost.
      if (code === RST_NO_ERROR) conn.draining = true;
      else conn.lostReason ??= `server sent GOAWAY (${rstCodeName(code)})`;
      if (this.conn === conn) this.detach();
    });
    // The peer hanging up (even while draining) cuts off what is still open.
    // node closes those streams with CANCEL before their 'close' events run, so
    // the flag is set in time. (A runtime without the socket just skips this.)
    session.socket?.once?.('close', () => {
      conn.socketClosed = true;
    });
    session.once('close', () => this.onClose(conn));
    this.setState('connecting');
  }

  /** Opening a stream on `conn` threw (it was closing and we had not heard yet): stop using it. */
  broken(conn: Connection, error: Error): void {
    conn.lostReason ??= error.message;
    if (this.conn === conn && this.state === 'ready') this.detach();
  }

  /** While a call waits for this subchannel, its backoff timer keeps the process alive. */
  setWanted(wanted: boolean): void {
    this.wanted = wanted;
    if (wanted) this.backoffTimer?.ref();
    else this.backoffTimer?.unref();
  }

  /** For an error message: `connect ECONNREFUSED 127.0.0.1:50051`, prefixed by the address unless the cause names it. */
  describeFailure(): string {
    const error = this.lastError ?? 'not connected';
    const a = this.address;
    const plain = 'path' in a ? a.path : `${a.host}:${a.port}`;
    return error.includes(plain) ? error : `${this.name}: ${error}`;
  }

  /** No new calls; calls in flight finish, then the connection closes. */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    clearTimeout(this.backoffTimer);
    const conn = this.conn;
    this.conn = undefined;
    this.setState('shutdown');
    if (conn === undefined || conn.session.destroyed) {
      this.closed = Promise.resolve();
    } else {
      conn.clearTimers();
      conn.draining = true;
      this.closed = new Promise((resolve) => {
        conn.session.once('close', resolve);
        conn.session.ref(); // so that `await close()` itself cannot be cut short by an idle, unref'd session
        if (conn.connected) conn.session.close();
        else conn.session.destroy(); // still connecting: nobody is using it
      });
    }
    return this.closed;
  }

  /**
   * gRFC A8: a server that finds our keepalive pings too frequent says so with
   * GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"). Double the keepalive time for
   * the channel's new connections (the options object is the channel's own
   * copy, shared by its subchannels) and say so where it will be seen.
   */
  private tooManyPings(conn: Connection): void {
    const keepalive = this.options.keepalive;
    if (keepalive === undefined || !(keepalive.timeMs > 0)) return;
    keepalive.timeMs = Math.min(keepalive.timeMs * 2, MAX_TIMER_MS);
    process.emitWarning(
      `${conn.address} closed the connection: too many keepalive pings (GOAWAY ENHANCE_YOUR_CALM "too_many_pings"); keepalive time now ${keepalive.timeMs} ms`,
      { code: 'WIREGRPC_TOO_MANY_PINGS' },
    );
  }

  private setState(state: ConnectivityState): void {
    const previous = this.state;
    if (previous === state || previous === 'shutdown') return;
    this.state = state;
    this.listener.subchannelChanged(this, previous);
  }

  private onConnect(conn: Connection): void {
    clearTimeout(conn.connectTimer);
    conn.connected = true;
    if (this.conn !== conn) return; // closed meanwhile
    this.backoff.reset();
    this.lastError = undefined;
    this.lastErrorObject = undefined;
    startKeepalive(conn, this.options.keepalive);
    if (conn.active === 0) conn.session.unref(); // the listener may attach calls: they ref it again
    this.setState('ready');
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

  /** The connection is going away: back to IDLE; the next call that needs us connects again. */
  private detach(): void {
    this.conn = undefined;
    this.setState('idle');
  }

  private attemptFailed(reason: string, error: Error | undefined): void {
    if (this.state === 'shutdown') return;
    this.lastError = reason;
    this.lastErrorObject = error;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.state === 'transient_failure') this.setState('idle');
    }, this.backoff.next());
    if (!this.wanted) this.backoffTimer.unref();
    this.setState('transient_failure');
  }
}

/**
 * A session to `address`, of the channel's transport (it throws for bad TLS options, before any I/O). The own
 * HTTP/2 client is looked up, not imported (client-transport.ts): a program without it does not carry src/h2.
 */
function openSession(address: Address, options: ConnectOptions): ClientSession {
  if (options.connect !== undefined || options.transport === 'wiregrpc') return ownClientTransport()(address, options);
  return openNodeSession(address, options);
}

/** GOAWAY debug data as text (it is opaque bytes; gRPC servers put ASCII there). */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length && i < 64; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** The longest delay setTimeout/setInterval take (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

function startKeepalive(conn: Connection, keepalive: ChannelKeepaliveOptions | undefined): void {
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
