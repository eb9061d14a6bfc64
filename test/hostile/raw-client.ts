/**
 * A gRPC call made with node:http2 directly, not with our client: the test
 * chooses every header and every byte of the body, and sees every header
 * block, DATA byte and RST_STREAM code that comes back.
 */
import http2, {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';

export interface RawResult {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders | undefined;
  body: Buffer;
  rstCode: number;
  /** The response was one HEADERS frame with END_STREAM (Trailers-Only, or a plain HTTP error). */
  trailersOnly: boolean;
  /** grpc-status from the trailers or the Trailers-Only headers; NaN if none. */
  code: number;
  message: string | undefined;
  /** node:http2 refused to send the request at all (invalid header): the server never saw it. */
  notSent?: string;
}

export const GRPC_HEADERS: Readonly<OutgoingHttpHeaders> = Object.freeze({
  ':method': 'POST',
  'content-type': 'application/grpc',
  te: 'trailers',
});

/** A gRPC frame: [flag][length:4][payload]; `length` may lie. */
export function grpcFrame(payload: Uint8Array, flag = 0, length = payload.length): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out[0] = flag;
  out.writeUInt32BE(length >>> 0, 1);
  out.set(payload, 5);
  return out;
}

/** The payloads of a response body. */
export function parseFrames(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos + 5 <= body.length) {
    const length = body.readUInt32BE(pos + 1);
    out.push(body.subarray(pos + 5, pos + 5 + length));
    pos += 5 + length;
  }
  return out;
}

export function connectRaw(url: string, options: http2.ClientSessionOptions = {}): ClientHttp2Session {
  const session = http2.connect(url, options);
  session.on('error', () => {});
  return session;
}

export interface RawCallOptions {
  /** Replace the default gRPC headers entirely (e.g. to leave out content-type). */
  bare?: boolean;
  /** Half-close after the body (default true). */
  end?: boolean;
  /** Aborting it resets the stream with RST_STREAM(CANCEL) alone (`stream.close()` sends END_STREAM first). */
  signal?: AbortSignal;
}

/** One call: `headers` added to (or, with `bare`, instead of) the gRPC defaults, `body` chunks written in order. */
export function rawCall(
  session: ClientHttp2Session,
  path: string | undefined,
  body: Buffer | Buffer[] = [],
  headers: OutgoingHttpHeaders = {},
  options: RawCallOptions = {},
): { stream: ClientHttp2Stream | undefined; done: Promise<RawResult> } {
  const request: OutgoingHttpHeaders = options.bare ? { ...headers } : { ...GRPC_HEADERS, ...headers };
  if (path !== undefined) request[':path'] = path;
  let stream: ClientHttp2Stream;
  try {
    stream = session.request(request, options.signal === undefined ? undefined : { signal: options.signal });
  } catch (err) {
    const r: RawResult = {
      headers: {},
      trailers: undefined,
      body: Buffer.alloc(0),
      rstCode: 0,
      trailersOnly: false,
      code: NaN,
      message: undefined,
      notSent: (err as Error).message,
    };
    return { stream: undefined, done: Promise.resolve(r) };
  }
  const done = new Promise<RawResult>((resolve) => {
    let responseHeaders: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    let trailersOnly = false;
    const chunks: Buffer[] = [];
    stream.on('response', (h, flags) => {
      responseHeaders = h;
      trailersOnly = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    });
    stream.on('trailers', (h) => (trailers = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => {});
    stream.on('close', () => {
      const block = trailers ?? responseHeaders;
      const status = block['grpc-status'];
      resolve({
        headers: responseHeaders,
        trailers,
        body: Buffer.concat(chunks),
        rstCode: stream.rstCode ?? 0,
        trailersOnly,
        code: typeof status === 'string' && /^\d+$/.test(status) ? Number(status) : NaN,
        message: block['grpc-message'] as string | undefined,
      });
    });
  });
  for (const chunk of Array.isArray(body) ? body : [body]) stream.write(chunk);
  if (options.end ?? true) stream.end();
  return { stream, done };
}
