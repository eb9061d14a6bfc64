/**
 * The listeners a ServerCall puts on its HTTP/2 stream. They are module
 * functions, made once per process rather than once per call: `this` is the
 * stream, and `stream[CALL]` the call it belongs to (call-protocol.ts).
 */
import type { ServerHttp2Stream } from 'node:http2';
import type { Buffer } from 'node:buffer';
import { CALL, type CallStream } from './call-protocol.js';
import type { ServerCall } from './server-stream.js';

const NO_ERROR = 0; // HTTP/2 error code NO_ERROR

export function onData(this: CallStream, chunk: Buffer): void {
  this[CALL].receive(chunk);
}
export function onEnd(this: CallStream): void {
  this[CALL].receiveEnd();
}
// 'close', and 'aborted' (the stream closed — RST_STREAM, or the connection
// went — while the client was still sending). node:http2 emits 'aborted' first
// and may emit 'end' after it: handling it as the close ends the call before
// that 'end' arrives, so a cut-short request stream is never taken for a
// complete one (a truncated upload for a whole one).
export function onClose(this: CallStream): void {
  this[CALL].closed();
}
export function onDrain(this: CallStream): void {
  this[CALL].drained();
}
export function onError(): void {
  // 'close' follows every stream error; it does the cleanup.
}
export function onDeadline(call: ServerCall): void {
  call.deadlineReached();
}
/**
 * RST_STREAM(NO_ERROR) once our status is out (see `stopClient`), run from
 * setImmediate: a reset submitted from inside 'wantTrailers', right after
 * sendTrailers, overtakes the trailers and the client never gets the status
 * (test/http2/server.test.ts, "the reset never overtakes"). A Trailers-Only
 * HEADERS frame survives an immediate reset today, but both paths keep the one
 * rule: reset after the status has been written.
 */
export function resetStream(stream: ServerHttp2Stream): void {
  if (!stream.closed) stream.close(NO_ERROR);
}
