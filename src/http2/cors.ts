/**
 * CORS for gRPC-Web callers in browsers (https://fetch.spec.whatwg.org/#http-cors-protocol).
 *
 * A page on `https://app.example` calling a server on another origin gets to
 * read the answer only if the server says so, and a call with custom headers
 * (content-type application/grpc-web, x-grpc-web, grpc-timeout, metadata) is
 * first asked about with a preflight:
 *
 *     OPTIONS /pkg.Service/Method
 *     origin: https://app.example
 *     access-control-request-method: POST
 *     access-control-request-headers: content-type,x-grpc-web,x-user-agent,grpc-timeout,my-key
 *
 *     204  access-control-allow-origin: https://app.example
 *          access-control-allow-methods: POST
 *          access-control-allow-headers: <the standard gRPC-Web ones and those asked for>
 *
 * The real response then names the origin again and lists the headers the
 * page may read (`access-control-expose-headers`): grpc-status, grpc-message
 * and grpc-status-details-bin — a Trailers-Only error is all headers — and
 * every custom metadata key in the block.
 *
 * No origin is allowed unless configured: a server does not open itself to
 * every web page by accident. CORS is a browser rule only; gRPC-Web from other
 * clients (curl, Node, a proxy) works whatever the configuration.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import { isReservedHeader, type HeaderRecord } from '../wire/grpc/metadata.js';

export interface GrpcWebOptions {
  /**
   * Browser origins allowed to call this server: exact origins
   * (`'https://app.example:8443'`) or `'*'` for any. Default: none.
   */
  origins?: readonly string[] | '*';
  /** How long browsers may cache a preflight answer, in seconds (default 600). */
  preflightMaxAge?: number;
}

/** Request headers a gRPC-Web client sends besides metadata. */
const STANDARD_REQUEST_HEADERS = ['content-type', 'x-grpc-web', 'x-user-agent', 'grpc-timeout', 'grpc-accept-encoding'];
/** Response headers a page must read for the status; custom metadata keys are added per response. */
const STATUS_HEADERS = 'grpc-status, grpc-message, grpc-status-details-bin, grpc-encoding';
/** An HTTP header name (a token), lower-cased. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: ReadonlySet<string>;
  private readonly maxAge: string;

  constructor(options: GrpcWebOptions = {}) {
    const origins = options.origins ?? [];
    this.any = origins === '*';
    this.origins = new Set(origins === '*' ? [] : origins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
    this.maxAge = String(options.preflightMaxAge ?? 600);
  }

  /** Whether a request from `origin` (its `origin` header) may read our answers. */
  allows(origin: string | undefined): origin is string {
    if (origin === undefined || origin === '') return false;
    return this.any || this.origins.has(origin.toLowerCase());
  }

  /**
   * The answer to an `OPTIONS` request: a preflight from an allowed origin
   * asking for POST gets 204 with the grants; one from any other origin 403
   * with none; an `OPTIONS` that is no preflight, undefined (405 as before).
   */
  preflight(headers: IncomingHttpHeaders): HeaderRecord | undefined {
    const origin = headers.origin;
    const method = headers['access-control-request-method'];
    if (origin === undefined || method === undefined) return undefined;
    if (!this.allows(origin) || method.toUpperCase() !== 'POST') return { ':status': 403, vary: 'origin' };
    const allowed = new Set(STANDARD_REQUEST_HEADERS);
    for (const name of String(headers['access-control-request-headers'] ?? '').split(',')) {
      const n = name.trim().toLowerCase();
      if (HEADER_NAME.test(n)) allowed.add(n);
    }
    return {
      ':status': 204,
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': [...allowed].join(', '),
      'access-control-max-age': this.maxAge,
      vary: 'origin',
    };
  }

  /**
   * Adds the CORS grants for `origin` to a response header block (already
   * checked with `allows`): who may read it, and which of its headers.
   */
  grant(origin: string, headers: HeaderRecord): HeaderRecord {
    let expose = STATUS_HEADERS;
    for (const name of Object.keys(headers)) if (!isReservedHeader(name)) expose += `, ${name}`;
    headers['access-control-allow-origin'] = origin;
    headers['access-control-expose-headers'] = expose;
    headers.vary = 'origin';
    return headers;
  }
}
