/**
 * From one frame's header and payload to the parsed frame (RFC 9113 §6), with the
 * exact error the RFC names for each malformed case:
 *
 *   FRAME_SIZE_ERROR  the payload is too short for the fields the type requires, or a
 *                     fixed-size type (PRIORITY 5, RST_STREAM 4, PING 8, WINDOW_UPDATE 4,
 *                     SETTINGS a multiple of 6, an ACK empty) has another length (§4.2);
 *   PROTOCOL_ERROR    a frame on the wrong stream (0 where a stream is required or the
 *                     reverse), padding as long as the room for it or longer, a stream
 *                     depending on itself, a zero WINDOW_UPDATE increment;
 *   FLOW_CONTROL_ERROR  SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1.
 *
 * Scope (§4.2, §5.4): a frame size error is a connection error when the frame could
 * change the whole connection — it carries a field block (HEADERS, PUSH_PROMISE,
 * CONTINUATION), is SETTINGS, or is on stream 0. PRIORITY of the wrong size or
 * depending on itself, and a zero increment on a stream, are stream errors; the rest
 * the RFC names are connection errors. A padded frame without room for its Pad Length byte is a
 * connection FRAME_SIZE_ERROR.
 *
 * Payload views (`data`, `fragment`, `debugData`) are subarrays of `payload`: no copy.
 */
import { ErrorCode, H2Error, type ErrorScope } from './errors.js';
import {
  Flag,
  FrameType,
  frameTypeName,
  readUint31,
  readUint32,
  type Frame,
  type FrameHeader,
  type Priority,
  type Setting,
} from './frame.js';
import { checkSetting, SETTING_LENGTH } from './settings.js';

/** The parsed frame, or undefined for a frame type outside §6 (to be ignored). */
export function parseFrame(header: FrameHeader, payload: Uint8Array): Frame | undefined {
  const { type, flags, streamId } = header;
  switch (type) {
    case FrameType.DATA: {
      requireStream(header);
      const [start, end] = unpad(header, payload, 0);
      return {
        type,
        streamId,
        endStream: (flags & Flag.END_STREAM) !== 0,
        data: payload.subarray(start, end),
        flowControlled: payload.length,
      };
    }
    case FrameType.HEADERS: {
      requireStream(header);
      const hasPriority = (flags & Flag.PRIORITY) !== 0;
      const [start, end] = unpad(header, payload, hasPriority ? 5 : 0);
      const priority = hasPriority ? readPriority(header, payload, start - 5, 'connection') : undefined;
      return {
        type,
        streamId,
        endStream: (flags & Flag.END_STREAM) !== 0,
        endHeaders: (flags & Flag.END_HEADERS) !== 0,
        priority,
        fragment: payload.subarray(start, end),
      };
    }
    case FrameType.PRIORITY:
      requireStream(header);
      if (payload.length !== 5)
        throw H2Error.stream(
          streamId,
          ErrorCode.FRAME_SIZE_ERROR,
          `PRIORITY payload is ${payload.length} bytes, not 5`,
        );
      return { type, streamId, priority: readPriority(header, payload, 0, 'stream') };
    case FrameType.RST_STREAM:
      requireStream(header);
      exactLength(header, payload, 4);
      return { type, streamId, errorCode: readUint32(payload, 0) };
    case FrameType.SETTINGS:
      return parseSettings(header, payload);
    case FrameType.PUSH_PROMISE: {
      requireStream(header);
      const [start, end] = unpad(header, payload, 4);
      return {
        type,
        streamId,
        promisedStreamId: readUint31(payload, start - 4),
        endHeaders: (flags & Flag.END_HEADERS) !== 0,
        fragment: payload.subarray(start, end),
      };
    }
    case FrameType.PING:
      requireConnection(header);
      exactLength(header, payload, 8);
      return { type, ack: (flags & Flag.ACK) !== 0, data: payload };
    case FrameType.GOAWAY:
      requireConnection(header);
      if (payload.length < 8)
        throw H2Error.connection(ErrorCode.FRAME_SIZE_ERROR, `GOAWAY payload is ${payload.length} bytes, fewer than 8`);
      return {
        type,
        lastStreamId: readUint31(payload, 0),
        errorCode: readUint32(payload, 4),
        debugData: payload.subarray(8),
      };
    case FrameType.WINDOW_UPDATE: {
      exactLength(header, payload, 4);
      const increment = readUint31(payload, 0);
      if (increment === 0) {
        if (streamId === 0)
          throw H2Error.connection(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of the connection window by 0');
        throw H2Error.stream(streamId, ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of the stream window by 0');
      }
      return { type, streamId, increment };
    }
    case FrameType.CONTINUATION:
      requireStream(header);
      return { type, streamId, endHeaders: (flags & Flag.END_HEADERS) !== 0, fragment: payload };
    default:
      return undefined; // §5.5: frames of unknown types are ignored
  }
}

function parseSettings(header: FrameHeader, payload: Uint8Array): Frame {
  requireConnection(header);
  const ack = (header.flags & Flag.ACK) !== 0;
  if (ack) {
    if (payload.length !== 0)
      throw H2Error.connection(ErrorCode.FRAME_SIZE_ERROR, `SETTINGS ACK with a ${payload.length}-byte payload`);
    return { type: FrameType.SETTINGS, ack, settings: [] };
  }
  if (payload.length % SETTING_LENGTH !== 0)
    throw H2Error.connection(
      ErrorCode.FRAME_SIZE_ERROR,
      `SETTINGS payload of ${payload.length} bytes is not a multiple of ${SETTING_LENGTH}`,
    );
  const settings: Setting[] = [];
  for (let at = 0; at < payload.length; at += SETTING_LENGTH) {
    const setting = { id: (payload[at]! << 8) | payload[at + 1]!, value: readUint32(payload, at + 2) };
    checkSetting(setting);
    settings.push(setting);
  }
  return { type: FrameType.SETTINGS, ack, settings };
}

/**
 * The [start, end) of what lies between the optional Pad Length byte plus `fixed`
 * bytes of fields, and the padding (§6.1, §6.2, §6.6).
 */
function unpad(header: FrameHeader, payload: Uint8Array, fixed: number): [number, number] {
  const name = frameTypeName(header.type);
  if ((header.flags & Flag.PADDED) === 0) {
    if (payload.length < fixed)
      throw H2Error.connection(
        ErrorCode.FRAME_SIZE_ERROR,
        `${name} payload is ${payload.length} bytes, too short for its ${fixed} bytes of fields`,
      );
    return [fixed, payload.length];
  }
  if (payload.length < 1 + fixed)
    throw H2Error.connection(
      ErrorCode.FRAME_SIZE_ERROR,
      `padded ${name} payload is ${payload.length} bytes, too short for Pad Length and ${fixed} bytes of fields`,
    );
  const padLength = payload[0]!;
  const room = payload.length - 1 - fixed;
  // Padding may take every byte after the fields (an empty fragment), not one more.
  if (padLength > room)
    throw H2Error.connection(
      ErrorCode.PROTOCOL_ERROR,
      `${name} padding of ${padLength} bytes is longer than the ${room} bytes left for it`,
    );
  return [1 + fixed, payload.length - padLength];
}

/**
 * A stream depending on itself is a stream error (§5.3.1). In PRIORITY it is one; in
 * HEADERS the frame's field block would still have to be decoded to keep HPACK in
 * step with the peer, so, as §5.4 allows, it ends the connection (as nghttp2 does).
 */
function readPriority(header: FrameHeader, payload: Uint8Array, at: number, scope: ErrorScope): Priority {
  const dependency = readUint31(payload, at);
  if (dependency === header.streamId) {
    const detail = `stream ${dependency} depends on itself`;
    throw scope === 'stream'
      ? H2Error.stream(header.streamId, ErrorCode.PROTOCOL_ERROR, detail)
      : H2Error.connection(ErrorCode.PROTOCOL_ERROR, `${frameTypeName(header.type)}: ${detail}`);
  }
  return { exclusive: (payload[at]! & 0x80) !== 0, dependency, weight: payload[at + 4]! + 1 };
}

function requireStream(header: FrameHeader): void {
  if (header.streamId === 0)
    throw H2Error.connection(ErrorCode.PROTOCOL_ERROR, `${frameTypeName(header.type)} frame on stream 0`);
}

function requireConnection(header: FrameHeader): void {
  if (header.streamId !== 0)
    throw H2Error.connection(
      ErrorCode.PROTOCOL_ERROR,
      `${frameTypeName(header.type)} frame on stream ${header.streamId}, not 0`,
    );
}

function exactLength(header: FrameHeader, payload: Uint8Array, length: number): void {
  if (payload.length !== length)
    throw H2Error.connection(
      ErrorCode.FRAME_SIZE_ERROR,
      `${frameTypeName(header.type)} payload is ${payload.length} bytes, not ${length}`,
    );
}
