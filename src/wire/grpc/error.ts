import { Code, codeName } from './code.js';
import { Metadata } from './metadata.js';

export interface GrpcErrorOptions {
  /** Trailers (server side: sent with the status; client side: received with it). */
  metadata?: Metadata;
  /** Raw `grpc-status-details-bin` (a serialized google.rpc.Status), if any. */
  details?: Uint8Array;
  cause?: unknown;
}

/**
 * The one error type of wiregrpc. Every parser of untrusted input throws (or
 * returns) only this; a server handler throws it to send a status; a client
 * call rejects with it.
 *
 * `message` reads `CODE_NAME: text` for people; `rawMessage` is the text alone,
 * exactly what travels (percent-encoded) in `grpc-message`.
 */
export class GrpcError extends Error {
  readonly code: Code;
  readonly rawMessage: string;
  readonly metadata: Metadata;
  readonly details: Uint8Array | undefined;

  constructor(code: Code, rawMessage: string, options: GrpcErrorOptions = {}) {
    super(
      rawMessage === '' ? codeName(code) : `${codeName(code)}: ${rawMessage}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'GrpcError';
    this.code = code;
    this.rawMessage = rawMessage;
    this.metadata = options.metadata ?? new Metadata();
    this.details = options.details;
  }

  /**
   * Any thrown value as a GrpcError: itself if it already is one, otherwise
   * `fallback` (UNKNOWN by default) carrying the value's message.
   */
  static from(reason: unknown, fallback: Code = Code.UNKNOWN): GrpcError {
    if (reason instanceof GrpcError) return reason;
    if (reason instanceof Error) return new GrpcError(fallback, reason.message, { cause: reason });
    return new GrpcError(fallback, String(reason), { cause: reason });
  }
}
