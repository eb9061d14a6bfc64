/**
 * A socket that is a pair of WHATWG streams — Deno.Conn, `cloudflare:sockets`'
 * Socket — as a ByteStream (byte-stream.ts), whatever it takes to open it:
 *
 *     opening ──resolves──▶ { readable, writable, close() }
 *     readable.getReader().read() ─────▶ sink.data(chunk)   (a fresh chunk per read: ours to keep)
 *     write(bytes) ──▶ writable.getWriter().write(bytes)     (false while more than highWaterMark is unwritten)
 *
 * Bytes written before the socket is open wait in order; a socket that fails to
 * open, or fails later, is `sink.error` (once, never followed by `end`). Used by
 * deno-socket.ts and cf-socket.ts; nothing here names a runtime.
 */
import { joinPieces, type ByteSink, type ByteStream } from './byte-stream.js';

/** What the runtime's socket gives once open. */
export interface StreamSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Closes both directions now. */
  close(): unknown;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  /** Whether the open socket keeps the process alive (Deno.Conn has them); optional. */
  ref?(): void;
  unref?(): void;
}

/** Unwritten bytes beyond which write() asks the caller to wait (node:net's default mark). */
const HIGH_WATER_MARK = 16 * 1024;

export function streamSocket(opening: Promise<StreamSocket>): ByteStream {
  return new StreamSocketBytes(opening);
}

class StreamSocketBytes implements ByteStream {
  private sink: ByteSink | undefined;
  private socket: StreamSocket | undefined;
  private writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** Written before the socket opened, in order. */
  private early: Uint8Array[] = [];
  private endAsked = false;
  /** Bytes handed to write() and not yet written by the runtime. */
  private unwritten = 0;
  private wantsDrain = false;
  private done = false;
  /** What ref()/unref() asked for last, applied when the socket opens. */
  private refed = true;

  constructor(private readonly opening: Promise<StreamSocket>) {}

  get remoteAddress(): string | undefined {
    return this.socket?.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket?.remotePort;
  }

  ref(): void {
    this.refed = true;
    this.socket?.ref?.();
  }

  unref(): void {
    this.refed = false;
    this.socket?.unref?.();
  }

  start(sink: ByteSink): void {
    this.sink = sink;
    this.opening.then(
      (socket) => this.opened(socket),
      (err: unknown) => this.fail(err),
    );
  }

  write(data: Uint8Array): boolean {
    if (this.done) return false;
    this.unwritten += data.length;
    const writer = this.writer;
    if (writer === undefined) this.early.push(data);
    else this.send(writer, data);
    if (this.unwritten < HIGH_WATER_MARK) return true;
    this.wantsDrain = true;
    return false;
  }

  /** A tick's pieces (frame headers and large payloads) joined: each write here costs a write of the runtime. */
  writev(pieces: readonly Uint8Array[]): boolean {
    return this.write(joinPieces(pieces));
  }

  end(): void {
    if (this.done || this.endAsked) return;
    this.endAsked = true;
    const writer = this.writer;
    if (writer !== undefined) writer.close().catch((err: unknown) => this.fail(err));
  }

  destroy(error?: Error): void {
    if (this.done) return;
    this.done = true;
    this.early = [];
    const socket = this.socket;
    this.reader?.cancel(error).catch(ignore);
    this.writer?.abort(error).catch(ignore);
    if (socket !== undefined) {
      try {
        const closing = socket.close();
        if (closing instanceof Promise) closing.catch(ignore);
      } catch {
        // closed already
      }
    }
    // A destroy from our side is not the stream failing: the sink hears only that it is closed.
    queueMicrotask(() => this.sink?.closed?.());
  }

  private opened(socket: StreamSocket): void {
    if (this.done) {
      try {
        socket.close();
      } catch {
        // closed already
      }
      return;
    }
    this.socket = socket;
    if (!this.refed) socket.unref?.();
    const writer = socket.writable.getWriter();
    this.writer = writer;
    const early = this.early;
    this.early = [];
    for (const chunk of early) this.send(writer, chunk);
    if (this.endAsked) writer.close().catch((err: unknown) => this.fail(err));
    this.reader = socket.readable.getReader();
    void this.readLoop(this.reader);
  }

  private send(writer: WritableStreamDefaultWriter<Uint8Array>, data: Uint8Array): void {
    const n = data.length;
    writer.write(data).then(
      () => {
        this.unwritten -= n;
        if (this.wantsDrain && this.unwritten < HIGH_WATER_MARK && !this.done) {
          this.wantsDrain = false;
          this.sink?.drain();
        }
      },
      (err: unknown) => this.fail(err),
    );
  }

  private async readLoop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (this.done) return;
        if (done) break;
        if (value.length > 0) this.sink!.data(value);
      }
    } catch (err) {
      this.fail(err);
      return;
    }
    this.sink!.end();
  }

  private fail(err: unknown): void {
    if (this.done) return;
    const error = err instanceof Error ? err : new Error(String(err));
    this.destroy(error);
    this.sink?.error(error);
  }
}

function ignore(): void {}
