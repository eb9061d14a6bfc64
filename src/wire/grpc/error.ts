/**
 * GrpcError: the one error type of wiregrpc — a status code, its message, the metadata
 * that came (or goes) with it, and the rich error model's typed details.
 *
 *     grpc-status: 3
 *     grpc-message: bad%20request                          → code, rawMessage
 *     grpc-status-details-bin: <base64 google.rpc.Status>  → details (Any[]), rawDetails
 *     x-request-id: 7f3a                                   → metadata (the custom trailers)
 *
 * Every parser of untrusted input throws (or returns) only this; a server handler throws
 * it to send a status; a client call rejects with it.
 *
 * A GrpcError that a client read off the wire is marked `fromWire` (isWireError). If a
 * server handler rethrows such an error — a backend call failed and the handler lets it
 * through — the server sends its code and message, not the backend's trailers and details
 * (status.ts, statusToTrailers, says why).
 */
import { Code, codeName } from './code.js';
import { type Any, type MessageType, anyUnpack } from './any.js';
import { Metadata } from './metadata.js';

/** Shared by every error without details (most of them): no array per error. */
const NO_DETAILS: readonly Any[] = Object.freeze([]);

export interface GrpcErrorOptions {
  /** Trailers (server side: sent with the status; client side: received with it). */
  metadata?: Metadata;
  /**
   * The error details: messages packed as Any (`anyPack(type, value)`, or `detail(type, init)`
   * from wiregrpc/core), sent in `grpc-status-details-bin` as one google.rpc.Status with
   * this error's code and message.
   *
   * Or the raw bytes of a serialized google.rpc.Status, sent as they are (`rawDetails`): for
   * a proxy that passes a status through unchanged. They should carry this error's code and
   * message; nothing here reads them, and `details` is then empty.
   */
  details?: readonly Any[] | Uint8Array;
  cause?: unknown;
  /**
   * Read off the wire: set by the client when it turns a received status into a GrpcError
   * (statusFromTrailers). A relaying server does not send such an error's metadata and
   * details as its own. A test double of a backend may set it too.
   */
  fromWire?: boolean;
}

/**
 * `message` reads `CODE_NAME: text` for people; `rawMessage` is the text alone,
 * exactly what travels (percent-encoded) in `grpc-message`.
 */
export class GrpcError extends Error {
  readonly code: Code;
  readonly rawMessage: string;
  readonly metadata: Metadata;
  /** The error details, each a message packed as an Any; a type nobody here knows stays an Any. */
  readonly details: readonly Any[];
  /** The serialized google.rpc.Status given as raw bytes, to be sent as it is. */
  readonly rawDetails: Uint8Array | undefined;
  /** Received from a peer (see isWireError), rather than raised in this process. */
  readonly fromWire: boolean;

  constructor(code: Code, rawMessage: string, options: GrpcErrorOptions = {}) {
    super(
      rawMessage === '' ? codeName(code) : `${codeName(code)}: ${rawMessage}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'GrpcError';
    this.code = code;
    this.rawMessage = rawMessage;
    this.metadata = options.metadata ?? new Metadata();
    const details = options.details;
    if (details instanceof Uint8Array) {
      this.rawDetails = details;
      this.details = NO_DETAILS;
    } else {
      this.rawDetails = undefined;
      this.details = details === undefined || details.length === 0 ? NO_DETAILS : Object.freeze(details.slice());
    }
    this.fromWire = options.fromWire === true;
  }

  /**
   * The details of this type, decoded: `err.findDetails(BadRequest)` → `BadRequest[]`.
   * Details of other types, and any whose bytes do not decode as this type, are left out
   * (they are still in `details`).
   */
  findDetails<T>(type: MessageType<T>): T[] {
    const found: T[] = [];
    for (const any of this.details) {
      const value = anyUnpack(any, type);
      if (value !== undefined) found.push(value);
    }
    return found;
  }

  /**
   * Any thrown value as a GrpcError: itself if it already is one, otherwise
   * `fallback` (UNKNOWN by default) carrying the value's message.
   */
  static from(reason: unknown, fallback: Code = Code.UNKNOWN): GrpcError {
    return grpcErrorFrom(reason, fallback);
  }
}

// Outside the class body: a class that names itself inside its body is emitted by esbuild as
// `var GrpcError = class _GrpcError`, and `_GrpcError` is what util.inspect would print (test/h2/bundle-names.test.ts).
function grpcErrorFrom(reason: unknown, fallback: Code): GrpcError {
  if (reason instanceof GrpcError) return reason;
  if (reason instanceof Error) return new GrpcError(fallback, reason.message, { cause: reason });
  return new GrpcError(fallback, String(reason), { cause: reason });
}

/**
 * Whether `reason` is a GrpcError received from a peer (a backend's status), as opposed to
 * one raised in this process — by this program or by the library (a deadline, a lost
 * connection, a message too large).
 */
export function isWireError(reason: unknown): reason is GrpcError {
  return reason instanceof GrpcError && reason.fromWire;
}

/**
 * A GrpcError made without a stack trace, for an error that is part of normal traffic rather than
 * a mistake to debug: the CANCELLED a handler gets when its client resets the stream. Its frames
 * would show only the transport's internals, and capturing them costs more than the rest of what a
 * reset stream costs the server (new Error() with the default 10 frames 5.7 µs, with none 0.4 µs) —
 * the price of every stream of a rapid reset.
 */
export function errorWithoutStack(code: Code, message: string): GrpcError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new GrpcError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
