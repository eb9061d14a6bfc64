/**
 * The handshake timeout: a connection must say what it is within
 * `handshakeTimeoutMs` (default 20 s, grpc-go's ConnectionTimeout idea), or it
 * is closed. A connection that never sends a byte otherwise holds a file
 * descriptor for good (issue #13: ~20k of them exhaust a default ulimit).
 *
 *   accepted ──TLS handshake (if TLS)──▶ protocol known ──▶ done when
 *     HTTP/2:   the client's preface and first SETTINGS have arrived ('remoteSettings')
 *     HTTP/1.1: a whole request head has arrived (node:http's 'request')
 *
 * The timer starts when the TCP connection is accepted, so it covers the TLS
 * handshake and the protocol sniffing (front.ts) too. Nothing is sent when it
 * fires: the peer has not yet shown that it speaks HTTP/2 or HTTP/1.1
 * (HTTP/1.1 connections that sent part of a head get their 408 from
 * http1-connections.ts, which takes the timer over).
 */
import type { Socket } from 'node:net';

const kTimer = Symbol('wiregrpc.handshakeTimer');
const kDeadline = Symbol('wiregrpc.handshakeDeadline');
type Armed = Socket & { [kTimer]?: NodeJS.Timeout; [kDeadline]?: number };

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 20_000;

/** Starts `socket`'s handshake clock (0 or Infinity: no limit). */
export function armHandshake(socket: Socket, timeoutMs: number): void {
  if (!(timeoutMs > 0 && timeoutMs < Infinity)) return;
  const timer = setTimeout(() => expire(socket), timeoutMs);
  timer.unref();
  (socket as Armed)[kTimer] = timer;
  (socket as Armed)[kDeadline] = Date.now() + timeoutMs;
  socket.once('close', handshakeDone);
}

/** The connection has shown what it speaks: no more handshake clock. (`this` or the argument: usable as a listener.) */
export function handshakeDone(this: unknown, socket?: Socket): void {
  const armed = (socket ?? this) as Armed;
  const timer = armed[kTimer];
  if (timer === undefined) return;
  clearTimeout(timer);
  armed[kTimer] = undefined;
  // The 'close' listener too: a once() wrapper kept for the connection's life is ~0.2 KB per idle connection.
  armed.removeListener('close', handshakeDone);
}

/**
 * What is left of `socket`'s clock, in ms (at least 1; Infinity when none runs): wiregrpc's own HTTP/2
 * takes the rest of the handshake over with it (h2-server-connection.ts).
 */
export function handshakeLeft(socket: Socket): number {
  const armed = socket as Armed;
  if (armed[kTimer] === undefined) return Infinity;
  return Math.max(1, (armed[kDeadline] ?? Infinity) - Date.now());
}

/** Whether the clock still runs for `socket`. */
export function handshakePending(socket: Socket): boolean {
  return (socket as Armed)[kTimer] !== undefined;
}

function expire(socket: Armed): void {
  socket[kTimer] = undefined;
  socket.destroy();
}

/** The TCP socket under a TLSSocket (node: `_parent`), where the clock runs; the socket itself without TLS. */
export function rawSocketOf(socket: Socket): Socket {
  return (socket as Socket & { _parent?: Socket | null })._parent ?? socket;
}
