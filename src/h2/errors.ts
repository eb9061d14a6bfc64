/**
 * HTTP/2 error codes (RFC 9113 §7) and the one error type of src/h2.
 *
 * An error code is a 32-bit number that travels in RST_STREAM and GOAWAY:
 *
 *     RST_STREAM payload        GOAWAY payload
 *     +---------------+         +-+-------------+---------------+-------------------+
 *     |  Error Code   |         |R| Last-Stream-ID | Error Code  | Debug Data ...    |
 *     +---------------+         +-+-------------+---------------+-------------------+
 *          32 bits                      31          32 bits        rest of the frame
 *
 * RFC 9113 §5.4 sorts every error into one of two scopes:
 *   - a stream error ends one stream: the endpoint sends RST_STREAM with the code;
 *   - a connection error ends the connection: the endpoint sends GOAWAY with the code
 *     and closes.
 * `H2Error` carries the code, the scope (with the stream id for a stream error) and
 * whose mistake it was: `peer` when the bytes received broke the protocol, `local`
 * when this side was asked to do something the protocol does not allow.
 */

/** The error codes of RFC 9113 §7. Unknown codes received from a peer must be treated like INTERNAL_ERROR. */
export const ErrorCode = {
  /** Not an error: a graceful shutdown (GOAWAY) or a stream no longer needed. */
  NO_ERROR: 0x0,
  /** The peer broke the protocol in a way no more specific code covers. */
  PROTOCOL_ERROR: 0x1,
  /** The endpoint hit an unexpected internal error. */
  INTERNAL_ERROR: 0x2,
  /** Flow control was violated (a window exceeded, or grown past 2^31-1). */
  FLOW_CONTROL_ERROR: 0x3,
  /** SETTINGS were sent and not acknowledged in time. */
  SETTINGS_TIMEOUT: 0x4,
  /** A frame arrived on a stream already half-closed (remote) or closed. */
  STREAM_CLOSED: 0x5,
  /** A frame has the wrong size for its type, or exceeds SETTINGS_MAX_FRAME_SIZE. */
  FRAME_SIZE_ERROR: 0x6,
  /** The stream was refused before any processing: safe to retry. */
  REFUSED_STREAM: 0x7,
  /** The stream is no longer needed. */
  CANCEL: 0x8,
  /** The HPACK state cannot be maintained (a malformed field block). */
  COMPRESSION_ERROR: 0x9,
  /** The connection made for a CONNECT request was reset or closed. */
  CONNECT_ERROR: 0xa,
  /** The peer generates excessive load. */
  ENHANCE_YOUR_CALM: 0xb,
  /** The transport does not meet minimum security requirements. */
  INADEQUATE_SECURITY: 0xc,
  /** The endpoint requires HTTP/1.1 instead of HTTP/2. */
  HTTP_1_1_REQUIRED: 0xd,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const NAMES: readonly string[] = Object.keys(ErrorCode);

/** The RFC's name of a code (`PROTOCOL_ERROR`), or `UNKNOWN_ERROR_0x…` for a code outside §7. */
export function errorCodeName(code: number): string {
  return NAMES[code] ?? `UNKNOWN_ERROR_0x${(code >>> 0).toString(16)}`;
}

/** Which part of the connection the error ends (RFC 9113 §5.4). */
export type ErrorScope = 'connection' | 'stream';

/** Whose mistake it was: the peer's bytes, or this side's request. */
export type ErrorFault = 'peer' | 'local';

/**
 * An HTTP/2 protocol error. Every parser in src/h2 throws only this.
 *
 * `message` reads `PROTOCOL_ERROR (connection, peer): text`; `detail` is the text
 * alone, fit for a GOAWAY's debug data.
 */
export class H2Error extends Error {
  readonly code: ErrorCode;
  readonly scope: ErrorScope;
  /** The stream a stream error ends; 0 for a connection error. */
  readonly streamId: number;
  readonly fault: ErrorFault;
  readonly detail: string;

  private constructor(code: ErrorCode, scope: ErrorScope, streamId: number, fault: ErrorFault, detail: string) {
    const where = scope === 'connection' ? 'connection' : `stream ${streamId}`;
    super(`${errorCodeName(code)} (${where}, ${fault}): ${detail}`);
    this.name = 'H2Error';
    this.code = code;
    this.scope = scope;
    this.streamId = streamId;
    this.fault = fault;
    this.detail = detail;
  }

  // `new this`, not `new H2Error`: a class that names itself inside its body is emitted by esbuild as
  // `var H2Error = class _H2Error`, and `_H2Error` is what util.inspect would print (test/h2/bundle-names.test.ts).

  /** A connection error (GOAWAY with `code`). */
  static connection(code: ErrorCode, detail: string, fault: ErrorFault = 'peer'): H2Error {
    return new this(code, 'connection', 0, fault, detail);
  }

  /** A stream error (RST_STREAM with `code` on `streamId`). */
  static stream(streamId: number, code: ErrorCode, detail: string, fault: ErrorFault = 'peer'): H2Error {
    return new this(code, 'stream', streamId, fault, detail);
  }

  /** A request this side should not have made (a bug above src/h2): INTERNAL_ERROR, connection scope. */
  static local(detail: string): H2Error {
    return new this(ErrorCode.INTERNAL_ERROR, 'connection', 0, 'local', detail);
  }
}
