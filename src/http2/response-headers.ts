/**
 * What a gRPC server sends back, as HTTP/2 header blocks:
 *
 *     Response        → (Response-Headers *Length-Prefixed-Message Trailers) / Trailers-Only
 *     Response-Headers → ":status 200" "content-type" [grpc-encoding] [grpc-accept-encoding] *Custom-Metadata
 *     Trailers        → "grpc-status" ["grpc-message"] ["grpc-status-details-bin"] *Custom-Metadata
 *     Trailers-Only   → ":status 200" "content-type" Trailers   (one HEADERS frame with END_STREAM)
 *
 * The constant parts are built once and frozen: node:http2 copies a header
 * object before it touches it, so the same object serves every call.
 */
import type { HeaderRecord, Metadata } from '../wire/grpc/metadata.js';
import type { GrpcError } from '../wire/grpc/error.js';
import { statusToTrailers } from '../wire/grpc/status.js';
import { ACCEPT_ENCODING } from './compression.js';

/** Options for `stream.respond()`: we end with trailers; no `date` header (gRPC has no use for it). */
export const RESPOND_OPTIONS = Object.freeze({ waitForTrailers: true, sendDate: false });
/** Options for a trailers-only response or a plain HTTP error: one HEADERS frame that ends the stream. */
export const END_OPTIONS = Object.freeze({ endStream: true, sendDate: false });

function base(encoding: string): Readonly<HeaderRecord> {
  const headers: HeaderRecord = { ':status': 200, 'content-type': 'application/grpc' };
  if (encoding !== 'identity') headers['grpc-encoding'] = encoding;
  headers['grpc-accept-encoding'] = ACCEPT_ENCODING;
  return Object.freeze(headers);
}

const BASE: Readonly<Record<string, Readonly<HeaderRecord>>> = Object.freeze({
  identity: base('identity'),
  gzip: base('gzip'),
  deflate: base('deflate'),
});

const SKIP_RESERVED = Object.freeze({ skipReserved: true });

/** Response headers for messages sent with this `grpc-encoding` ("identity" = uncompressed). Frozen and shared. */
export function responseHeaders(encoding: string): Readonly<HeaderRecord> {
  return BASE[encoding] ?? BASE.identity!;
}

/**
 * Response headers plus custom metadata (a fresh object). Reserved keys in the
 * metadata are left out here and below: a handler's `grpc-status` or
 * `content-type` must not replace (or pose as) the protocol's own fields.
 */
export function responseHeadersWith(encoding: string, metadata: Metadata): HeaderRecord {
  return metadata.toHeaders({ ...responseHeaders(encoding) }, SKIP_RESERVED);
}

/** The trailers of a call that succeeded with no trailing metadata. */
export const OK_TRAILERS: Readonly<HeaderRecord> = Object.freeze({ 'grpc-status': '0' });

/**
 * Trailers for a status: the handler's trailing metadata first, then the
 * status fields (which win over any metadata of the same name).
 */
export function trailers(
  error: GrpcError | undefined,
  metadata: Metadata | undefined,
): HeaderRecord | Readonly<HeaderRecord> {
  if (error === undefined && (metadata === undefined || metadata.size === 0)) return OK_TRAILERS;
  const into: HeaderRecord = metadata === undefined || metadata.size === 0 ? {} : metadata.toHeaders({}, SKIP_RESERVED);
  return statusToTrailers(error, into);
}

/** A Trailers-Only response: response headers and status in one block. */
export function trailersOnly(error: GrpcError | undefined, metadata: Metadata | undefined): HeaderRecord {
  const into: HeaderRecord = { ...BASE.identity! };
  if (metadata !== undefined && metadata.size > 0) metadata.toHeaders(into, SKIP_RESERVED);
  return statusToTrailers(error, into);
}
