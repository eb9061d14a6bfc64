/**
 * One gRPC-Web call served from a fetch `Request` — for the fetch handler what src/http2/server-stream.ts's
 * ServerStream is for the node:http2 server: the request's metadata, deadline and one message in; headers,
 * messages and the status out; `signal` aborted when the call is cut short. What a handler sees of it
 * (ServerContext, src/service/context.ts) is the same as there.
 *
 *   the answer      `response`, a Promise<Response>, settles at the call's first output:
 *                   finish() before anything   →  Trailers-Only (status in the headers, empty body)
 *                   sendLastFrame() first      →  the whole body in one piece: message, then the trailers frame
 *                   sendHeaders()/sendFrame()  →  a streaming body (a ReadableStream): each message enqueued as
 *                                                 it is produced, the trailers frame last, then closed
 *   backpressure    sendFrame() returns a promise while the body's queue holds 64 KiB or more: the runtime pulls
 *                   as the client reads, so a slow client slows the handler rather than filling memory
 *   cut short       the client goes away (`request.signal`, or the runtime cancels the body), the deadline
 *                   (`grpc-timeout`) passes, or the request cannot be read: `signal` aborts with a GrpcError
 *                   (CANCELLED, DEADLINE_EXCEEDED, the read error), nothing more is written
 */
import type { ServerStream } from '../http2/server-stream.js';
import { Code } from '../wire/grpc/code.js';
import { DeadlineTimer } from '../wire/grpc/deadline-timer.js';
import { GrpcError } from '../wire/grpc/error.js';
import { FRAME_HEADER_LENGTH, encodeFrame, sendLimitError } from '../wire/grpc/frame.js';
import { Metadata, type HeaderRecord } from '../wire/grpc/metadata.js';
import { metadataFromHeaders } from '../wire/grpc/received-metadata.js';
import { canEncode, compress } from './compression.js';
import { acceptsEncoding, responseHeaders, trailers } from './header-blocks.js';
import { readSingleMessage } from './request-body.js';
import { fromHeaders, type WebResponder } from './web-response.js';

/**
 * What ServerContext reads of its call: the public members of the node transport's ServerStream that it uses.
 * A FetchCall has every one of them with the same types (checked here), which is what makes handing it to
 * ServerContext — whose constructor names ServerStream — sound.
 */
export type ContextStream = Pick<
  ServerStream,
  | 'metadata'
  | 'deadline'
  | 'signal'
  | 'cancelReason'
  | 'peer'
  | 'peerCertificate'
  | 'headersPending'
  | 'sendHeaders'
  | 'requestCompressed'
  | 'useResponseEncoding'
  | 'compressResponses'
>;

/** The body's queue, in bytes, past which a producer waits. */
const HIGH_WATER_MARK = 64 * 1024;

const OPEN = 0; // nothing sent yet
const HEADERS_SENT = 1;
const DONE = 2; // status sent, or the client is gone

export interface FetchCallInit {
  readonly path: string;
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array> | null;
  readonly responder: WebResponder;
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
  /** `grpc-encoding` of the request messages ("identity" = none). */
  readonly requestEncoding: string;
  /** `grpc-encoding` for our messages, the server's default where the client accepts it. */
  readonly responseEncoding: string;
  readonly timeoutMs: number | undefined;
  /** Who called, if the runtime said (`ip:port`); '' otherwise. */
  readonly peer: string;
  /** The request's signal: aborts when the client goes away (in runtimes that tell). */
  readonly clientSignal: AbortSignal | undefined;
}

export class FetchCall implements ContextStream {
  /** `/package.Service/Method`. */
  readonly path: string;
  /** Epoch milliseconds, from `grpc-timeout`; undefined when the client set none. */
  readonly deadline: number | undefined;
  readonly requestEncoding: string;
  responseEncoding: string;
  compressResponses = true;
  readonly peer: string;
  /** The answer for the runtime; settles at the first output (see the top of the file). */
  readonly response: Promise<Response>;

  private readonly init: FetchCallInit;
  private readonly responder: WebResponder;
  private resolveResponse!: (response: Response) => void;
  private state = OPEN;
  private controller: AbortController | undefined;
  private abortReason: GrpcError | undefined;
  private md: Metadata | undefined;
  private compressed = false;
  private timer: DeadlineTimer<FetchCall> | undefined;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** The streaming body, once headers are out. */
  private sink: ReadableStreamDefaultController<Uint8Array> | undefined;
  private drainWaiter: (() => void) | undefined;
  /** Compression in flight: later writes wait for it, so messages keep their order. */
  private pending: Promise<void> | undefined;
  private readonly onClientGone = (): void => this.closed();

  constructor(init: FetchCallInit) {
    this.init = init;
    this.path = init.path;
    this.responder = init.responder;
    this.requestEncoding = init.requestEncoding;
    this.responseEncoding = init.responseEncoding;
    this.peer = init.peer;
    this.response = new Promise((resolve) => (this.resolveResponse = resolve));
    init.clientSignal?.addEventListener('abort', this.onClientGone, { once: true });
    if (init.timeoutMs !== undefined) {
      this.deadline = Date.now() + init.timeoutMs;
      this.timer = new DeadlineTimer<FetchCall>(this.deadline, onDeadline, this);
    }
    if (init.clientSignal?.aborted) this.closed();
  }

  // ─── What the handler sees ──────────────────────────────────────────────

  /** Request metadata (parsed on first use). Throws GrpcError(INTERNAL) for malformed metadata. */
  get metadata(): Metadata {
    return (this.md ??= metadataFromHeaders(fromHeaders(this.init.headers)));
  }

  /** No TLS client certificates reach a fetch handler. */
  get peerCertificate(): undefined {
    return undefined;
  }

  /** Aborted (with a GrpcError reason) on client cancel, deadline, or a receive error. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get cancelReason(): GrpcError | undefined {
    return this.abortReason;
  }

  /** The status is sent or the client is gone: writes are ignored from now on. */
  get done(): boolean {
    return this.state === DONE;
  }

  get headersPending(): boolean {
    return this.state === OPEN;
  }

  get requestCompressed(): boolean {
    return this.compressed;
  }

  // ─── Receiving ─────────────────────────────────────────────────────────

  /** The one request message (decompressed). Rejects with what ended the call; a read error is also its status. */
  async singleRequest(): Promise<Uint8Array> {
    if (this.abortReason !== undefined) throw this.abortReason;
    this.reader = this.init.body?.getReader();
    try {
      const message = await readSingleMessage(this.reader, {
        path: this.path,
        text: this.responder.text,
        maxMessageLength: this.init.maxReceiveMessageLength,
        encoding: this.requestEncoding,
      });
      if (this.abortReason !== undefined) throw this.abortReason;
      this.compressed = message.compressed;
      return message.data;
    } catch (err) {
      const error = this.abortReason ?? GrpcError.from(err, Code.INTERNAL);
      this.fail(error);
      throw error;
    } finally {
      this.reader = undefined;
    }
  }

  // ─── Sending ───────────────────────────────────────────────────────────

  /** ServerContext.setCompression: only before the headers, with an encoding we have and the client accepts. */
  useResponseEncoding(name: string): boolean {
    if (this.state !== OPEN || !canEncode(name)) return false;
    if (!acceptsEncoding(this.init.headers.get('grpc-accept-encoding'), name)) return false;
    this.responseEncoding = name;
    return true;
  }

  /** The allocator streamed responses are framed with: plain memory (no pools to share here). */
  readonly frameAllocator = (length: number): Uint8Array => new Uint8Array(length);

  /** Sends the response headers now (with custom metadata): the body starts streaming. Later calls do nothing. */
  sendHeaders(metadata?: Metadata): void {
    if (this.state !== OPEN) return;
    this.state = HEADERS_SENT;
    const block = responseHeaders(this.responseEncoding, metadata);
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.sink = controller;
        },
        pull: () => this.drained(),
        cancel: () => this.closed(),
      },
      { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
    );
    this.resolveResponse(new Response(body, { status: 200, headers: this.responder.headers(block) }));
  }

  /**
   * One message already framed as uncompressed ([0][length][message]), headers first if not yet sent. Returns a
   * promise when the caller should wait (backpressure, compression). Throws GrpcError(RESOURCE_EXHAUSTED) over the
   * send limit.
   */
  sendFrame(frame: Uint8Array): Promise<void> | undefined {
    if (this.state === DONE) return undefined;
    this.checkSendLimit(frame);
    if (this.state === OPEN) this.sendHeaders();
    if (this.pending !== undefined || (this.responseEncoding !== 'identity' && this.compressResponses)) {
      const compressing = this.compressResponses;
      return this.after(async () => {
        const out = compressing ? await this.compressFrame(frame) : frame;
        if (out !== undefined) await this.write(out);
      });
    }
    return this.write(frame);
  }

  /** The last message and an OK status with `trailing` metadata: a unary call's whole answer. */
  sendLastFrame(frame: Uint8Array, trailing?: Metadata): Promise<void> | undefined {
    if (this.state === DONE) return undefined;
    try {
      this.checkSendLimit(frame);
    } catch (err) {
      this.finish(err as GrpcError);
      return undefined;
    }
    const block = trailers(undefined, trailing);
    if (this.pending !== undefined || (this.responseEncoding !== 'identity' && this.compressResponses)) {
      if (this.state === OPEN) this.sendHeaders();
      const compressing = this.compressResponses;
      return this.after(async () => {
        const out = compressing ? await this.compressFrame(frame) : frame;
        if (out !== undefined) this.end(out, block);
      });
    }
    if (this.state === OPEN) {
      // Nothing sent yet: the whole answer is one body, no stream needed.
      this.state = DONE;
      this.cleanup();
      const headers = this.responder.headers(responseHeaders(this.responseEncoding));
      this.resolveResponse(new Response(this.responder.last(frame, block), { status: 200, headers }));
      return undefined;
    }
    this.end(frame, block);
    return undefined;
  }

  /**
   * Ends the call with a status (undefined = OK) and trailing metadata (plus the error's own): Trailers-Only if
   * nothing was sent yet, else the trailers frame. Later calls do nothing.
   */
  finish(error?: GrpcError, trailing?: Metadata): void {
    if (this.state === DONE) return;
    if (this.state === OPEN) {
      this.state = DONE;
      this.cleanup();
      this.resolveResponse(this.responder.trailersOnly(error, trailing));
      return;
    }
    const block = trailers(error, trailing);
    if (this.pending !== undefined) void this.after(() => this.end(undefined, block));
    else this.end(undefined, block);
  }

  /** Ends the call from our side with an error status, and tells the handler (signal, reads). */
  fail(error: GrpcError): void {
    this.abort(error);
    this.finish(error);
  }

  private checkSendLimit(frame: Uint8Array): void {
    const error = sendLimitError(frame, this.init.maxSendMessageLength, 'response');
    if (error !== undefined) throw error;
  }

  /** Runs `step` after what is already in flight (compression keeps messages in order). */
  private after(step: () => void | Promise<void>): Promise<void> {
    const run = (this.pending ?? Promise.resolve()).then(step).then(
      () => {
        if (this.pending === run) this.pending = undefined;
      },
      (err: unknown) => {
        if (this.pending === run) this.pending = undefined;
        this.finish(GrpcError.from(err, Code.INTERNAL));
      },
    );
    this.pending = run;
    return run;
  }

  /** The frame with its payload compressed (the flag set), or as it is when compression does not pay. */
  private async compressFrame(frame: Uint8Array): Promise<Uint8Array | undefined> {
    const message = frame.subarray(FRAME_HEADER_LENGTH);
    const payload = await compress(this.responseEncoding, message);
    if (this.state === DONE) return undefined;
    return payload.length < message.length ? encodeFrame(payload, true) : frame;
  }

  /** Enqueues body bytes; a promise while the queue is over its mark. */
  private write(frame: Uint8Array): Promise<void> | undefined {
    const sink = this.sink;
    if (this.state === DONE || sink === undefined) return undefined;
    sink.enqueue(this.responder.body(frame));
    if ((sink.desiredSize ?? 1) > 0) return undefined;
    return new Promise((resolve) => (this.drainWaiter = resolve));
  }

  /** The last frame (if any) and the trailers frame, then the body closes. */
  private end(frame: Uint8Array | undefined, block: Readonly<HeaderRecord>): void {
    if (this.state === DONE) return;
    this.state = DONE;
    this.cleanup();
    try {
      this.sink!.enqueue(this.responder.last(frame, block));
      this.sink!.close();
    } catch {
      // The body was cancelled meanwhile: the client is gone.
    }
  }

  private drained(): void {
    const resolve = this.drainWaiter;
    this.drainWaiter = undefined;
    resolve?.();
  }

  // ─── Ending ────────────────────────────────────────────────────────────

  /** @internal The deadline timer fired. */
  deadlineReached(): void {
    this.timer = undefined;
    if (this.state === DONE) return;
    this.fail(new GrpcError(Code.DEADLINE_EXCEEDED, 'deadline exceeded'));
  }

  /** The client went away (its signal, or the runtime cancelled the body): whatever the state, nothing more goes out. */
  private closed(): void {
    if (this.state !== DONE) {
      const unanswered = this.state === OPEN;
      this.state = DONE;
      this.abort(new GrpcError(Code.CANCELLED, 'the client cancelled the call'));
      // The runtime still waits for an answer nobody will read.
      if (unanswered) this.resolveResponse(this.responder.trailersOnly(this.abortReason));
      // A body still open (the client's signal came first) is ended, without a status: nothing waits on it any
      // more. Closed, not errored: Deno logs every errored response body as an error, and the client is gone anyway
      // (one still reading would see the body end without a trailers frame, which gRPC-Web clients report).
      try {
        this.sink?.close();
      } catch {
        // Already cancelled by the runtime.
      }
    }
    this.cleanup();
    this.drained();
  }

  private abort(reason: GrpcError): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    void this.reader?.cancel(reason).catch(() => undefined);
  }

  /** The call is over on our side: the deadline timer and the client's signal are let go. */
  private cleanup(): void {
    this.timer?.clear();
    this.timer = undefined;
    this.init.clientSignal?.removeEventListener('abort', this.onClientGone);
  }
}

function onDeadline(call: FetchCall): void {
  call.deadlineReached();
}
