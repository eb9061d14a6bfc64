/**
 * The request side of a client call: messages out, from before the HTTP/2
 * stream exists until END_STREAM.
 *
 * - Compression is per message (`compressMessage(index)` may skip some), and
 *   order is kept: a message on the zlib threadpool holds back those after it.
 * - Frames go through a MessageWriter (message-writer.ts): the frames of one
 *   tick leave in one write, and the last ones ride with END_STREAM.
 * - Until the channel gives the call a stream, chunks wait in `pending`
 *   (QUEUE_LIMIT bytes of them ask the caller to wait); `attach` writes them.
 * - A call that sends one message and ends (unary, server-streaming) keeps
 *   what it wrote, so that it can go again on a new stream if the server
 *   refused the first one unprocessed (REFUSED_STREAM): `rewind`.
 * - Backpressure: `send` returns a promise when the caller should wait; it
 *   resolves on 'drain', or when the call ends.
 */
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { FRAME_HEADER_LENGTH } from '../wire/grpc/frame.js';
import { compress } from './compression.js';
import type { ClientSessionStream } from './h2-client-session.js';
import { frameOf, MessageWriter, mustWait, QUEUE_LIMIT, type FrameTarget } from './message-writer.js';

/** The call the requests belong to. */
export interface RequestCall {
  readonly finished: boolean;
  /** Ends the call with an error of the request side (compression failed). */
  cancel(error: GrpcError): void;
}

export class RequestWriter implements FrameTarget {
  /** end() was called and every message before it has been written (or queued). */
  endReady = false;
  private readonly call: RequestCall;
  private readonly encoding: string | undefined;
  private readonly compressMessage: ((index: number) => boolean) | undefined;
  private readonly out = new MessageWriter(this);
  private stream: ClientSessionStream | undefined;
  /** The last write said the stream's buffer is over its mark. */
  private congested = false;
  /** Chunks of frames written before the stream exists, and their size. */
  private pending: Uint8Array[] | undefined;
  private pendingBytes = 0;
  /** Everything written, for a replay (one-request calls only). */
  private replay: Uint8Array[] | undefined;
  private sentCount = 0;
  private endRequested = false;
  /** Frames waiting on asynchronous compression, in order. */
  private outbound: Promise<void> | undefined;
  private drain: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    call: RequestCall,
    encoding: string | undefined,
    compressMessage: ((index: number) => boolean) | undefined,
    replayable: boolean,
  ) {
    this.call = call;
    this.encoding = encoding;
    this.compressMessage = compressMessage;
    if (replayable) this.replay = [];
  }

  /** The allocator for the frames of a request stream (`MessageWriter.alloc`: small frames back to back in the batch that carries them). */
  get frameAllocator(): (length: number) => Uint8Array {
    return this.out.alloc;
  }

  /** The call sends one message and may be replayed once. */
  get replayable(): boolean {
    return this.replay !== undefined;
  }

  /** One message, framed as uncompressed ([0][length][message]); compressed here if asked. */
  send(frame: Uint8Array): Promise<void> | undefined {
    const encoding =
      this.encoding !== undefined && (this.compressMessage?.(this.sentCount) ?? true) ? this.encoding : undefined;
    this.sentCount++;
    if (encoding === undefined && this.outbound === undefined) return this.write(frame);
    const step = (this.outbound ?? Promise.resolve())
      .then(() => (encoding === undefined ? frame : compress(encoding, frame.subarray(FRAME_HEADER_LENGTH))))
      .then((bytes) => this.write(encoding === undefined ? bytes : frameOf(bytes, true)))
      .catch((err: unknown) => this.call.cancel(GrpcError.from(err, Code.INTERNAL)))
      .then(() => {
        // Every message so far is written: the next uncompressed one may go straight out again.
        if (this.outbound === step) this.outbound = undefined;
      });
    this.outbound = step;
    return step;
  }

  /**
   * The one request of a unary or server-streaming call, and END_STREAM with
   * it: `send(frame)` then `end()`, but with nothing to gather, nothing is
   * scheduled for the end of the tick (a compressed one takes the usual way).
   */
  sendLastFrame(frame: Uint8Array): void {
    if (this.encoding !== undefined || this.outbound !== undefined || this.endRequested) {
      void this.send(frame);
      this.end();
      return;
    }
    this.sentCount++;
    this.endRequested = true;
    this.endNow(frame);
  }

  /** No more messages: END_STREAM once every message before it is out. */
  end(): void {
    if (this.endRequested) return;
    this.endRequested = true;
    if (this.outbound !== undefined)
      void this.outbound.then(() => this.endNow()); // never rejects (see send)
    else this.endNow();
  }

  /** The call has its stream: what waited goes out (and END_STREAM, if asked already). */
  attach(stream: ClientSessionStream): void {
    this.stream = stream;
    const pending = this.pending;
    this.pending = undefined;
    this.pendingBytes = 0;
    if (pending !== undefined) {
      if (this.endReady && pending.length === 1) {
        stream.end(pending[0]); // unary: the message and END_STREAM in one go
        return;
      }
      let ok = true;
      for (const chunk of pending) ok = stream.write(chunk);
      this.congested = !ok;
      if (!mustWait(stream, this.congested)) this.drained();
    }
    if (this.endReady) stream.end();
  }

  /** The stream was refused unprocessed: everything written waits for the next one. */
  rewind(): void {
    this.stream = undefined;
    this.pending = this.replay;
    this.replay = [];
  }

  /** The call is over: drop what waits, release a waiting sender. */
  close(): void {
    this.replay = undefined;
    this.pending = undefined;
    this.out.discard();
    this.drained();
  }

  /** 'drain' from the stream (or the call ended): a waiting sender goes on. */
  drained(): void {
    const drain = this.drain;
    if (drain !== undefined) {
      this.drain = undefined;
      drain.resolve();
    }
  }

  /** @internal MessageWriter: a chunk of frames goes out (or waits for the stream). */
  writeFrames(chunk: Uint8Array): void {
    if (this.call.finished) return;
    if (this.replay !== undefined) this.replay.push(chunk);
    const stream = this.stream;
    if (stream === undefined) {
      (this.pending ??= []).push(chunk);
      this.pendingBytes += chunk.length;
    } else {
      this.congested = !stream.write(chunk);
    }
  }

  /** Queues a frame; a promise when the caller should wait (flow control, or too much queued before the stream exists). */
  private write(frame: Uint8Array): Promise<void> | undefined {
    if (this.call.finished) return undefined;
    this.out.push(frame);
    const stream = this.stream;
    const wait = stream === undefined ? this.pendingBytes >= QUEUE_LIMIT : mustWait(stream, this.congested);
    return wait ? this.waitDrain() : undefined;
  }

  /** END_STREAM, with what is gathered and `frame` (if any). */
  private endNow(frame?: Uint8Array): void {
    if (this.call.finished) return;
    const last = this.out.take(frame);
    if (last !== undefined && this.replay !== undefined) this.replay.push(last);
    this.endReady = true;
    if (this.stream !== undefined) {
      if (last === undefined) this.stream.end();
      else this.stream.end(last); // the last messages and END_STREAM together
    } else if (last !== undefined) {
      (this.pending ??= []).push(last); // attach() ends the stream after the pending chunks
    }
  }

  private waitDrain(): Promise<void> {
    if (this.drain === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.drain = { promise, resolve };
    }
    return this.drain.promise;
  }
}
