/**
 * The HTTP/1.1 (gRPC-Web) connections, tracked as HTTP/2 sessions are.
 *
 * node:http would time out heads and idle keep-alive connections itself, and
 * close them on `closeIdleConnections()` — but only for connections of a
 * server that listens, and ours never does (front.ts hands it sockets): its
 * connection list is made on 'listening'. So it is done here, per socket:
 *
 *   handed over ──first head within headTimeoutMs──▶ request ──body within requestTimeoutMs──▶
 *        answered ──▶ idle ──next request within keepAliveTimeoutMs──▶ request ...
 *
 *   - the first head, or a request body, too slow: `408 Request Timeout`
 *     (nothing of that exchange was answered yet) and the connection closed;
 *   - idle after a response for keepAliveTimeoutMs (node's default: 5 s): closed;
 *   - shutdown: idle connections close now, busy ones once answered;
 *     forceShutdown: all of them, now.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { handshakeDone } from './handshake.js';

export interface Http1Options {
  /** The first request head must be complete this long after the connection was handed over (the handshake timeout). */
  headTimeoutMs?: number;
  /** A request's body must have arrived this long after its head (default 300 s, node:http's requestTimeout). */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this (default 5 s, node:http's keepAliveTimeout). */
  keepAliveTimeoutMs?: number;
}

const REQUEST_TIMEOUT = Buffer.from(
  'HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: 19\r\n\r\nrequest timed out\r\n',
  'latin1',
);

/** One connection: how many requests are in flight, and its current clock. */
interface Tracked {
  busy: number;
  timer: NodeJS.Timeout | undefined;
}

export class Http1Connections {
  private readonly sockets = new Map<Socket, Tracked>();
  private readonly headTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly keepAliveTimeoutMs: number;
  private closing = false;

  constructor(options: Http1Options = {}) {
    this.headTimeoutMs = options.headTimeoutMs ?? 20_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 5_000;
  }

  /** How many are open (tests, stats). */
  get size(): number {
    return this.sockets.size;
  }

  /**
   * A connection about to be handed to node:http. `raw` is the TCP socket
   * under it (the same one without TLS), whose handshake clock stops here: the
   * head clock, which can still answer 408, takes over.
   */
  add(socket: Socket, raw: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    handshakeDone(raw);
    const tracked: Tracked = { busy: 0, timer: undefined };
    this.sockets.set(socket, tracked);
    socket.once('close', () => {
      clearTimeout(tracked.timer);
      this.sockets.delete(socket);
    });
    this.clock(socket, tracked, this.headTimeoutMs, undefined);
  }

  /** A whole head arrived (node:http's 'request'): the body, then the answer, have their own clocks. */
  request(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const tracked = this.sockets.get(socket);
    if (tracked === undefined) return;
    tracked.busy++;
    this.clock(socket, tracked, this.requestTimeoutMs, res);
    req.once('end', () => {
      if (tracked.timer !== undefined) clearTimeout(tracked.timer);
      tracked.timer = undefined;
    });
    res.once('close', () => {
      tracked.busy--;
      if (tracked.busy > 0 || socket.destroyed) return;
      if (this.closing || !res.shouldKeepAlive) socket.end();
      else this.clock(socket, tracked, this.keepAliveTimeoutMs, null);
    });
    if (this.closing) res.shouldKeepAlive = false;
  }

  /** Graceful: idle connections close now; busy ones once their answer is out. */
  closeIdle(): void {
    this.closing = true;
    for (const [socket, tracked] of this.sockets) if (tracked.busy === 0) socket.destroy();
  }

  /** Every connection, now. */
  destroyAll(): void {
    this.closing = true;
    for (const socket of this.sockets.keys()) socket.destroy();
  }

  /**
   * Arms `socket`'s clock. On expiry the connection ends — with a 408 first
   * when a client is still owed an answer: waiting for a head (`res`
   * undefined) or a request not answered yet; an idle one (`null`) just closes.
   */
  private clock(socket: Socket, tracked: Tracked, ms: number, res: ServerResponse | null | undefined): void {
    if (tracked.timer !== undefined) clearTimeout(tracked.timer);
    tracked.timer = undefined;
    if (!(ms > 0 && ms < Infinity)) return;
    tracked.timer = setTimeout(() => {
      tracked.timer = undefined;
      if (socket.destroyed) return;
      if (res === undefined || (res !== null && !res.headersSent)) socket.end(REQUEST_TIMEOUT);
      else socket.end();
      setTimeout(() => socket.destroy(), 1000).unref(); // a client that does not read its 408
    }, ms);
    tracked.timer.unref();
  }
}
