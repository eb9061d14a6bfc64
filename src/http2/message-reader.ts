/**
 * The receive side of a gRPC stream, the same on both ends: DATA chunks in,
 * whole messages out, decompressed and in order.
 *
 *   chunk ──deframe──▶ [flag][len][payload] ──flag set?──▶ inflate ──▶ sink.onMessage
 *
 * - The frame cutter (a Deframer, or gRPC-Web-text's base64-first one) holds
 *   the receive limit: a frame announcing more is refused before its payload is
 *   buffered (RESOURCE_EXHAUSTED).
 * - A frame with the compressed flag needs the stream's `grpc-encoding`: none
 *   announced, or one we lack, is INTERNAL (doc/compression.md). Inflation is
 *   bounded by the same limit (compression.ts).
 * - Small messages inflate synchronously; a large one takes the zlib
 *   threadpool, and every message after it waits its turn, so the sink always
 *   sees them in wire order. While one is inflating `busy` is true: the owner
 *   can stop reading from the network meanwhile.
 * - After an error the reader delivers nothing more; the sink was told once.
 */
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import type { Frame } from '../wire/grpc/deframer.js';
import { decompress, isSupportedEncoding } from './compression.js';

/** What cuts a body into frames: a Deframer, or (gRPC-Web-text) one that decodes base64 first. */
export interface FrameSource {
  push(chunk: Uint8Array): Frame[];
  end(): void;
}

/** The call a MessageReader delivers to. */
export interface MessageSink {
  /** False once the call is over: nothing more is delivered. */
  readonly receiving: boolean;
  /** One message, decompressed; `compressed`: its frame had the flag. */
  onMessage(data: Uint8Array, compressed: boolean): void;
  /** The body cannot be read (framing, limits, compression): the call fails with `error`. */
  onReadError(error: GrpcError): void;
}

export class MessageReader {
  /** `grpc-encoding` of the messages; undefined: none announced (or "identity"). */
  encoding: string | undefined;
  private readonly sink: MessageSink;
  private readonly frames: FrameSource;
  private readonly limit: number;
  /** What "the messages" are called in errors: "request" or "response". */
  private readonly what: string;
  /** The last message still inflating; later ones are chained behind it. */
  private inbound: Promise<void> | undefined;
  private failed = false;

  constructor(sink: MessageSink, frames: FrameSource, limit: number, what: 'request' | 'response', encoding?: string) {
    this.sink = sink;
    this.frames = frames;
    this.limit = limit;
    this.what = what;
    this.encoding = encoding === 'identity' ? undefined : encoding;
  }

  /** A message is inflating: messages are being delivered later than they arrive. */
  get busy(): boolean {
    return this.inbound !== undefined;
  }

  /** One DATA chunk. */
  push(chunk: Uint8Array): void {
    if (this.failed) return;
    let frames: Frame[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.fail(GrpcError.from(err, Code.INTERNAL));
      return;
    }
    const sink = this.sink;
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      if (frame.compressed || this.inbound !== undefined) {
        if (!this.deliverLater(frame)) return;
      } else {
        if (!sink.receiving) return;
        sink.onMessage(frame.data, false);
      }
    }
  }

  /**
   * The body ended: undefined once every message is delivered, or a promise
   * that resolves when the last one is. A body that stops inside a frame is
   * a read error (INTERNAL).
   */
  end(): Promise<void> | undefined {
    if (this.failed) return undefined;
    try {
      this.frames.end();
    } catch (err) {
      this.fail(GrpcError.from(err, Code.INTERNAL));
      return undefined;
    }
    return this.inbound;
  }

  /** A compressed message, or any message queued behind one: delivered in order once inflated. False after an error. */
  private deliverLater(frame: Frame): boolean {
    const encoding = this.encoding;
    if (frame.compressed) {
      if (encoding === undefined) {
        this.fail(
          new GrpcError(
            Code.INTERNAL,
            `a ${this.what} message has the compressed flag set but the ${this.what} has no grpc-encoding`,
          ),
        );
        return false;
      }
      if (!isSupportedEncoding(encoding)) {
        this.fail(
          new GrpcError(
            Code.INTERNAL,
            `a ${this.what} message is compressed with "${encoding}", which we do not support`,
          ),
        );
        return false;
      }
    }
    const step: Promise<void> = (this.inbound ?? Promise.resolve())
      .then(() => (frame.compressed ? decompress(encoding!, frame.data, this.limit) : frame.data))
      .then(
        (data) => {
          if (!this.failed && this.sink.receiving) this.sink.onMessage(data, frame.compressed);
        },
        (err: unknown) => this.fail(GrpcError.from(err, Code.INTERNAL)),
      )
      .then(() => {
        if (this.inbound === step) this.inbound = undefined;
      });
    this.inbound = step;
    return true;
  }

  private fail(error: GrpcError): void {
    if (this.failed) return;
    this.failed = true;
    if (this.sink.receiving) this.sink.onReadError(error);
  }
}
