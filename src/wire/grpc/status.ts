import { decodeBase64, encodeBase64 } from '../proto/base64.js';
import type { Any } from './any.js';
import { Code } from './code.js';
import { GrpcError } from './error.js';
import { codeFromHttpStatus } from './http-status.js';
import { type HeaderRecord, Metadata } from './metadata.js';
import { decodeGrpcMessage, encodeGrpcMessage } from './percent.js';
import { decodeStatusDetails, encodeStatusDetails } from './status-details.js';
import { metadataFromReceived } from './received-metadata.js';

/**
 * The status of a call travels in the trailers (grpc/grpc doc/PROTOCOL-HTTP2.md):
 *
 *     Trailers → Status [Status-Message] [Status-Details] *Custom-Metadata
 *     Status         → "grpc-status" 1*DIGIT ; 0-9
 *     Status-Message → "grpc-message" Percent-Byte-Encoded   (see percent.ts)
 *     Status-Details → "grpc-status-details-bin" base64 of a google.rpc.Status
 *
 * When a call fails before any response message, the server may send the
 * status in the response headers and end the stream there ("Trailers-Only");
 * the same functions read and write that block.
 */

/**
 * Trailer fields for a call's outcome: `undefined` means OK. The error's metadata is
 * written first, so that it can never replace the status fields; details go out as one
 * google.rpc.Status carrying the same code and message (status-details.ts).
 *
 * A relayed error — one this process received from a backend (`fromWire`, isWireError)
 * that a handler rethrew — is sent with its code and message only. Its metadata and
 * details were the backend's answer to the handler's request, not this server's answer to
 * its client: trailers such as a backend's load report, auth challenge or cookies, and
 * details such as BadRequest field paths (fields of the backend's request), RetryInfo
 * (when to retry the backend) or DebugInfo (the backend's stack), would reach the client
 * as if this server had said them. A handler that means to pass them on says so by
 * throwing a new GrpcError with the details it vouches for
 * (`new GrpcError(err.code, err.rawMessage, { details: err.details })`).
 * (isWireError is named after connect's, which tells the two kinds apart the same way.)
 */
export function statusToTrailers(error: GrpcError | undefined, into: HeaderRecord = {}): HeaderRecord {
  if (error === undefined) {
    into['grpc-status'] = '0';
    return into;
  }
  const relayed = error.fromWire;
  // Reserved keys in the error's metadata (content-type, grpc-status, ...) are
  // left out: they would overwrite the response headers of a Trailers-Only block.
  if (!relayed) error.metadata.toHeaders(into, { skipReserved: true });
  into['grpc-status'] = String(error.code);
  if (error.rawMessage !== '') into['grpc-message'] = encodeGrpcMessage(error.rawMessage);
  else delete into['grpc-message'];
  if (relayed) return into;
  const details =
    error.rawDetails ??
    (error.details.length > 0 ? encodeStatusDetails(error.code, error.rawMessage, error.details) : undefined);
  if (details !== undefined) into['grpc-status-details-bin'] = encodeBase64(details, { pad: false });
  return into;
}

/**
 * The outcome a client reads from trailers (or from a Trailers-Only
 * response's headers): `undefined` for OK, otherwise a GrpcError whose
 * metadata holds the custom trailers. Never throws. The cases the spec leaves
 * to us follow doc/statuscodes.md, "Error parsing returned status → UNKNOWN":
 *
 * - no `grpc-status`: if the block carries an HTTP `:status` other than 200
 *   (a Trailers-Only response written by a proxy), the code comes from
 *   doc/http-grpc-status-mapping.md; otherwise UNKNOWN. grpc-go and
 *   connect-go agree.
 * - `grpc-status` not 1*DIGIT (`"abc"`, `"-1"`, `" 0"`, two values): UNKNOWN.
 *   (grpc-go answers INTERNAL here; the status table says UNKNOWN.)
 * - a number outside 0..16: UNKNOWN, as grpc-java does — statuscodes.md
 *   defines UNKNOWN as "a Status value ... belongs to an error-space that is
 *   not known in this address space". The number is kept in the message.
 *   (grpc-go passes the number through as is.)
 * - the server's `grpc-message`, if any, is kept in every case.
 * - `grpc-status-details-bin`: its google.rpc.Status gives the error's `details`
 *   (each an Any; a type nobody here knows is still an Any). Its code and message
 *   are not read: grpc-status and grpc-message are the status, and a client that
 *   ignores the details must see the same one. A value that is not base64 or not
 *   a Status is dropped; the status itself is still good. (grpc-go turns the call
 *   into INTERNAL instead.)
 * - the error is marked `fromWire`: a server that rethrows it relays only its
 *   code and message (statusToTrailers).
 * - metadata entries that are not valid metadata are dropped, one by one.
 */
export function statusFromTrailers(trailers: HeaderRecord): GrpcError | undefined {
  const status = single(trailers['grpc-status']);
  const message = decodeGrpcMessage(single(trailers['grpc-message']) ?? '');
  let code: Code;
  let problem: string | undefined;
  if (status === undefined) {
    const http = Number(single(trailers[':status']));
    if (Number.isInteger(http) && http !== 200) {
      code = codeFromHttpStatus(http);
      problem = `no grpc-status, HTTP status ${http}`;
    } else {
      code = Code.UNKNOWN;
      problem = 'no grpc-status in the trailers';
    }
  } else if (!/^[0-9]{1,10}$/.test(status)) {
    code = Code.UNKNOWN;
    problem = `malformed grpc-status ${JSON.stringify(status.length > 32 ? `${status.slice(0, 32)}…` : status)}`;
  } else {
    const n = Number(status);
    if (n === Code.OK) return undefined;
    if (n > Code.UNAUTHENTICATED) {
      code = Code.UNKNOWN;
      problem = `grpc-status ${n} is not a known code`;
    } else {
      code = n as Code;
    }
  }
  const text = problem === undefined ? message : message === '' ? problem : `${problem}: ${message}`;
  return new GrpcError(code, text, {
    metadata: metadataFromReceived(trailers),
    details: receivedDetails(single(trailers['grpc-status-details-bin'])),
    fromWire: true,
  });
}

/** The details of a received google.rpc.Status; a value that is not one is dropped. */
function receivedDetails(text: string | undefined): readonly Any[] | undefined {
  if (text === undefined) return undefined;
  const bytes = decodeBase64(text);
  return bytes === undefined ? undefined : decodeStatusDetails(bytes)?.details;
}

/** A header's value as one string (several values joined, as HTTP does). */
function single(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}
