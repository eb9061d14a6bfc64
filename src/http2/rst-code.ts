/**
 * HTTP/2 RST_STREAM error codes → gRPC status (grpc/grpc doc/PROTOCOL-HTTP2.md,
 * "Errors"), for a stream the server reset before sending a status.
 */
import { Code } from '../wire/grpc/code.js';

/** The HTTP/2 error codes (RFC 9113 §7) by number, for messages. */
const NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

export const RST_NO_ERROR = 0;
export const RST_REFUSED_STREAM = 7;
export const RST_CANCEL = 8;

export function rstCodeName(rstCode: number): string {
  return NAMES[rstCode] ?? `0x${rstCode.toString(16)}`;
}

/**
 * The status a client reports for a stream reset with `rstCode`. NO_ERROR is in
 * the list too: a stream that ends with RST_STREAM(NO_ERROR) before any trailers
 * carried no status, which is an INTERNAL error.
 */
export function codeFromRstCode(rstCode: number): Code {
  switch (rstCode) {
    case RST_REFUSED_STREAM:
      return Code.UNAVAILABLE; // the server did not process it: safe to retry
    case RST_CANCEL:
      return Code.CANCELLED;
    case 11: // ENHANCE_YOUR_CALM: the server thinks we are too busy
      return Code.RESOURCE_EXHAUSTED;
    case 12: // INADEQUATE_SECURITY
      return Code.PERMISSION_DENIED;
    default:
      return Code.INTERNAL;
  }
}
