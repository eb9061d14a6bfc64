/**
 * One HTTP/2 connection (RFC 9113), either role, over any ByteStream.
 *
 *     client                                                   server
 *     preface "PRI * HTTP/2.0…" + SETTINGS  ───────────────▶
 *                                           ◀───────────────  SETTINGS (sent at once, §3.4)
 *     SETTINGS ACK                          ───────────────▶
 *                                           ◀───────────────  SETTINGS ACK
 *     HEADERS(1) DATA(1) HEADERS(3) …       ───────────────▶  onStream(stream 1), onStream(stream 3)
 *                                           ◀───────────────  HEADERS(1) DATA(1) HEADERS(1, END_STREAM) …
 *     PING / WINDOW_UPDATE / RST_STREAM     ◀──────────────▶
 *                                           ◀───────────────  GOAWAY(last stream id): no new streams
 *
 * What this file does: the frame dispatch of §6 (which frame on which stream in
 * which state, through stream-state.ts), SETTINGS and their acknowledgement (ours
 * take effect when acknowledged; the peer's at once, INITIAL_WINDOW_SIZE moving
 * every stream's send window, §6.9.2), HEADERS + CONTINUATION into HPACK, flow
 * control of the connection window (streams keep their own, stream.ts), GOAWAY
 * both ways, and the limits a server needs against hostile clients: handshake
 * timeout, MAX_CONCURRENT_STREAMS, header list size per stream, ping strikes and
 * the early-reset budget (policy.ts), a cap on control frames queued while the
 * peer does not read.
 *
 * Errors (§5.4): a stream error sends RST_STREAM and ends that stream
 * (`onReset(code, false)`); a connection error sends GOAWAY with the code and the
 * detail as debug data, ends every stream, reports `onError`, and closes.
 *
 * Output: every frame goes into one FrameOutput, written to the byte stream once
 * per tick (output.ts).
 */
import type { ByteSink, ByteStream } from './byte-stream.js';
import { ErrorCode, H2Error } from './errors.js';
import { grow, ReceiveWindow } from './flow-control.js';
import {
  CLIENT_PREFACE,
  FrameType,
  MAX_STREAM_ID,
  MAX_WINDOW_SIZE,
  type DataFrame,
  type Frame,
  type GoawayFrame,
  type Setting,
  type SettingsFrame,
  type WindowUpdateFrame,
} from './frame.js';
import { FrameReader } from './frame-reader.js';
import { DEFAULT_MAX_HEADER_LIST_SIZE, HpackDecoder } from './hpack-decoder.js';
import { HpackEncoder } from './hpack-encoder.js';
import { FrameOutput } from './output.js';
import { PingStrikes, ResetBudget, type PingPolicy } from './policy.js';
import { applySettings, DEFAULT_SETTINGS, SettingId, type Settings } from './settings.js';
import { onReceive } from './stream-state.js';
import { H2Stream, isClosed, type H2Connection, type StreamHost } from './stream.js';
import { StreamTable } from './stream-table.js';

export type { PingPolicy } from './policy.js';

export interface ConnectionOptions {
  role: 'server' | 'client';
  /** What we advertise; unset fields keep the protocol's initial values, except as noted on the defaults below. */
  settings?: Partial<Settings>;
  /** Our receive window for the whole connection (default 1 MiB; WINDOW_UPDATE on stream 0 at start). */
  connectionWindow?: number;
  /** No preface and first SETTINGS from the peer within this → GOAWAY (or, before any preface, just close). Default 20 s; 0: none. */
  handshakeTimeoutMs?: number;
  /** The largest header list accepted (RFC 7541 §4.1 octets), advertised as SETTINGS_MAX_HEADER_LIST_SIZE (default 64 KiB). */
  maxHeaderListSize?: number;
  /** Server: streams the client may reset before we finished them, per second; beyond, GOAWAY ENHANCE_YOUR_CALM (default 200). */
  maxResetsPerSecond?: number;
  /** Server: gRFC A8 ping enforcement; off when absent. */
  ping?: PingPolicy;
  /** The clock of the policies (default Date.now). */
  now?: () => number;
  /** Server: a new request. Set the stream's callbacks before returning. */
  onStream?(stream: H2Stream, headers: readonly string[], endStream: boolean): void;
  /**
   * Server: a request whose header block was refused on its own (over maxHeaderListSize: ENHANCE_YOUR_CALM;
   * a malformed field: PROTOCOL_ERROR). The stream is open and may be answered now (respond); when this
   * returns, a stream not answered is reset with error.code. Absent: the stream is reset.
   */
  onStreamError?(stream: H2Stream, error: H2Error): void;
  onGoaway?(lastStreamId: number, code: number, debug: Uint8Array): void;
  onPingAck?(data: Uint8Array): void;
  /** A connection error (sent as GOAWAY where possible), or a stream callback that threw (a stream error of fault local). */
  onError?(error: H2Error): void;
  /** The byte stream is gone; every open stream got onReset first. */
  onClose?(): void;
  /** The peer's SETTINGS arrived (the first one: the connection is ready) and were applied. */
  onRemoteSettings?(settings: Settings): void;
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 20_000;
const DEFAULT_CONNECTION_WINDOW = 1 << 20;
const DEFAULT_MAX_CONCURRENT_STREAMS = 100;
const DEFAULT_MAX_RESETS_PER_SECOND = 200;
/** After we half-close, the peer gets this long to close before the byte stream is destroyed. */
const LINGER_MS = 5000;
/** Frames we emit in answer to the peer (PING ACK, SETTINGS ACK, RST_STREAM) while it does not read: beyond, ENHANCE_YOUR_CALM. */
const MAX_CONTROL_WHILE_BLOCKED = 10_000;
/** A field block is kept whole until END_HEADERS; at least this much is accepted, or twice the header list limit. */
const MIN_FIELD_BLOCK = 1 << 20;

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();

interface OpenBlock {
  streamId: number;
  endStream: boolean;
  fragments: Uint8Array[];
  size: number;
}

export class Connection implements H2Connection {
  readonly role: 'server' | 'client';
  private readonly bytes: ByteStream;
  private readonly options: ConnectionOptions;
  private readonly out: FrameOutput;
  private readonly reader: FrameReader;
  private readonly decoder: HpackDecoder;
  private readonly encoder = new HpackEncoder();
  private readonly table: StreamTable;
  private readonly host: StreamHost;
  private readonly pings: PingStrikes | undefined;
  private readonly resets: ResetBudget | undefined;
  private remote: Settings = { ...DEFAULT_SETTINGS };
  /** Our settings in force (acknowledged), and those sent and awaiting ACK, oldest first. */
  private local: Settings = { ...DEFAULT_SETTINGS };
  private readonly unacked: Settings[] = [];
  private readonly advertised: Settings;
  private sendWindow = DEFAULT_SETTINGS.initialWindowSize;
  private readonly recv: ReceiveWindow;
  private block: OpenBlock | undefined;
  /** Streams with DATA waiting for window or for the socket. */
  private waiting: H2Stream[] = [];
  private socketBlocked = false;
  private controlWhileBlocked = 0;
  private goawaySent: number | undefined;
  private goawayReceived: number | undefined;
  private ended = false;
  /** bytes.end() was called: nothing more may be written. */
  private halfClosed = false;
  private finished = false;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(bytes: ByteStream, options: ConnectionOptions) {
    this.bytes = bytes;
    this.options = options;
    this.role = options.role;
    const server = options.role === 'server';
    this.table = new StreamTable(options.role);
    const maxHeaderListSize =
      options.maxHeaderListSize ?? options.settings?.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE;
    this.advertised = {
      ...DEFAULT_SETTINGS,
      enablePush: false,
      maxConcurrentStreams: server ? DEFAULT_MAX_CONCURRENT_STREAMS : Infinity,
      ...options.settings,
      maxHeaderListSize,
    };
    this.decoder = new HpackDecoder({ maxHeaderListSize });
    this.reader = new FrameReader({
      preface: server,
      maxFieldBlockSize: Math.max(MIN_FIELD_BLOCK, 2 * maxHeaderListSize),
      onFrame: (frame) => this.onFrame(frame),
      onStreamError: (error) => this.streamError(error),
    });
    const window = options.connectionWindow ?? DEFAULT_CONNECTION_WINDOW;
    if (!Number.isInteger(window) || window < DEFAULT_SETTINGS.initialWindowSize || window > MAX_WINDOW_SIZE)
      throw H2Error.local(`connection window ${window} is outside 65,535…2^31-1`);
    this.recv = new ReceiveWindow(window);
    this.recv.available = DEFAULT_SETTINGS.initialWindowSize; // until our WINDOW_UPDATE below
    const now = options.now ?? Date.now;
    this.pings = server && options.ping ? new PingStrikes(options.ping, now) : undefined;
    this.resets = server
      ? new ResetBudget(options.maxResetsPerSecond ?? DEFAULT_MAX_RESETS_PER_SECOND, now)
      : undefined;
    this.host = {
      sendHeaders: (stream, headers, endStream) => this.sendHeaders(stream, headers, endStream),
      sendData: (stream) => this.sendData(stream),
      sendReset: (stream, code) => this.sendReset(stream, code),
      credit: (stream, n) => this.streamCredit(stream, n),
      ended: (stream) => this.streamEnded(stream),
    };
    this.out = new FrameOutput((run) => this.write(run));

    const sink: ByteSink = {
      data: (chunk) => this.onBytes(chunk),
      end: () => this.onEnd(),
      error: (error) => this.onSocketError(error),
      drain: () => this.onDrain(),
      closed: () => this.finish(),
    };
    bytes.start(sink);
    if (!server) this.out.raw(CLIENT_PREFACE);
    this.out.settings(settingsToSend(this.advertised, server));
    this.unacked.push(this.advertised);
    if (window > DEFAULT_SETTINGS.initialWindowSize) {
      this.out.windowUpdate(0, window - DEFAULT_SETTINGS.initialWindowSize);
      this.recv.available = window;
    }
    const timeout = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    if (timeout > 0) {
      this.handshakeTimer = setTimeout(() => this.handshakeTimedOut(timeout), timeout);
      unrefTimer(this.handshakeTimer);
    }
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

  /** Client: opens a stream with these request headers. Throws H2Error REFUSED_STREAM when no stream may open. */
  request(headers: readonly string[], endStream: boolean): H2Stream {
    if (this.role !== 'client') throw H2Error.local('request() is for a client connection');
    const id = this.table.nextLocalId;
    const refuse = (why: string): never => {
      throw H2Error.stream(id, ErrorCode.REFUSED_STREAM, why, 'local');
    };
    if (this.goingAway) refuse('the connection is going away (GOAWAY)');
    if (this.table.localOpen >= this.remote.maxConcurrentStreams)
      refuse(`the server allows ${this.remote.maxConcurrentStreams} concurrent streams`);
    if (id > MAX_STREAM_ID) {
      this.goaway();
      refuse('stream ids are used up on this connection');
    }
    const stream = new H2Stream(
      this,
      this.host,
      id,
      'idle',
      this.remote.initialWindowSize,
      new ReceiveWindow(this.local.initialWindowSize),
    );
    stream._request(headers, endStream); // throws (nothing sent) for a list HPACK cannot carry
    this.table.nextLocalId = id + 2;
    this.table.add(stream);
    return stream;
  }

  /** PING with 8 bytes of data (default zeros); the ACK goes to onPingAck. */
  ping(data: Uint8Array = new Uint8Array(8)): void {
    if (data.length !== 8) throw H2Error.local(`PING data is ${data.length} bytes, not 8`);
    if (this.ended) return;
    this.out.ping(data, false);
  }

  /**
   * GOAWAY with the highest stream id the peer opened. NO_ERROR (default): graceful —
   * those streams finish, no new one is accepted or opened, then the connection
   * closes. Any other code is a connection error of ours: every stream ends now.
   */
  goaway(code: number = ErrorCode.NO_ERROR, debug = ''): void {
    if (this.ended) return;
    if (code !== ErrorCode.NO_ERROR) {
      this.fail(H2Error.connection(code as ErrorCode, debug, 'local'));
      return;
    }
    this.goawaySent = this.table.lastPeerId;
    this.out.goaway(this.table.lastPeerId, code, utf8.encode(debug));
    this.closeIfDone();
  }

  /** Closes the byte stream now; open streams get onReset(CANCEL, false, error). */
  destroy(error?: Error): void {
    if (this.finished) return;
    this.endStreams(ErrorCode.CANCEL, false, error ?? new Error('the connection was destroyed'));
    this.ended = true;
    this.bytes.destroy(error);
    this.finish();
  }

  ref(): void {
    this.bytes.ref?.();
  }

  unref(): void {
    this.bytes.unref?.();
  }

  // ─── bytes in ──────────────────────────────────────────────────────────────

  private onBytes(chunk: Uint8Array): void {
    if (this.ended) return;
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.fail(asH2Error(err));
    }
  }

  private onEnd(): void {
    if (this.finished) return;
    if (!this.ended) {
      try {
        this.reader.end();
      } catch (err) {
        this.fail(asH2Error(err));
        return;
      }
    }
    this.endStreams(ErrorCode.CANCEL, true, new Error('the peer closed the connection'));
    this.close();
    this.finish();
  }

  private onSocketError(error: Error): void {
    this.endStreams(ErrorCode.INTERNAL_ERROR, true, error);
    this.ended = true;
    this.finish();
  }

  private onDrain(): void {
    this.socketBlocked = false;
    this.controlWhileBlocked = 0;
    this.pumpWaiting();
  }

  private onFrame(frame: Frame): void {
    try {
      switch (frame.type) {
        case FrameType.DATA:
          this.onData(frame);
          return;
        case FrameType.HEADERS:
          if (frame.endHeaders) this.onFieldBlock(frame.streamId, frame.fragment, frame.endStream);
          else
            this.block = {
              streamId: frame.streamId,
              endStream: frame.endStream,
              fragments: [frame.fragment],
              size: frame.fragment.length,
            };
          return;
        case FrameType.CONTINUATION: {
          const block = this.block!; // the reader let it through: a block is open on this stream
          block.fragments.push(frame.fragment);
          block.size += frame.fragment.length;
          if (frame.endHeaders) {
            this.block = undefined;
            this.onFieldBlock(block.streamId, join(block.fragments, block.size), block.endStream);
          }
          return;
        }
        case FrameType.PRIORITY:
          return; // §5.3.2: advisory, and deprecated; any state, even idle, and it opens nothing
        case FrameType.RST_STREAM:
          this.onRstStream(frame.streamId, frame.errorCode);
          return;
        case FrameType.SETTINGS:
          this.onSettings(frame);
          return;
        case FrameType.PUSH_PROMISE:
          // The reader refuses it (we never enable push); here for completeness.
          throw H2Error.connection(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE with push disabled');
        case FrameType.PING:
          this.onPing(frame.data, frame.ack);
          return;
        case FrameType.GOAWAY:
          this.onGoaway(frame);
          return;
        case FrameType.WINDOW_UPDATE:
          this.onWindowUpdate(frame);
          return;
      }
    } catch (err) {
      if (err instanceof H2Error && err.scope === 'stream') this.streamError(err);
      else throw err;
    }
  }

  private onData(frame: DataFrame): void {
    const n = frame.flowControlled;
    if (!this.recv.take(n))
      throw H2Error.connection(
        ErrorCode.FLOW_CONTROL_ERROR,
        `DATA of ${n} bytes on stream ${frame.streamId} is beyond the connection window (${this.recv.available})`,
      );
    // The connection's credit goes back whatever becomes of the stream (§6.9: DATA counts even when discarded).
    this.connectionCredit(n);
    const stream = this.table.open.get(frame.streamId);
    if (stream === undefined) {
      onReceive(this.table.stateOf(frame.streamId), { type: 'data', endStream: frame.endStream }, frame.streamId);
      return; // closed and ignored (after our RST_STREAM)
    }
    stream._state = onReceive(stream._state, { type: 'data', endStream: frame.endStream }, stream.id);
    if (!stream._headersIn)
      throw H2Error.stream(stream.id, ErrorCode.PROTOCOL_ERROR, 'DATA before the response HEADERS (§8.1)');
    if (!stream._recv.take(n))
      throw H2Error.stream(
        stream.id,
        ErrorCode.FLOW_CONTROL_ERROR,
        `DATA of ${n} bytes is beyond the stream window (${stream._recv.available})`,
      );
    if (frame.data.length > 0 || frame.endStream) {
      try {
        stream.onData(frame.data, frame.endStream);
      } catch (err) {
        this.callbackFailed(stream, err);
        return;
      }
    }
    if (frame.endStream) {
      if (stream._state === 'closed') this.table.remove(stream, 'closed');
      this.closeIfDone();
    } else if (n > 0 && !isClosed(stream._state)) stream._consumed(n);
  }

  /** A complete field block (HEADERS and its CONTINUATIONs) for `streamId`. */
  private onFieldBlock(streamId: number, block: Uint8Array, endStream: boolean): void {
    const stream = this.table.open.get(streamId);
    if (stream !== undefined) {
      this.onStreamHeaders(stream, block, endStream);
      return;
    }
    const state = this.table.stateOf(streamId);
    if (state === 'idle' && this.role === 'server' && !this.table.isLocal(streamId)) {
      this.onRequest(streamId, block, endStream);
      return;
    }
    // The block must be decoded whatever happens next: the HPACK table must follow the peer's.
    this.decodeOrStreamError(block, streamId);
    if (state === 'idle')
      throw H2Error.connection(
        ErrorCode.PROTOCOL_ERROR,
        this.table.isLocal(streamId)
          ? `HEADERS on stream ${streamId}, which we never opened`
          : `HEADERS opening stream ${streamId}: a server opens no streams`,
      );
    onReceive(state, { type: 'headers', endStream }, streamId); // throws, or it is ignored (after our RST_STREAM)
  }

  /** Server: HEADERS opening a stream. */
  private onRequest(id: number, block: Uint8Array, endStream: boolean): void {
    if (id < this.table.lastPeerId)
      throw H2Error.connection(ErrorCode.PROTOCOL_ERROR, `stream ${id} opened after ${this.table.lastPeerId} (§5.1.1)`);
    this.table.lastPeerId = id;
    let headers: string[] | undefined;
    let refused: H2Error | undefined;
    try {
      headers = this.decoder.decode(block, id);
    } catch (err) {
      if (!(err instanceof H2Error && err.scope === 'stream')) throw err;
      refused = err;
    }
    if (this.goawaySent !== undefined && id > this.goawaySent) {
      this.table.remember(id, 'closed (reset sent)'); // §6.8: after our GOAWAY, new streams are ignored
      return;
    }
    if (this.table.peerOpen >= this.advertised.maxConcurrentStreams || this.options.onStream === undefined) {
      this.control();
      this.out.rstStream(id, ErrorCode.REFUSED_STREAM); // §5.1.2; safe for the client to retry
      this.table.remember(id, 'closed (reset sent)');
      return;
    }
    const stream = new H2Stream(
      this,
      this.host,
      id,
      endStream ? 'half-closed (remote)' : 'open',
      this.remote.initialWindowSize,
      new ReceiveWindow(this.local.initialWindowSize),
    );
    stream._headersIn = true;
    this.table.add(stream);
    try {
      if (refused === undefined) this.options.onStream(stream, headers!, endStream);
      else {
        this.options.onStreamError?.(stream, refused);
        if (!stream._headersOut) stream.reset(refused.code);
      }
    } catch (err) {
      this.callbackFailed(stream, err);
    }
  }

  /** HEADERS on a stream in the map: the response (client), or trailers (either side). */
  private onStreamHeaders(stream: H2Stream, block: Uint8Array, endStream: boolean): void {
    const headers = this.decodeOrStreamError(block, stream.id);
    stream._state = onReceive(stream._state, { type: 'headers', endStream }, stream.id);
    if (headers === undefined) throw this.lastDecodeError!;
    const final = stream._headersIn;
    if (!final && this.role === 'client' && isInformational(headers)) {
      if (endStream) throw H2Error.stream(stream.id, ErrorCode.PROTOCOL_ERROR, 'a 1xx response with END_STREAM');
      return; // §8.1: 1xx responses come before the final one; gRPC has no use for them
    }
    if (final && !endStream)
      throw H2Error.stream(stream.id, ErrorCode.PROTOCOL_ERROR, 'trailers without END_STREAM (§8.1)');
    stream._headersIn = true;
    try {
      stream.onHeaders(headers, endStream);
    } catch (err) {
      this.callbackFailed(stream, err);
      return;
    }
    if (endStream && stream._state === 'closed') {
      this.table.remove(stream, 'closed');
      this.closeIfDone();
    }
  }

  private lastDecodeError: H2Error | undefined;

  /** Decodes a block; a stream-level refusal is kept in lastDecodeError (undefined returned), a connection error thrown. */
  private decodeOrStreamError(block: Uint8Array, streamId: number): string[] | undefined {
    try {
      return this.decoder.decode(block, streamId);
    } catch (err) {
      if (err instanceof H2Error && err.scope === 'stream') {
        this.lastDecodeError = err;
        return undefined;
      }
      throw err;
    }
  }

  private onRstStream(id: number, code: number): void {
    const stream = this.table.open.get(id);
    if (stream === undefined) {
      onReceive(this.table.stateOf(id), { type: 'rst-stream' }, id); // idle: PROTOCOL_ERROR; closed: ignored
      return;
    }
    const early = !stream._ended;
    stream._closeAbruptly('closed (reset received)');
    this.table.remove(stream, 'closed (reset received)');
    try {
      stream.onReset(code, true);
    } catch (err) {
      this.reportCallback(stream, err);
    }
    if (early && this.resets?.reset() === true)
      throw H2Error.connection(ErrorCode.ENHANCE_YOUR_CALM, 'too_many_resets');
    this.closeIfDone();
  }

  private onSettings(frame: SettingsFrame): void {
    if (frame.ack) {
      const acked = this.unacked.shift();
      if (acked !== undefined) this.applyLocal(acked);
      return;
    }
    const before = this.remote;
    const after = applySettings(before, frame.settings);
    this.remote = after;
    if (after.headerTableSize !== before.headerTableSize) this.encoder.setPeerMaxTableSize(after.headerTableSize);
    const delta = after.initialWindowSize - before.initialWindowSize;
    if (delta !== 0) {
      for (const stream of this.table.open.values()) {
        const next = grow(stream._sendWindow, delta);
        if (next === undefined)
          throw H2Error.connection(
            ErrorCode.FLOW_CONTROL_ERROR,
            `SETTINGS_INITIAL_WINDOW_SIZE ${after.initialWindowSize} grows stream ${stream.id}'s window past 2^31-1`,
          );
        stream._sendWindow = next;
      }
    }
    this.control();
    this.out.settingsAck();
    if (this.handshakeTimer !== undefined) {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = undefined;
    }
    this.options.onRemoteSettings?.(after);
    if (delta > 0) this.pumpWaiting();
  }

  /** The peer acknowledged our SETTINGS: they bind us from now on. */
  private applyLocal(next: Settings): void {
    const before = this.local;
    this.local = next;
    if (next.maxFrameSize !== before.maxFrameSize) this.reader.maxFrameSize = next.maxFrameSize;
    if (next.headerTableSize !== before.headerTableSize) this.decoder.setMaxTableSize(next.headerTableSize);
    if (next.initialWindowSize !== before.initialWindowSize)
      for (const stream of this.table.open.values()) stream._recv.resize(next.initialWindowSize);
  }

  private onPing(data: Uint8Array, ack: boolean): void {
    if (ack) {
      this.options.onPingAck?.(data.slice());
      return;
    }
    this.control();
    this.out.ping(data, true);
    if (this.pings?.ping(this.table.open.size) === true)
      throw H2Error.connection(ErrorCode.ENHANCE_YOUR_CALM, 'too_many_pings');
  }

  private onGoaway(frame: GoawayFrame): void {
    const last = Math.min(frame.lastStreamId, this.goawayReceived ?? MAX_STREAM_ID);
    this.goawayReceived = last;
    this.options.onGoaway?.(frame.lastStreamId, frame.errorCode, frame.debugData.slice());
    // §6.8: streams we opened above lastStreamId were not processed: the caller may retry them.
    for (const stream of [...this.table.open.values()]) {
      if (!this.table.isLocal(stream.id) || stream.id <= last) continue;
      stream._closeAbruptly('closed (reset received)');
      this.table.remove(stream, 'closed (reset received)');
      try {
        stream.onReset(ErrorCode.REFUSED_STREAM, true, new Error(`GOAWAY: stream ${stream.id} was not processed`));
      } catch (err) {
        this.reportCallback(stream, err);
      }
    }
    this.closeIfDone();
  }

  private onWindowUpdate(frame: WindowUpdateFrame): void {
    const { streamId, increment } = frame;
    if (streamId === 0) {
      const next = grow(this.sendWindow, increment);
      if (next === undefined)
        throw H2Error.connection(ErrorCode.FLOW_CONTROL_ERROR, 'WINDOW_UPDATE grows the connection window past 2^31-1');
      this.sendWindow = next;
      this.pumpWaiting();
      return;
    }
    const stream = this.table.open.get(streamId);
    if (stream === undefined) {
      onReceive(this.table.stateOf(streamId), { type: 'window-update' }, streamId);
      return;
    }
    stream._state = onReceive(stream._state, { type: 'window-update' }, streamId);
    const next = grow(stream._sendWindow, increment);
    if (next === undefined)
      throw H2Error.stream(streamId, ErrorCode.FLOW_CONTROL_ERROR, 'WINDOW_UPDATE grows the stream window past 2^31-1');
    stream._sendWindow = next;
    if (stream._hasOutput) this.sendData(stream);
  }

  // ─── errors ────────────────────────────────────────────────────────────────

  /** A stream error (§5.4.2): RST_STREAM, and the stream ends. */
  private streamError(error: H2Error): void {
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
  private fail(error: H2Error): void {
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
  private callbackFailed(stream: H2Stream, err: unknown): void {
    if (!isClosed(stream._state)) {
      this.out.rstStream(stream.id, ErrorCode.INTERNAL_ERROR);
      stream._closeAbruptly('closed (reset sent)');
      this.table.remove(stream, 'closed (reset sent)');
    }
    this.reportCallback(stream, err);
    this.closeIfDone();
  }

  private reportCallback(stream: H2Stream, err: unknown): void {
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

  private handshakeTimedOut(ms: number): void {
    this.handshakeTimer = undefined;
    if (this.ended || this.reader.settingsDone) return;
    const error = H2Error.connection(
      ErrorCode.PROTOCOL_ERROR,
      `handshake timeout: no ${this.reader.prefaceDone ? 'SETTINGS' : 'preface'} within ${ms} ms`,
    );
    if (this.reader.prefaceDone) this.fail(error);
    else {
      this.options.onError?.(error);
      this.destroy(error); // no HTTP/2 peer has shown itself: nothing to tell it
    }
  }

  /** Every open stream ends with onReset(code, byPeer, cause). */
  private endStreams(code: number, byPeer: boolean, cause: Error): void {
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

  private write(run: Uint8Array): void {
    if (this.finished || this.halfClosed) return;
    if (!this.bytes.write(run)) this.socketBlocked = true;
    else if (this.waiting.length > 0) this.pumpWaiting();
  }

  /** A frame emitted in answer to the peer: counted while the peer does not read. */
  private control(): void {
    if (this.socketBlocked && ++this.controlWhileBlocked > MAX_CONTROL_WHILE_BLOCKED)
      throw H2Error.connection(
        ErrorCode.ENHANCE_YOUR_CALM,
        `over ${MAX_CONTROL_WHILE_BLOCKED} frames to answer while the peer reads nothing`,
      );
  }

  private sendHeaders(stream: H2Stream, headers: readonly string[], endStream: boolean): void {
    if (this.ended) throw H2Error.local(`HEADERS on stream ${stream.id}: the connection is closed`);
    const block = this.encoder.encode(headers);
    this.out.fieldBlock(stream.id, block, endStream, this.remote.maxFrameSize);
    this.pings?.sent();
    stream._emittedHeaders(endStream);
  }

  private sendData(stream: H2Stream): void {
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
  private pumpWaiting(): void {
    if (this.socketBlocked || this.sendWindow <= 0 || this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const stream of waiting) {
      stream._blocked = false;
      if (!isClosed(stream._state) || stream._hasOutput) this.sendData(stream);
    }
  }

  private sendReset(stream: H2Stream, code: number): void {
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

  private streamCredit(stream: H2Stream, n: number): void {
    if (this.ended) return;
    const increment = stream._recv.consumed(n);
    if (increment > 0) this.out.windowUpdate(stream.id, increment);
  }

  private connectionCredit(n: number): void {
    const increment = this.recv.consumed(n);
    if (increment > 0) this.out.windowUpdate(0, increment);
  }

  /** END_STREAM went out on `stream`. */
  private streamEnded(stream: H2Stream): void {
    if (stream._state === 'closed') {
      this.table.remove(stream, 'closed');
      this.closeIfDone();
    } else if (this.role === 'server' && stream._state === 'half-closed (local)') {
      // The response is complete before the request: §8.1 lets the server say it needs no more (grpc-go does).
      this.out.rstStream(stream.id, ErrorCode.NO_ERROR);
      stream._closeAbruptly('closed (reset sent)');
      this.table.remove(stream, 'closed (reset sent)');
      this.closeIfDone();
    }
  }

  /** After GOAWAY either way: close once the last stream is done. */
  private closeIfDone(): void {
    if (this.table.open.size === 0 && (this.goawaySent !== undefined || this.goawayReceived !== undefined)) {
      if (this.goawaySent === undefined) {
        this.goawaySent = this.table.lastPeerId;
        this.out.goaway(this.table.lastPeerId, ErrorCode.NO_ERROR, EMPTY);
      }
      this.close();
    }
  }

  /** Half-close after what is queued; the peer gets LINGER_MS to close its side. */
  private close(): void {
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

  private finish(): void {
    if (this.finished) return;
    this.endStreams(ErrorCode.CANCEL, true, new Error('the connection closed'));
    this.ended = true;
    this.finished = true;
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.out.discard();
    this.options.onClose?.();
  }
}

/** The SETTINGS parameters that differ from the initial values (a client always says ENABLE_PUSH 0). */
function settingsToSend(s: Settings, server: boolean): Setting[] {
  const d = DEFAULT_SETTINGS;
  const out: Setting[] = [];
  if (s.headerTableSize !== d.headerTableSize) out.push({ id: SettingId.HEADER_TABLE_SIZE, value: s.headerTableSize });
  if (!server) out.push({ id: SettingId.ENABLE_PUSH, value: 0 });
  if (s.maxConcurrentStreams !== Infinity)
    out.push({ id: SettingId.MAX_CONCURRENT_STREAMS, value: s.maxConcurrentStreams });
  if (s.initialWindowSize !== d.initialWindowSize)
    out.push({ id: SettingId.INITIAL_WINDOW_SIZE, value: s.initialWindowSize });
  if (s.maxFrameSize !== d.maxFrameSize) out.push({ id: SettingId.MAX_FRAME_SIZE, value: s.maxFrameSize });
  if (s.maxHeaderListSize !== Infinity) out.push({ id: SettingId.MAX_HEADER_LIST_SIZE, value: s.maxHeaderListSize });
  return out;
}

function isInformational(headers: readonly string[]): boolean {
  return headers[0] === ':status' && headers[1]!.length === 3 && headers[1]![0] === '1';
}

function join(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function asH2Error(err: unknown): H2Error {
  if (err instanceof H2Error) return err;
  const message = err instanceof Error ? err.message : String(err);
  return H2Error.connection(ErrorCode.INTERNAL_ERROR, `internal error: ${message}`, 'local');
}

function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}
