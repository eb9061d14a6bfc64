/**
 * One gRPC call on the client: an HTTP/2 stream, seen as framed bytes.
 *
 *   request   HEADERS (request-headers.ts) · DATA: [flag][len][message]… · END_STREAM
 *   response  HEADERS :status 200, content-type, metadata
 *             DATA: [flag][len][message]…
 *             HEADERS (trailers): grpc-status, grpc-message, metadata · END_STREAM
 *         or  one HEADERS with grpc-status and END_STREAM ("Trailers-Only")
 *
 * The call ends exactly once, reporting a status to its listener: the
 * server's grpc-status or, when it sends none, one worked out from what
 * happened — HTTP status, content-type, RST_STREAM, a lost connection, our
 * deadline or cancel (response-status.ts has the table).
 *
 * Reading is pull-based: `pause()` stops taking data off the stream, so HTTP/2
 * flow control makes the server wait. Writing is request-writer.ts's (the
 * frames of one tick in one write, compression, the wait for a stream, replay)
 * and reports backpressure: `send`/`sendFrame` return a promise when the caller
 * should wait; `sendLastFrame` is a one-request call's frame and END_STREAM together.
 *
 * The stream's events come through module-level listeners (client-stream-events.ts),
 * so a call allocates no closures.
 */
import { Code } from '../wire/grpc/code.js';
import { DeadlineTimer } from '../wire/grpc/deadline-timer.js';
import { Deframer } from '../wire/grpc/deframer.js';
import { GrpcError } from '../wire/grpc/error.js';
import { FLAG_COMPRESSED, sendLimitError } from '../wire/grpc/frame.js';
import { Metadata, type HeaderRecord } from '../wire/grpc/metadata.js';
import { statusFromTrailers } from '../wire/grpc/status.js';
import type { Channel, ChannelCall, Connection } from './channel.js';
import { MessageReader, type MessageSink } from './message-reader.js';
import type { ClientSessionStream, ReceivedHeaders } from './h2-client-session.js';
import { bind, resetStream, unbind } from './client-stream-events.js';
import { frameOf } from './message-writer.js';
import { RequestWriter } from './request-writer.js';
import { callHeaders } from './request-headers.js';
import {
  cancelledError,
  isTrailersOnly,
  metadataOf,
  responseHeadersError,
  statusWithoutTrailers,
} from './response-status.js';
import { RST_CANCEL, RST_NO_ERROR, RST_REFUSED_STREAM } from './rst-code.js';
import { traceClientStream, tracing } from './trace.js';
import type { ClientStreamListener, ClientStreamOptions, OutgoingCall } from './outgoing-call.js';
import { metadataFromHeaders } from '../wire/grpc/received-metadata.js';

export type { ClientStreamListener, ClientStreamOptions, OutgoingCall } from './outgoing-call.js';

const EMPTY = Object.freeze(new Metadata()) as Metadata;

export class ClientStream implements OutgoingCall, ChannelCall, MessageSink {
  readonly waitForReady: boolean;
  /** True once the call has ended (status known, cancelled, failed). */
  finished = false;
  /**
   * @internal Set when the call failed without the server having processed it
   * (refused with REFUSED_STREAM before any response — also what a stream above
   * a GOAWAY's last-stream-id gets — or it never left the client) and could not
   * be replayed here: a retrying call above may send it again without counting
   * an attempt (gRFC A6, transparent retry).
   */
  unprocessed = false;

  private readonly deadline: number | undefined;
  private readonly metadata: Metadata | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly encoding: string | undefined;
  private readonly maxSend: number;
  private readonly previousAttempts: number | undefined;
  /** Response DATA in, messages out (message-reader.ts). */
  private readonly reader: MessageReader;
  private conn: Connection | undefined;
  private stream: ClientSessionStream | undefined;
  private timer: DeadlineTimer<ClientStream> | undefined;
  /** Request messages out (request-writer.ts). */
  private readonly requests: RequestWriter;
  private retried = false;
  private paused = false;
  private headersReceived = false;
  /** Response data that came before the response headers (see onData). */
  private early: Uint8Array[] | undefined;
  /** Reached the end of the response body ('end'); the status follows once queued messages are out. */
  private bodyEnded = false;
  /** The block holding the status: trailers, or the headers of a Trailers-Only response. */
  private statusBlock: HeaderRecord | undefined;
  private attachFailures = 0;
  /** Streaming requests only: resets a stream still sending with CANCEL alone, no END_STREAM (resetStream). */
  private canceller: AbortController | undefined;

  constructor(
    readonly channel: Channel,
    /** `:path`, e.g. `/proto.UserInfo/GetUserInfo`. */
    readonly path: string,
    private readonly listener: ClientStreamListener,
    options: ClientStreamOptions = {},
  ) {
    this.deadline = options.deadline;
    this.metadata = options.metadata;
    this.signal = options.signal;
    this.encoding = options.compression === 'identity' ? undefined : options.compression;
    this.waitForReady = options.waitForReady === true;
    this.maxSend = options.maxSendMessageLength ?? channel.maxSendMessageLength;
    this.previousAttempts = options.previousAttempts;
    this.requests = new RequestWriter(this, this.encoding, options.compressMessage, options.replayable === true);
    const maxReceive = options.maxReceiveMessageLength ?? channel.maxReceiveMessageLength;
    const frames = new Deframer({ maxMessageLength: maxReceive, allowedFlags: FLAG_COMPRESSED });
    this.reader = new MessageReader(this, frames, maxReceive, 'response');
  }

  /** Starts the call: asks the channel for a connection. */
  start(): void {
    if (this.deadline !== undefined) {
      if (this.deadline <= Date.now()) {
        this.finish(
          new GrpcError(Code.DEADLINE_EXCEEDED, this.describe('deadline exceeded before the call started')),
          EMPTY,
        );
        return;
      }
      this.timer = new DeadlineTimer<ClientStream>(this.deadline, onDeadline, this); // deadlines past setTimeout's ceiling too
    }
    if (this.signal !== undefined) {
      if (this.signal.aborted) {
        this.finish(cancelledError(this.signal.reason), EMPTY);
        return;
      }
      this.signal.addEventListener('abort', this);
    }
    this.channel.start(this);
  }

  /**
   * Sends one message (it is framed, and compressed if asked). Returns a promise
   * when the caller should wait before sending more (backpressure); it also
   * resolves if the call ends meanwhile.
   */
  send(message: Uint8Array): Promise<void> | undefined {
    if (this.finished) return undefined;
    return this.sendFrame(frameOf(message, false));
  }

  /** Where to frame streamed request messages (`encodeFramed(codec, message, alloc)`) before `sendFrame`. */
  get frameAllocator(): (length: number) => Uint8Array {
    return this.requests.frameAllocator;
  }

  /**
   * `send` for a message already framed as uncompressed ([0][length][message],
   * what `encodeFramed` (wire/grpc/frame.ts) gives): written as is, or re-framed from its
   * payload when compressed.
   */
  sendFrame(frame: Uint8Array): Promise<void> | undefined {
    if (this.finished || this.overSendLimit(frame)) return undefined;
    return this.requests.send(frame);
  }

  /**
   * `sendFrame(frame)` then `end()`, for a call's one and only request (unary,
   * server-streaming): the frame and END_STREAM leave together.
   */
  sendLastFrame(frame: Uint8Array): void {
    if (this.finished || this.overSendLimit(frame)) return;
    this.requests.sendLastFrame(frame);
  }

  /** A frame over the send limit fails the call (RESOURCE_EXHAUSTED). */
  private overSendLimit(frame: Uint8Array): boolean {
    const error = sendLimitError(frame, this.maxSend, 'request');
    if (error !== undefined) this.cancel(error);
    return error !== undefined;
  }

  /** No more request messages: half-closes the stream (END_STREAM). */
  end(): void {
    if (!this.finished) this.requests.end();
  }

  /** Ends the call now with `error` (CANCELLED by default) and resets the stream with CANCEL. */
  cancel(error: GrpcError = new GrpcError(Code.CANCELLED, 'call cancelled by the client')): void {
    if (this.finished) return;
    this.finish(error, error.metadata);
    this.reset(RST_CANCEL);
  }

  /** Stop reading: the server's data stays in flow-control windows until `resume()`. */
  pause(): void {
    this.paused = true;
    this.stream?.pause();
  }

  resume(): void {
    this.paused = false;
    this.stream?.resume();
  }

  /** @internal AbortSignal listener (an object listener: no closure per call). */
  handleEvent(): void {
    this.cancel(cancelledError(this.signal?.reason));
  }

  /** `<cause> (target localhost:50051, method /proto.UserInfo/GetUserInfo)`. */
  describe(cause: string): string {
    return `${cause} (target ${this.channel.target.text}, method ${this.path})`;
  }

  // ── ChannelCall ─────────────────────────────────────────────────────────────

  /** ChannelCall (the channel calls it, not you): the connection is ready, open the stream on it. */
  attach(conn: Connection): void {
    if (this.finished) return;
    const timeout = this.deadline === undefined ? undefined : Math.max(1, this.deadline - Date.now());
    const headers = callHeaders(
      this.channel.methodHeaders(this.path),
      timeout,
      this.encoding,
      this.metadata,
      this.previousAttempts,
    );
    let stream: ClientSessionStream;
    try {
      if (!this.requests.replayable) this.canceller = new AbortController();
      stream = conn.session.request(
        headers,
        this.canceller === undefined ? undefined : { signal: this.canceller.signal },
      );
    } catch (err) {
      // The session was closing (GOAWAY we had not processed yet) or broken: nothing was sent.
      this.channel.connectionBroken(conn, err as Error);
      if (++this.attachFailures < 3) this.channel.start(this);
      else this.unavailable((err as Error).message, err as Error);
      return;
    }
    conn.streamStarted();
    this.conn = conn;
    this.stream = stream;
    if (tracing) traceClientStream(stream, headers); // WIREGRPC_TRACE=1: src/http2/trace.ts
    bind(stream, this);
    if (this.paused) stream.pause();
    this.requests.attach(stream);
  }

  /** ChannelCall (the channel calls it, not you): no connection could be had. */
  unavailable(cause: string, error?: Error): void {
    if (this.finished) return;
    this.finish(new GrpcError(Code.UNAVAILABLE, this.describe(cause), error ? { cause: error } : undefined), EMPTY);
  }

  // ── the stream's events (client-stream-events.ts) ───────────────────────────

  /** @internal 'response': the response headers, or a Trailers-Only status. */
  onResponse(headers: ReceivedHeaders, flags: number): void {
    if (this.finished) return;
    if (isTrailersOnly(headers, flags)) {
      this.statusBlock = headers as HeaderRecord; // the status is in the headers
      return;
    }
    const notGrpc = responseHeadersError(headers, this);
    if (notGrpc !== undefined) {
      this.fail(notGrpc);
      return;
    }
    const encoding = headers['grpc-encoding'];
    if (encoding !== undefined && encoding !== 'identity') this.reader.encoding = String(encoding);
    let md: Metadata;
    try {
      md = metadataFromHeaders(headers as HeaderRecord);
    } catch (err) {
      this.fail(GrpcError.from(err, Code.INTERNAL));
      return;
    }
    this.headersReceived = true;
    this.listener.onHeaders(md);
    const early = this.early;
    if (early !== undefined) {
      this.early = undefined;
      for (const chunk of early) this.onData(chunk);
    }
  }

  /** @internal 'data': a chunk of the response body. */
  onData(chunk: Uint8Array): void {
    if (this.finished) return;
    if (!this.headersReceived) {
      // Deno (2.9) can emit a DATA frame's 'data' before the HEADERS frame's 'response' when both come in
      // one read: hold it until the headers (and their grpc-encoding) are known. (test/runtimes/repro/deno-data-before-response.mjs)
      (this.early ??= []).push(chunk);
      return;
    }
    this.reader.push(chunk);
  }

  /** MessageSink (the message reader calls it, not you): still taking response messages. */
  get receiving(): boolean {
    return !this.finished;
  }

  /** MessageSink (the message reader calls it, not you): one response message, decompressed. */
  onMessage(data: Uint8Array, compressed: boolean): void {
    this.listener.onMessage(data, compressed);
  }

  /** MessageSink (the message reader calls it, not you): the response body cannot be read. */
  onReadError(error: GrpcError): void {
    this.fail(error);
  }

  /** @internal 'trailers': the status block (reported once the body has ended). */
  onTrailers(trailers: HeaderRecord): void {
    this.statusBlock = trailers;
  }

  /**
   * @internal 'end': the response body is over. With trailers, the status is
   * reported once the queued messages are out. Without, the stream was cut
   * off: a lost connection is UNAVAILABLE whatever the body held (a message
   * cut in half by it is the connection's fault, not the server's), and only
   * a stream the server ended itself is judged by its body (INTERNAL).
   */
  onBodyEnd(): void {
    this.bodyEnded = true;
    if (this.finished) return;
    if (this.statusBlock === undefined && this.conn?.lost !== undefined) {
      this.endedWithoutStatus();
      return;
    }
    const inflating = this.reader.end();
    if (inflating === undefined) this.complete();
    else void inflating.then(() => this.complete()); // never rejects: inflation failures are read errors
  }

  /** @internal 'close': the stream is gone; without a body end first, it was reset or lost. */
  onClose(): void {
    if (this.finished || this.bodyEnded) return;
    this.endedWithoutStatus();
  }

  /** @internal 'drain': the stream's buffer went below its mark. */
  onDrain(): void {
    this.requests.drained();
  }

  // ── internals ──────────────────────────────────────────────────────────────

  /** The body ended and every message is out: report the status. */
  private complete(): void {
    if (this.finished) return;
    const block = this.statusBlock;
    if (block === undefined) {
      this.endedWithoutStatus();
      return;
    }
    const error = statusFromTrailers(block);
    this.finish(error, error === undefined ? metadataOf(block) : error.metadata);
    // The server has answered; if we were still sending, stop (RFC 9113 §8.1).
    if (this.stream !== undefined && !this.stream.writableEnded) this.reset(RST_NO_ERROR);
  }

  /**
   * The stream is over and no status came: it was reset (RST_STREAM, which
   * node:http2 reports as a closed stream, sometimes after an 'end'), the
   * connection went away, or the server ended the body without trailers.
   */
  private endedWithoutStatus(): void {
    const stream = this.stream!;
    const rst = stream.closed ? (stream.rstCode ?? RST_NO_ERROR) : RST_NO_ERROR;
    // No stream id yet: the HEADERS never left us (the session went before it could send them).
    const neverSent = stream.pending || stream.id === undefined;
    if ((rst === RST_REFUSED_STREAM || neverSent) && this.canReplay(neverSent)) return;
    if ((rst === RST_REFUSED_STREAM || neverSent) && !this.headersReceived) this.unprocessed = true;
    const cause = rst === RST_REFUSED_STREAM ? undefined : this.conn?.lost;
    const lost = cause === undefined ? undefined : { address: this.conn!.address, cause };
    const error = statusWithoutTrailers(rst, lost, this, stream.resetByUs === true);
    // Ended by the server without a status (INTERNAL): our side may still be open, so reset it.
    if (lost === undefined && rst === RST_NO_ERROR) this.fail(error);
    else this.finish(error, EMPTY);
  }

  /** Ends the call with an error found on our side, and resets the stream. */
  private fail(error: GrpcError): void {
    if (this.finished) return;
    this.finish(error, error.metadata);
    this.reset(RST_CANCEL);
  }

  private reset(code: number): void {
    if (this.stream !== undefined) resetStream(this.stream, code, this.canceller);
    else this.channel.forget(this);
  }

  /**
   * Transparent retry (gRFC A6), for a call that sends one message (its frame
   * is kept): REFUSED_STREAM before any response means the server did not
   * process it — send it again, once. A stream that never left the client goes
   * again too, as often as opening one may fail (`attachFailures`, bounded).
   * Either way it goes through `channel.start`, so a channel that cannot
   * connect fails it at once unless it waits for ready.
   */
  private canReplay(neverSent: boolean): boolean {
    if (!this.requests.replayable || this.headersReceived || !this.requests.endReady) return false;
    if (neverSent) {
      if (++this.attachFailures >= 3) return false;
    } else {
      if (this.retried) return false;
      this.retried = true;
    }
    this.conn!.streamEnded();
    unbind(this.stream!);
    this.stream = undefined;
    this.conn = undefined;
    this.requests.rewind();
    this.channel.start(this);
    return true;
  }

  private finish(error: GrpcError | undefined, trailers: Metadata): void {
    if (this.finished) return;
    this.finished = true;
    this.timer?.clear();
    this.signal?.removeEventListener('abort', this);
    this.conn?.streamEnded();
    this.requests.close();
    this.listener.onStatus(error, trailers);
  }

  /** @internal Deadline timer (module-level handler below). */
  expire(): void {
    if (this.finished) return;
    const where = this.stream === undefined ? 'while waiting for a connection' : 'waiting for the server';
    this.cancel(new GrpcError(Code.DEADLINE_EXCEEDED, this.describe(`deadline exceeded ${where}`)));
  }
}

function onDeadline(call: ClientStream): void {
  call.expire();
}
