/**
 * How a gRPC-Web answer becomes a fetch `Response` — src/http2/grpc-web.ts's GrpcWebProtocol, for fetch:
 *
 *   200  content-type: application/grpc-web[-text]   (echoing the request's)
 *        grpc-accept-encoding, custom metadata, and for an allowed browser origin the CORS grants (cors.ts)
 *   body the messages, then a last frame flagged 0x80 with the status as `name: value\r\n` lines
 *        (src/wire/grpc/grpc-web.ts); for -text, each piece written is base64 on its own, padded
 *
 * An answer with no message (an error before any) is Trailers-Only: the status in the headers, an empty body.
 * Header blocks come from header-blocks.ts as HeaderRecords (`':status'` and all), the blocks the node:http2
 * server sends; here they are turned into a `Headers`.
 */
import type { CorsPolicy } from '../http2/cors.js';
import { formatContentType, type ContentType } from '../wire/grpc/content-type.js';
import type { GrpcError } from '../wire/grpc/error.js';
import { encodeBase64Bytes, encodeTrailersFrame } from '../wire/grpc/grpc-web.js';
import type { HeaderRecord, Metadata } from '../wire/grpc/metadata.js';
import { trailersOnly } from './header-blocks.js';

/** A header block as a `Headers` (`:status` left out; arrays as repeated fields). */
export function toHeaders(record: Readonly<HeaderRecord>): Headers {
  const headers = new Headers();
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* : */) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.append(name, String(value));
  }
  return headers;
}

/**
 * The request's header fields as a HeaderRecord, what src/wire/grpc/received-metadata.ts reads metadata from.
 * Without a prototype: a field named `__proto__` (a valid HTTP token) is an own key, not the record's prototype.
 */
export function fromHeaders(headers: Headers): HeaderRecord {
  const record = Object.create(null) as HeaderRecord;
  for (const [name, value] of headers) record[name] = value; // names come lower-case; repeated fields joined by ", "
  return record;
}

/** How one call's answer is written: its content-type, base64 or not, and its CORS grants. */
export class WebResponder {
  readonly text: boolean;
  private readonly contentType: string;
  private readonly cors: CorsPolicy | undefined;
  private readonly origin: string;

  /** `origin` is the request's `origin` header; CORS grants are added only if `cors` allows it. */
  constructor(type: ContentType, origin: string | undefined, cors: CorsPolicy) {
    this.text = type.text;
    this.contentType = formatContentType(type.subtype, true, type.text);
    this.cors = cors.allows(origin) ? cors : undefined;
    this.origin = origin ?? '';
  }

  /** The response headers for a gRPC header block (response headers, or Trailers-Only). */
  headers(block: Readonly<HeaderRecord>): Headers {
    let out: HeaderRecord = { ...block, 'content-type': this.contentType };
    if (this.cors !== undefined) out = this.cors.grant(this.origin, out);
    return toHeaders(out);
  }

  /** A whole answer that is only a status: Trailers-Only, an empty body. */
  trailersOnly(error: GrpcError | undefined, trailing?: Metadata): Response {
    return new Response(null, { status: 200, headers: this.headers(trailersOnly(error, trailing)) });
  }

  /** Body bytes as they go on the wire (base64 for -text). */
  body(bytes: Uint8Array): Uint8Array {
    return this.text ? encodeBase64Bytes(bytes) : bytes;
  }

  /** The end of a body: the last message (if any) and the trailers frame, as one piece. */
  last(frame: Uint8Array | undefined, trailers: Readonly<HeaderRecord>): Uint8Array {
    const status = encodeTrailersFrame(trailers);
    if (frame === undefined) return this.body(status);
    const both = new Uint8Array(frame.length + status.length);
    both.set(frame, 0);
    both.set(status, frame.length);
    return this.body(both);
  }
}
