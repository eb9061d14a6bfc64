/**
 * The gRPC header blocks of a fetch call's answer, as HeaderRecords — the blocks src/http2/response-headers.ts
 * builds for the node:http2 server, built here from the same src/wire pieces:
 *
 *   Response-Headers  ":status 200" "content-type" [grpc-encoding] grpc-accept-encoding *Custom-Metadata
 *   Trailers          grpc-status [grpc-message] [grpc-status-details-bin] *Custom-Metadata
 *   Trailers-Only     Response-Headers (without metadata of their own) and Trailers, one block
 *
 * Why not that file itself: it takes its `grpc-accept-encoding` from src/http2/compression.ts, whose node:zlib
 * import — dynamic, on first use — would still be in the fetch handler's bundle, and a browser bundler (for a
 * service worker) refuses to resolve `node:zlib`. What we accept is ours anyway (compression.ts here). Custom
 * metadata never replaces the protocol's own fields: reserved keys are left out of it.
 */
import type { GrpcError } from '../wire/grpc/error.js';
import type { HeaderRecord, Metadata } from '../wire/grpc/metadata.js';
import { statusToTrailers } from '../wire/grpc/status.js';
import { FETCH_ACCEPT_ENCODING } from './compression.js';

const SKIP_RESERVED = Object.freeze({ skipReserved: true });

/** Response headers for messages in `encoding` ("identity": uncompressed), with custom metadata if any. */
export function responseHeaders(encoding: string, metadata?: Metadata): HeaderRecord {
  const headers: HeaderRecord = { ':status': 200, 'content-type': 'application/grpc' };
  if (encoding !== 'identity') headers['grpc-encoding'] = encoding;
  headers['grpc-accept-encoding'] = FETCH_ACCEPT_ENCODING;
  if (metadata !== undefined && metadata.size > 0) metadata.toHeaders(headers, SKIP_RESERVED);
  return headers;
}

/** Trailers for a status (undefined = OK): the trailing metadata first, then the status fields, which win. */
export function trailers(error: GrpcError | undefined, metadata: Metadata | undefined): HeaderRecord {
  const into: HeaderRecord = metadata === undefined || metadata.size === 0 ? {} : metadata.toHeaders({}, SKIP_RESERVED);
  return statusToTrailers(error, into);
}

/** A Trailers-Only block: response headers and the status in one. */
export function trailersOnly(error: GrpcError | undefined, metadata: Metadata | undefined): HeaderRecord {
  const into = responseHeaders('identity');
  if (metadata !== undefined && metadata.size > 0) metadata.toHeaders(into, SKIP_RESERVED);
  return statusToTrailers(error, into);
}

/** Whether a client that sent this `grpc-accept-encoding` reads messages in `name`. */
export function acceptsEncoding(accept: string | null, name: string): boolean {
  if (name === 'identity') return true;
  if (accept === null) return false;
  return accept.split(',').some((part) => part.trim().toLowerCase() === name);
}
