/**
 * One HTTP/2 connection as the server manages it, beyond its streams:
 *
 *   handshake   the client's preface + SETTINGS within handshakeTimeoutMs (handshake.ts)
 *   our pings   keepalive.timeMs: a PING every so often; no answer in timeoutMs → closed
 *   its pings   gRFC A8: a client may ping at most every minPingIntervalMs (default
 *               5 min), and only while calls run unless permitWithoutCalls. Each ping
 *               sooner is a strike; past maxPingStrikes (2): GOAWAY
 *               ENHANCE_YOUR_CALM "too_many_pings" and closed (grpc-go's policy; the
 *               client doubles its keepalive time on that answer).
 *   idleness    gRFC A9: no call for maxConnectionIdleMs → GOAWAY, closed
 *   age         gRFC A9: after maxConnectionAgeMs (±10 % jitter, so that connections
 *               made together do not all go at once) → GOAWAY; calls in flight get
 *               maxConnectionAgeGraceMs more, then the connection is closed
 *   resets      streams its client reset before we answered, for the server-wide
 *               budget (load-shed.ts); while it is over its share of that budget,
 *               its new streams are refused before any call state exists (shedStream)
 *
 * GOAWAY with NO_ERROR (node's `session.close()`) is the graceful one: the
 * client finishes its calls and opens a new connection for new ones.
 */
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import { handshakeDone, rawSocketOf } from './handshake.js';
import type { LoadShedder, Sheddable } from './load-shed.js';
import { RST_CANCEL, RST_ENHANCE_YOUR_CALM } from './rst-code.js';
import type { StreamTally } from './stream-like.js';

/** The server's side of keepalive: its own pings, and what it allows of the client's (gRFC A8). */
export interface ServerKeepaliveOptions {
  /** Ping a connection every `timeMs` milliseconds (default: never). */
  timeMs?: number;
  /** Close it when a ping is not answered within `timeoutMs` (default 20 s). */
  timeoutMs?: number;
  /** The shortest interval between client pings that is not a strike (default 300 000: 5 min, as grpc-go). */
  minPingIntervalMs?: number;
  /** Client pings are allowed while no call runs (default false: each one is a strike unless 2 h apart). */
  permitWithoutCalls?: boolean;
  /** Strikes tolerated before GOAWAY ENHANCE_YOUR_CALM "too_many_pings" (default 2). */
  maxPingStrikes?: number;
}

/** What a connection is held to; every field already defaulted by the transport. */
export interface ConnectionPolicy {
  readonly pingTimeMs: number;
  readonly pingTimeoutMs: number;
  readonly minPingIntervalMs: number;
  /** Whether client pings are policed at all (any of the three ping options given). */
  readonly enforcePings: boolean;
  readonly permitWithoutCalls: boolean;
  readonly maxPingStrikes: number;
  readonly maxConnectionIdleMs: number;
  readonly maxConnectionAgeMs: number;
  readonly maxConnectionAgeGraceMs: number;
}

/** Without calls and without permitWithoutCalls, a client ping is a strike unless this long after the last (grpc-go). */
const IDLE_PING_INTERVAL_MS = 2 * 60 * 60 * 1000;
const TOO_MANY_PINGS = Buffer.from('too_many_pings', 'latin1');

/** The longest an ENHANCE_YOUR_CALM connection stays open for its GOAWAY to be written. */
const CALM_CLOSE_MS = 100;

function destroySession(session: ServerHttp2Session): void {
  session.destroy();
}

function finite(ms: number): boolean {
  return ms > 0 && ms < Infinity;
}

export class ServerConnection implements StreamTally, Sheddable {
  readonly session: ServerHttp2Session;
  /** Calls (ServerStreams) running on it. */
  active = 0;
  resets = 0;
  resetWindow = -1;
  private readonly policy: ConnectionPolicy;
  private readonly shedder: LoadShedder;
  private lastPingAt = 0;
  private pingStrikes = 0;
  private sentSincePing = false;
  /** When the last call ended (idleness). */
  private lastCallEnd = Date.now();
  private readonly timers: NodeJS.Timeout[] = [];
  private draining = false;
  private handshook = false;
  /** Sent away (ENHANCE_YOUR_CALM): what it still does no longer counts. */
  shed = false;

  constructor(session: ServerHttp2Session, policy: ConnectionPolicy, shedder: LoadShedder) {
    this.session = session;
    this.policy = policy;
    this.shedder = shedder;
    session.once('remoteSettings', () => this.handshaken());
    if (policy.enforcePings) session.on('ping', () => this.onPing());
    session.once('close', () => {
      for (const timer of this.timers) clearTimeout(timer);
      shedder.forget(this);
    });
    if (finite(policy.pingTimeMs)) this.startPinging();
    if (finite(policy.maxConnectionIdleMs)) this.later(policy.maxConnectionIdleMs, () => this.checkIdle());
    if (finite(policy.maxConnectionAgeMs)) {
      const jitter = 1 + (Math.random() * 0.2 - 0.1);
      this.later(policy.maxConnectionAgeMs * jitter, () => this.drain(policy.maxConnectionAgeGraceMs));
    }
  }

  /**
   * The client's preface and SETTINGS are in: the handshake clock stops. On
   * 'remoteSettings', or at the first stream (a runtime whose node:http2 does
   * not emit 'remoteSettings' — Bun, Deno — must not lose its connections).
   */
  handshaken(): void {
    if (this.handshook) return;
    this.handshook = true;
    handshakeDone(rawSocketOf(this.session.socket));
  }

  /** A call starts on this connection (the transport, for each ServerStream). */
  streamOpened(): void {
    if (!this.handshook) this.handshaken();
    this.active++;
    this.shedder.active++;
    this.pingStrikes = 0; // as grpc-go, which forgives once it sends headers or data again
  }

  /**
   * Decided in node:http2's 'stream' event, before anything is made for the
   * call: a stream this connection may not open now (it was sent away, or it is
   * over its share of the reset budget: load-shed.ts `refuses`) is closed here
   * and counted as a reset. True when refused.
   *
   * The cheapest close node:http2 has: RST_STREAM(CANCEL), no ServerStream, no
   * listener, no closure. Not REFUSED_STREAM: node:http2 answers a reset of
   * ours with any other code than CANCEL or NO_ERROR by making an error object
   * and emitting it on the stream, which costs ~45 µs a stream — as much as
   * all the rest node:http2 does for it (test/hostile/rapid-reset-ab.ts
   * --floors: 9,000 streams closed in the 'stream' event, 0.85–0.97 s of
   * server CPU with REFUSED_STREAM, 0.49–0.52 s with CANCEL, 0.45–0.50 s when
   * the handler does nothing and the attacker's own reset closes them). What
   * this hits is a connection resetting more than its share of a budget the
   * server is over; its client reads CANCELLED.
   */
  shedStream(stream: ServerHttp2Stream): boolean {
    if (!this.shedder.refuses(this)) return false;
    stream.close(RST_CANCEL);
    this.shedder.reset(this);
    return true;
  }

  /** StreamTally (ServerStream): the call is over; `reset` when its stream closed before our status went out. */
  streamClosed(reset: boolean): void {
    this.active--;
    this.shedder.active--;
    if (this.active === 0) this.lastCallEnd = Date.now();
    if (reset) this.shedder.reset(this);
  }

  /** Graceful: GOAWAY (NO_ERROR), calls in flight finish; after `graceMs`, closed whatever runs. */
  drain(graceMs: number): void {
    if (this.draining || this.session.destroyed) return;
    this.draining = true;
    this.session.close();
    if (finite(graceMs)) this.later(graceMs, () => this.session.destroy());
  }

  /**
   * GOAWAY ENHANCE_YOUR_CALM with `debug` as its debug data, then the
   * connection closed: once the GOAWAY is written (a destroy in the same tick
   * can lose it), and at the latest CALM_CLOSE_MS later.
   */
  enhanceYourCalm(debug: string | Buffer): void {
    if (process.env.WG_DEBUG_CALM) console.error('CALM', String(debug), new Error().stack);
    const session = this.session;
    if (this.shed || session.destroyed) return;
    this.shed = true;
    try {
      const last = session.state.lastProcStreamID ?? 0;
      session.goaway(RST_ENHANCE_YOUR_CALM, last, typeof debug === 'string' ? Buffer.from(debug, 'latin1') : debug);
    } catch {
      // Already closing.
    }
    setImmediate(destroySession, session);
    setTimeout(destroySession, CALM_CLOSE_MS, session).unref();
  }

  /**
   * StreamTally (ServerStream): we sent headers or data. A client ping after that is never a strike: grpc-go's
   * clients ping to measure bandwidth (BDP) while they receive data, and grpc-go's server forgives them the same way.
   */
  dataSent(): void {
    this.sentSincePing = true;
  }

  private onPing(): void {
    const now = Date.now();
    if (this.sentSincePing) {
      this.sentSincePing = false;
      this.pingStrikes = 0;
      this.lastPingAt = 0;
    }
    const policy = this.policy;
    const interval = this.active === 0 && !policy.permitWithoutCalls ? IDLE_PING_INTERVAL_MS : policy.minPingIntervalMs;
    if (this.lastPingAt !== 0 && now - this.lastPingAt < interval) this.pingStrikes++;
    this.lastPingAt = now;
    if (this.pingStrikes > policy.maxPingStrikes) this.enhanceYourCalm(TOO_MANY_PINGS);
  }

  private checkIdle(): void {
    const idleMs = this.policy.maxConnectionIdleMs;
    const since = Date.now() - this.lastCallEnd;
    if (this.active === 0 && since >= idleMs) this.drain(this.policy.maxConnectionAgeGraceMs);
    else this.later(this.active === 0 ? idleMs - since : idleMs, () => this.checkIdle());
  }

  private startPinging(): void {
    const session = this.session;
    const { pingTimeMs, pingTimeoutMs } = this.policy;
    let deadline: NodeJS.Timeout | undefined;
    const interval = setInterval(() => {
      if (deadline !== undefined || session.destroyed) return; // a ping is still out
      const sent = session.ping((err) => {
        clearTimeout(deadline);
        deadline = undefined;
        if (err) session.destroy();
      });
      if (!sent) return;
      deadline = setTimeout(() => session.destroy(), pingTimeoutMs);
      deadline.unref();
    }, pingTimeMs);
    interval.unref();
    session.once('close', () => {
      clearInterval(interval);
      clearTimeout(deadline);
    });
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.splice(this.timers.indexOf(timer), 1);
      if (!this.session.destroyed) run();
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
