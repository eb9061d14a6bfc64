/**
 * The request messages of one server call, as its handler takes them.
 *
 * A MessageReader (message-reader.ts) turns the request body into messages,
 * decompressed and in order, and hands them here. The service layer says,
 * once, how it takes them:
 *
 * - `singleRequest(then, arg)` (unary, server-streaming): `then(arg, request,
 *   owner)` once the client has half-closed — or never, when the call ends
 *   first (none, or a second one, is UNIMPLEMENTED; a cancel, a deadline).
 *   A callback, not a promise: a unary call saves the promise, its resolving
 *   functions and an await (0.2–0.3 µs of the ~23 µs of server CPU a unary
 *   call costs over node:http2, node --cpu-prof).
 * - `read()` (client-streaming, bidi): one at a time. While messages wait
 *   unread (or one is inflating) the HTTP/2 stream is paused: no more DATA is
 *   taken, and HTTP/2 flow control holds the client back until the handler
 *   reads again.
 */
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { MessageReader, type FrameSource, type MessageSink } from './message-reader.js';
import type { StreamLike } from './stream-like.js';

/** The call the requests belong to. */
export interface RequestOwner {
  readonly path: string;
  /** Still taking request messages (not ended, not aborted). */
  readonly receiving: boolean;
  /** Ends the call with an error found while receiving. */
  fail(error: GrpcError): void;
}

interface Waiter {
  resolve(message: Uint8Array | undefined): void;
  reject(error: GrpcError): void;
}

/** What `singleRequest` runs with the one request: `arg`, as given; `owner`, the call. */
export type SingleRequestThen<A, O> = (arg: A, request: Uint8Array, owner: O) => void;

/** A request message nobody has read yet. */
interface Received {
  readonly data: Uint8Array;
  readonly compressed: boolean;
}

export class RequestQueue<O extends RequestOwner = RequestOwner> implements MessageSink {
  /** Whether the message most recently handed over arrived compressed (its frame's flag). */
  lastCompressed = false;
  /** The client half-closed: it sends nothing more. */
  ended = false;
  private readonly owner: O;
  private readonly stream: StreamLike;
  /** Dropped once the client has half-closed: nothing more arrives, and a finished call should not keep it alive. */
  private reader: MessageReader | undefined;
  /** One request (unary, server-streaming), awaited with `singleRequest()`; else pulled by `read()`. */
  private single = false;
  private one: Uint8Array | undefined;
  private oneCompressed = false;
  /** What `singleRequest` runs once the client has half-closed, and its argument. */
  private singleThen: SingleRequestThen<unknown, O> | undefined;
  private singleArg: unknown;
  private readonly queue: Received[] = [];
  private waiter: Waiter | undefined;
  /** Every request message is delivered (the client half-closed, decompression done). */
  private allReceived = false;
  private error: GrpcError | undefined;

  constructor(owner: O, stream: StreamLike, frames: FrameSource, limit: number, encoding: string) {
    this.owner = owner;
    this.stream = stream;
    this.reader = new MessageReader(this, frames, limit, 'request', encoding);
  }

  /**
   * The one request of a method that takes one (decompressed): `then(arg,
   * request, owner)` runs once the client has half-closed. It never runs when
   * the call ends first — the client sent none or more than one
   * (UNIMPLEMENTED), or a cancel, the deadline or a receive error cut it
   * short: the owner has then sent the status already, or its stream is gone.
   * Asked twice, or after `read()`: throws GrpcError(INTERNAL).
   */
  singleRequest<A>(then: SingleRequestThen<A, O>, arg: A): void {
    if (this.single || this.waiter !== undefined)
      throw new GrpcError(Code.INTERNAL, `${this.owner.path}: the request was already asked for`);
    this.single = true;
    if (this.error !== undefined) return;
    if (this.queue.length > 0) {
      // Messages that came before the question (normally none: it is asked in the tick the call starts).
      for (const message of this.queue.splice(0)) this.onMessage(message.data, message.compressed);
      if (this.error !== undefined) return;
      if (this.stream.isPaused()) this.stream.resume();
    }
    this.singleThen = then as SingleRequestThen<unknown, O>;
    this.singleArg = arg;
    if (this.allReceived) this.handOverSingle();
  }

  /**
   * The next request message (decompressed), or undefined once the client
   * has half-closed. Rejects with the GrpcError that ended the call.
   */
  read(): Promise<Uint8Array | undefined> {
    if (this.single)
      return Promise.reject(new GrpcError(Code.INTERNAL, `${this.owner.path} takes one request: see singleRequest()`));
    if (this.error !== undefined) return Promise.reject(this.error);
    const queued = this.readQueued();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.allReceived) return Promise.resolve(undefined);
    if (this.waiter !== undefined)
      return Promise.reject(new GrpcError(Code.INTERNAL, 'read() called again before the previous read finished'));
    if (this.stream.isPaused()) this.stream.resume();
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /**
   * A request message that is already here, handed over now; undefined when
   * none waits (or the call is over): then `read()`. Saves a streaming handler
   * the promise per message when it reads slower than messages arrive.
   */
  readQueued(): Uint8Array | undefined {
    if (this.error !== undefined) return undefined;
    const message = this.queue.shift();
    if (message === undefined) return undefined;
    if (this.queue.length === 0 && this.stream.isPaused()) this.stream.resume();
    this.lastCompressed = message.compressed;
    return message.data;
  }

  /** One DATA chunk of the request body. */
  push(chunk: Uint8Array): void {
    const reader = this.reader;
    if (reader === undefined) return;
    reader.push(chunk);
    // A streaming handler is not reading (or a message is inflating): take no more DATA until it reads.
    if (!this.single && (this.queue.length > 0 || reader.busy)) this.stream.pause();
  }

  /** The client half-closed. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const inflating = this.reader!.end();
    this.reader = undefined;
    if (inflating === undefined) this.received();
    else void inflating.then(() => this.received()); // MessageReader chains never reject: errors go to onReadError
  }

  /**
   * Our side ended the call (its status is sent, or the stream is gone). A
   * handler may still be reading, say in a task of its own: if the client had
   * not finished sending, no more requests will ever come, yet they were cut
   * short, not complete — so a waiting read, and any later one, rejects with
   * CANCELLED (as grpc-go's Recv fails once the handler has returned) rather
   * than resolving as if the client had half-closed. After the client's end
   * was delivered, reads still see the end.
   */
  close(): void {
    if (this.allReceived || this.error !== undefined) return;
    this.abort(
      new GrpcError(Code.CANCELLED, `${this.owner.path}: the call ended before the client finished sending requests`),
    );
  }

  /** The call is over (cancel, deadline, an error): pending and later reads reject with `reason`. */
  abort(reason: GrpcError): void {
    this.error ??= reason;
    const waiter = this.waiter;
    this.waiter = undefined;
    this.singleThen = undefined;
    this.singleArg = undefined;
    waiter?.reject(reason);
  }

  /** MessageSink */
  get receiving(): boolean {
    return this.owner.receiving;
  }

  /** MessageSink: one request message, decompressed. */
  onMessage(data: Uint8Array, compressed: boolean): void {
    if (this.single) {
      if (this.one !== undefined) {
        this.owner.fail(
          new GrpcError(Code.UNIMPLEMENTED, `${this.owner.path} takes one request message; the client sent more`),
        );
        return;
      }
      this.one = data;
      this.oneCompressed = compressed;
      return;
    }
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      this.lastCompressed = compressed;
      waiter.resolve(data);
    } else {
      this.queue.push({ data, compressed });
    }
  }

  /** MessageSink: the request body cannot be read. */
  onReadError(error: GrpcError): void {
    this.owner.fail(error);
  }

  /** Every request message is delivered: hand over the one request, or end the reads. */
  private received(): void {
    if (!this.owner.receiving) return;
    this.allReceived = true;
    if (this.single) {
      if (this.singleThen !== undefined) this.handOverSingle();
    } else if (this.waiter !== undefined) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve(undefined);
    }
  }

  private handOverSingle(): void {
    const then = this.singleThen!;
    const arg = this.singleArg;
    this.singleThen = undefined;
    this.singleArg = undefined;
    const message = this.one;
    this.one = undefined;
    if (message === undefined) {
      // The status goes out, and the service layer never runs the handler.
      this.owner.fail(
        new GrpcError(Code.UNIMPLEMENTED, `${this.owner.path} takes one request message; the client sent none`),
      );
      return;
    }
    this.lastCompressed = this.oneCompressed;
    then(arg, message, this.owner);
  }
}
