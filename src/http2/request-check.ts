/**
 * What a server does with a request before it becomes a call: the HTTP-level
 * checks, and the refusals that need no ServerStream (a plain HTTP error, or a
 * gRPC Trailers-Only status).
 */
import type { IncomingHttpHeaders } from 'node:http2';
import { parseContentType, type ContentType } from '../wire/grpc/content-type.js';
import type { GrpcError } from '../wire/grpc/error.js';
import { END_OPTIONS, trailersOnly } from './response-headers.js';
import type { CallProtocol } from './call-protocol.js';
import type { StreamLike } from './stream-like.js';

/**
 * The first check of every request: the HTTP status to refuse it with, or
 * the call's content-type to go on. gRPC is `POST` with `content-type:
 * application/grpc[+proto][;...]`; gRPC-Web (grpc-web.ts) the same with
 * `application/grpc-web[-text][+proto]`. Only protobuf messages are served.
 * (An `OPTIONS` gets 405 here; the server answers CORS preflights first.)
 */
export function checkRequest(headers: IncomingHttpHeaders): ContentType | number {
  if (headers[':method'] !== 'POST') return 405;
  const type = parseContentType(headers['content-type']);
  if (type === undefined || type.subtype !== 'proto') return 415;
  return type;
}

/** A plain HTTP refusal (not gRPC: the peer may not speak it). */
export function refuse(stream: StreamLike, status: number): void {
  const headers: Record<string, string | number> = { ':status': status };
  if (status === 405) headers.allow = 'POST';
  try {
    stream.respond(headers, END_OPTIONS);
  } catch {
    // The stream is already gone.
  }
}

/** A Trailers-Only answer to a call that never got as far as a ServerStream (gRPC or gRPC-Web: `protocol`). */
export function refuseCall(stream: StreamLike, protocol: CallProtocol, error: GrpcError): void {
  try {
    protocol.respondOnly(stream, trailersOnly(error, undefined));
  } catch {
    // The stream is already gone.
  }
}
