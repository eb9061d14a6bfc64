/**
 * One incoming gRPC call as the transport sees it (the client's mirror is
 * client-stream.ts): framed request messages in; headers, framed response
 * messages and the status out. Bytes and headers only: src/service decodes.
 *
 *   checked and made by server-transport.ts → handed to the service layer
 *   (src/service/server.ts), which takes the requests: `singleRequest(then)` or
 *   `read()` (request-queue.ts, message-reader.ts) → answers: `sendHeaders`,
 *   `sendFrame` (one write per tick, message-writer.ts; 'drain' past its queue
 *   limit), `finish(status)`, or `sendLastFrame` (message + status +
 *   END_STREAM in one go). Nothing sent yet → Trailers-Only. The client's
 *   RST_STREAM, a lost connection or the deadline abort `signal`; nothing is
 *   written after.
 *
 * gRPC-Web (grpc-web.ts) is this class with another `CallProtocol`
 * (call-protocol.ts: the status in the body); the stream a `StreamLike`
 * (stream-like.ts: node:http2's, or http1-stream.ts's look-alike).
 */
import type { Buffer } from 'node:buffer';
import { Code } from '../wire/grpc/code.js';
import { DeadlineTimer } from '../wire/grpc/deadline-timer.js';
import { errorWithoutStack, GrpcError } from '../wire/grpc/error.js';
import { FRAME_HEADER_LENGTH, sendLimitError } from '../wire/grpc/frame.js';
import { Metadata, type HeaderRecord } from '../wire/grpc/metadata.js';
import { GRPC_PROTOCOL, type CallConfig, type CallProtocol } from './call-protocol.js';
import { acceptsEncoding, compressedFrame, isSupportedEncoding } from './compression.js';
import { frameOf, MessageWriter, mustWait, type FrameTarget } from './message-writer.js';
import { hasMetadata, receivedHeader, receivedRecord, type ReceivedHeaders } from './received-headers.js';
import { peerAddress, peerCertificate, type PeerCertificate } from './peer.js';
import { RequestQueue, type RequestOwner, type SingleRequestThen } from './request-queue.js';
import { OK_TRAILERS, responseHeaders, responseHeadersWith, trailers, trailersOnly } from './response-headers.js';
import { RST_CANCEL, RST_NO_ERROR, rstCodeName } from './rst-code.js';
import type { StreamLike, StreamTally } from './stream-like.js';
import { askForTrailers, listenTo, resetAfterStatus, waitForDrain } from './server-stream-events.js';
import { metadataFromHeaders } from '../wire/grpc/received-metadata.js';

export type { CallConfig, CallProtocol } from './call-protocol.js';
export type { StreamLike, StreamTally } from './stream-like.js';

const OPEN = 0; // nothing sent yet
const HEADERS_SENT = 1;
const DONE = 2; // status sent, or the stream is gone

export class ServerStream implements FrameTarget, RequestOwner {
  private readonly stream: StreamLike;
  /** The request's header fields, kept only when some are metadata (received-headers.ts). */
  private readonly received: ReceivedHeaders | undefined;
  /** `grpc-accept-encoding`: which encodings the client takes for our responses. */
  private readonly acceptEncoding: string | undefined;
  /** `:path`: `/package.Service/Method`. */
  readonly path: string;
  /** Epoch milliseconds, from `grpc-timeout`; undefined when the client set none. */
  readonly deadline: number | undefined;
  /** `grpc-encoding` of the request messages ("identity" = none). */
  readonly requestEncoding: string;
  /** `grpc-encoding` of our response messages ("identity" = none); see `useResponseEncoding`. */
  responseEncoding: string;
  /** With a response encoding: false sends the next messages uncompressed (the flag is per message). */
  compressResponses = true;

  private readonly config: CallConfig;
  /** gRPC or gRPC-Web: how headers, messages and the status are written. */
  private readonly protocol: CallProtocol;
  /** Kept: `stream.session` is gone once the stream closes. */
  private readonly session: StreamLike['session'];
  /** The request messages, as the handler takes them. */
  private readonly requests: RequestQueue<ServerStream>;
  private state = OPEN;
  private timer: DeadlineTimer<ServerStream> | undefined;
  private trailerBlock: Readonly<HeaderRecord> | undefined;
  private resetAfterTrailers = false;
  private controller: AbortController | undefined;
  private abortReason: GrpcError | undefined;
  private md: Metadata | undefined;
  private drainWaiter: (() => void) | undefined;
  /** The connection's count of calls; told once, when the stream closes. */
  private tally: StreamTally | undefined;
  /** Response frames on their way out, gathered per tick. */
  private out: MessageWriter | undefined; // made on the first streamed message: a unary call never needs one
  /** The last write said the stream's buffer is over its mark. */
  private congested = false;

  /**
   * Takes over the stream (its request, checked by the transport): listens
   * to it and starts the deadline. The service layer then takes the requests
   * with `singleRequest(then)` or `read()`; nothing runs until it does.
   */
  constructor(
    stream: StreamLike,
    headers: ReceivedHeaders,
    config: CallConfig,
    requestEncoding: string,
    responseEncoding: string,
    timeoutMs: number | undefined,
    protocol: CallProtocol = GRPC_PROTOCOL,
    tally?: StreamTally,
  ) {
    this.stream = stream;
    this.path = receivedHeader(headers, ':path')!;
    this.acceptEncoding = receivedHeader(headers, 'grpc-accept-encoding');
    this.received = hasMetadata(headers) ? headers : undefined;
    this.session = stream.session;
    this.config = config;
    this.requestEncoding = requestEncoding;
    this.responseEncoding = responseEncoding;
    this.protocol = protocol;
    this.tally = tally;
    this.requests = new RequestQueue<ServerStream>(
      this,
      stream,
      protocol.deframer(config),
      config.maxReceiveMessageLength,
      requestEncoding,
    );
    listenTo(stream, this);
    if (timeoutMs !== undefined) {
      this.deadline = Date.now() + timeoutMs;
      this.timer = new DeadlineTimer<ServerStream>(this.deadline, onDeadline, this); // deadlines past setTimeout's ceiling too
    }
  }

  // ─── What the handler sees ──────────────────────────────────────────────

  /** Request metadata (parsed on first use). Throws GrpcError(INTERNAL) for malformed metadata. */
  get metadata(): Metadata {
    return (this.md ??=
      this.received === undefined ? new Metadata() : metadataFromHeaders(receivedRecord(this.received)));
  }

  /** `ip:port` (`[v6]:port`) of the client, or `unix:` for a unix socket. */
  get peer(): string {
    return peerAddress(this.session);
  }

  /** The client's TLS certificate (mutual TLS), if any. */
  get peerCertificate(): PeerCertificate | undefined {
    return peerCertificate(this.session);
  }

  /** Aborted (with a GrpcError reason) on client cancel, deadline, lost connection or a receive error. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** The status is sent or the stream is gone: writes are ignored from now on. */
  get done(): boolean {
    return this.state === DONE;
  }

  /** Nothing has been sent yet: `sendHeaders` would send the response headers. */
  get headersPending(): boolean {
    return this.state === OPEN;
  }

  /** Why the call was aborted, if it was. */
  get cancelReason(): GrpcError | undefined {
    return this.abortReason;
  }

  // ─── Receiving ─────────────────────────────────────────────────────────

  /**
   * The one request (unary, server-streaming), in place of `read()`:
   * `then(arg, request, this)` once the client has half-closed, or never if
   * the call ends first (its status is then sent, or the stream gone;
   * request-queue.ts).
   */
  singleRequest<A>(then: SingleRequestThen<A, ServerStream>, arg: A): void {
    this.requests.singleRequest(then, arg);
  }

  /** The next request message, or undefined once the client has half-closed. Rejects with what ended the call. */
  read(): Promise<Uint8Array | undefined> {
    return this.requests.read();
  }

  /** A request message already received, now; undefined when none waits (then `read()`). */
  readQueued(): Uint8Array | undefined {
    return this.requests.readQueued();
  }

  /** Whether the request message most recently handed over arrived compressed (its frame's flag). */
  get requestCompressed(): boolean {
    return this.requests.lastCompressed;
  }

  /** @internal 'data' from the stream. */
  receive(chunk: Buffer): void {
    if (this.receiving) this.requests.push(chunk);
  }

  /** @internal 'end' from the stream: the client half-closed. */
  receiveEnd(): void {
    if (this.receiving) this.requests.end();
  }

  /** RequestOwner: still taking request messages. */
  get receiving(): boolean {
    return this.state !== DONE && this.abortReason === undefined;
  }

  // ─── Sending ───────────────────────────────────────────────────────────

  /**
   * Compresses this call's responses with `name` ("identity": not at all)
   * instead of the server's default. Only before the headers are sent, and
   * only with an encoding the client accepts; returns whether it applies.
   */
  useResponseEncoding(name: string): boolean {
    if (this.state !== OPEN || !isSupportedEncoding(name) || !acceptsEncoding(this.acceptEncoding, name)) return false;
    this.responseEncoding = name;
    return true;
  }

  /** Sends the response headers now (with custom metadata). Later calls do nothing. */
  sendHeaders(metadata?: Metadata): void {
    if (this.state !== OPEN) return;
    this.state = HEADERS_SENT;
    const headers =
      metadata === undefined || metadata.size === 0
        ? responseHeaders(this.responseEncoding)
        : responseHeadersWith(this.responseEncoding, metadata);
    try {
      if (this.protocol.trailers) askForTrailers(this.stream);
      this.tally?.dataSent();
      this.protocol.respond(this.stream, headers);
    } catch {
      this.state = DONE; // the stream is gone; 'close' tells the handler
    }
  }

  /**
   * Sends one message (headers first if not yet sent). Returns a promise only
   * when the caller should wait: compression, or HTTP/2 flow control
   * ('drain'). Throws GrpcError(RESOURCE_EXHAUSTED) over the send limit.
   */
  sendMessage(message: Uint8Array): Promise<void> | undefined {
    if (this.state === DONE) return undefined;
    return this.sendFrame(frameOf(message, false));
  }

  /**
   * The allocator to frame streamed responses with (`encodeFramed(codec, value, alloc)`)
   * right before `sendFrame`: small frames land back to back in the batch
   * that carries them (MessageWriter.alloc). Not for unary responses.
   */
  get frameAllocator(): (length: number) => Uint8Array {
    return (this.out ??= new MessageWriter(this)).alloc;
  }

  /**
   * `sendMessage` for a message already framed as uncompressed
   * ([0][length][message], what `encodeFramed` (wire/grpc/frame.ts) gives): sent as is, no
   * copy, or re-framed from its payload when compressed.
   */
  sendFrame(frame: Uint8Array): Promise<void> | undefined {
    if (this.state === DONE) return undefined;
    this.checkSendLimit(frame);
    if (this.state === OPEN) this.sendHeaders();
    if (this.responseEncoding !== 'identity' && this.compressResponses)
      return this.compressAndWrite(frame.subarray(FRAME_HEADER_LENGTH), false);
    return this.write(frame);
  }

  /**
   * The last response message and an OK status with `trailing` metadata, in
   * one go: a unary (or client-streaming) call's whole response (headers
   * too, if not yet sent).
   */
  sendLastMessage(message: Uint8Array, trailing?: Metadata): Promise<void> | undefined {
    if (this.state === DONE) return undefined;
    return this.sendLastFrame(frameOf(message, false), trailing);
  }

  /** `sendLastMessage` for a message already framed as uncompressed (see `sendFrame`). */
  sendLastFrame(frame: Uint8Array, trailing?: Metadata): Promise<void> | undefined {
    if (this.state === DONE) return undefined;
    try {
      this.checkSendLimit(frame);
    } catch (err) {
      this.finish(err as GrpcError);
      return undefined;
    }
    if (this.state === OPEN) this.sendHeaders();
    this.trailerBlock = trailers(undefined, trailing);
    if (this.responseEncoding !== 'identity' && this.compressResponses)
      return this.compressAndWrite(frame.subarray(FRAME_HEADER_LENGTH), true);
    this.end(frame);
    return undefined;
  }

  /**
   * Ends the call with a status (undefined = OK) and trailing metadata (the
   * error's own metadata is added to it): as trailers, or Trailers-Only if
   * nothing was sent yet. Later calls do nothing.
   */
  finish(error?: GrpcError, trailing?: Metadata): void {
    if (this.state === DONE) return;
    if (this.state === OPEN) {
      this.state = DONE;
      this.cleanup();
      try {
        this.tally?.dataSent();
        this.protocol.respondOnly(this.stream, trailersOnly(error, trailing));
        if (this.stopClient()) resetAfterStatus(this.stream);
      } catch {
        // The stream is gone.
      }
    } else {
      this.trailerBlock = trailers(error, trailing);
      this.end(undefined);
    }
  }

  /**
   * Whether the client is still sending (typical of an error, or of a handler
   * that stopped reading): then, once our status is out, RST_STREAM(NO_ERROR)
   * asks it to stop (RFC 9113 §8.1), and whatever it already sent is dropped.
   */
  private stopClient(): boolean {
    if (this.requests.ended || this.stream.destroyed) return false;
    this.stream.resume();
    return true;
  }

  private checkSendLimit(frame: Uint8Array): void {
    const error = sendLimitError(frame, this.config.maxSendMessageLength, 'response');
    if (error !== undefined) throw error;
  }

  private async compressAndWrite(message: Uint8Array, last: boolean): Promise<void> {
    let frame: Uint8Array;
    try {
      frame = await compressedFrame(this.responseEncoding, message);
    } catch (err) {
      this.finish(GrpcError.from(err, Code.INTERNAL));
      return;
    }
    if (this.state === DONE) return;
    if (last) this.end(frame);
    else await this.write(frame);
  }

  /** Queues a frame; a promise when the producer should wait for 'drain'. */
  private write(frame: Uint8Array): Promise<void> | undefined {
    (this.out ??= new MessageWriter(this)).push(frame);
    if (!mustWait(this.stream, this.congested)) return undefined;
    return new Promise((resolve) => {
      this.drainWaiter = resolve;
      waitForDrain(this.stream);
    });
  }

  /** FrameTarget (MessageWriter): a chunk of frames goes out. */
  writeFrames(chunk: Uint8Array): void {
    if (this.state === DONE) return;
    this.tally?.dataSent();
    this.congested = !this.protocol.write(this.stream, chunk);
  }

  /** Ends the DATA side (the frames still gathered, then `frame`); with gRPC the trailers go out on 'wantTrailers', with gRPC-Web in the body. */
  private end(frame: Uint8Array | undefined): void {
    // Before DONE: take() may write the gathered frames itself (when `frame` is too large to copy behind them).
    const last = this.out === undefined ? frame : this.out.take(frame);
    this.tally?.dataSent();
    this.state = DONE;
    this.cleanup();
    this.resetAfterTrailers = this.stopClient();
    try {
      this.protocol.end(this.stream, last, this.trailerBlock ?? OK_TRAILERS);
    } catch {
      // The stream is gone.
    }
  }

  /** @internal 'wantTrailers' from the stream. */
  flushTrailers(): void {
    try {
      this.stream.sendTrailers(this.trailerBlock ?? trailers(undefined, undefined));
      if (this.resetAfterTrailers) resetAfterStatus(this.stream);
    } catch {
      // The stream is gone.
    }
  }

  /** @internal 'drain' from the stream. */
  drained(): void {
    const resolve = this.drainWaiter;
    this.drainWaiter = undefined;
    resolve?.();
  }

  // ─── Ending ────────────────────────────────────────────────────────────

  /** Ends the call from our side with an error status, and tells the handler (signal, reads). */
  fail(error: GrpcError): void {
    this.abort(error);
    this.finish(error);
  }

  /** @internal The deadline timer fired. */
  deadlineReached(): void {
    this.timer = undefined;
    if (this.state === DONE) return;
    this.fail(new GrpcError(Code.DEADLINE_EXCEEDED, 'deadline exceeded'));
  }

  /** @internal 'aborted' or 'close' from the stream (often both; the second changes nothing): it is gone, whatever its state. */
  closed(): void {
    const tally = this.tally;
    if (tally !== undefined) {
      this.tally = undefined;
      tally.streamClosed(this.state !== DONE);
    }
    if (this.state !== DONE) {
      this.state = DONE;
      const code = this.stream.rstCode;
      this.abort(
        // No stack: every stream of a rapid reset would pay for one (error.ts).
        errorWithoutStack(
          Code.CANCELLED,
          code === RST_CANCEL || code === RST_NO_ERROR || code === undefined
            ? 'the client cancelled the call'
            : `the stream was reset (HTTP/2 ${rstCodeName(code)})`,
        ),
      );
    }
    this.out?.discard();
    this.cleanup();
    this.drained();
  }

  private abort(reason: GrpcError): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.requests.abort(reason);
    this.controller?.abort(reason);
  }

  /** The call is over on our side: stop the deadline timer, settle any read still waiting. */
  private cleanup(): void {
    this.requests.close();
    if (this.timer !== undefined) {
      this.timer.clear();
      this.timer = undefined;
    }
  }
}

function onDeadline(call: ServerStream): void {
  call.deadlineReached();
}
