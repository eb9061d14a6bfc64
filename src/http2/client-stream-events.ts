/**
 * A client call and its HTTP/2 stream (node:http2's, or our own: h2-client-session.ts):
 * how the stream's events reach the ClientStream (client-stream.ts), and how the call
 * resets the stream.
 *
 * Events, without a closure per call: the listeners are
 * module functions, made once per process, whose `this` is the stream; the stream
 * points back at its call through one symbol-keyed property, which `unbind` clears
 * (a stream replayed on another connection leaves its old one behind).
 *
 *     'response'  → onResponse(headers, flags)   the response headers, or a Trailers-Only status
 *     'data'      → onData(chunk)                a chunk of the response body
 *     'trailers'  → onTrailers(trailers)         the status block
 *     'end'       → onBodyEnd()                  the response body is over
 *     'close'     → onClose()                    the stream is gone
 *     'drain'     → onDrain()                    its buffer went below its mark
 *     'error'     → (nothing: 'close' follows every stream error and decides the outcome)
 */
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import type { ClientSessionStream, ReceivedHeaders } from './h2-client-session.js';
import { RST_CANCEL, RST_NO_ERROR } from './rst-code.js';

/** What the listeners call: the ClientStream's side of its stream. */
export interface ClientStreamEvents {
  onResponse(headers: ReceivedHeaders, flags: number): void;
  onData(chunk: Uint8Array): void;
  onTrailers(trailers: HeaderRecord): void;
  onBodyEnd(): void;
  onClose(): void;
  onDrain(): void;
}

const kCall = Symbol('wiregrpc.clientStream');
type BoundStream = ClientSessionStream & { [kCall]?: ClientStreamEvents };

/** Points `stream` at `call` and listens to it. */
export function bind(stream: ClientSessionStream, call: ClientStreamEvents): void {
  (stream as BoundStream)[kCall] = call;
  stream.on('response', onResponse);
  stream.on('data', onData);
  stream.on('trailers', onTrailers);
  stream.on('end', onBodyEnd);
  stream.on('close', onClose);
  stream.on('error', onError);
  stream.on('drain', onDrain);
}

/**
 * RST_STREAM(`code`) on the stream, once. A stream still sending, reset with CANCEL, goes through
 * `canceller` when the call has one (a streaming request: node:http2's `close(code)` half-closes first,
 * END_STREAM then RST_STREAM, so a server would take a cancelled upload for a complete one).
 */
export function resetStream(stream: ClientSessionStream, code: number, canceller: AbortController | undefined): void {
  if (stream.closed || stream.destroyed) return;
  if (code === RST_CANCEL && canceller !== undefined && !stream.writableEnded) {
    canceller.abort();
    return;
  }
  stream.close(code);
  // After RST_STREAM, bytes still queued behind flow control can never be sent, yet node:http2 frees a
  // stream only once its writes finish: found by the soak, such streams lived for ever, holding their
  // buffers and blocking the session's graceful close (channel.close() hung). Free it now.
  if (code !== RST_NO_ERROR && !stream.writableFinished && !stream.destroyed) stream.destroy();
}

/** From now on the stream's events reach no call. */
export function unbind(stream: ClientSessionStream): void {
  (stream as BoundStream)[kCall] = undefined;
}

function onResponse(this: BoundStream, headers: ReceivedHeaders, flags: number): void {
  this[kCall]?.onResponse(headers, flags);
}
function onData(this: BoundStream, chunk: Uint8Array): void {
  this[kCall]?.onData(chunk);
}
function onTrailers(this: BoundStream, trailers: HeaderRecord): void {
  this[kCall]?.onTrailers(trailers);
}
function onBodyEnd(this: BoundStream): void {
  this[kCall]?.onBodyEnd();
}
function onClose(this: BoundStream): void {
  this[kCall]?.onClose();
}
function onDrain(this: BoundStream): void {
  this[kCall]?.onDrain();
}
function onError(): void {
  // Every stream error is followed by 'close', where the outcome is decided from rstCode and the connection's state.
  // Listening keeps node from throwing it.
}
