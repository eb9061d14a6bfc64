/**
 * Cuts the bytes a connection receives into HTTP/2 frames, however they were split
 * into chunks (RFC 9113 §3.4, §4):
 *
 *     server side:  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"  SETTINGS  frame  frame  …
 *     client side:                                   SETTINGS  frame  frame  …
 *
 * It checks what belongs to the frame sequence rather than to one frame:
 *   - the client preface, octet by octet, and that the first frame is a SETTINGS
 *     (not an ACK): otherwise a connection PROTOCOL_ERROR (§3.4);
 *   - a length over our SETTINGS_MAX_FRAME_SIZE is a connection FRAME_SIZE_ERROR,
 *     refused as soon as the 9-byte header is in, before a payload byte is kept (§4.2);
 *   - a field block is HEADERS or PUSH_PROMISE, then CONTINUATION frames on the same
 *     stream until END_HEADERS; any other frame in between, or a CONTINUATION without
 *     a block open, is a connection PROTOCOL_ERROR (§6.10);
 *   - PUSH_PROMISE is a connection PROTOCOL_ERROR on a server (§8.4: clients cannot
 *     push) and on a client that has not enabled push (§6.5.2, `pushEnabled`);
 *   - frames of unknown types are dropped (§5.5), except inside a field block;
 *   - a field block (HEADERS or PUSH_PROMISE and its CONTINUATIONs) over
 *     `maxFieldBlockSize` is a connection ENHANCE_YOUR_CALM, counted from the frame
 *     headers, before its bytes are kept: a CONTINUATION flood is cut early.
 *     (HPACK must see a whole block to keep its table in step, so a block too large
 *     to hold cannot be refused stream by stream; the header-list limit, enforced by
 *     the HPACK decoder as a stream error, is the finer one.)
 * Each frame's own rules are frame-parse.ts's.
 *
 * Memory: at most one incomplete frame is held — up to 9 header bytes in a fixed
 * buffer, or one payload buffer allocated at its exact, already checked size. A
 * frame that lies wholly inside a chunk is handed over as views into that chunk, so
 * the caller must not reuse a chunk's memory while its frames are alive.
 *
 * A connection error is thrown from `push`, and the reader stays failed (every later
 * call throws it again). A stream error goes to `onStreamError` and reading goes on.
 * The handlers must not throw.
 */
import { ErrorCode, H2Error } from './errors.js';
import {
  CLIENT_PREFACE,
  FRAME_HEADER_LENGTH,
  FrameType,
  frameTypeName,
  MAX_MAX_FRAME_SIZE,
  MIN_MAX_FRAME_SIZE,
  readFrameHeader,
  type Frame,
  type FrameHeader,
} from './frame.js';
import { parseFrame } from './frame-parse.js';

export interface FrameReaderOptions {
  /** Expect the client preface first: true on a server. */
  preface: boolean;
  /** Our SETTINGS_MAX_FRAME_SIZE (default 16,384, the initial value). */
  maxFrameSize?: number;
  /** Client side: we sent SETTINGS_ENABLE_PUSH 1 (default false: gRPC never pushes). Ignored on a server. */
  pushEnabled?: boolean;
  /** The largest field block accepted, padding included, summed over its frames (default 1 MiB). */
  maxFieldBlockSize?: number;
  onFrame(frame: Frame): void;
  onStreamError(error: H2Error): void;
}

export const DEFAULT_MAX_FIELD_BLOCK_SIZE = 1 << 20;

export class FrameReader {
  /** Where frames and stream errors go: the options object itself (kept, not its two functions copied). */
  private readonly sink: Pick<FrameReaderOptions, 'onFrame' | 'onStreamError'>;
  private limit: number;
  /** Octets of the client preface still expected (0 once matched). */
  private prefaceLeft: number;
  private settingsSeen = false;
  /** The stream whose field block is open (waiting for CONTINUATION), or 0. */
  private blockStream = 0;
  /** Payload bytes of the current (or last) field block's frames so far. */
  private blockBytes = 0;
  private readonly maxBlock: number;
  /** Whether PUSH_PROMISE may arrive: never on a server, on a client only with push enabled. */
  private readonly pushAllowed: boolean;
  private readonly server: boolean;
  /** A frame header split across chunks, gathered (made the first time one is: most connections never see one). */
  private headerBytes: Uint8Array | undefined;
  private headerFill = 0;
  /** The frame whose payload spans chunks, and its payload so far. */
  private pending: FrameHeader | undefined;
  private payload: Uint8Array | undefined;
  private payloadFill = 0;
  private failure: H2Error | undefined;

  constructor(options: FrameReaderOptions) {
    this.sink = options;
    this.prefaceLeft = options.preface ? CLIENT_PREFACE.length : 0;
    this.limit = MIN_MAX_FRAME_SIZE;
    this.maxBlock = options.maxFieldBlockSize ?? DEFAULT_MAX_FIELD_BLOCK_SIZE;
    this.server = options.preface;
    this.pushAllowed = !options.preface && options.pushEnabled === true;
    if (options.maxFrameSize !== undefined) this.maxFrameSize = options.maxFrameSize;
  }

  /** Our SETTINGS_MAX_FRAME_SIZE. Raise it once the peer has acknowledged the SETTINGS that announced it. */
  get maxFrameSize(): number {
    return this.limit;
  }

  set maxFrameSize(size: number) {
    if (!Number.isInteger(size) || size < MIN_MAX_FRAME_SIZE || size > MAX_MAX_FRAME_SIZE)
      throw H2Error.local(`max frame size ${size} is outside ${MIN_MAX_FRAME_SIZE}…${MAX_MAX_FRAME_SIZE}`);
    this.limit = size;
  }

  /** Whether the client preface has been matched in full (always true on a client). */
  get prefaceDone(): boolean {
    return this.prefaceLeft === 0;
  }

  /** Whether the first SETTINGS frame (the rest of the preface) has arrived. */
  get settingsDone(): boolean {
    return this.settingsSeen;
  }

  /** True while a field block is open: a HEADERS or PUSH_PROMISE without END_HEADERS, and no CONTINUATION ending it. */
  get inFieldBlock(): boolean {
    return this.blockStream !== 0;
  }

  /** Feeds the next chunk; every frame it completes goes to `onFrame`, in order. */
  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    try {
      this.read(chunk);
    } catch (err) {
      if (err instanceof H2Error) this.failure = err;
      throw err;
    }
  }

  /** The connection's bytes ended: a connection PROTOCOL_ERROR if inside the preface, a frame or a field block. */
  end(): void {
    if (this.failure) throw this.failure;
    let inside: string | undefined;
    if (this.prefaceLeft > 0 && this.prefaceLeft < CLIENT_PREFACE.length) inside = 'the client preface';
    else if (this.pending !== undefined)
      inside = `a ${frameTypeName(this.pending.type)} frame (${this.payloadFill} of ${this.pending.length} payload bytes)`;
    else if (this.headerFill > 0) inside = `a frame header (${this.headerFill} of 9 bytes)`;
    else if (this.blockStream !== 0) inside = `the field block of stream ${this.blockStream} (no END_HEADERS)`;
    if (inside !== undefined) {
      this.failure = H2Error.connection(ErrorCode.PROTOCOL_ERROR, `the connection ended inside ${inside}`);
      throw this.failure;
    }
  }

  private read(chunk: Uint8Array): void {
    let pos = 0;
    const end = chunk.length;
    if (this.prefaceLeft > 0) {
      pos = this.matchPreface(chunk);
      if (this.prefaceLeft > 0) return;
    }
    while (pos < end) {
      // The payload of a frame begun in an earlier chunk.
      if (this.pending !== undefined) {
        const payload = this.payload!;
        const take = Math.min(payload.length - this.payloadFill, end - pos);
        payload.set(chunk.subarray(pos, pos + take), this.payloadFill);
        this.payloadFill += take;
        pos += take;
        if (this.payloadFill < payload.length) return;
        const header = this.pending;
        this.pending = undefined;
        this.payload = undefined;
        this.deliver(header, payload);
        continue;
      }
      // A header split across chunks.
      let header: FrameHeader;
      if (this.headerFill > 0 || end - pos < FRAME_HEADER_LENGTH) {
        const take = Math.min(FRAME_HEADER_LENGTH - this.headerFill, end - pos);
        const headerBytes = (this.headerBytes ??= new Uint8Array(FRAME_HEADER_LENGTH));
        headerBytes.set(chunk.subarray(pos, pos + take), this.headerFill);
        this.headerFill += take;
        pos += take;
        if (this.headerFill < FRAME_HEADER_LENGTH) return;
        this.headerFill = 0;
        header = readFrameHeader(headerBytes, 0);
      } else {
        header = readFrameHeader(chunk, pos);
        pos += FRAME_HEADER_LENGTH;
      }
      this.checkHeader(header);
      if (end - pos >= header.length) {
        // The whole payload is in this chunk: a view, no copy.
        const payload = chunk.subarray(pos, pos + header.length);
        pos += header.length;
        this.deliver(header, payload);
      } else {
        // The length was checked against maxFrameSize (at most 2^24-1) above.
        this.pending = header;
        this.payload = new Uint8Array(header.length);
        this.payloadFill = 0;
      }
    }
  }

  /** Matches preface octets at the start of `chunk`; returns where the frames begin. */
  private matchPreface(chunk: Uint8Array): number {
    const offset = CLIENT_PREFACE.length - this.prefaceLeft;
    const take = Math.min(this.prefaceLeft, chunk.length);
    for (let i = 0; i < take; i++) {
      if (chunk[i] !== CLIENT_PREFACE[offset + i]) {
        const start = new Uint8Array([...CLIENT_PREFACE.subarray(0, offset), ...chunk.subarray(0, take)]);
        const http1 = /^[A-Z]{3,7} /.test(latin(start)); // GET, POST, OPTIONS …: a request line
        throw H2Error.connection(
          ErrorCode.PROTOCOL_ERROR,
          http1
            ? 'the client sent an HTTP/1 request where the HTTP/2 preface belongs'
            : `the bytes received are not the HTTP/2 client preface (they differ at octet ${offset + i})`,
        );
      }
    }
    this.prefaceLeft -= take;
    return take;
  }

  /** The checks that need only the header, made before any payload byte is kept. */
  private checkHeader(header: FrameHeader): void {
    if (header.length > this.limit)
      throw H2Error.connection(
        ErrorCode.FRAME_SIZE_ERROR,
        `${frameTypeName(header.type)} frame of ${header.length} bytes is over SETTINGS_MAX_FRAME_SIZE ${this.limit}`,
      );
    if (!this.settingsSeen) {
      if (header.type !== FrameType.SETTINGS || (header.flags & 0x1) !== 0)
        throw H2Error.connection(
          ErrorCode.PROTOCOL_ERROR,
          `the first frame is ${frameTypeName(header.type)}${header.type === FrameType.SETTINGS ? ' ACK' : ''}, not SETTINGS (the connection preface)`,
        );
      this.settingsSeen = true;
    }
    if (this.blockStream !== 0) {
      if (header.type !== FrameType.CONTINUATION || header.streamId !== this.blockStream)
        throw H2Error.connection(
          ErrorCode.PROTOCOL_ERROR,
          `${frameTypeName(header.type)} frame on stream ${header.streamId} inside the field block of stream ${this.blockStream}: only its CONTINUATION frames may come`,
        );
    } else if (header.type === FrameType.CONTINUATION) {
      throw H2Error.connection(
        ErrorCode.PROTOCOL_ERROR,
        `CONTINUATION frame on stream ${header.streamId} with no field block open`,
      );
    }
    if (header.type === FrameType.PUSH_PROMISE && !this.pushAllowed)
      throw H2Error.connection(
        ErrorCode.PROTOCOL_ERROR,
        this.server ? 'PUSH_PROMISE from a client (clients cannot push)' : 'PUSH_PROMISE with push disabled',
      );
    if (header.type === FrameType.HEADERS || header.type === FrameType.PUSH_PROMISE) this.blockBytes = header.length;
    else if (header.type === FrameType.CONTINUATION) this.blockBytes += header.length;
    else return;
    if (this.blockBytes > this.maxBlock)
      throw H2Error.connection(
        ErrorCode.ENHANCE_YOUR_CALM,
        `field block of stream ${header.streamId} over ${this.maxBlock} bytes`,
      );
  }

  private deliver(header: FrameHeader, payload: Uint8Array): void {
    let frame: Frame | undefined;
    try {
      frame = parseFrame(header, payload);
    } catch (err) {
      if (err instanceof H2Error && err.scope === 'stream') {
        this.sink.onStreamError(err);
        return;
      }
      throw err;
    }
    if (frame === undefined) return; // an unknown type
    if (frame.type === FrameType.HEADERS || frame.type === FrameType.PUSH_PROMISE) {
      if (!frame.endHeaders) this.blockStream = frame.streamId;
    } else if (frame.type === FrameType.CONTINUATION && frame.endHeaders) {
      this.blockStream = 0;
    }
    this.sink.onFrame(frame);
  }
}

function latin(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
