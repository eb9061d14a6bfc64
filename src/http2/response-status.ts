/**
 * The status of a gRPC response, as the client reads it (grpc/grpc
 * doc/PROTOCOL-HTTP2.md, doc/http-grpc-status-mapping.md).
 *
 * The server's own status is in grpc-status: in the trailers, or in the one
 * header block of a Trailers-Only response. When there is none, the status
 * comes from what happened instead:
 *
 *   HTTP :status other than 200, no grpc-status → codeFromHttpStatus
 *   a content-type that is not gRPC             → UNKNOWN
 *   stream ended without trailers               → INTERNAL
 *   RST_STREAM from the server                  → rst-code.ts (REFUSED_STREAM → UNAVAILABLE, ...)
 *   connection lost                             → UNAVAILABLE, naming the cause
 *   our deadline passed                         → DEADLINE_EXCEEDED, and we send RST_STREAM(CANCEL)
 *   AbortSignal aborted / cancel()              → CANCELLED, and we send RST_STREAM(CANCEL)
 */
import { Code } from '../wire/grpc/code.js';
import { parseContentType } from '../wire/grpc/content-type.js';
import { GrpcError } from '../wire/grpc/error.js';
import { codeFromHttpStatus } from '../wire/grpc/http-status.js';
import { Metadata, type HeaderRecord } from '../wire/grpc/metadata.js';
import { codeFromRstCode, RST_NO_ERROR, rstCodeName } from './rst-code.js';
import { metadataFromHeaders } from '../wire/grpc/received-metadata.js';
import type { ReceivedHeaders } from './h2-client-session.js';

/** Response headers as node:http2 gives them (and h2-client-stream.ts, for our own HTTP/2). */
export type ResponseHeaders = ReceivedHeaders;

/** The call, as the errors name it: `<cause> (target …, method …)` (ClientStream.describe). */
export interface CallDescription {
  describe(cause: string): string;
}

/** The HEADERS frame's END_STREAM flag (RFC 9113 §6.2), as node:http2 passes it with 'response'. */
const FLAG_END_STREAM = 0x1;

/**
 * Trailers-Only: one HEADERS frame that carries grpc-status and ends the
 * stream. A grpc-status in headers that do not end the stream is not a
 * status — they are the response headers, and the status comes with the
 * trailers (grpc-go decides on END_STREAM alone too).
 */
export function isTrailersOnly(headers: ResponseHeaders, flags: number): boolean {
  return (flags & FLAG_END_STREAM) !== 0 && headers['grpc-status'] !== undefined;
}

/**
 * Why response headers (not Trailers-Only) cannot begin a gRPC response: an
 * HTTP status other than 200 (a proxy, a load balancer, a web server), or a
 * content-type that is not gRPC. Undefined when they can.
 */
export function responseHeadersError(headers: ResponseHeaders, call: CallDescription): GrpcError | undefined {
  const status = headers[':status'];
  if (status !== 200) {
    return new GrpcError(
      codeFromHttpStatus(status ?? 0),
      call.describe(
        `server answered HTTP ${status} without a grpc-status (content-type ${headers['content-type'] ?? 'none'})`,
      ),
    );
  }
  const type = headers['content-type'];
  const contentType = parseContentType(typeof type === 'string' ? type : undefined); // repeated: not gRPC
  if (contentType === undefined || contentType.web) {
    return new GrpcError(
      Code.UNKNOWN,
      call.describe(`server answered with content-type "${headers['content-type'] ?? ''}", not application/grpc`),
    );
  }
  return undefined;
}

/**
 * The status of a stream that is over without one: reset by the server with
 * `rst` (or by us, `resetByUs`, because what the server sent broke HTTP/2),
 * lost with its connection (`lost`: the cause), or ended by the server
 * without trailers (END_STREAM, or RST_STREAM(NO_ERROR) before the trailers).
 */
export function statusWithoutTrailers(
  rst: number,
  lost: { address: string; cause: string } | undefined,
  call: CallDescription,
  resetByUs = false,
): GrpcError {
  if (lost !== undefined)
    return new GrpcError(Code.UNAVAILABLE, call.describe(`connection to ${lost.address} lost: ${lost.cause}`));
  if (rst !== RST_NO_ERROR && resetByUs)
    return new GrpcError(
      codeFromRstCode(rst),
      call.describe(`the server's response broke HTTP/2 (RFC 9113), so we reset the stream with ${rstCodeName(rst)}`),
    );
  if (rst !== RST_NO_ERROR)
    return new GrpcError(codeFromRstCode(rst), call.describe(`stream reset by the server with ${rstCodeName(rst)}`));
  return new GrpcError(Code.INTERNAL, call.describe('server closed the stream without sending trailers'));
}

/** CANCELLED for an aborted signal; a GrpcError given as the abort reason is used as it is. */
export function cancelledError(reason: unknown): GrpcError {
  if (reason instanceof GrpcError) return reason;
  const why = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new GrpcError(
    Code.CANCELLED,
    `call cancelled by the client${why}`,
    reason === undefined ? undefined : { cause: reason },
  );
}

/** The metadata of a status block; malformed metadata is left out (the status still stands). */
export function metadataOf(block: HeaderRecord): Metadata {
  try {
    return metadataFromHeaders(block);
  } catch {
    return new Metadata();
  }
}
