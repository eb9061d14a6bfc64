/**
 * How a connection's parts reach it (connection-core.ts):
 *
 *     ByteStream ── data / end / error / drain / closed ──▶ ┐
 *     H2Stream   ── sendHeaders / sendData / sendReset /   ├─▶ Wiring ──▶ the connection's methods
 *                   credit / ended ──────────────────────▶ │
 *     FrameReader ── onFrame / onStreamError ─────────────▶ ┘
 */
import type { ByteSink } from './byte-stream.js';
import type { H2Error } from './errors.js';
import type { Frame } from './frame.js';
import type { FrameReaderOptions } from './frame-reader.js';
import type { H2Stream, StreamHost } from './stream.js';

/** What Wiring calls: ConnectionCore's methods (declared here, so that this file needs nothing of it). */
export interface WiredConnection {
  onBytes(chunk: Uint8Array): void;
  onEnd(): void;
  onSocketError(error: Error): void;
  onDrain(): void;
  finish(): void;
  sendHeaders(stream: H2Stream, headers: readonly string[], endStream: boolean): void;
  sendData(stream: H2Stream): void;
  sendReset(stream: H2Stream, code: number): void;
  streamCredit(stream: H2Stream, n: number): void;
  streamEnded(stream: H2Stream): void;
  onFrame(frame: Frame): void;
  streamError(error: H2Error): void;
}

/**
 * What the connection's parts call it back through: the byte stream (ByteSink: bytes in, EOF, error, drain,
 * closed), its streams (StreamHost: HEADERS, DATA, RST_STREAM, credit, END_STREAM sent) and its frame reader
 * (frames, stream errors; with the reader's settings). One small object per connection, with methods, where these
 * were three objects of arrow functions: 12 closures and their context, ~0.9 KB per connection (and in a bundle
 * built with esbuild's keepNames, a `name` property dictionary on each closure: ~3 KB more).
 */
export class Wiring implements ByteSink, StreamHost, FrameReaderOptions {
  constructor(
    private readonly core: WiredConnection,
    /** FrameReaderOptions: a server expects the client preface. */
    readonly preface: boolean,
    readonly maxFieldBlockSize: number,
  ) {}

  data(chunk: Uint8Array): void {
    this.core.onBytes(chunk);
  }

  end(): void {
    this.core.onEnd();
  }

  error(error: Error): void {
    this.core.onSocketError(error);
  }

  drain(): void {
    this.core.onDrain();
  }

  closed(): void {
    this.core.finish();
  }

  sendHeaders(stream: H2Stream, headers: readonly string[], endStream: boolean): void {
    this.core.sendHeaders(stream, headers, endStream);
  }

  sendData(stream: H2Stream): void {
    this.core.sendData(stream);
  }

  sendReset(stream: H2Stream, code: number): void {
    this.core.sendReset(stream, code);
  }

  credit(stream: H2Stream, n: number): void {
    this.core.streamCredit(stream, n);
  }

  ended(stream: H2Stream): void {
    this.core.streamEnded(stream);
  }

  onFrame(frame: Frame): void {
    this.core.onFrame(frame);
  }

  onStreamError(error: H2Error): void {
    this.core.streamError(error);
  }
}
