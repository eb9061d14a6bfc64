/**
 * The HTTP/2 error codes (RFC 9113 §7) of RST_STREAM and GOAWAY, by name — the
 * one place the numbers are written — and what a client reports for a stream
 * the server reset before sending a status (grpc/grpc doc/PROTOCOL-HTTP2.md,
 * "Errors").
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
export const RST_PROTOCOL_ERROR = 1;
export const RST_INTERNAL_ERROR = 2;
export const RST_FLOW_CONTROL_ERROR = 3;
export const RST_REFUSED_STREAM = 7;
export const RST_CANCEL = 8;
export const RST_ENHANCE_YOUR_CALM = 11;
export const RST_INADEQUATE_SECURITY = 12;

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
    case RST_ENHANCE_YOUR_CALM: // the server thinks we are too busy
      return Code.RESOURCE_EXHAUSTED;
    case RST_INADEQUATE_SECURITY:
      return Code.PERMISSION_DENIED;
    default:
      return Code.INTERNAL;
  }
}
