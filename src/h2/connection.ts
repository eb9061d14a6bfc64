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
 *
 * The class is built in three layers, each a file: ConnectionCore (state,
 * sending, ending: connection-core.ts), FrameHandler (frames in:
 * connection-receive.ts), and this one — the public API and the byte stream's
 * events. Options and defaults: connection-options.ts.
 */
import type { ByteStream } from './byte-stream.js';
import {
  checkSettings,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  settingsToSend,
  type ConnectionOptions,
} from './connection-options.js';
import { asH2Error, unrefTimer, utf8 } from './connection-core.js';
import { FrameHandler } from './connection-receive.js';
import { ErrorCode, errorCodeName, H2Error } from './errors.js';
import { ReceiveWindow } from './flow-control.js';
import { MAX_STREAM_ID } from './frame.js';
import { DEFAULT_SETTINGS, sharedSettings, type Settings } from './settings.js';
import { H2Stream, type H2Connection } from './stream.js';

export type { ConnectionOptions, PingPolicy } from './connection-options.js';

/**
 * Exported as `Connection`. Declared under another name because the package's bundle also holds the channel's
 * `Connection` (src/http2/subchannel.ts, public in wiregrpc/http2): esbuild would rename one of the two to
 * `Connection2`, and that is the name util.inspect and stack traces would show (test/h2/bundle-names.test.ts).
 */
class Http2Connection extends FrameHandler implements H2Connection {
  constructor(bytes: ByteStream, options: ConnectionOptions) {
    super(bytes, options);
    const window = this.connectionWindowSize;
    bytes.start(this.wiring);
    if (window > DEFAULT_SETTINGS.initialWindowSize) {
      this.out.windowUpdate(0, window - DEFAULT_SETTINGS.initialWindowSize);
      this.recv.available = window;
    }
    const timeout = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    if (timeout > 0 && Number.isFinite(timeout)) {
      this.handshakeTimer = setTimeout(() => this.handshakeTimedOut(timeout), timeout);
      unrefTimer(this.handshakeTimer);
    }
  }

  /** Client: opens a stream with these request headers. Throws H2Error REFUSED_STREAM when no stream may open. */
  request(headers: readonly string[], endStream: boolean): H2Stream {
    if (this.role !== 'client') throw H2Error.local('request() is for a client connection');
    const id = this.table.nextLocalId;
    if (this.goingAway) refuse(id, 'the connection is going away (GOAWAY)');
    if (this.table.localOpen >= this.remote.maxConcurrentStreams)
      refuse(id, `the server allows ${this.remote.maxConcurrentStreams} concurrent streams`);
    if (id > MAX_STREAM_ID) {
      this.goaway();
      refuse(id, 'stream ids are used up on this connection');
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
    stream._headRequest = isHead(headers);
    this.table.nextLocalId = id + 2;
    this.table.add(stream);
    return stream;
  }

  /**
   * Announces new SETTINGS mid-connection (what changed from the last announcement).
   * They bind us once the peer acknowledges them: a smaller INITIAL_WINDOW_SIZE
   * then shrinks every stream's receive window, a larger MAX_FRAME_SIZE lets the
   * peer send larger frames. MAX_HEADER_LIST_SIZE is fixed at construction.
   */
  settings(changes: Partial<Settings>): void {
    if (this.ended) return;
    if (changes.maxHeaderListSize !== undefined && changes.maxHeaderListSize !== this.advertised.maxHeaderListSize)
      throw H2Error.local('MAX_HEADER_LIST_SIZE is fixed when the connection is made');
    const next = sharedSettings({ ...this.advertised, ...changes });
    const list = settingsToSend(next, this.role === 'server', this.advertised);
    checkSettings(list);
    this.advertised = next;
    this.out.settings(list);
    this.settingsSent(next);
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
    if (this.goawaySent !== undefined) return; // said once: the last stream id cannot grow, and need not be repeated
    this.goawaySent = this.table.lastPeerId;
    this.out.goaway(this.table.lastPeerId, code, utf8.encode(debug));
    this.closeIfDone();
  }

  /**
   * Ends the connection now, but in order: GOAWAY(code) naming the last stream
   * processed, every open stream ends (onReset(CANCEL, or the code if not NO_ERROR,
   * false, error)), what is queued goes out, then FIN; the byte stream is destroyed
   * if the peer has not closed within 5 s. (destroy() drops the queue and closes at
   * once: the peer may see a reset.) For a forced shutdown after a graceful goaway().
   */
  terminate(code: number = ErrorCode.NO_ERROR, debug = ''): void {
    if (this.ended) return;
    this.goawaySent = this.table.lastPeerId;
    this.out.goaway(this.table.lastPeerId, code, utf8.encode(debug));
    const cause = new Error(`the connection was terminated (${errorCodeName(code)}${debug ? `: ${debug}` : ''})`);
    this.endStreams(code === ErrorCode.NO_ERROR ? ErrorCode.CANCEL : code, false, cause);
    this.close();
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

  /** @internal */
  override onBytes(chunk: Uint8Array): void {
    if (this.ended) return;
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.fail(asH2Error(err));
    }
  }

  /** @internal */
  override onEnd(): void {
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

  /** @internal */
  override onSocketError(error: Error): void {
    this.endStreams(ErrorCode.INTERNAL_ERROR, true, error);
    this.ended = true;
    this.finish();
  }

  /** @internal */
  override onDrain(): void {
    this.socketBlocked = false;
    this.controlWhileBlocked = 0;
    this.pumpWaiting();
  }

  protected handshakeTimedOut(ms: number): void {
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
}

export { Http2Connection as Connection };

/** request() cannot open a stream now: REFUSED_STREAM of this side's making (nothing was sent; retry elsewhere). */
function refuse(id: number, why: string): never {
  throw H2Error.stream(id, ErrorCode.REFUSED_STREAM, why, 'local');
}

/** The request's :method is HEAD (pseudo-headers come first). */
function isHead(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length && headers[i]!.charCodeAt(0) === 0x3a; i += 2)
    if (headers[i] === ':method') return headers[i + 1] === 'HEAD';
  return false;
}
