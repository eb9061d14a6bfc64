import { Code } from './code.js';

/**
 * The gRPC code for a response that came back without `grpc-status`
 * (grpc/grpc doc/http-grpc-status-mapping.md). Such a response was written by
 * something that is not a gRPC server — a proxy, a load balancer, a web server
 * — and its HTTP status is the best clue left.
 *
 * The table is for clients only, and only when `grpc-status` is absent: a
 * present `grpc-status` always wins. It is neither symmetric nor one-to-one,
 * so servers must not use it backwards to choose an HTTP status.
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400: // Bad Request
      return Code.INTERNAL;
    case 401: // Unauthorized
      return Code.UNAUTHENTICATED;
    case 403: // Forbidden
      return Code.PERMISSION_DENIED;
    case 404: // Not Found
      return Code.UNIMPLEMENTED;
    case 429: // Too Many Requests
    case 502: // Bad Gateway
    case 503: // Service Unavailable
    case 504: // Gateway Timeout
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}
