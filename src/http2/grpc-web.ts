/**
 * gRPC-Web on the server (grpc/grpc doc/PROTOCOL-WEB.md): the same calls as
 * gRPC, for clients that cannot read HTTP trailers — browsers through fetch,
 * and anything speaking HTTP/1.1.
 *
 * What changes against gRPC is only how the response is written, so a
 * gRPC-Web call is an ordinary ServerStream (server-stream.ts) given this
 * `CallProtocol` instead of the default one:
 *
 *   - the response content-type is `application/grpc-web[-text][+proto]`,
 *     echoing the request's;
 *   - the status goes into the body as a last frame flagged 0x80 whose
 *     payload is `name: value\r\n` lines (src/wire/grpc/grpc-web.ts), not into
 *     HTTP/2 trailers; an error before any message is still Trailers-Only,
 *     the status in the response headers and an empty body;
 *   - `-text` bodies are base64, both ways: each write is encoded on its own
 *     (padded), and requests are decoded four characters at a time;
 *   - browser callers from allowed origins get CORS grants on every response
 *     (cors.ts).
 *
 * The stream may be a real HTTP/2 stream or an HTTP/1.1 exchange dressed as
 * one (http1-stream.ts); this file does not care which.
 */
import type { ContentType } from '../wire/grpc/content-type.js';
import { formatContentType } from '../wire/grpc/content-type.js';
import { Deframer } from '../wire/grpc/deframer.js';
import { FLAG_COMPRESSED } from '../wire/grpc/frame.js';
import { encodeBase64Bytes, encodeTrailersFrame, TextDeframer } from '../wire/grpc/grpc-web.js';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import type { CorsPolicy } from './cors.js';
import { END_OPTIONS } from './response-headers.js';
import type { CallConfig, CallProtocol, FrameSource } from './call-protocol.js';
import type { StreamLike } from './stream-like.js';

/** Headers without `waitForTrailers`: the status ends the body instead. */
const WEB_RESPOND_OPTIONS = Object.freeze({ endStream: false, sendDate: false });

/** How one gRPC-Web call writes its response. One per call: it knows the call's content-type and CORS origin. */
export class GrpcWebProtocol implements CallProtocol {
  /** The status ends the body: no HTTP/2 trailers. */
  readonly trailers = false;
  private readonly text: boolean;
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

  deframer(config: CallConfig): FrameSource {
    // Requests never carry trailer frames: the 0x80 flag is refused like any unknown bit.
    const options = { maxMessageLength: config.maxReceiveMessageLength, allowedFlags: FLAG_COMPRESSED };
    return this.text ? new TextDeframer(options) : new Deframer(options);
  }

  respond(stream: StreamLike, headers: Readonly<HeaderRecord>): void {
    stream.respond(this.headers(headers), WEB_RESPOND_OPTIONS);
  }

  respondOnly(stream: StreamLike, headers: Readonly<HeaderRecord>): void {
    stream.respond(this.headers(headers), END_OPTIONS);
  }

  write(stream: StreamLike, frame: Uint8Array): boolean {
    return stream.write(this.text ? encodeBase64Bytes(frame) : frame);
  }

  /** The last message (if any) and the trailers frame, in one write. */
  end(stream: StreamLike, frame: Uint8Array | undefined, trailers: Readonly<HeaderRecord>): void {
    const status = encodeTrailersFrame(trailers);
    let body = status;
    if (frame !== undefined) {
      body = new Uint8Array(frame.length + status.length);
      body.set(frame, 0);
      body.set(status, frame.length);
    }
    stream.end(this.text ? encodeBase64Bytes(body) : body);
  }

  /** The gRPC header block, with our content-type and, for an allowed browser origin, the CORS grants. */
  private headers(headers: Readonly<HeaderRecord>): HeaderRecord {
    const out: HeaderRecord = { ...headers, 'content-type': this.contentType };
    return this.cors === undefined ? out : this.cors.grant(this.origin, out);
  }
}
