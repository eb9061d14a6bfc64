/**
 * The bytes a connection sends, collected for one write per tick.
 *
 *     slab:  [ handed to the ByteStream … | frame | frame | DATA hdr | DATA hdr + small payload | … free … ]
 *                                         ^start                                               ^pos
 *     run:   [ slab piece | large DATA payload (the caller's memory) | slab piece | … ]
 *
 * Every frame a connection emits in one turn of the event loop — HEADERS of many
 * streams, DATA, WINDOW_UPDATE, SETTINGS ACK, PING ACK — is written straight into
 * one growable slab, and a microtask hands the whole run to the byte stream in ONE
 * `write` (or, when large payloads are in it, one `writev` of its pieces: see
 * byte-stream.ts). The run handed over is the stream's from then on, so the slab is
 * never rewritten below `pos`: later frames go after it, and when the slab is full a
 * new one is taken (what was not yet handed over is copied across; the old slab lives
 * as long as the runtime holds the written view).
 *
 * DATA payloads under VIEW_MIN bytes are copied into the slab next to their 9-byte
 * header: no frame objects, no list of buffers to join. Larger payloads are not
 * copied: the header goes into the slab, the payload itself becomes a piece of the
 * run, a view of the memory the caller gave away (stream.ts's `write` contract).
 *
 * With this buffer and the HPACK block caches, a unary gRPC-shaped call costs
 * ~2.7 µs of CPU for both ends together over the memory pipe (test/h2/bench-pairs.ts,
 * 64 in flight; 7.2 µs before the caches and the small-copy loop).
 */
import { Flag, FRAME_HEADER_LENGTH, FrameType, writeFrameHeader, writeUint32, type Setting } from './frame.js';

/**
 * The first slab is small (an idle connection holds it: 1,000 idle connections,
 * 1 MB); each new slab is at least twice what the tick needed, up to MAX_SLAB,
 * so a busy connection soon writes a whole tick into one slab. A slab with room
 * for another tick like the last one is kept for the next (not one fresh slab per
 * tick): a unary pair over the memory pipe, one call in flight (test/h2/bench-pairs.ts
 * 200000 1), 4.3 → 3.2 µs of CPU; 64 in flight and server streams unchanged (noise).
 */
const FIRST_SLAB = 1024;
const MAX_SLAB = 65_536;

/**
 * DATA payloads of at least this many bytes go out as views, not copied. Server
 * CPU per message of a gRPC server stream (bench/peers, raw node:http2 client; 4 KiB
 * against copying everything): 64 KiB messages 72.8 → 46.0 µs, 8 KiB 7.7 → 6.0 µs,
 * 1 KiB 1.09 → 1.03 µs (batched into 16 KiB frames), empty 248 → 248 ns. Below a few
 * KiB the copy costs less than the extra piece of the writev; 4 KiB itself was not swept.
 */
const VIEW_MIN = 4096;

const EMPTY = new Uint8Array(0);

/**
 * `src[from, to)` into `dst` at `at`. Small runs (gRPC's header blocks, short
 * messages) by a loop: TypedArray.set and the subarray it needs cost more than
 * the copy below ~64 bytes.
 */
function copy(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): void {
  if (to - from < 64) for (let i = from; i < to; i++) dst[at++] = src[i]!;
  else dst.set(from === 0 && to === src.length ? src : src.subarray(from, to), at);
}

/** What the output hands over once per tick: one run of bytes, or its pieces in order. */
export type Run = Uint8Array | readonly Uint8Array[];

export class FrameOutput {
  private buf: Uint8Array = EMPTY;
  /** The run's pieces before slab[start, pos) (the slab pieces and large payloads so far); undefined while none. */
  private pieces: Uint8Array[] | undefined = undefined;
  /** Bytes in `pieces`. */
  private piecesLength = 0;
  /** Slab bytes of this tick already in `pieces`. */
  private slabUsed = 0;
  private slab = FIRST_SLAB;
  private start = 0;
  private pos = 0;
  private scheduled = false;
  private readonly sink: (run: Run) => void;
  private readonly flushTask = (): void => {
    this.scheduled = false;
    this.flush();
  };

  /**
   * `sink` gets each run of frames, once per tick: one Uint8Array, or (when a large
   * DATA payload is in it) the list of its pieces, to be written in order.
   */
  constructor(sink: (run: Run) => void) {
    this.sink = sink;
  }

  /** Bytes written and not yet handed to the byte stream. */
  get pending(): number {
    return this.piecesLength + this.pos - this.start;
  }

  /** Bytes of slab this output holds (what an idle connection costs here). */
  get retained(): number {
    return this.buf.length;
  }

  /** Hands what was written to the sink now (the microtask then finds nothing). */
  flush(): void {
    const pieces = this.pieces;
    const tail = this.pos - this.start;
    if (tail === 0 && pieces === undefined) return;
    const used = this.slabUsed + tail;
    const run = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    this.slabUsed = 0;
    // A slab with less room left than this tick took, or far larger than it needed (the
    // connection went quiet: an idle connection should not hold a busy one's slab), is let
    // go; the next one is sized to a few ticks like this one. Otherwise the next tick goes
    // on in it: a tick of large payloads puts only their 9-byte headers here.
    const quiet = this.buf.length > FIRST_SLAB && used * 8 < this.buf.length;
    if (this.buf.length - this.pos < used || quiet) {
      if (quiet) this.slab = Math.max(FIRST_SLAB, Math.min(this.slab, 4 * used));
      this.buf = EMPTY;
      this.start = this.pos = 0;
    }
    if (pieces === undefined) this.sink(run);
    else {
      if (tail > 0) pieces.push(run);
      this.pieces = undefined;
      this.piecesLength = 0;
      this.sink(pieces);
    }
  }

  /** Drops what was not handed over (the connection is gone). */
  discard(): void {
    this.buf = EMPTY;
    this.start = this.pos = 0;
    this.pieces = undefined;
    this.piecesLength = 0;
    this.slabUsed = 0;
  }

  /** Makes room for `n` more bytes and returns where they go. */
  private reserve(n: number): number {
    if (this.buf.length - this.pos >= n) return this.pos;
    const kept = this.pos - this.start;
    const next = new Uint8Array(Math.max(this.slab, 2 * (kept + n)));
    this.slab = Math.min(MAX_SLAB, next.length);
    next.set(this.buf.subarray(this.start, this.pos));
    this.buf = next;
    this.start = 0;
    this.pos = kept;
    return kept;
  }

  private wrote(end: number): void {
    this.pos = end;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  /** Bytes as they are (the client preface). */
  raw(bytes: Uint8Array): void {
    const at = this.reserve(bytes.length);
    this.buf.set(bytes, at);
    this.wrote(at + bytes.length);
  }

  /** A frame with a payload of `length` bytes, its header written; returns where the payload goes. */
  private frame(length: number, type: number, flags: number, streamId: number): number {
    const at = this.reserve(FRAME_HEADER_LENGTH + length);
    writeFrameHeader(this.buf, at, length, type, flags, streamId);
    return at + FRAME_HEADER_LENGTH;
  }

  /**
   * DATA (§6.1), unpadded; the caller fitted `data` to the windows and the peer's
   * SETTINGS_MAX_FRAME_SIZE. A payload of VIEW_MIN bytes or more is not copied: it goes
   * out as it is, so it must never change again (it is the byte stream's from now on).
   */
  data(streamId: number, data: Uint8Array, endStream: boolean): void {
    const n = data.length;
    const flags = endStream ? Flag.END_STREAM : 0;
    if (n < VIEW_MIN) {
      const at = this.frame(n, FrameType.DATA, flags, streamId);
      copy(data, 0, n, this.buf, at);
      this.wrote(at + n);
      return;
    }
    this.dataHeader(streamId, n, endStream);
    this.payload(data);
  }

  /**
   * The header of a DATA frame of `length` payload bytes that follow as `payload`
   * calls, before any other frame: a frame made of several of a stream's writes (the
   * tail of one message and the head of the next, stream.ts), so that a stream of
   * messages goes out in frames as full as the windows allow.
   */
  dataHeader(streamId: number, length: number, endStream: boolean): void {
    const at = this.reserve(FRAME_HEADER_LENGTH);
    writeFrameHeader(this.buf, at, length, FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId);
    this.wrote(at + FRAME_HEADER_LENGTH);
  }

  /** Payload of the DATA frame `dataHeader` began: copied under VIEW_MIN bytes, else a view (never to change again). */
  payload(data: Uint8Array): void {
    const n = data.length;
    if (n < VIEW_MIN) {
      const at = this.reserve(n);
      copy(data, 0, n, this.buf, at);
      this.wrote(at + n);
      return;
    }
    // The slab so far (up to and with the header), then the payload, as pieces of the run.
    const pieces = (this.pieces ??= []);
    const slabPart = this.pos - this.start;
    if (slabPart > 0) pieces.push(this.buf.subarray(this.start, this.pos));
    pieces.push(data);
    this.piecesLength += slabPart + n;
    this.slabUsed += slabPart;
    this.start = this.pos;
    this.wrote(this.pos);
  }

  /**
   * A whole field block as HEADERS and CONTINUATION frames of at most `maxFrameSize`
   * bytes each, back to back (§6.10: nothing may come between them).
   */
  fieldBlock(streamId: number, block: Uint8Array, endStream: boolean, maxFrameSize: number): void {
    const frames = Math.max(1, Math.ceil(block.length / maxFrameSize));
    let at = this.reserve(frames * FRAME_HEADER_LENGTH + block.length);
    const buf = this.buf;
    for (let i = 0, from = 0; i < frames; i++, from += maxFrameSize) {
      const to = Math.min(block.length, from + maxFrameSize);
      let flags = i === frames - 1 ? Flag.END_HEADERS : 0;
      if (i === 0 && endStream) flags |= Flag.END_STREAM;
      writeFrameHeader(buf, at, to - from, i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, flags, streamId);
      copy(block, from, to, buf, at + FRAME_HEADER_LENGTH);
      at += FRAME_HEADER_LENGTH + to - from;
    }
    this.wrote(at);
  }

  rstStream(streamId: number, code: number): void {
    const at = this.frame(4, FrameType.RST_STREAM, 0, streamId);
    writeUint32(this.buf, at, code);
    this.wrote(at + 4);
  }

  /** SETTINGS (§6.5) with the parameters in order; the caller checked them. */
  settings(settings: readonly Setting[]): void {
    let at = this.frame(settings.length * 6, FrameType.SETTINGS, 0, 0);
    for (const { id, value } of settings) {
      this.buf[at] = id >>> 8;
      this.buf[at + 1] = id;
      writeUint32(this.buf, at + 2, value);
      at += 6;
    }
    this.wrote(at);
  }

  settingsAck(): void {
    this.wrote(this.frame(0, FrameType.SETTINGS, Flag.ACK, 0));
  }

  /** PING (§6.7): eight bytes of `data`. */
  ping(data: Uint8Array, ack: boolean): void {
    const at = this.frame(8, FrameType.PING, ack ? Flag.ACK : 0, 0);
    this.buf.set(data.subarray(0, 8), at);
    this.wrote(at + 8);
  }

  goaway(lastStreamId: number, code: number, debug: Uint8Array): void {
    const at = this.frame(8 + debug.length, FrameType.GOAWAY, 0, 0);
    writeUint32(this.buf, at, lastStreamId);
    writeUint32(this.buf, at + 4, code);
    this.buf.set(debug, at + 8);
    this.wrote(at + 8 + debug.length);
  }

  /** WINDOW_UPDATE (§6.9) for a stream, or the connection with stream 0; 1 ≤ increment ≤ 2^31-1. */
  windowUpdate(streamId: number, increment: number): void {
    const at = this.frame(4, FrameType.WINDOW_UPDATE, 0, streamId);
    writeUint32(this.buf, at, increment);
    this.wrote(at + 4);
  }
}
