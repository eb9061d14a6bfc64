/**
 * The half of a Connection that every part of it shares: its state, the
 * frames it sends, and how it ends.
 *
 *     ConnectionCore      state, DATA pumping, RST/GOAWAY, close      (this file)
 *       └ FrameHandler    frames in: §6 dispatch and the stream rules (connection-receive.ts)
 *           └ Connection  the public API, the byte stream's events    (connection.ts)
 *
 * Sending: HEADERS are encoded (HPACK) and written at once; DATA is pumped from
 * each stream's queue (stream.ts) as the connection window, the stream window
 * and the socket allow — streams that must wait are kept in `waiting` and pumped
 * in turn when a WINDOW_UPDATE or the socket's drain comes. Everything goes into
 * one FrameOutput (output.ts): one write per tick.
 *
 * Ending (§5.4): a stream error sends RST_STREAM; a connection error sends
 * GOAWAY with the detail as debug data, ends every stream (`onReset` with the
 * error as `connectionError`), reports `onError` and half-closes; the peer then
 * has LINGER_MS to close before the byte stream is destroyed.
 */
import type { ByteStream } from './byte-stream.js';
import {
  checkSettings,
  DEFAULT_CONNECTION_WINDOW,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_RESETS_PER_SECOND,
  DEFAULT_SETTINGS_TIMEOUT_MS,
  LINGER_MS,
  MAX_CONTROL_WHILE_BLOCKED,
  MIN_FIELD_BLOCK,
  settingsToSend,
  type ConnectionOptions,
} from './connection-options.js';
import { ErrorCode, H2Error } from './errors.js';
import { ReceiveWindow } from './flow-control.js';
import { CLIENT_PREFACE, MAX_WINDOW_SIZE, type Frame } from './frame.js';
import { FrameReader } from './frame-reader.js';
import { DEFAULT_MAX_HEADER_LIST_SIZE, HpackDecoder } from './hpack-decoder.js';
import { HpackEncoder } from './hpack-encoder.js';
import { writeRun } from './byte-stream.js';
import { FrameOutput, type Run } from './output.js';
import { PingStrikes, ResetBudget } from './policy.js';
import { DEFAULT_SETTINGS, sharedSettings, type Settings } from './settings.js';
import { isClosed, type H2Connection, type H2Stream, type StreamHost } from './stream.js';
import { StreamTable } from './stream-table.js';
import { Wiring, type WiredConnection } from './connection-wiring.js';

export const EMPTY = new Uint8Array(0);
export const utf8 = new TextEncoder();

/** A field block begun by HEADERS without END_HEADERS, waiting for its CONTINUATIONs. */
export interface OpenBlock {
  streamId: number;
  endStream: boolean;
  fragments: Uint8Array[];
  size: number;
}

export abstract class ConnectionCore implements H2Connection, WiredConnection {
  readonly role: 'server' | 'client';
  protected readonly bytes: ByteStream;
  protected readonly options: ConnectionOptions;
  protected readonly out: FrameOutput;
  protected readonly reader: FrameReader;
  protected readonly decoder: HpackDecoder;
  protected readonly encoder = new HpackEncoder();
  protected readonly table: StreamTable;
  protected readonly host: StreamHost;
  /** The byte stream's, the streams' and the frame reader's way back in (one object: see Wiring). */
  protected readonly wiring: Wiring;
  protected readonly pings: PingStrikes | undefined;
  protected readonly resets: ResetBudget | undefined;
  /** The protocol's initial values (shared, frozen) until the peer's SETTINGS arrive: then a new object. */
  protected remote: Readonly<Settings> = DEFAULT_SETTINGS;
  /** Our settings in force (acknowledged), and those sent and awaiting ACK, oldest first. */
  protected local: Readonly<Settings> = DEFAULT_SETTINGS;
  protected readonly unacked: Readonly<Settings>[] = [];
  protected advertised: Readonly<Settings>;
  protected sendWindow = DEFAULT_SETTINGS.initialWindowSize;
  protected readonly recv: ReceiveWindow;
  protected block: OpenBlock | undefined;
  /** Streams with DATA waiting for window or for the socket. */
  protected waiting: H2Stream[] = [];
  protected socketBlocked = false;
  protected controlWhileBlocked = 0;
  /** DATA frames in a row with nothing in them and no END_STREAM (MAX_EMPTY_DATA). */
  protected emptyData = 0;
  protected goawaySent: number | undefined;
  protected goawayReceived: number | undefined;
  protected ended = false;
  /** bytes.end() was called: nothing more may be written. */
  protected halfClosed = false;
  protected finished = false;
  protected handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  protected lingerTimer: ReturnType<typeof setTimeout> | undefined;
  /** Runs while an announcement of ours awaits its ACK (§6.5.3); undefined when none does, or the clock is off. */
  protected settingsTimer: ReturnType<typeof setTimeout> | undefined;

  protected readonly connectionWindowSize: number;

  constructor(bytes: ByteStream, options: ConnectionOptions) {
    this.bytes = bytes;
    this.options = options;
    this.role = options.role;
    const server = options.role === 'server';
    this.table = new StreamTable(options.role);
    const maxHeaderListSize =
      options.maxHeaderListSize ?? options.settings?.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE;
    this.advertised = sharedSettings({
      ...DEFAULT_SETTINGS,
      enablePush: false,
      maxConcurrentStreams: server ? DEFAULT_MAX_CONCURRENT_STREAMS : Infinity,
      ...options.settings,
      maxHeaderListSize,
    });
    const initialSettings = settingsToSend(this.advertised, server);
    checkSettings(initialSettings);
    this.decoder = new HpackDecoder({ maxHeaderListSize });
    this.wiring = new Wiring(this, server, Math.max(MIN_FIELD_BLOCK, 2 * maxHeaderListSize));
    this.reader = new FrameReader(this.wiring);
    const window = options.connectionWindow ?? DEFAULT_CONNECTION_WINDOW;
    if (!Number.isInteger(window) || window < DEFAULT_SETTINGS.initialWindowSize || window > MAX_WINDOW_SIZE)
      throw H2Error.local(`connection window ${window} is outside 65,535…2^31-1`);
    this.connectionWindowSize = window;
    this.recv = new ReceiveWindow(window);
    this.recv.available = DEFAULT_SETTINGS.initialWindowSize; // until our WINDOW_UPDATE below
    const now = options.now ?? Date.now;
    this.pings = server && options.ping ? new PingStrikes(options.ping, now) : undefined;
    this.resets = server
      ? new ResetBudget(options.maxResetsPerSecond ?? DEFAULT_MAX_RESETS_PER_SECOND, now)
      : undefined;
    this.host = this.wiring;
    this.out = new FrameOutput((run) => this.write(run));
    // The first frames, queued (the byte stream is written at the end of the tick).
    if (!server) this.out.raw(CLIENT_PREFACE);
    this.out.settings(initialSettings);
    this.settingsSent(this.advertised);
  }

  /**
   * An announcement of ours went out: it binds us once acknowledged. A peer that does
   * not acknowledge the oldest within settingsTimeoutMs gets GOAWAY SETTINGS_TIMEOUT
   * (§6.5.3): it is not applying what we asked, so nothing it sends can be trusted to.
   */
  protected settingsSent(settings: Readonly<Settings>): void {
    this.unacked.push(settings);
    if (this.settingsTimer === undefined) this.armSettingsTimer();
  }

  /** The oldest announcement was acknowledged: it binds us now; the clock runs on for the next, if any. */
  protected settingsAcked(): Readonly<Settings> | undefined {
    const acked = this.unacked.shift();
    if (this.settingsTimer !== undefined) {
      clearTimeout(this.settingsTimer);
      this.settingsTimer = undefined;
    }
    if (this.unacked.length > 0) this.armSettingsTimer();
    return acked;
  }

  private armSettingsTimer(): void {
    const ms = this.options.settingsTimeoutMs ?? DEFAULT_SETTINGS_TIMEOUT_MS;
    if (!(ms > 0 && Number.isFinite(ms))) return;
    this.settingsTimer = setTimeout(() => {
      this.settingsTimer = undefined;
      this.fail(H2Error.connection(ErrorCode.SETTINGS_TIMEOUT, `our SETTINGS were not acknowledged within ${ms} ms`));
    }, ms);
    unrefTimer(this.settingsTimer);
  }

  /** The peer's settings in force (the protocol's initial values until its SETTINGS arrive). */
  get remoteSettings(): Readonly<Settings> {
    return this.remote;
  }

  /** Streams open or half-closed, both directions. */
  get openStreams(): number {
    return this.table.open.size;
  }

  /** GOAWAY was sent or received, or the connection is closing: no new streams. */
  get goingAway(): boolean {
    return this.goawaySent !== undefined || this.goawayReceived !== undefined || this.ended;
  }

  /** @internal A frame arrived (FrameHandler). */
  abstract onFrame(frame: Frame): void;

  // The byte stream's events (Connection).
  /** @internal */
  abstract onBytes(chunk: Uint8Array): void;
  /** @internal */
  abstract onEnd(): void;
  /** @internal */
  abstract onSocketError(error: Error): void;
  /** @internal */
  abstract onDrain(): void;

  // The public API (Connection), needed here because streams hold their connection.
  abstract request(headers: readonly string[], endStream: boolean): H2Stream;
  abstract ping(data?: Uint8Array): void;
  abstract goaway(code?: number, debug?: string): void;
  abstract terminate(code?: number, debug?: string): void;
  abstract destroy(error?: Error): void;

  // ─── errors ────────────────────────────────────────────────────────────────

  /** @internal A stream error (§5.4.2): RST_STREAM, and the stream ends. */
  streamError(error: H2Error): void {
    const id = error.streamId;
    const stream = this.table.open.get(id);
    if (stream !== undefined) {
      this.control();
      this.out.rstStream(id, error.code);
      stream._closeAbruptly('closed (reset sent)');
      this.table.remove(stream, 'closed (reset sent)');
      try {
        stream.onReset(error.code, false);
      } catch (err) {
        this.reportCallback(stream, err);
      }
      this.closeIfDone();
      return;
    }
    const state = this.table.stateOf(id);
    // §5.1: no RST_STREAM on an idle stream: a frame that would need one there breaks the connection.
    if (state === 'idle') throw H2Error.connection(ErrorCode.PROTOCOL_ERROR, error.detail);
    if (state === 'closed (reset sent)') return;
    this.control();
    this.out.rstStream(id, error.code);
  }

  /** A connection error (§5.4.1): GOAWAY, every stream ends, close. */
  protected fail(error: H2Error): void {
    if (this.ended) return;
    this.out.goaway(this.table.lastPeerId, error.code, utf8.encode(error.detail));
    this.goawaySent = this.table.lastPeerId;
    this.endStreams(error.code, false, error);
    try {
      this.options.onError?.(error);
    } finally {
      this.close();
    }
  }

  /** A stream callback threw: the stream is reset (INTERNAL_ERROR) and the error reported; the connection lives. */
  protected callbackFailed(stream: H2Stream, err: unknown): void {
    if (!isClosed(stream._state)) {
      this.out.rstStream(stream.id, ErrorCode.INTERNAL_ERROR);
      stream._closeAbruptly('closed (reset sent)');
      this.table.remove(stream, 'closed (reset sent)');
    }
    this.reportCallback(stream, err);
    this.closeIfDone();
  }

  protected reportCallback(stream: H2Stream, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.options.onError?.(
      H2Error.stream(
        stream.id,
        ErrorCode.INTERNAL_ERROR,
        `a callback of stream ${stream.id} threw: ${message}`,
        'local',
      ),
    );
  }

  /** Every open stream ends with onReset(code, byPeer, cause). */
  protected endStreams(code: number, byPeer: boolean, cause: Error): void {
    if (this.table.open.size === 0) return;
    const streams = [...this.table.open.values()];
    for (const stream of streams) {
      stream._closeAbruptly('closed (reset sent)');
      this.table.remove(stream, 'closed (reset sent)');
    }
    for (const stream of streams) {
      try {
        stream.onReset(code, byPeer, cause);
      } catch (err) {
        this.reportCallback(stream, err);
      }
    }
  }

  // ─── bytes out ─────────────────────────────────────────────────────────────

  protected write(run: Run): void {
    if (this.finished || this.halfClosed) return;
    if (!writeRun(this.bytes, run)) this.socketBlocked = true;
    else if (this.waiting.length > 0) this.pumpWaiting();
  }

  /** A frame emitted in answer to the peer: counted while the peer does not read. */
  protected control(): void {
    if (this.socketBlocked && ++this.controlWhileBlocked > MAX_CONTROL_WHILE_BLOCKED)
      throw H2Error.connection(
        ErrorCode.ENHANCE_YOUR_CALM,
        `over ${MAX_CONTROL_WHILE_BLOCKED} frames to answer while the peer reads nothing`,
      );
  }

  /** @internal */
  sendHeaders(stream: H2Stream, headers: readonly string[], endStream: boolean): void {
    if (this.ended) throw H2Error.local(`HEADERS on stream ${stream.id}: the connection is closed`);
    const block = this.encoder.encode(headers);
    this.out.fieldBlock(stream.id, block, endStream, this.remote.maxFrameSize);
    this.pings?.sent();
    stream._emittedHeaders(endStream);
  }

  /** @internal */
  sendData(stream: H2Stream): void {
    if (this.ended) return;
    if (!this.socketBlocked) {
      const used = stream._pump(this.out, this.sendWindow, this.remote.maxFrameSize);
      if (used > 0) {
        this.sendWindow -= used;
        this.pings?.sent();
      }
    }
    if (stream._hasOutput) {
      if (!stream._blocked) {
        stream._blocked = true;
        this.waiting.push(stream);
      }
    } else if (stream._drainDue()) {
      try {
        stream.onDrain();
      } catch (err) {
        this.callbackFailed(stream, err);
      }
    }
  }

  /** Window or socket opened: the waiting streams send, in turn. */
  protected pumpWaiting(): void {
    if (this.socketBlocked || this.sendWindow <= 0 || this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const stream of waiting) {
      stream._blocked = false;
      if (stream._hasOutput) this.sendData(stream);
    }
  }

  /** @internal */
  sendReset(stream: H2Stream, code: number): void {
    if (!this.ended) this.out.rstStream(stream.id, code);
    stream._closeAbruptly('closed (reset sent)');
    this.table.remove(stream, 'closed (reset sent)');
    try {
      stream.onReset(code, false);
    } catch (err) {
      this.reportCallback(stream, err);
    }
    this.closeIfDone();
  }

  /** @internal */
  streamCredit(stream: H2Stream, n: number): void {
    if (this.ended) return;
    const increment = stream._recv.consumed(n);
    if (increment > 0) this.out.windowUpdate(stream.id, increment);
  }

  protected connectionCredit(n: number): void {
    const increment = this.recv.consumed(n);
    if (increment > 0) this.out.windowUpdate(0, increment);
  }

  /** @internal END_STREAM went out on `stream`. */
  streamEnded(stream: H2Stream): void {
    if (stream._state === 'closed') this.closedNormally(stream, 'closed');
    else if (this.role === 'server' && stream._state === 'half-closed (local)') {
      // The response is complete before the request: §8.1 lets the server say it needs no more (grpc-go does).
      this.out.rstStream(stream.id, ErrorCode.NO_ERROR);
      stream._closeAbruptly('closed (reset sent)');
      this.closedNormally(stream, 'closed (reset sent)');
    }
  }

  /** The stream is done, both ways, by the normal path: out of the table, `onClose`. */
  protected closedNormally(
    stream: H2Stream,
    state: 'closed' | 'closed (reset sent)' | 'closed (reset received)',
  ): void {
    if (!this.table.remove(stream, state)) return; // already done (it closed inside a callback of the frame)
    try {
      stream.onClose();
    } catch (err) {
      this.reportCallback(stream, err);
    }
    this.closeIfDone();
  }

  /** After GOAWAY either way: close once the last stream is done. */
  protected closeIfDone(): void {
    if (this.table.open.size === 0 && (this.goawaySent !== undefined || this.goawayReceived !== undefined)) {
      if (this.goawaySent === undefined) {
        this.goawaySent = this.table.lastPeerId;
        this.out.goaway(this.table.lastPeerId, ErrorCode.NO_ERROR, EMPTY);
      }
      this.close();
    }
  }

  /** Half-close after what is queued; the peer gets LINGER_MS to close its side. */
  protected close(): void {
    if (this.ended) return;
    this.ended = true;
    this.out.flush();
    this.halfClosed = true;
    this.bytes.end();
    this.lingerTimer = setTimeout(() => {
      this.bytes.destroy();
      this.finish();
    }, LINGER_MS);
    unrefTimer(this.lingerTimer);
  }

  /** @internal */
  finish(): void {
    if (this.finished) return;
    this.endStreams(ErrorCode.CANCEL, true, new Error('the connection closed'));
    this.ended = true;
    this.finished = true;
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    if (this.settingsTimer !== undefined) clearTimeout(this.settingsTimer);
    this.out.discard();
    this.options.onClose?.();
  }
}

export function asH2Error(err: unknown): H2Error {
  if (err instanceof H2Error) return err;
  const message = err instanceof Error ? err.message : String(err);
  return H2Error.connection(ErrorCode.INTERNAL_ERROR, `internal error: ${message}`, 'local');
}

export function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}
