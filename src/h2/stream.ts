/**
 * One HTTP/2 stream (RFC 9113 §5): a request and its response, as callbacks — no
 * EventEmitter, no Duplex, nothing allocated per frame.
 *
 *     client                                          server
 *     Connection.request(h) ──HEADERS──────────────▶  onStream(stream, h)
 *     write(msg) / end()    ──DATA … END_STREAM────▶  onData(chunk, end)
 *     onHeaders(h, false)   ◀──HEADERS─────────────   respond(h)
 *     onData(chunk, end)    ◀──DATA────────────────   write(msg)
 *     onHeaders(t, true)    ◀──HEADERS END_STREAM──   trailers(t)
 *     onReset(code, …)      ◀──RST_STREAM──▶          reset(code)
 *     onClose()             (both END_STREAMs)        onClose()
 *
 * Sending. `write` queues the bytes by reference, and the caller gives them up:
 * they must never change again (large payloads go to the byte stream as views,
 * output.ts, written whenever the socket gets to them; gRPC's frames are fresh per
 * message). The connection moves them into its output as the stream's and the
 * connection's send windows allow, split to the peer's SETTINGS_MAX_FRAME_SIZE.
 * Nothing is dropped: `write` returns false once more than HIGH_WATER bytes wait,
 * and `onDrain` follows when they have all gone out. Trailers written after data
 * wait behind it. The state machine (stream-state.ts) follows the frames as they
 * are emitted; a call the state does not allow throws H2Error (fault local).
 *
 * Receiving. `onData` gets a view into the frame (ours to keep: the connection
 * owns the chunk it came in). The stream's flow-control credit is returned when
 * `onData` returns — unless the stream is paused: then it is held until
 * `resume()`, the window closes and the peer stops sending. The connection-level
 * credit is returned either way (one paused stream must not stall the others).
 */
import { UNDECLARED } from './content-length.js';
import { H2Error } from './errors.js';
import type { ReceiveWindow } from './flow-control.js';
import type { FrameOutput } from './output.js';
import type { Settings } from './settings.js';
import { onSend, type StreamState } from './stream-state.js';

/** The public face of a Connection, as a stream sees it (connection.ts implements it). */
export interface H2Connection {
  readonly role: 'server' | 'client';
  readonly remoteSettings: Readonly<Settings>;
  readonly openStreams: number;
  readonly goingAway: boolean;
  request(headers: readonly string[], endStream: boolean): H2Stream;
  ping(data?: Uint8Array): void;
  goaway(code?: number, debug?: string): void;
  terminate(code?: number, debug?: string): void;
  destroy(error?: Error): void;
}

/** What a stream needs from its connection (internal: connection.ts passes it in). */
export interface StreamHost {
  /** Encodes and emits a field block (HEADERS + CONTINUATION). */
  sendHeaders(stream: H2Stream, headers: readonly string[], endStream: boolean): void;
  /** The stream has queued DATA or trailers: send what the windows allow. */
  sendData(stream: H2Stream): void;
  /** Emits RST_STREAM and ends the stream. */
  sendReset(stream: H2Stream, code: number): void;
  /** Returns `n` bytes of the stream's receive credit. */
  credit(stream: H2Stream, n: number): void;
  /** END_STREAM went out on the stream. */
  ended(stream: H2Stream): void;
}

/** Queued bytes above which `write` returns false. */
export const HIGH_WATER = 65_536;

const EMPTY = new Uint8Array(0);
const noop = (): void => {};

export class H2Stream {
  readonly id: number;
  readonly connection: H2Connection;
  /** Client: response headers (endStream: a trailers-only response), then trailers (endStream true). Server: trailers from the client. */
  onHeaders: (headers: readonly string[], endStream: boolean) => void = noop;
  /** A DATA payload (a view: ours to keep; empty with endStream when the peer ends without data). */
  onData: (chunk: Uint8Array, endStream: boolean) => void = noop;
  /**
   * The stream ended abnormally: RST_STREAM in (`byPeer`) or out, or — with
   * `connectionError` — the connection went (GOAWAY below this stream: code
   * REFUSED_STREAM, not processed; socket closed or connection error: its code).
   */
  onReset: (code: number, byPeer: boolean, connectionError?: Error) => void = noop;
  /** Everything queued was sent, after `write` returned false. */
  onDrain: () => void = noop;
  /**
   * The stream is over by the normal path, once: our END_STREAM went out (trailers
   * that waited behind flow-controlled DATA included) and the peer's came — or, on
   * a server, the response was complete and the rest of the request was declined
   * with RST_STREAM(NO_ERROR) — which a client, having the whole response, also takes
   * as the normal end (§8.1). A stream ends either in onClose or in onReset, never both.
   */
  onClose: () => void = noop;

  /** @internal */ _state: StreamState;
  /** @internal Bytes the peer lets us send on this stream (may be negative, §6.9.2). */
  _sendWindow: number;
  /** @internal */ readonly _recv: ReceiveWindow;
  /** @internal The peer's HEADERS seen (client: the final response headers; server: the request). */
  _headersIn = false;
  /** @internal Whether the connection keeps this stream in its list of streams waiting for window. */
  _blocked = false;
  /** @internal We answered (server) / the response began: resets after this are not "rapid". */
  _headersOut = false;
  /** @internal The peer's content-length (content-length.ts), or UNDECLARED; and the DATA bytes received against it. */
  _declaredLength = UNDECLARED;
  _receivedLength = 0;
  /** @internal Client: the request was a HEAD (its response's content-length describes no DATA). */
  _headRequest = false;

  private readonly host: StreamHost;
  private queue: Uint8Array[] = [];
  private head = 0;
  private offset = 0;
  private queued = 0;
  /** END_STREAM asked for: after the queue (and trailers, if any). */
  private ending = false;
  private pendingTrailers: readonly string[] | undefined;
  private needDrain = false;
  private paused = false;
  private held = 0;

  /** @internal */
  constructor(
    connection: H2Connection,
    host: StreamHost,
    id: number,
    state: StreamState,
    sendWindow: number,
    recv: ReceiveWindow,
  ) {
    this.connection = connection;
    this.host = host;
    this.id = id;
    this._state = state;
    this._sendWindow = sendWindow;
    this._recv = recv;
  }

  /** The §5.1 state, as the frames emitted and received so far left it. */
  get state(): StreamState {
    return this._state;
  }

  /** Bytes written and not yet sent (waiting for window or the socket). */
  get bufferedBytes(): number {
    return this.queued;
  }

  /** Server: the response headers; with `endStream`, a response of headers alone (gRPC trailers-only). */
  respond(headers: readonly string[], endStream: boolean): void {
    if (this.connection.role !== 'server') throw H2Error.local('respond() is for a server stream');
    if (this._headersOut) throw H2Error.local(`stream ${this.id} already responded`);
    this.checkOpen('HEADERS');
    onSend(this._state, { type: 'headers', endStream }, this.id);
    this.host.sendHeaders(this, headers, endStream); // throws, before any change, on a list HPACK cannot carry
    this._headersOut = true;
    if (endStream) this.ending = true;
  }

  /** @internal Client: the request headers, sent as the stream opens. */
  _request(headers: readonly string[], endStream: boolean): void {
    this.host.sendHeaders(this, headers, endStream);
    this._headersOut = true;
    if (endStream) this.ending = true;
  }

  /**
   * DATA; false: wait for `onDrain` (the bytes are queued, never dropped, sent as the windows allow).
   * `data` is the stream's from now on: never change it again.
   */
  write(data: Uint8Array, endStream = false): boolean {
    if (this.connection.role === 'server' && !this._headersOut)
      throw H2Error.local(`stream ${this.id}: respond() before write()`);
    this.checkOpen('DATA');
    onSend(this._state, { type: 'data', endStream }, this.id);
    if (data.length > 0) {
      this.queue.push(data);
      this.queued += data.length;
    }
    if (endStream) this.ending = true;
    if (data.length > 0 || endStream) this.host.sendData(this);
    if (this.queued > HIGH_WATER) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Trailers: HEADERS with END_STREAM, after whatever DATA is queued. */
  trailers(headers: readonly string[]): void {
    if (this.connection.role === 'server' && !this._headersOut)
      throw H2Error.local(`stream ${this.id}: respond() before trailers() (or respond(headers, true) alone)`);
    this.checkOpen('trailers');
    onSend(this._state, { type: 'headers', endStream: true }, this.id);
    if (this.queued === 0) this.host.sendHeaders(this, headers, true);
    else {
      this.pendingTrailers = headers;
      this.host.sendData(this);
    }
    this.ending = true;
  }

  /** END_STREAM with no more data (an empty DATA frame with END_STREAM, after what is queued). */
  end(): void {
    this.write(EMPTY, true);
  }

  /** RST_STREAM with `code`; a stream already closed is left alone. `onReset(code, false)` follows. */
  reset(code: number): void {
    if (isClosed(this._state)) return;
    this.dropQueue();
    this.host.sendReset(this, code);
  }

  /** Stop returning flow-control credit for received DATA: the peer runs out of window and waits. */
  pause(): void {
    this.paused = true;
  }

  /** Return the credit held since `pause()`, and go on returning it as data comes. */
  resume(): void {
    this.paused = false;
    if (this.held > 0 && !isClosed(this._state)) {
      const n = this.held;
      this.held = 0;
      this.host.credit(this, n);
    }
  }

  /** @internal `n` flow-controlled bytes were handed to onData. */
  _consumed(n: number): void {
    if (this.paused) this.held += n;
    else this.host.credit(this, n);
  }

  /** @internal Whether DATA or END_STREAM waits to go out. */
  get _hasOutput(): boolean {
    if (isClosed(this._state)) return false; // reset (queue dropped), or END_STREAM both ways
    return this.queued > 0 || (this.ending && !this._ended) || this.pendingTrailers !== undefined;
  }

  /** @internal END_STREAM went out. */
  _ended = false;

  /**
   * @internal Moves queued DATA into `out` within `connWindow` and the stream's own
   * window, in frames of at most `maxFrameSize`; then the trailers or END_STREAM once
   * all is sent. Returns the connection window used.
   */
  _pump(out: FrameOutput, connWindow: number, maxFrameSize: number): number {
    if (!this._hasOutput) return 0;
    let used = 0;
    const queue = this.queue;
    while (this.head < queue.length) {
      // A frame as large as the windows and SETTINGS_MAX_FRAME_SIZE allow, across writes: a
      // 64 KiB message then ends in a frame with the next one's head, not a 5-byte frame of
      // its own (the peer pays per frame).
      const n = Math.min(this.queued, this._sendWindow, connWindow - used, maxFrameSize);
      if (n <= 0) return used;
      const end = n === this.queued && this.ending && this.pendingTrailers === undefined;
      const chunk = queue[this.head]!;
      if (n <= chunk.length - this.offset) {
        out.data(this.id, this.take(chunk, n), end);
      } else {
        out.dataHeader(this.id, n, end);
        for (let rest = n; rest > 0;) {
          const piece = queue[this.head]!;
          const k = Math.min(rest, piece.length - this.offset);
          out.payload(this.take(piece, k));
          rest -= k;
        }
      }
      used += n;
      this._sendWindow -= n;
      this.queued -= n;
      if (end) this.emittedEnd('data');
    }
    this.queue = [];
    this.head = 0;
    if (this.pendingTrailers !== undefined) {
      const trailers = this.pendingTrailers;
      this.pendingTrailers = undefined;
      this.host.sendHeaders(this, trailers, true);
    } else if (this.ending && !this._ended) {
      out.data(this.id, EMPTY, true);
      this.emittedEnd('data');
    }
    return used;
  }

  /** The next `n` bytes of `chunk` (the queue's head), which moves past them. */
  private take(chunk: Uint8Array, n: number): Uint8Array {
    const from = this.offset;
    if (n === chunk.length - from) {
      this.queue[this.head++] = EMPTY;
      this.offset = 0;
      return from === 0 ? chunk : chunk.subarray(from);
    }
    this.offset = from + n;
    return chunk.subarray(from, from + n);
  }

  /** @internal After a pump: whether `onDrain` is due (the queue emptied after `write` returned false). */
  _drainDue(): boolean {
    if (!this.needDrain || this.queued > 0) return false;
    this.needDrain = false;
    return true;
  }

  /** @internal A field block for this stream was emitted. */
  _emittedHeaders(endStream: boolean): void {
    if (endStream) this.emittedEnd('headers');
    else this._state = onSend(this._state, { type: 'headers', endStream: false }, this.id);
  }

  private emittedEnd(type: 'headers' | 'data'): void {
    this._ended = true;
    this._state = onSend(this._state, { type, endStream: true }, this.id);
    this.host.ended(this);
  }

  /** @internal The peer sent END_STREAM (or the stream closed): no more DATA will come, no credit is owed. */
  get _remoteEnded(): boolean {
    const s = this._state;
    return s === 'half-closed (remote)' || isClosed(s);
  }

  /** @internal The stream ended (reset either way, or the connection went): nothing more goes out. */
  _closeAbruptly(state: StreamState): void {
    this._state = state;
    this.dropQueue();
  }

  private dropQueue(): void {
    this.queue = [];
    this.head = this.offset = this.queued = 0;
    this.pendingTrailers = undefined;
    this.needDrain = false;
  }

  private checkOpen(what: string): void {
    if (this.ending) throw H2Error.local(`${what} on stream ${this.id} after its END_STREAM`);
    if (isClosed(this._state)) throw H2Error.local(`${what} on stream ${this.id}, which is ${this._state}`);
  }
}

export function isClosed(state: StreamState): boolean {
  return state === 'closed' || state === 'closed (reset sent)' || state === 'closed (reset received)';
}
