/**
 * gRPC-Web over HTTP/1.1: an HTTP/1.1 request/response pair presented as
 * a `StreamLike` (stream-like.ts: the few parts of an HTTP/2 stream that a
 * ServerStream uses), so that the one call implementation (server-stream.ts)
 * serves it unchanged.
 *
 * Browsers speak HTTP/1.1 to any `http://` server (there is no cleartext
 * HTTP/2 in browsers), and so does Node's own fetch; gRPC-Web was made for
 * them: its status is in the body, so no trailers are needed. Plain gRPC
 * cannot work over HTTP/1.1 and gets a clear HTTP error instead.
 *
 * What a ServerStream uses of its stream, and what it is here:
 *   'data' 'end' 'error'        ← the request body (IncomingMessage)
 *   'close' 'drain'             ← the response (ServerResponse); an unfinished
 *                                 response that closes is a cancel (RST_CANCEL)
 *   respond(headers, options)   → writeHead (+ end with `endStream`)
 *   write / end, writableLength → the response body (chunked)
 *   pause resume isPaused       → the request
 *   close()                     → nothing once answered (Node drains the request)
 *   session.socket              → the connection, for `peer` and client certificates
 * `sendTrailers` and 'wantTrailers' are never used: gRPC-Web has no trailers.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingHttpHeaders, ServerStreamResponseOptions } from 'node:http2';
import type { Socket } from 'node:net';
import { parseContentType } from '../wire/grpc/content-type.js';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import { RST_CANCEL } from './rst-code.js';
import type { StreamLike } from './stream-like.js';

function flushHeaders(res: ServerResponse): void {
  if (!res.writableEnded && !res.destroyed) res.flushHeaders();
}

class Http1Stream extends EventEmitter implements StreamLike {
  /** RST_CANCEL once the response closed unfinished: what a vanished HTTP/1.1 client amounts to. */
  rstCode = 0;
  closed = false;
  readonly session: { readonly socket: Socket };
  private readonly req: IncomingMessage;
  private readonly res: ServerResponse;

  constructor(req: IncomingMessage, res: ServerResponse) {
    super();
    this.req = req;
    this.res = res;
    this.session = { socket: req.socket };
    req.on('data', (chunk: Buffer) => this.emit('data', chunk));
    req.on('end', () => this.emit('end'));
    req.on('error', (err: Error) => this.emit('error', err));
    res.on('drain', () => this.emit('drain'));
    res.on('close', () => {
      this.closed = true;
      if (!res.writableFinished) this.rstCode = RST_CANCEL;
      this.emit('close');
    });
  }

  get destroyed(): boolean {
    return this.res.destroyed;
  }

  /** Bytes written but not yet sent (backpressure: whether a 'drain' is still to come). */
  get writableLength(): number {
    return this.res.writableLength;
  }

  respond(headers: Readonly<HeaderRecord>, options?: ServerStreamResponseOptions): void {
    const fields: Record<string, string | string[] | number> = {};
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (value !== undefined && name.charCodeAt(0) !== 58 /* : */) fields[name] = value;
    }
    this.res.writeHead(Number(headers[':status'] ?? 200), fields);
    if (options?.endStream) this.res.end();
    // A unary answer ends in this same tick: headers and body leave in one packet. Otherwise (a stream,
    // or a handler's early sendHeader) the headers go now, so that the client sees them.
    else process.nextTick(flushHeaders, this.res);
  }

  write(chunk: Uint8Array): boolean {
    return this.res.write(chunk);
  }

  end(chunk?: Uint8Array): void {
    if (chunk === undefined) this.res.end();
    else this.res.end(chunk);
  }

  /** HTTP/1.1 has no RST_STREAM: an unanswered exchange is cut (the connection goes), an answered one left to finish. */
  close(): void {
    if (!this.res.writableEnded) this.res.destroy();
  }

  /** Never asked for: gRPC-Web has no trailers (its protocol's `trailers` is false). */
  sendTrailers(): void {
    throw new Error('gRPC-Web over HTTP/1.1 has no trailers');
  }

  pause(): void {
    this.req.pause();
  }

  resume(): void {
    this.req.resume();
  }

  isPaused(): boolean {
    return this.req.isPaused();
  }
}

/**
 * An HTTP/1.1 exchange as a stream and header block for the transport's
 * `accept`, or undefined when it is plain gRPC — which needs HTTP/2 — and
 * has been answered with an HTTP error saying so.
 */
export function http1Call(
  req: IncomingMessage,
  res: ServerResponse,
): { stream: StreamLike; headers: IncomingHttpHeaders } | undefined {
  const type = parseContentType(req.headers['content-type']);
  if (type !== undefined && !type.web) {
    res.writeHead(505, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(
      'gRPC needs HTTP/2. Over HTTP/1.1 this server speaks gRPC-Web only (content-type application/grpc-web or application/grpc-web-text).\n',
    );
    return undefined;
  }
  const headers: IncomingHttpHeaders = {
    ...req.headers,
    ':method': req.method,
    ':path': req.url,
    ':scheme': (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http',
    ':authority': req.headers.host,
  };
  return { stream: new Http1Stream(req, res), headers };
}
