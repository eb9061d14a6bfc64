/**
 * `ctx`, the second argument of every handler: what the handler knows about
 * its call beyond the request, and how it sends metadata back.
 *
 *   async getUserInfo(request, ctx) {
 *     const token = ctx.metadata.get('authorization');
 *     ctx.sendHeader({ 'x-served-by': 'a' });      // response headers, now
 *     ctx.setTrailer({ 'x-cost': '3' });            // trailers, with the status
 *     await db.query(..., { signal: ctx.signal });   // aborted on cancel/deadline/disconnect
 *   }
 */
import type { PeerCertificate } from 'node:tls';
import type { ServerStream } from '../http2/server-stream.js';
import { Code } from '../wire/grpc/code.js';
import { GrpcError } from '../wire/grpc/error.js';
import { Metadata, type MetadataValue } from '../wire/grpc/metadata.js';
import type { MethodDefinition } from './definition.js';

export type MetadataInit = Metadata | Record<string, MetadataValue | MetadataValue[]>;

function toMetadata(md: MetadataInit): Metadata {
  return md instanceof Metadata ? md : new Metadata(md);
}

export class ServerContext {
  /** The method being called (name, path, shape, codecs). */
  readonly method: MethodDefinition;
  /** @internal The transport's side of the call. */
  readonly stream: ServerStream;
  /** @internal The request (methods that take one), for interceptor chains. */
  request: unknown;
  /** @internal The response (methods that return one), set by the handler's chain. */
  response: unknown;
  /** @internal Set once the handler has been entered (next() runs it once). */
  entered = false;
  private trailerMd: Metadata | undefined;

  constructor(stream: ServerStream, method: MethodDefinition) {
    this.stream = stream;
    this.method = method;
  }

  /** The request metadata (custom headers; `-bin` values as bytes). */
  get metadata(): Metadata {
    return this.stream.metadata;
  }

  /** When the client gives up, in epoch milliseconds; undefined if it set no deadline. */
  get deadline(): number | undefined {
    return this.stream.deadline;
  }

  /** Aborts when the client cancels, the deadline passes or the connection is lost. Its reason is a GrpcError. */
  get signal(): AbortSignal {
    return this.stream.signal;
  }

  /** True once the call was aborted: cancelled by the client, deadline passed, connection lost, or a receive error. */
  get cancelled(): boolean {
    return this.stream.cancelReason !== undefined;
  }

  /** The client's address: `127.0.0.1:54321`, `[::1]:54321`, or `unix:`. */
  get peer(): string {
    return this.stream.peer;
  }

  /** The client's certificate under mutual TLS; undefined otherwise. */
  get peerCertificate(): PeerCertificate | undefined {
    return this.stream.peerCertificate;
  }

  /**
   * Sends the response headers now, with this metadata. Without it they go
   * out with the first response message. Throws if they were already sent.
   */
  sendHeader(metadata: MetadataInit): void {
    if (!this.stream.headersPending)
      throw new GrpcError(Code.INTERNAL, `${this.method.path}: response headers were already sent`);
    this.stream.sendHeaders(toMetadata(metadata));
  }

  /**
   * Whether the request message the handler got most recently arrived
   * compressed (the flag of its gRPC frame; the bytes are already inflated).
   */
  get requestCompressed(): boolean {
    return this.stream.requestCompressed;
  }

  /**
   * Compresses this call's response messages with `encoding` ('identity': not
   * at all) instead of the server's `compression` option. Only before the
   * response headers are sent, and only with an encoding the client accepts
   * (`grpc-accept-encoding`); returns whether it applies.
   */
  setCompression(encoding: 'gzip' | 'deflate' | 'identity'): boolean {
    return this.stream.useResponseEncoding(encoding);
  }

  /**
   * Per message: while false, response messages go out uncompressed even if
   * the call has a response encoding (gRPC's flag is per message). Default true.
   */
  get compressResponses(): boolean {
    return this.stream.compressResponses;
  }

  set compressResponses(value: boolean) {
    this.stream.compressResponses = value;
  }

  /** Trailing metadata, sent with the status. Add to it directly, or with `setTrailer`. */
  get trailers(): Metadata {
    return (this.trailerMd ??= new Metadata());
  }

  /** Adds entries to the trailing metadata. */
  setTrailer(metadata: MetadataInit): void {
    this.trailers.merge(toMetadata(metadata));
  }

  /** @internal The trailing metadata, if any was set (no allocation otherwise). */
  get trailersIfAny(): Metadata | undefined {
    return this.trailerMd;
  }
}
