/**
 * A ClientSession (h2-client-session.ts) over wiregrpc's own HTTP/2 (src/h2):
 * the channel's calls, unchanged, on a Connection in the client role over any
 * ByteStream.
 *
 *   call ── request(headers) ──▶ H2ClientStream ── Connection.request(flat list) ──▶ H2Stream ──▶ bytes
 *        ◀─ 'response' 'data' 'trailers' 'end' 'close' ◀─ onHeaders / onData / onReset ◀──────────┘
 *
 * What node:http2 gives a call and src/h2 leaves to its user, done here:
 *   - header records (what the call layer builds) ⇄ flat lists (what HPACK takes): a method's
 *     template is flattened once (a WeakMap on the template), pseudo-headers first;
 *   - a stream opens at the end of the microtask it was asked for in (HEADERS and the first
 *     DATA then leave together; one cancelled at once never leaves), and past the server's
 *     MAX_CONCURRENT_STREAMS it waits here (`pending`, no id yet), its request bytes kept,
 *     until another closes — a call never sees the limit;
 *   - 'connect' once the socket is connected (node:net, node:tls with h2: `transportReady`), or
 *     else once the server's first SETTINGS have arrived;
 *   - the socket going away is known before the streams it cuts off are told, so a call
 *     reports a lost connection (UNAVAILABLE), not the reset code that went with it.
 *
 * No EventEmitter: a stream keeps its listeners in fields, one per event (the call's; the tracer's,
 * when WIREGRPC_TRACE is on, is chained after it), and calls them as node:http2 would.
 */
import type { ByteSink, ByteStream } from '../h2/byte-stream.js';
import { Connection, type ConnectionOptions } from '../h2/connection.js';
import { ErrorCode } from '../h2/errors.js';
import type { Settings } from '../h2/settings.js';
import type { H2Stream } from '../h2/stream.js';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import { flatHeaders } from './h2-client-headers.js';
import type { ClientSession, ClientSessionStream } from './h2-client-session.js';
import { H2ClientStream, type StreamOwner } from './h2-client-stream.js';

export interface H2SessionOptions {
  /** What we advertise (INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, MAX_HEADER_LIST_SIZE, …). */
  settings?: Partial<Settings>;
  /** Our receive window for the whole connection. */
  connectionWindow?: number;
}

type Ack = (error: Error | null, duration: number, payload: Uint8Array) => void;

export class H2ClientSession implements ClientSession, StreamOwner {
  closed = false;
  destroyed = false;
  /** The byte stream, seen from above: its 'close' is told to the subchannel before the connection hears it. */
  readonly socket = { once: (_event: 'close', listener: () => void) => this.socketListeners.push(listener) };
  private readonly connection: Connection;
  private readonly socketListeners: Array<() => void> = [];
  private connected = false;
  private lostError: Error | undefined;
  private destroying = false;
  private openScheduled = false;
  private socketGone = false;
  // Listeners, in the order added ('connect' and 'close' are told once).
  private readonly connectListeners: Array<() => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private readonly errorListeners: Array<(error: Error) => void> = [];
  private readonly goawayListeners: Array<(code: number, lastStreamId: number, debug?: Uint8Array) => void> = [];
  /** Pings sent and not yet acknowledged, oldest first (a peer answers in order). */
  private readonly pings: Array<{ ack: Ack; sent: number }> = [];
  /** Streams waiting for a slot under the server's MAX_CONCURRENT_STREAMS, oldest first. */
  private readonly waiting: H2ClientStream[] = [];
  /** Streams opened on the connection and not yet closed. */
  private open = 0;

  constructor(bytes: ByteStream, options: H2SessionOptions = {}) {
    const connectionOptions: ConnectionOptions = {
      role: 'client',
      onRemoteSettings: () => this.remoteSettings(),
      onGoaway: (lastStreamId, code, debug) => this.goaway(lastStreamId, code, debug),
      onPingAck: () => this.pingAck(),
      onError: (error) => this.connectionLost(error),
      onClose: () => this.connectionClosed(),
    };
    if (options.settings !== undefined) connectionOptions.settings = options.settings;
    if (options.connectionWindow !== undefined) connectionOptions.connectionWindow = options.connectionWindow;
    this.connection = new Connection(
      watched(bytes, (error) => (error === undefined ? this.socketClosed() : this.connectionLost(error))),
      connectionOptions,
    );
  }

  request(headers: HeaderRecord, options?: { signal?: AbortSignal }): ClientSessionStream {
    if (this.closed) throw new Error('the connection is closing (GOAWAY): no new streams');
    const stream = new H2ClientStream(this, flatHeaders(headers));
    const signal = options?.signal;
    if (signal !== undefined) signal.addEventListener('abort', () => stream.close(ErrorCode.CANCEL), { once: true });
    // Opened at the end of the microtask (with every other stream of this tick): a call cancelled
    // synchronously (a request over the send limit) never reaches the server, as with node:http2.
    this.waiting.push(stream);
    this.scheduleOpen();
    return stream;
  }

  ping(ack: Ack): boolean {
    if (this.destroyed || this.socketGone) return false;
    this.connection.ping();
    this.pings.push({ ack, sent: performance.now() });
    return true;
  }

  close(): void {
    if (this.destroyed) return;
    this.closed = true;
    this.refuseWaiting();
    this.connection.goaway(ErrorCode.NO_ERROR);
  }

  destroy(): void {
    if (this.destroyed || this.destroying) return;
    this.destroying = true;
    this.closed = true;
    this.refuseWaiting();
    this.connection.destroy();
  }

  ref(): void {
    this.connection.ref?.();
  }

  unref(): void {
    this.connection.unref?.();
  }

  once(event: 'connect' | 'close', listener: () => void): this {
    (event === 'connect' ? this.connectListeners : this.closeListeners).push(listener);
    return this;
  }

  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'goaway', listener: (code: number, lastStreamId: number, debug?: Uint8Array) => void): this;
  on(event: 'error' | 'goaway', listener: (...args: never[]) => void): this {
    if (event === 'error') this.errorListeners.push(listener as (error: Error) => void);
    else this.goawayListeners.push(listener as (code: number, lastStreamId: number, debug?: Uint8Array) => void);
    return this;
  }

  /** @internal A stream of ours goes out on the connection. */
  openStream(stream: H2ClientStream): void {
    let h2: H2Stream;
    try {
      h2 = this.connection.request(stream.headers, false);
    } catch (err) {
      stream.refused(err as Error);
      return;
    }
    this.open++;
    stream.opened(h2);
  }

  /** @internal A stream that was opened is over: a waiting one may take its slot. */
  streamClosed(): void {
    this.open--;
    // The connection counts the stream as open until the callback that closed it returns: open the next one after.
    if (this.waiting.length > 0) this.scheduleOpen();
  }

  private scheduleOpen(): void {
    if (this.openScheduled) return;
    this.openScheduled = true;
    queueMicrotask(() => {
      this.openScheduled = false;
      this.openWaiting();
    });
  }

  /** Streams waiting for a slot open while the server's MAX_CONCURRENT_STREAMS allows. */
  private openWaiting(): void {
    const max = this.connection.remoteSettings.maxConcurrentStreams;
    while (this.waiting.length > 0 && this.open < max && !this.closed) this.openStream(this.waiting.shift()!);
  }

  /** @internal A waiting stream was reset before it opened. */
  forget(stream: H2ClientStream): void {
    const at = this.waiting.indexOf(stream);
    if (at >= 0) this.waiting.splice(at, 1);
  }

  /**
   * The byte stream is connected (TCP, or TLS with h2 agreed): usable now, as
   * node:http2 has it — the first HEADERS follow the preface without waiting a
   * round trip for the server's SETTINGS (RFC 9113 §3.4 allows it). Until they
   * come, the server's stream limit is unknown: streams over it are refused
   * unprocessed (REFUSED_STREAM) and go again. Without this (a `connect` of the
   * caller's), the server's first SETTINGS make the session usable.
   */
  transportReady(): void {
    if (this.connected || this.closed) return;
    this.connected = true;
    for (const listener of this.connectListeners.splice(0)) listener();
  }

  /** @internal StreamOwner: the connection went; the subchannel hears it before the streams close. */
  connectionLost(error: Error): void {
    // Once the socket has gone (EOF, close), that is the whole story, as with node:http2: 'connection closed'.
    if (this.lostError === undefined && !this.socketGone) {
      this.lostError = error;
      for (const listener of this.errorListeners) listener(error);
    }
    this.socketClosed();
  }

  private remoteSettings(): void {
    if (!this.connected) {
      this.transportReady();
      return;
    }
    this.openWaiting(); // a new MAX_CONCURRENT_STREAMS may let more through
  }

  /**
   * GOAWAY: no new streams. NO_ERROR is a graceful shutdown: the streams it
   * covers go on. Any other code says the server is closing for an error: the
   * connection is closed now (node:http2 does the same), and the streams still
   * open end as lost (UNAVAILABLE, naming the GOAWAY) instead of waiting for a
   * close that may never come.
   */
  private goaway(lastStreamId: number, code: number, debug: Uint8Array): void {
    this.closed = true;
    this.refuseWaiting();
    for (const listener of this.goawayListeners) listener(code, lastStreamId, debug);
    if (code !== ErrorCode.NO_ERROR) this.destroy();
  }

  private pingAck(): void {
    const ping = this.pings.shift();
    if (ping !== undefined) ping.ack(null, performance.now() - ping.sent, new Uint8Array(8));
  }

  private socketClosed(): void {
    if (this.socketGone) return;
    this.socketGone = true;
    for (const listener of this.socketListeners.splice(0)) listener();
  }

  private connectionClosed(): void {
    this.socketClosed();
    this.closed = true;
    this.destroyed = true;
    this.refuseWaiting();
    const error = new Error('connection closed');
    for (const ping of this.pings.splice(0)) ping.ack(error, 0, new Uint8Array(8));
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  /** Streams still waiting for a slot never left: they end unsent (the call may go again elsewhere). */
  private refuseWaiting(): void {
    for (const stream of this.waiting.splice(0)) stream.refused(new Error('the connection is closing'));
  }
}

/** `bytes`, with `gone` told first when it ends, fails (with the error) or closes — before the connection hears of it. */
function watched(bytes: ByteStream, gone: (error?: Error) => void): ByteStream {
  return {
    start(sink: ByteSink): void {
      bytes.start({
        data: (chunk) => sink.data(chunk),
        drain: () => sink.drain(),
        end: () => {
          gone();
          sink.end();
        },
        error: (error) => {
          gone(error);
          sink.error(error);
        },
        closed: () => {
          gone();
          sink.closed?.();
        },
      });
    },
    write: (data) => bytes.write(data),
    end: () => bytes.end(),
    destroy: (error) => bytes.destroy(error),
    ref: () => bytes.ref?.(),
    unref: () => bytes.unref?.(),
    get remoteAddress() {
      return bytes.remoteAddress;
    },
    get remotePort() {
      return bytes.remotePort;
    },
  };
}
