/**
 * Two ByteStreams joined back to back in memory: what one writes, the other
 * receives, a microtask later — for tests and benches of src/h2 without sockets.
 *
 *     a.write(bytes) ──▶ [queue a→b] ──microtask──▶ b's sink.data(chunk …)
 *     b.write(bytes) ──▶ [queue b→a] ──microtask──▶ a's sink.data(chunk …)
 *
 * Like a socket it has a high-water mark (write returns false above it, drain
 * follows once the queue is delivered), half-close (`end`: the other side's
 * sink.end after the queued bytes) and `destroy` (the other side sees EOF).
 * `chunkSize` cuts deliveries into pieces of at most that many bytes, to test a
 * parser against every split. Written bytes are passed on by reference: the
 * writer gives them away (the ByteStream contract), so nothing is copied.
 */
import type { ByteSink, ByteStream } from './byte-stream.js';

export interface MemoryPipeOptions {
  /** Queued bytes above which write() returns false (default 64 KiB). */
  highWaterMark?: number;
  /** Deliver in pieces of at most this many bytes (default: as written). */
  chunkSize?: number;
}

/** A connected pair: bytes written to one arrive at the other. */
export function memoryPipe(options: MemoryPipeOptions = {}): [ByteStream, ByteStream] {
  const a = new PipeEnd(options);
  const b = new PipeEnd(options);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class PipeEnd implements ByteStream {
  peer!: PipeEnd;
  readonly remoteAddress = 'memory';
  private sink: ByteSink | undefined;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private scheduled = false;
  private needDrain = false;
  /** We half-closed: EOF goes to the peer after the queue. */
  private ending = false;
  private endSent = false;
  /** The peer's EOF reached our sink. */
  private endReceived = false;
  private closed = false;
  private readonly highWaterMark: number;
  private readonly chunkSize: number;
  private readonly deliver = (): void => this.flush();

  constructor(options: MemoryPipeOptions) {
    this.highWaterMark = options.highWaterMark ?? 65_536;
    this.chunkSize = options.chunkSize ?? Infinity;
  }

  start(sink: ByteSink): void {
    if (this.sink !== undefined) throw new Error('memory pipe: start() called twice');
    this.sink = sink;
    this.peer.schedule(); // bytes the peer wrote before we started
  }

  write(data: Uint8Array): boolean {
    if (this.ending || this.closed) return false;
    if (data.length > 0) {
      this.queue.push(data);
      this.queued += data.length;
      this.schedule();
    }
    if (this.queued > this.highWaterMark) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  end(): void {
    if (this.ending || this.closed) return;
    this.ending = true;
    this.schedule();
  }

  destroy(): void {
    if (this.closed) return;
    this.queue = [];
    this.queued = 0;
    this.ending = true;
    this.close();
    this.peer.receiveEnd();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    queueMicrotask(this.deliver);
  }

  /** Hands the queue to the peer's sink (once it has started), then EOF if we ended. */
  private flush(): void {
    this.scheduled = false;
    const sink = this.peer.sink;
    if (sink === undefined || this.closed) return;
    const queue = this.queue;
    this.queue = [];
    this.queued = 0;
    for (const data of queue) {
      for (let at = 0; at < data.length; at += this.chunkSize) {
        if (this.peer.closed) return;
        sink.data(at === 0 && data.length <= this.chunkSize ? data : data.subarray(at, at + this.chunkSize));
      }
    }
    if (this.needDrain && !this.closed) {
      this.needDrain = false;
      this.sink?.drain();
    }
    if (this.ending && !this.endSent && this.queue.length === 0) {
      this.endSent = true;
      this.peer.receiveEnd();
      if (this.endReceived) this.close();
    }
  }

  private receiveEnd(): void {
    if (this.endReceived || this.closed) return;
    this.endReceived = true;
    this.sink?.end();
    if (this.endSent || this.peer.closed) this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink?.closed?.();
  }
}
