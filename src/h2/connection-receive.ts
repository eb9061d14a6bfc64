/**
 * Frames in (RFC 9113 §6), each judged by the state of its stream (§5.1,
 * stream-state.ts) before it acts:
 *
 *     DATA            windows (connection, then stream), content-length (content-length.ts), then
 *                     onData; credit back (flow-control.ts); a run of empty ones: ENHANCE_YOUR_CALM
 *     HEADERS (+CONTINUATION)  one field block → HPACK; a new stream (server), the response, or trailers
 *     RST_STREAM      the stream ends: onReset(code, true); counted against the early-reset budget
 *     SETTINGS        the peer's apply at once and are acknowledged; an ACK makes ours bind
 *     PING            answered (ACK), and counted by the ping policy
 *     GOAWAY          streams we opened above lastStreamId were not processed: REFUSED_STREAM
 *     WINDOW_UPDATE   a send window grows (past 2^31-1: FLOW_CONTROL_ERROR); waiting DATA goes
 *     PRIORITY        ignored (§5.3.2)
 *
 * A field block is always decoded, even for a stream about to be refused or
 * already closed: the HPACK table is shared state and must follow the peer's.
 * A block refused for its own sake (too large, malformed) is a stream error;
 * the connection goes on.
 */
import { ConnectionCore } from './connection-core.js';
import { ErrorCode, H2Error } from './errors.js';
import { grow, ReceiveWindow } from './flow-control.js';
import {
  FrameType,
  MAX_STREAM_ID,
  type DataFrame,
  type Frame,
  type GoawayFrame,
  type SettingsFrame,
  type WindowUpdateFrame,
} from './frame.js';
import { applySettings, sharedSettings, type Settings } from './settings.js';
import { requestProblem, responseProblem, trailersProblem } from './pseudo-headers.js';
import { declaredLength, lengthProblem, UNDECLARED } from './content-length.js';
import { MAX_EMPTY_DATA } from './connection-options.js';
import { onReceive } from './stream-state.js';
import { H2Stream, isClosed } from './stream.js';

export abstract class FrameHandler extends ConnectionCore {
  /** @internal */
  override onFrame(frame: Frame): void {
    if (this.ended) return; // a callback closed the connection while the rest of the chunk was being read
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

  protected onData(frame: DataFrame): void {
    const n = frame.flowControlled;
    if (frame.data.length > 0 || frame.endStream) this.emptyData = 0;
    else if (++this.emptyData > MAX_EMPTY_DATA)
      throw H2Error.connection(ErrorCode.ENHANCE_YOUR_CALM, 'too_many_empty_frames');
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
    if (stream._declaredLength !== UNDECLARED) {
      stream._receivedLength += frame.data.length;
      const problem = lengthProblem(stream._declaredLength, stream._receivedLength, frame.endStream);
      if (problem !== undefined) throw H2Error.stream(stream.id, ErrorCode.PROTOCOL_ERROR, problem);
    }
    if (frame.data.length > 0 || frame.endStream) {
      try {
        stream.onData(frame.data, frame.endStream);
      } catch (err) {
        this.callbackFailed(stream, err);
        return;
      }
    }
    if (frame.endStream) {
      if (stream._state === 'closed') this.closedNormally(stream, 'closed');
    } else if (n > 0 && !isClosed(stream._state)) stream._consumed(n);
  }

  /** A complete field block (HEADERS and its CONTINUATIONs) for `streamId`. */
  protected onFieldBlock(streamId: number, block: Uint8Array, endStream: boolean): void {
    const stream = this.table.open.get(streamId);
    if (stream !== undefined) {
      this.onStreamHeaders(stream, block, endStream);
      return;
    }
    if (this.table.skipped(streamId)) {
      this.decodeOrStreamError(block, streamId);
      throw H2Error.connection(
        ErrorCode.PROTOCOL_ERROR,
        `HEADERS opening stream ${streamId} after stream ${this.table.lastPeerId} (ids must increase, §5.1.1)`,
      );
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
  protected onRequest(id: number, block: Uint8Array, endStream: boolean): void {
    this.table.lastPeerId = id; // ids above the last only (stateOf said idle): §5.1.1 holds
    const decoded = this.decodeOrStreamError(block, id);
    let refused = decoded instanceof H2Error ? decoded : undefined;
    let declared = UNDECLARED;
    if (!(decoded instanceof H2Error)) {
      const length = declaredLength(decoded);
      const problem =
        requestProblem(decoded) ??
        (typeof length === 'string' ? length : lengthProblem((declared = length), 0, endStream));
      if (problem !== undefined) refused = H2Error.stream(id, ErrorCode.PROTOCOL_ERROR, problem);
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
    stream._declaredLength = declared;
    this.table.add(stream);
    try {
      if (refused === undefined) this.options.onStream(stream, decoded as string[], endStream);
      else {
        this.options.onStreamError?.(stream, refused);
        if (!stream._headersOut) stream.reset(refused.code);
      }
    } catch (err) {
      this.callbackFailed(stream, err);
    }
  }

  /** HEADERS on a stream in the map: the response (client), or trailers (either side). */
  protected onStreamHeaders(stream: H2Stream, block: Uint8Array, endStream: boolean): void {
    const headers = this.decodeOrStreamError(block, stream.id);
    stream._state = onReceive(stream._state, { type: 'headers', endStream }, stream.id);
    if (headers instanceof H2Error) throw headers;
    const final = stream._headersIn;
    const problem = final ? trailersProblem(headers) : responseProblem(headers);
    if (problem !== undefined) throw H2Error.stream(stream.id, ErrorCode.PROTOCOL_ERROR, problem);
    if (!final && isInformational(headers)) {
      if (endStream) throw H2Error.stream(stream.id, ErrorCode.PROTOCOL_ERROR, 'a 1xx response with END_STREAM');
      return; // §8.1: 1xx responses come before the final one; gRPC has no use for them
    }
    if (final && !endStream)
      throw H2Error.stream(stream.id, ErrorCode.PROTOCOL_ERROR, 'trailers without END_STREAM (§8.1)');
    if (!final && !stream._headRequest && headers[1] !== '304') {
      const length = declaredLength(headers); // a response to HEAD, or a 304, has the length of a body it lacks
      if (typeof length === 'string') throw H2Error.stream(stream.id, ErrorCode.PROTOCOL_ERROR, length);
      stream._declaredLength = length;
    }
    const short = endStream ? lengthProblem(stream._declaredLength, stream._receivedLength, true) : undefined;
    if (short !== undefined) throw H2Error.stream(stream.id, ErrorCode.PROTOCOL_ERROR, short);
    stream._headersIn = true;
    try {
      stream.onHeaders(headers, endStream);
    } catch (err) {
      this.callbackFailed(stream, err);
      return;
    }
    if (endStream && stream._state === 'closed') this.closedNormally(stream, 'closed');
  }

  /** Decodes a block: the list, or the stream error refusing it; a connection error is thrown. */
  protected decodeOrStreamError(block: Uint8Array, streamId: number): string[] | H2Error {
    try {
      return this.decoder.decode(block, streamId);
    } catch (err) {
      if (err instanceof H2Error && err.scope === 'stream') return err;
      throw err;
    }
  }

  protected onRstStream(id: number, code: number): void {
    const stream = this.table.open.get(id);
    if (stream === undefined) {
      onReceive(this.table.stateOf(id), { type: 'rst-stream' }, id); // idle: PROTOCOL_ERROR; closed: ignored
      return;
    }
    const early = !stream._ended;
    const complete = this.role === 'client' && code === ErrorCode.NO_ERROR && stream._state === 'half-closed (remote)';
    stream._closeAbruptly('closed (reset received)');
    if (complete) {
      // §8.1: the whole response came, and the server needs no more of the request: a normal end.
      this.closedNormally(stream, 'closed (reset received)');
      return;
    }
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

  protected onSettings(frame: SettingsFrame): void {
    if (frame.ack) {
      const acked = this.settingsAcked();
      if (acked !== undefined) this.applyLocal(acked);
      return;
    }
    const before = this.remote;
    const after = sharedSettings(applySettings(before, frame.settings));
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
  protected applyLocal(next: Readonly<Settings>): void {
    const before = this.local;
    this.local = next;
    if (next.maxFrameSize !== before.maxFrameSize) this.reader.maxFrameSize = next.maxFrameSize;
    if (next.headerTableSize !== before.headerTableSize) this.decoder.setMaxTableSize(next.headerTableSize);
    if (next.initialWindowSize !== before.initialWindowSize)
      for (const stream of this.table.open.values()) {
        const increment = stream._recv.resize(next.initialWindowSize);
        if (increment > 0 && !stream._remoteEnded) this.out.windowUpdate(stream.id, increment);
      }
  }

  protected onPing(data: Uint8Array, ack: boolean): void {
    if (ack) {
      this.options.onPingAck?.(data.slice());
      return;
    }
    this.control();
    this.out.ping(data, true);
    if (this.pings?.ping(this.table.open.size) === true)
      throw H2Error.connection(ErrorCode.ENHANCE_YOUR_CALM, 'too_many_pings');
  }

  protected onGoaway(frame: GoawayFrame): void {
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

  protected onWindowUpdate(frame: WindowUpdateFrame): void {
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
