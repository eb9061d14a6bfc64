import { Code } from './code.js';
import { GrpcError } from './error.js';
import { FLAG_COMPRESSED, FLAG_TRAILERS, FRAME_HEADER_LENGTH, readFrameLength } from './frame.js';

/** One message frame as it came off the wire (see frame.ts for the format). */
export interface Frame {
  /** The flag byte: `FLAG_COMPRESSED`, and in gRPC-Web `FLAG_TRAILERS`. */
  flags: number;
  /** `flags & FLAG_COMPRESSED`: the payload must go through the stream's `grpc-encoding`. */
  compressed: boolean;
  /** The payload. A view into the pushed chunk whenever the frame lay inside one chunk. */
  data: Uint8Array;
}

export interface DeframerOptions {
  /** Largest payload accepted, in bytes (default 4 MiB, gRPC's default receive limit). */
  maxMessageLength?: number;
  /**
   * Flag bits that may be set (default `FLAG_COMPRESSED | FLAG_TRAILERS`). A frame
   * with any other bit set is a protocol violation (INTERNAL). A plain gRPC
   * endpoint may pass `FLAG_COMPRESSED` alone to refuse gRPC-Web trailer frames.
   */
  allowedFlags?: number;
}

export const DEFAULT_MAX_MESSAGE_LENGTH = 4 * 1024 * 1024;

/**
 * Cuts a byte stream into gRPC frames, however the bytes were split into chunks.
 *
 * It holds at most one incomplete frame: up to four bytes of a prefix in a
 * small fixed buffer, or a payload buffer allocated once, at its exact size,
 * when the prefix says how long the payload is. It never re-concatenates
 * chunks. A frame that lies wholly inside one chunk is returned as a subarray
 * of that chunk, so the caller must not reuse a chunk's memory while its frames
 * are alive (node:http2 never does).
 *
 * A length larger than `maxMessageLength` is refused as soon as the prefix is
 * read, before a single payload byte is buffered. After it throws, the
 * deframer stays failed: every later call throws the same error.
 */
export class Deframer {
  private readonly maxMessageLength: number;
  private readonly allowedFlags: number;
  /** Prefix bytes of the next frame, when a chunk ended inside a prefix. */
  private readonly prefix = new Uint8Array(FRAME_HEADER_LENGTH);
  private prefixFill = 0;
  /** Payload of a frame that spans chunks: allocated at its exact size. */
  private body: Uint8Array | undefined;
  private bodyFill = 0;
  private bodyFlags = 0;
  private failure: GrpcError | undefined;

  constructor(options: DeframerOptions = {}) {
    this.maxMessageLength = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    this.allowedFlags = options.allowedFlags ?? FLAG_COMPRESSED | FLAG_TRAILERS;
  }

  /** Bytes received of the frame not yet complete (its prefix included). */
  get pending(): number {
    return this.body === undefined ? this.prefixFill : FRAME_HEADER_LENGTH + this.bodyFill;
  }

  /** Feeds the next chunk; returns every frame completed by it, in order. */
  push(chunk: Uint8Array): Frame[] {
    if (this.failure) throw this.failure;
    const frames: Frame[] = [];
    const end = chunk.length;
    let pos = 0;

    // 1. Finish the frame left incomplete by earlier chunks.
    if (this.body !== undefined) {
      pos = this.fillBody(chunk, 0, frames);
      if (this.body !== undefined) return frames;
    } else if (this.prefixFill > 0) {
      const take = Math.min(FRAME_HEADER_LENGTH - this.prefixFill, end);
      this.prefix.set(chunk.subarray(0, take), this.prefixFill);
      this.prefixFill += take;
      pos = take;
      if (this.prefixFill < FRAME_HEADER_LENGTH) return frames;
      this.prefixFill = 0;
      const length = this.check(this.prefix, 0);
      pos = this.takePayload(chunk, pos, this.prefix[0]!, length, frames);
      if (this.body !== undefined) return frames;
    }

    // 2. Frames inside this chunk: no copies.
    while (end - pos >= FRAME_HEADER_LENGTH) {
      const length = this.check(chunk, pos);
      pos = this.takePayload(chunk, pos + FRAME_HEADER_LENGTH, chunk[pos]!, length, frames);
      if (this.body !== undefined) return frames;
    }

    // 3. A partial prefix at the end of the chunk.
    if (pos < end) {
      this.prefix.set(chunk.subarray(pos), 0);
      this.prefixFill = end - pos;
    }
    return frames;
  }

  /** Call at end of stream: throws INTERNAL if the stream stopped inside a frame. */
  end(): void {
    if (this.failure) throw this.failure;
    const pending = this.pending;
    if (pending === 0) return;
    const what =
      this.body === undefined
        ? `${pending} of the ${FRAME_HEADER_LENGTH} prefix bytes`
        : `${this.bodyFill} of ${this.body.length} payload bytes`;
    throw this.fail(new GrpcError(Code.INTERNAL, `stream ended inside a message frame (received ${what})`));
  }

  /** Validates the prefix at `offset` and returns the payload length it announces. */
  private check(source: Uint8Array, offset: number): number {
    const flags = source[offset]!;
    if ((flags & ~this.allowedFlags) !== 0) {
      throw this.fail(
        new GrpcError(Code.INTERNAL, `message frame has unknown flags 0x${flags.toString(16).padStart(2, '0')}`),
      );
    }
    const length = readFrameLength(source, offset);
    if (length > this.maxMessageLength) {
      throw this.fail(
        new GrpcError(
          Code.RESOURCE_EXHAUSTED,
          `Received message larger than max (${length} vs. ${this.maxMessageLength})`,
        ),
      );
    }
    return length;
  }

  /** The payload starts at `pos`: slice it out, or start assembling it. Returns the new position. */
  private takePayload(chunk: Uint8Array, pos: number, flags: number, length: number, frames: Frame[]): number {
    if (chunk.length - pos >= length) {
      frames.push({ flags, compressed: (flags & FLAG_COMPRESSED) !== 0, data: chunk.subarray(pos, pos + length) });
      return pos + length;
    }
    try {
      this.body = new Uint8Array(length);
    } catch {
      throw this.fail(new GrpcError(Code.RESOURCE_EXHAUSTED, `cannot allocate ${length} bytes for a message`));
    }
    this.bodyFill = 0;
    this.bodyFlags = flags;
    return this.fillBody(chunk, pos, frames);
  }

  /** Copies what the chunk holds of the pending payload; emits the frame once complete. */
  private fillBody(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const body = this.body!;
    const take = Math.min(body.length - this.bodyFill, chunk.length - pos);
    body.set(chunk.subarray(pos, pos + take), this.bodyFill);
    this.bodyFill += take;
    if (this.bodyFill === body.length) {
      const flags = this.bodyFlags;
      frames.push({ flags, compressed: (flags & FLAG_COMPRESSED) !== 0, data: body });
      this.body = undefined;
      this.bodyFill = 0;
    }
    return pos + take;
  }

  private fail(error: GrpcError): GrpcError {
    this.failure = error;
    return error;
  }
}
