/**
 * The HTTP/2 frame (RFC 9113 §4.1): everything on a connection after the preface
 * travels in frames of this shape, in both directions.
 *
 *     +-----------------------------------------------+
 *     |                 Length (24)                   |   payload length, not counting these 9 bytes
 *     +---------------+---------------+---------------+
 *     |   Type (8)    |   Flags (8)   |
 *     +-+-------------+---------------+-------------------------------+
 *     |R|                 Stream Identifier (31)                      |   0 = the connection itself
 *     +=+=============================================================+
 *     |                   Frame Payload (0...)                      ...
 *     +---------------------------------------------------------------+
 *
 * The reserved bit R is sent as 0 and ignored on receipt. Flags a type does not
 * define are ignored on receipt and sent as 0. A frame of a type this code does
 * not know is ignored (§4.1, §5.5), except in the middle of a field block.
 *
 * This file holds the header, the type and flag numbers, the preface, and the
 * parsed form of every frame type of §6 (frame-parse.ts makes them from bytes,
 * frame-write.ts makes bytes from them).
 */

/** Bytes of the frame header before every payload. */
export const FRAME_HEADER_LENGTH = 9;

/** The frame types of RFC 9113 §6. */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const TYPE_NAMES: readonly string[] = Object.keys(FrameType);

/** `HEADERS`, or `UNKNOWN_0x…` for a type outside §6. */
export function frameTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `UNKNOWN_0x${type.toString(16)}`;
}

/** Flag bits, each meaningful only on the frame types named. */
export const Flag = {
  /** DATA, HEADERS: the last frame the sender will send on this stream. */
  END_STREAM: 0x1,
  /** SETTINGS, PING: this frame acknowledges the peer's. (Same bit as END_STREAM.) */
  ACK: 0x1,
  /** HEADERS, PUSH_PROMISE, CONTINUATION: the field block ends in this frame. */
  END_HEADERS: 0x4,
  /** DATA, HEADERS, PUSH_PROMISE: a Pad Length byte leads the payload and padding ends it. */
  PADDED: 0x8,
  /** HEADERS: exclusive bit, stream dependency and weight lead the payload. */
  PRIORITY: 0x20,
} as const;

/**
 * The client connection preface (§3.4): these 24 octets, then a SETTINGS frame.
 * The server's preface is a SETTINGS frame alone. The string was chosen so an
 * HTTP/1.1 server answers it with an error rather than a misunderstanding.
 */
export const CLIENT_PREFACE: Uint8Array = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** SETTINGS_MAX_FRAME_SIZE bounds (§6.5.2): the initial value is also the smallest allowed. */
export const MIN_MAX_FRAME_SIZE = 16_384;
export const MAX_MAX_FRAME_SIZE = 16_777_215;

/** The largest stream id, and the largest flow-control window (§5.1.1, §6.9.1): 2^31-1. */
export const MAX_STREAM_ID = 0x7fff_ffff;
export const MAX_WINDOW_SIZE = 0x7fff_ffff;

/** The 9-byte header, decoded. */
export interface FrameHeader {
  length: number;
  type: number;
  flags: number;
  streamId: number;
}

/** Reads the header at `offset` (the caller checked 9 bytes are there). The reserved bit is dropped. */
export function readFrameHeader(bytes: Uint8Array, offset: number): FrameHeader {
  return {
    length: (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset + 2]!,
    type: bytes[offset + 3]!,
    flags: bytes[offset + 4]!,
    streamId: readUint31(bytes, offset + 5),
  };
}

/** Writes a header at `offset`; the caller validated the numbers. */
export function writeFrameHeader(
  out: Uint8Array,
  offset: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  out[offset] = length >>> 16;
  out[offset + 1] = length >>> 8;
  out[offset + 2] = length;
  out[offset + 3] = type;
  out[offset + 4] = flags;
  writeUint32(out, offset + 5, streamId);
}

/** A big-endian 32-bit number with its top bit (a reserved or exclusive bit) masked off. */
export function readUint31(bytes: Uint8Array, offset: number): number {
  return readUint32(bytes, offset) & 0x7fff_ffff;
}

export function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

export function writeUint32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = value >>> 16;
  out[offset + 2] = value >>> 8;
  out[offset + 3] = value;
}

// ─── The frames, parsed ─────────────────────────────────────────────────────

/** Stream priority as RFC 7540 defined it; RFC 9113 deprecates it, but the fields still travel. */
export interface Priority {
  exclusive: boolean;
  /** The stream this one depends on (0: the root). */
  dependency: number;
  /** 1–256 (the wire carries weight - 1). */
  weight: number;
}

/** §6.1: application bytes of a stream. */
export interface DataFrame {
  type: typeof FrameType.DATA;
  streamId: number;
  endStream: boolean;
  data: Uint8Array;
  /** The whole payload length, padding included: what flow control counts (§6.9.1). */
  flowControlled: number;
}

/** §6.2: opens a stream (or sends trailers) and carries the first fragment of a field block. */
export interface HeadersFrame {
  type: typeof FrameType.HEADERS;
  streamId: number;
  endStream: boolean;
  endHeaders: boolean;
  priority: Priority | undefined;
  /** HPACK bytes; the block goes on in CONTINUATION frames unless endHeaders. */
  fragment: Uint8Array;
}

/** §6.3: advisory priority of a stream (deprecated by RFC 9113, still parsed). */
export interface PriorityFrame {
  type: typeof FrameType.PRIORITY;
  streamId: number;
  priority: Priority;
}

/** §6.4: ends a stream at once. */
export interface RstStreamFrame {
  type: typeof FrameType.RST_STREAM;
  streamId: number;
  errorCode: number;
}

/** One parameter of a SETTINGS frame. */
export interface Setting {
  id: number;
  value: number;
}

/** §6.5: the sender's parameters, in order (a later value for the same id wins), or an acknowledgement. */
export interface SettingsFrame {
  type: typeof FrameType.SETTINGS;
  ack: boolean;
  settings: Setting[];
}

/** §6.6: the server reserves a stream for a response it will push. */
export interface PushPromiseFrame {
  type: typeof FrameType.PUSH_PROMISE;
  streamId: number;
  promisedStreamId: number;
  endHeaders: boolean;
  fragment: Uint8Array;
}

/** §6.7: eight opaque bytes, echoed back with ACK. */
export interface PingFrame {
  type: typeof FrameType.PING;
  ack: boolean;
  data: Uint8Array;
}

/** §6.8: the sender will start no stream above lastStreamId and will close the connection. */
export interface GoawayFrame {
  type: typeof FrameType.GOAWAY;
  lastStreamId: number;
  errorCode: number;
  debugData: Uint8Array;
}

/** §6.9: more flow-control window, for a stream or (stream 0) the connection. */
export interface WindowUpdateFrame {
  type: typeof FrameType.WINDOW_UPDATE;
  streamId: number;
  increment: number;
}

/** §6.10: the next fragment of the field block a HEADERS or PUSH_PROMISE began. */
export interface ContinuationFrame {
  type: typeof FrameType.CONTINUATION;
  streamId: number;
  endHeaders: boolean;
  fragment: Uint8Array;
}

/** Every frame of §6. (Frames of unknown types are dropped by the parser and never appear here.) */
export type Frame =
  | DataFrame
  | HeadersFrame
  | PriorityFrame
  | RstStreamFrame
  | SettingsFrame
  | PushPromiseFrame
  | PingFrame
  | GoawayFrame
  | WindowUpdateFrame
  | ContinuationFrame;
