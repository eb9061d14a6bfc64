/**
 * What a server does with a request before it becomes a call: the HTTP-level
 * checks, and the refusals that need no ServerCall (a plain HTTP error, or a
 * gRPC Trailers-Only status).
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { parseContentType } from '../wire/content-type.js';
import type { GrpcError } from '../wire/error.js';
import { END_OPTIONS, trailersOnly } from './response-headers.js';

/**
 * The first check of every request: the HTTP status to refuse it with, or 0 to
 * go on. gRPC is `POST` with `content-type: application/grpc[+proto][;...]`.
 * gRPC-Web content types are refused here until the gRPC-Web transport exists.
 */
export function checkRequest(headers: IncomingHttpHeaders): number {
  if (headers[':method'] !== 'POST') return 405;
  const type = parseContentType(headers['content-type']);
  if (type === undefined || type.web || type.subtype !== 'proto') return 415;
  return 0;
}

/** A plain HTTP refusal (not gRPC: the peer may not speak it). */
export function refuse(stream: ServerHttp2Stream, status: number): void {
  const headers: Record<string, string | number> = { ':status': status };
  if (status === 405) headers.allow = 'POST';
  try {
    stream.respond(headers, END_OPTIONS);
  } catch {
    // The stream is already gone.
  }
}

/** A Trailers-Only answer to a call that never got as far as a ServerCall. */
export function refuseCall(stream: ServerHttp2Stream, error: GrpcError): void {
  try {
    stream.respond(trailersOnly(error, undefined), END_OPTIONS);
  } catch {
    // The stream is already gone.
  }
}
