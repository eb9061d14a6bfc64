/**
 * The only thing src/h2 needs from a runtime: a duplex of bytes.
 *
 *     runtime socket ──data(chunk)──▶ ByteSink (the Connection)      bytes in
 *     runtime socket ◀──write(bytes)── ByteStream (the Connection)   bytes out
 *
 * TCP or TLS in Node (node-socket.ts), Deno.Conn, Bun's socket, `cloudflare:sockets`,
 * or a test's in-memory pair (memory-pipe.ts) all fit behind it. The contract:
 *   - `start(sink)` is called once, before any write; from then on the stream calls
 *     the sink's methods, never re-entrantly from inside `write`/`end`/`destroy`;
 *   - a chunk given to `sink.data` belongs to the receiver from then on (the runtime
 *     must not reuse its memory), so frames may be parsed from it as views;
 *   - bytes given to `write` (or `writev`) belong to the stream from then on (the
 *     caller never changes them again); `write` returns false when the runtime's
 *     buffer is over its high-water mark — the bytes are still queued — and
 *     `sink.drain` follows when it went below it again;
 *   - `writev(pieces)`, where given, is `write` of each piece in order, in as few
 *     system calls as the runtime can (Node: cork, write…, uncork — one writev(2)).
 *     Without it the connection writes the pieces one by one (`writeRun`). An adapter
 *     whose every write is a system call or a promise (web streams, Bun) joins them
 *     (`joinPieces`): one copy, as when the output copied every payload;
 *   - `sink.error` ends the stream (`sink.end` is not called after it); `sink.closed`,
 *     where given, is called once when the stream is fully closed, whichever way.
 */

/** Receives what the byte stream delivers. */
export interface ByteSink {
  /** Bytes in; the chunk is the receiver's to keep. */
  data(chunk: Uint8Array): void;
  /** The peer half-closed (EOF). */
  end(): void;
  /** The stream failed (reset, TLS error); `end()` is not called after it. */
  error(error: Error): void;
  /** The write buffer went below its high-water mark after `write()` returned false. */
  drain(): void;
  /** Fully closed (optional). */
  closed?(): void;
}

/** A duplex of bytes: TCP/TLS in Node, Deno.Conn, Bun's socket, cloudflare:sockets, a test's in-memory pair. */
export interface ByteStream {
  /** Called once, before any write. */
  start(sink: ByteSink): void;
  /** Queues bytes; false: the buffer is full, wait for `sink.drain` (the bytes ARE queued). */
  write(data: Uint8Array): boolean;
  /** Optional: the pieces in order, as `write` of each would, in one go; false as `write`. */
  writev?(pieces: readonly Uint8Array[]): boolean;
  /** Half-closes after what is queued is written. */
  end(): void;
  /** Closes now, dropping what is queued. */
  destroy(error?: Error): void;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  /** Whether an open stream keeps the process alive (node sockets); optional. */
  ref?(): void;
  unref?(): void;
}

/** A run of bytes, or its pieces in order, to `bytes`: by `writev` where it has one, else a `write` per piece. */
export function writeRun(bytes: ByteStream, run: Uint8Array | readonly Uint8Array[]): boolean {
  if (run instanceof Uint8Array) return bytes.write(run);
  if (bytes.writev !== undefined) return bytes.writev(run);
  let ok = true;
  for (const piece of run) ok = bytes.write(piece) && ok;
  return ok;
}

/** The pieces in one new Uint8Array, in order (for adapters that pay per write). */
export function joinPieces(pieces: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
