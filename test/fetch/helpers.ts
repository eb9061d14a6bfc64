/**
 * What the fetch handler's tests share: requests built by hand (frames, headers), and responses taken apart
 * (messages, the trailers frame) the way a gRPC-Web client reads them — so the tests see the wire, not a client's
 * reading of it.
 */
import { Deframer, type Frame } from '../../src/wire/grpc/deframer.js';
import { FLAG_TRAILERS, encodeFrame } from '../../src/wire/grpc/frame.js';
import { encodeBase64Bytes, parseTrailers, TextDeframer } from '../../src/wire/grpc/grpc-web.js';
import type { HeaderRecord } from '../../src/wire/grpc/metadata.js';
import { decodeGrpcMessage } from '../../src/wire/grpc/percent.js';
import { Echo, type EchoRequest } from '../runtimes/browser/echo-service.js';
import type { FetchHandler } from '../../src/fetch/handler.js';

type Body = NonNullable<ConstructorParameters<typeof Request>[1]>['body'];

export const URL_BASE = 'http://fetch.test';
export const WEB = 'application/grpc-web+proto';
export const WEB_TEXT = 'application/grpc-web-text+proto';

/** An EchoRequest, framed. */
export function echoFrame(request: Partial<EchoRequest>): Uint8Array {
  return encodeFrame(Echo.methods.Unary!.input.encode(request as EchoRequest)); // unset fields: defaults
}

export interface CallOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Body;
  readonly signal?: AbortSignal;
  /** Base64 the body (grpc-web-text) and say so in the content-type. */
  readonly text?: boolean;
}

/** A gRPC-Web request to `path` on the handler. */
export function call(handler: FetchHandler, path: string, options: CallOptions = {}): Promise<Response> {
  let body = options.body;
  if (options.text === true && body instanceof Uint8Array) body = encodeBase64Bytes(body);
  const request = new Request(`${URL_BASE}${path}`, {
    method: options.method ?? 'POST',
    headers: { 'content-type': options.text === true ? WEB_TEXT : WEB, 'x-grpc-web': '1', ...options.headers },
    body,
    signal: options.signal,
  });
  return handler.fetch(request);
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  /** The messages of the body (payloads), in order. */
  readonly messages: Uint8Array[];
  /** The trailers frame, parsed; undefined when the body has none (Trailers-Only). */
  readonly trailers: HeaderRecord | undefined;
  /** grpc-status from the trailers frame, or else from the headers. */
  readonly code: number | undefined;
  readonly message: string | undefined;
}

/** Reads a whole response; frames after the trailers frame are a failure of the server. */
export async function answer(response: Response): Promise<Answer> {
  const text = (response.headers.get('content-type') ?? '').startsWith('application/grpc-web-text');
  const deframer = text ? new TextDeframer() : new Deframer();
  const bytes = new Uint8Array(await response.arrayBuffer());
  const frames: Frame[] = deframer.push(bytes);
  deframer.end();
  const messages: Uint8Array[] = [];
  let trailers: HeaderRecord | undefined;
  for (const frame of frames) {
    if (trailers !== undefined) throw new Error('a frame after the trailers frame');
    if ((frame.flags & FLAG_TRAILERS) !== 0) trailers = parseTrailers(frame.data);
    else messages.push(frame.data);
  }
  const status = trailers?.['grpc-status'] ?? response.headers.get('grpc-status') ?? undefined;
  const message = trailers?.['grpc-message'] ?? response.headers.get('grpc-message') ?? undefined;
  return {
    status: response.status,
    headers: response.headers,
    messages,
    trailers,
    code: status === undefined ? undefined : Number(status),
    message: message === undefined ? undefined : decodeGrpcMessage(String(message)),
  };
}

/** Resolves after `n` turns of the event loop (lets streams and handlers run; bounded). */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}
