/**
 * From frames to bytes (RFC 9113 §6): each function returns one frame, header and
 * payload in a single Uint8Array, laid out as frame.ts pictures.
 *
 * Padding, where a type allows it (DATA, HEADERS, PUSH_PROMISE), is a Pad Length
 * byte first and that many zero bytes last:
 *
 *     +---------------+-----------------------------------------------+---------------+
 *     |Pad Length? (8)|  fields and data / field block fragment       |  Padding (*)  |
 *     +---------------+-----------------------------------------------+---------------+
 *
 * The writer refuses (H2Error, fault local) what the protocol does not allow to be
 * sent: stream 0 where a stream is needed, a payload over 2^24-1 bytes, padding over
 * 255, a window increment outside 1…2^31-1, a SETTINGS value §6.5.2 forbids, a PING
 * that is not 8 bytes. Fitting frames to the peer's SETTINGS_MAX_FRAME_SIZE is the
 * caller's part, except for field blocks: `encodeFieldBlock` splits one into HEADERS
 * and CONTINUATION frames of at most that size.
 */
import { H2Error } from './errors.js';
import {
  Flag,
  FRAME_HEADER_LENGTH,
  FrameType,
  MAX_MAX_FRAME_SIZE,
  MAX_STREAM_ID,
  MAX_WINDOW_SIZE,
  MIN_MAX_FRAME_SIZE,
  writeFrameHeader,
  writeUint32,
  type Frame,
  type Priority,
  type Setting,
} from './frame.js';
import { checkSetting, SETTING_LENGTH } from './settings.js';

export interface PaddingOption {
  /** Bytes of padding, 0–255; undefined: the frame is not padded at all (no PADDED flag). */
  padLength?: number;
}

export function encodeData(
  streamId: number,
  data: Uint8Array,
  options: PaddingOption & { endStream?: boolean } = {},
): Uint8Array {
  checkStream(streamId, 'DATA');
  return padded(FrameType.DATA, options.endStream ? Flag.END_STREAM : 0, streamId, 0, data, options.padLength);
}

export function encodeHeaders(
  streamId: number,
  fragment: Uint8Array,
  options: PaddingOption & { endStream?: boolean; endHeaders?: boolean; priority?: Priority } = {},
): Uint8Array {
  checkStream(streamId, 'HEADERS');
  let flags = 0;
  if (options.endStream) flags |= Flag.END_STREAM;
  if (options.endHeaders ?? true) flags |= Flag.END_HEADERS;
  const priority = options.priority;
  if (priority === undefined) return padded(FrameType.HEADERS, flags, streamId, 0, fragment, options.padLength);
  const out = padded(FrameType.HEADERS, flags | Flag.PRIORITY, streamId, 5, fragment, options.padLength);
  writePriority(out, FRAME_HEADER_LENGTH + (options.padLength === undefined ? 0 : 1), streamId, priority);
  return out;
}

export function encodePriority(streamId: number, priority: Priority): Uint8Array {
  checkStream(streamId, 'PRIORITY');
  const out = frame(FrameType.PRIORITY, 0, streamId, 5);
  writePriority(out, FRAME_HEADER_LENGTH, streamId, priority);
  return out;
}

export function encodeRstStream(streamId: number, errorCode: number): Uint8Array {
  checkStream(streamId, 'RST_STREAM');
  const out = frame(FrameType.RST_STREAM, 0, streamId, 4);
  writeUint32(out, FRAME_HEADER_LENGTH, checkUint32(errorCode, 'error code'));
  return out;
}

/** A SETTINGS frame with `settings` in order; with none, still a frame (the preface may be empty SETTINGS). */
export function encodeSettings(settings: readonly Setting[]): Uint8Array {
  const out = frame(FrameType.SETTINGS, 0, 0, settings.length * SETTING_LENGTH);
  let at = FRAME_HEADER_LENGTH;
  for (const setting of settings) {
    if (!Number.isInteger(setting.id) || setting.id < 0 || setting.id > 0xffff)
      throw H2Error.local(`setting id ${setting.id} is not a 16-bit number`);
    checkUint32(setting.value, `setting ${setting.id}`);
    checkSetting(setting, 'local');
    out[at] = setting.id >>> 8;
    out[at + 1] = setting.id;
    writeUint32(out, at + 2, setting.value);
    at += SETTING_LENGTH;
  }
  return out;
}

export function encodeSettingsAck(): Uint8Array {
  return frame(FrameType.SETTINGS, Flag.ACK, 0, 0);
}

export function encodePushPromise(
  streamId: number,
  promisedStreamId: number,
  fragment: Uint8Array,
  options: PaddingOption & { endHeaders?: boolean } = {},
): Uint8Array {
  checkStream(streamId, 'PUSH_PROMISE');
  checkStream(promisedStreamId, 'the promised stream of PUSH_PROMISE');
  const flags = (options.endHeaders ?? true) ? Flag.END_HEADERS : 0;
  const out = padded(FrameType.PUSH_PROMISE, flags, streamId, 4, fragment, options.padLength);
  writeUint32(out, FRAME_HEADER_LENGTH + (options.padLength === undefined ? 0 : 1), promisedStreamId);
  return out;
}

export function encodePing(data: Uint8Array, ack = false): Uint8Array {
  if (data.length !== 8) throw H2Error.local(`PING data is ${data.length} bytes, not 8`);
  const out = frame(FrameType.PING, ack ? Flag.ACK : 0, 0, 8);
  out.set(data, FRAME_HEADER_LENGTH);
  return out;
}

export function encodeGoaway(lastStreamId: number, errorCode: number, debugData: Uint8Array = EMPTY): Uint8Array {
  if (!Number.isInteger(lastStreamId) || lastStreamId < 0 || lastStreamId > MAX_STREAM_ID)
    throw H2Error.local(`GOAWAY last stream id ${lastStreamId} is outside 0…2^31-1`);
  const out = frame(FrameType.GOAWAY, 0, 0, 8 + debugData.length);
  writeUint32(out, FRAME_HEADER_LENGTH, lastStreamId);
  writeUint32(out, FRAME_HEADER_LENGTH + 4, checkUint32(errorCode, 'error code'));
  out.set(debugData, FRAME_HEADER_LENGTH + 8);
  return out;
}

/** A window increment for `streamId`, or for the connection with stream 0. */
export function encodeWindowUpdate(streamId: number, increment: number): Uint8Array {
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > MAX_STREAM_ID)
    throw H2Error.local(`WINDOW_UPDATE stream id ${streamId} is outside 0…2^31-1`);
  if (!Number.isInteger(increment) || increment < 1 || increment > MAX_WINDOW_SIZE)
    throw H2Error.local(`WINDOW_UPDATE increment ${increment} is outside 1…2^31-1`);
  const out = frame(FrameType.WINDOW_UPDATE, 0, streamId, 4);
  writeUint32(out, FRAME_HEADER_LENGTH, increment);
  return out;
}

export function encodeContinuation(streamId: number, fragment: Uint8Array, endHeaders: boolean): Uint8Array {
  checkStream(streamId, 'CONTINUATION');
  const out = frame(FrameType.CONTINUATION, endHeaders ? Flag.END_HEADERS : 0, streamId, fragment.length);
  out.set(fragment, FRAME_HEADER_LENGTH);
  return out;
}

/**
 * One whole field block as a HEADERS frame and as many CONTINUATION frames as it
 * takes, none with a payload over `maxFrameSize` (the peer's SETTINGS_MAX_FRAME_SIZE),
 * back to back in one buffer: nothing may come between them on the connection (§6.10).
 */
export function encodeFieldBlock(
  streamId: number,
  block: Uint8Array,
  options: { endStream?: boolean; maxFrameSize?: number } = {},
): Uint8Array {
  checkStream(streamId, 'HEADERS');
  const max = options.maxFrameSize ?? MIN_MAX_FRAME_SIZE;
  if (!Number.isInteger(max) || max < MIN_MAX_FRAME_SIZE || max > MAX_MAX_FRAME_SIZE)
    throw H2Error.local(`max frame size ${max} is outside ${MIN_MAX_FRAME_SIZE}…${MAX_MAX_FRAME_SIZE}`);
  const frames = Math.max(1, Math.ceil(block.length / max));
  const out = new Uint8Array(frames * FRAME_HEADER_LENGTH + block.length);
  let at = 0;
  for (let i = 0, from = 0; i < frames; i++, from += max) {
    const piece = block.subarray(from, from + max);
    const last = i === frames - 1;
    let flags = last ? Flag.END_HEADERS : 0;
    if (i === 0 && options.endStream) flags |= Flag.END_STREAM;
    writeFrameHeader(out, at, piece.length, i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, flags, streamId);
    out.set(piece, at + FRAME_HEADER_LENGTH);
    at += FRAME_HEADER_LENGTH + piece.length;
  }
  return out;
}

/** Any parsed frame back to bytes (unpadded): what frame-parse.ts reads, this writes. */
export function encodeFrame(f: Frame): Uint8Array {
  switch (f.type) {
    case FrameType.DATA:
      return encodeData(f.streamId, f.data, { endStream: f.endStream });
    case FrameType.HEADERS:
      return encodeHeaders(f.streamId, f.fragment, {
        endStream: f.endStream,
        endHeaders: f.endHeaders,
        ...(f.priority === undefined ? {} : { priority: f.priority }),
      });
    case FrameType.PRIORITY:
      return encodePriority(f.streamId, f.priority);
    case FrameType.RST_STREAM:
      return encodeRstStream(f.streamId, f.errorCode);
    case FrameType.SETTINGS:
      return f.ack ? encodeSettingsAck() : encodeSettings(f.settings);
    case FrameType.PUSH_PROMISE:
      return encodePushPromise(f.streamId, f.promisedStreamId, f.fragment, { endHeaders: f.endHeaders });
    case FrameType.PING:
      return encodePing(f.data, f.ack);
    case FrameType.GOAWAY:
      return encodeGoaway(f.lastStreamId, f.errorCode, f.debugData);
    case FrameType.WINDOW_UPDATE:
      return encodeWindowUpdate(f.streamId, f.increment);
    case FrameType.CONTINUATION:
      return encodeContinuation(f.streamId, f.fragment, f.endHeaders);
  }
}

const EMPTY = new Uint8Array(0);

/** A zeroed frame with its header written. */
function frame(type: number, flags: number, streamId: number, length: number): Uint8Array {
  if (length > MAX_MAX_FRAME_SIZE) throw H2Error.local(`a ${length}-byte frame payload is over 2^24-1`);
  const out = new Uint8Array(FRAME_HEADER_LENGTH + length);
  writeFrameHeader(out, 0, length, type, flags, streamId);
  return out;
}

/** A frame of `fixed` bytes of fields (left zero for the caller) then `body`, padded if asked. */
function padded(
  type: number,
  flags: number,
  streamId: number,
  fixed: number,
  body: Uint8Array,
  padLength: number | undefined,
): Uint8Array {
  if (padLength === undefined) {
    const out = frame(type, flags, streamId, fixed + body.length);
    out.set(body, FRAME_HEADER_LENGTH + fixed);
    return out;
  }
  if (!Number.isInteger(padLength) || padLength < 0 || padLength > 255)
    throw H2Error.local(`padding of ${padLength} bytes is outside 0…255`);
  const out = frame(type, flags | Flag.PADDED, streamId, 1 + fixed + body.length + padLength);
  out[FRAME_HEADER_LENGTH] = padLength;
  out.set(body, FRAME_HEADER_LENGTH + 1 + fixed); // the padding stays zero, as §6.1 requires
  return out;
}

function writePriority(out: Uint8Array, at: number, streamId: number, priority: Priority): void {
  const { dependency, weight, exclusive } = priority;
  if (!Number.isInteger(dependency) || dependency < 0 || dependency > MAX_STREAM_ID)
    throw H2Error.local(`stream dependency ${dependency} is outside 0…2^31-1`);
  if (dependency === streamId) throw H2Error.local(`stream ${streamId} cannot depend on itself`);
  if (!Number.isInteger(weight) || weight < 1 || weight > 256)
    throw H2Error.local(`priority weight ${weight} is outside 1…256`);
  writeUint32(out, at, (dependency | (exclusive ? 0x8000_0000 : 0)) >>> 0);
  out[at + 4] = weight - 1;
}

function checkStream(streamId: number, what: string): void {
  if (!Number.isInteger(streamId) || streamId < 1 || streamId > MAX_STREAM_ID)
    throw H2Error.local(`${what} needs a stream id in 1…2^31-1, not ${streamId}`);
}

function checkUint32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff)
    throw H2Error.local(`${what} ${value} is not a 32-bit number`);
  return value;
}
