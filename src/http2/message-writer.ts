/**
 * The send side of a gRPC stream, the same on both ends: framed messages out,
 * in as few writes as possible.
 *
 * Every `write()` on a node:http2 stream costs the same whatever its size
 * (the Writable machinery, a trip into C++, and a Buffer made for any plain
 * Uint8Array), and the peer pays per read. So:
 *
 *   - a message is framed once, by the codec (`codec.encodeFramed`), straight
 *     into a Node Buffer: `allocFrame` is the allocator we hand it (small sizes
 *     come from Node's shared pool; src/wire never sees a Buffer);
 *   - frames produced in the same tick are gathered and go out as ONE write at
 *     the end of the tick (process.nextTick), or as soon as BATCH bytes are
 *     gathered — the peer gets DATA frames as full as HTTP/2 allows;
 *   - a frame of DIRECT bytes or more goes out as it is (after what was gathered
 *     before it): copying it would cost more than the write it saves;
 *   - the end of the stream takes what is gathered along (`take`), so the last
 *     messages and END_STREAM leave in one write — unless the last frame is of
 *     DIRECT bytes or more: then the batch is written first, and the last frame
 *     goes with END_STREAM as it is.
 *
 * Backpressure is the owner's: it looks at its stream after each `push` (see
 * `mustWait`) and waits for 'drain' once more than QUEUE_LIMIT bytes are
 * queued. node:http2's own mark (16 KiB) would stop a producer of 64 KiB
 * messages after every single one, leaving the connection idle while the next
 * is encoded; a deeper queue keeps it busy.
 */
import { Buffer } from 'node:buffer';
import { FRAME_HEADER_LENGTH, writeFrameHeader } from '../wire/frame.js';

/** Gathered bytes that are written at once, without waiting for the end of the tick. */
const BATCH = 64 * 1024;
/** Frames at least this long are written as they are, not copied into a batch. */
const DIRECT = 16 * 1024;
/** Bytes queued on a stream beyond which the producer waits for 'drain': 8 messages of 64 KiB, enough to keep a connection busy while the producer is descheduled. */
export const QUEUE_LIMIT = 512 * 1024;

/** The allocator for `codec.encodeFramed`: a Node Buffer, pooled when small, not zero-filled (every byte is written). */
export function allocFrame(length: number): Uint8Array {
  return Buffer.allocUnsafe(length);
}

/** A frame around `payload` (a copy), in a Node Buffer. */
export function frameOf(payload: Uint8Array, compressed: boolean): Uint8Array {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + payload.length);
  writeFrameHeader(frame, 0, payload.length, compressed);
  frame.set(payload, FRAME_HEADER_LENGTH);
  return frame;
}

/** What a MessageWriter writes to: the call that owns it. */
export interface FrameTarget {
  /** Writes a chunk of one or more whole frames. */
  writeFrames(chunk: Uint8Array): void;
}

/**
 * The stream holds more than QUEUE_LIMIT unsent bytes and will say 'drain':
 * the producer should wait. `congested` is what the last write() returned,
 * negated (a stream without `writableLength`, such as gRPC-Web's HTTP/1.1
 * look-alike, waits whenever write() said so).
 */
export function mustWait(stream: { readonly writableLength?: number }, congested: boolean): boolean {
  return congested && (stream.writableLength ?? Infinity) > QUEUE_LIMIT;
}

export class MessageWriter {
  private readonly target: FrameTarget;
  /** Frames gathered this tick, in order. */
  private frames: Uint8Array[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(target: FrameTarget) {
    this.target = target;
  }

  /** Sends one frame: now if large (or if the batch is full), else with the rest of this tick's frames. */
  push(frame: Uint8Array): void {
    if (frame.length >= DIRECT) {
      if (this.bytes > 0) this.flush();
      this.target.writeFrames(frame);
      return;
    }
    this.frames.push(frame);
    this.bytes += frame.length;
    if (this.bytes >= BATCH) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(flushAtTickEnd, this);
    }
  }

  /** Writes what is gathered, as one chunk. */
  flush(): void {
    const chunk = this.take(undefined);
    if (chunk !== undefined) this.target.writeFrames(chunk);
  }

  /**
   * What is gathered, followed by `last` (if any), as one chunk; the batch is
   * then empty. A `last` of DIRECT bytes or more is not copied: the batch is
   * written now and `last` returned as it is.
   */
  take(last: Uint8Array | undefined): Uint8Array | undefined {
    const frames = this.frames;
    const n = frames.length;
    if (n === 0) return last;
    if (last !== undefined && last.length >= DIRECT) {
      this.flush();
      return last;
    }
    if (n === 1 && last === undefined) {
      this.reset();
      return frames[0];
    }
    const total = this.bytes + (last === undefined ? 0 : last.length);
    const chunk = Buffer.allocUnsafe(total);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const frame = frames[i]!;
      if (frame.length <= 16) for (let j = 0; j < frame.length; j++) chunk[at + j] = frame[j]!;
      else chunk.set(frame, at);
      at += frame.length;
    }
    if (last !== undefined) chunk.set(last, at);
    this.reset();
    return chunk;
  }

  /** Drops what is gathered (the stream is gone). */
  discard(): void {
    if (this.frames.length > 0) this.reset();
  }

  private reset(): void {
    this.frames = [];
    this.bytes = 0;
  }

  /** @internal The end of the tick in which frames were gathered. */
  tickEnded(): void {
    this.scheduled = false;
    this.flush();
  }
}

function flushAtTickEnd(writer: MessageWriter): void {
  writer.tickEnded();
}
