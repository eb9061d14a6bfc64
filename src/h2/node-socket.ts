/**
 * A node:net Socket or node:tls TLSSocket as a ByteStream (byte-stream.ts).
 *
 *     socket 'data'  → sink.data(chunk)     (a Buffer of its own per read: ours to keep)
 *     socket 'end'   → sink.end()           (the peer's FIN)
 *     socket 'error' → sink.error(err)
 *     socket 'drain' → sink.drain()         (after write() returned false)
 *     socket 'close' → sink.closed()
 *     writev(pieces) → cork, write each, uncork: the pieces of a tick (frame headers
 *                      and the large DATA payloads between them) in one writev(2)
 *
 * For TLS the caller negotiates ALPN `h2` (ALPNProtocols: ['h2'] and a check of
 * `socket.alpnProtocol`); by the time a connection starts, the socket carries
 * HTTP/2 bytes. Nagle is turned off (`setNoDelay`): the connection already
 * coalesces each tick's frames into one write, and waiting for an ACK before the
 * next small write would add a round trip to every unary call.
 */
import type { Socket } from 'node:net';
import type { ByteSink, ByteStream } from './byte-stream.js';

class NodeSocketStream implements ByteStream {
  private readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  start(sink: ByteSink): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    let failed = false;
    socket.on('data', (chunk: Uint8Array) => sink.data(chunk));
    socket.on('end', () => {
      if (!failed) sink.end();
    });
    socket.on('error', (error: Error) => {
      failed = true;
      sink.error(error);
    });
    socket.on('drain', () => sink.drain());
    socket.on('close', () => sink.closed?.());
  }

  write(data: Uint8Array): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    return this.socket.write(data);
  }

  writev(pieces: readonly Uint8Array[]): boolean {
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return false;
    socket.cork();
    let ok = true;
    for (const piece of pieces) ok = socket.write(piece);
    socket.uncork();
    return ok;
  }

  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy(error?: Error): void {
    this.socket.destroy(error);
  }

  ref(): void {
    this.socket.ref();
  }

  unref(): void {
    this.socket.unref();
  }
}

/** A connected node:net or node:tls socket as a ByteStream. */
export function nodeSocket(socket: Socket): ByteStream {
  return new NodeSocketStream(socket);
}
