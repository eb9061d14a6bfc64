/**
 * The send side of a gRPC stream, the same on both ends: framed messages out,
 * in as few writes as possible.
 *
 * Every `write()` on a node:http2 stream costs the same whatever its size
 * (the Writable machinery, a trip into C++, and a Buffer made for any plain
 * Uint8Array), and the peer pays per read. So:
 *
 *   - a message is framed once, by `encodeFramed` (wire/grpc/frame.ts, over the codec), straight
 *     into memory we hand it (src/wire never sees a Buffer): for a stream,
 *     the writer's own `alloc`, which places small frames back to back in an
 *     arena, so that the frames of a batch are already one piece of memory;
 *     elsewhere `allocFrame` (a Buffer, small ones from Node's shared pool);
 *   - frames produced in the same tick are gathered and go out as ONE write at
 *     the end of the tick (process.nextTick), or as soon as BATCH bytes are
 *     gathered — the peer gets DATA frames as full as HTTP/2 allows. Arena
 *     frames are written as the arena slice they fill, other frames are
 *     copied into one chunk;
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
import { FRAME_HEADER_LENGTH, writeFrameHeader } from '../wire/grpc/frame.js';

/** Gathered bytes that are written at once, without waiting for the end of the tick. */
const BATCH = 64 * 1024;
/** Frames at least this long are written as they are, not copied into a batch. */
const DIRECT = 16 * 1024;
/** The first arena of a tick is at least this large (and large enough for what the last tick pushed, up to ARENA_MAX). */
const ARENA_MIN = 1024;
/** The largest arena: a full batch. */
const ARENA_MAX = BATCH;
/** Bytes queued on a stream beyond which the producer waits for 'drain': 8 messages of 64 KiB, enough to keep a connection busy while the producer is descheduled. */
export const QUEUE_LIMIT = 512 * 1024;

/** The allocator for `encodeFramed` (wire/grpc/frame.ts): a Node Buffer, pooled when small, not zero-filled (every byte is written). */
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
  /** Gathered chunks other than the arena run, in order; the run (if any) comes after them. */
  private pieces: Uint8Array[] = [];
  /** Bytes gathered (pieces and run) and not yet written. */
  private bytes = 0;
  private scheduled = false;

  // The arena (see `alloc`): frames handed out back to back from one Buffer.
  private arena: Buffer | undefined;
  private arenaBuffer: ArrayBufferLike | undefined;
  private arenaOffset = 0;
  /** Arena bytes handed out so far; they are never handed out again. */
  private top = 0;
  /** The gathered arena frames: arena[runStart, runEnd) (none when equal). */
  private runStart = 0;
  private runEnd = 0;
  /** Size of the next arena: doubles when one fills within a tick, follows the last tick's bytes otherwise. */
  private arenaSize = ARENA_MIN;
  /** Bytes pushed since the last end of a tick. */
  private tickBytes = 0;
  private allocator: ((length: number) => Uint8Array) | undefined;
  /** The frame `alloc` handed out last (from the current arena). */
  private lastFrame: Uint8Array | undefined;

  constructor(target: FrameTarget) {
    this.target = target;
  }

  /**
   * An allocator for `encodeFramed(codec, value, alloc)`, for frames pushed
   * here right after. A frame under DIRECT bytes is a view of the arena, just
   * behind the previous one: a batch of them is already one piece of memory,
   * written as it is (no copy, no Buffer per frame). Arena bytes are handed
   * out once: a full arena is left to the writes still holding it and a
   * fresh one started. Larger frames get a Buffer of their own.
   */
  get alloc(): (length: number) => Uint8Array {
    return (this.allocator ??= (length) => this.allocate(length));
  }

  private allocate(length: number): Uint8Array {
    if (length >= DIRECT) return Buffer.allocUnsafe(length);
    let at = this.top;
    if (this.arena === undefined || at + length > this.arena.length) {
      this.newArena(length);
      at = 0;
    }
    this.top = at + length;
    const frame = new Uint8Array(this.arenaBuffer!, this.arenaOffset + at, length);
    this.lastFrame = frame;
    return frame;
  }

  private newArena(length: number): void {
    if (this.arena !== undefined) {
      // Filled within this tick: what it gathered goes out now (one piece), and the next one is larger.
      if (this.bytes > 0) this.flush();
      if (this.arenaSize < ARENA_MAX) this.arenaSize *= 2;
    }
    let size = this.arenaSize;
    while (size < length) size *= 2;
    const arena = Buffer.allocUnsafe(size); // small ones are slices of Node's shared pool
    this.arena = arena;
    this.arenaBuffer = arena.buffer;
    this.arenaOffset = arena.byteOffset;
    this.top = this.runStart = this.runEnd = 0;
    this.schedule(); // the end of the tick lets go of it
  }

  /** Sends one frame: now if large (or if the batch is full), else with the rest of this tick's frames. */
  push(frame: Uint8Array): void {
    const n = frame.length;
    this.tickBytes += n;
    if (n >= DIRECT) {
      if (this.bytes > 0) this.flush();
      this.target.writeFrames(frame);
      return;
    }
    this.gather(frame);
    if (this.bytes >= BATCH) this.flush();
    else this.schedule();
  }

  private gather(frame: Uint8Array): void {
    const n = frame.length;
    const at = frame.byteOffset - this.arenaOffset;
    // The frame just allocated (the usual case, told by identity alone), or another one of the arena.
    if (frame === this.lastFrame || (frame.buffer === this.arenaBuffer && at >= 0 && at + n <= this.top)) {
      // An arena frame: it extends the run when it lies right behind it (the usual case).
      if (at !== this.runEnd) {
        this.closeRun();
        this.runStart = at;
      }
      this.runEnd = at + n;
    } else {
      this.closeRun();
      this.pieces.push(frame);
    }
    this.bytes += n;
  }

  /** The run becomes a piece: what comes next goes after it. */
  private closeRun(): void {
    if (this.runEnd === this.runStart) return;
    this.pieces.push(this.arena!.subarray(this.runStart, this.runEnd));
    this.runStart = this.runEnd;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(flushAtTickEnd, this);
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
    if (last !== undefined) {
      if (last.length >= DIRECT) {
        if (this.bytes > 0) this.flush();
        return last;
      }
      this.gather(last);
    }
    if (this.bytes === 0) return undefined;
    let chunk: Uint8Array;
    if (this.pieces.length === 0) {
      chunk = this.arena!.subarray(this.runStart, this.runEnd);
      this.runStart = this.runEnd;
    } else {
      this.closeRun();
      const pieces = this.pieces;
      chunk = pieces.length === 1 ? pieces[0]! : concat(pieces, this.bytes);
      this.pieces = [];
    }
    this.bytes = 0;
    return chunk;
  }

  /** Drops what is gathered (the stream is gone). */
  discard(): void {
    if (this.pieces.length > 0) this.pieces = [];
    this.bytes = 0;
    this.runStart = this.runEnd;
  }

  /** @internal The end of the tick in which frames were gathered. */
  tickEnded(): void {
    this.scheduled = false;
    this.flush();
    // Let go of the arena (the writes in flight keep it as long as they need): an idle stream holds no memory.
    this.arena = this.arenaBuffer = this.lastFrame = undefined;
    let size = ARENA_MIN;
    while (size < this.tickBytes && size < ARENA_MAX) size *= 2;
    this.arenaSize = size;
    this.tickBytes = 0;
  }
}

/** The pieces, in one Buffer. */
function concat(pieces: readonly Uint8Array[], total: number): Uint8Array {
  const chunk = Buffer.allocUnsafe(total);
  let at = 0;
  for (const piece of pieces) {
    if (piece.length <= 16) for (let j = 0; j < piece.length; j++) chunk[at + j] = piece[j]!;
    else chunk.set(piece, at);
    at += piece.length;
  }
  return chunk;
}

function flushAtTickEnd(writer: MessageWriter): void {
  writer.tickEnded();
}
