/**
 * Bun's sockets (`Bun.connect`) as ByteStreams, for a channel's `connect`
 * option (transport 'wiregrpc' under Bun):
 *
 *   Bun.connect({ hostname, port, socket: handlers })                          h2c, prior knowledge
 *   Bun.connect({ …, tls: { ALPNProtocols: ['h2'], serverName, ca } })         TLS; the handshake must pick h2
 *
 *   new Channel('127.0.0.1:50051', { connect: bunConnect() })
 *
 * Bun calls one set of handlers per socket (no EventEmitter); `write` may take
 * only part of what it is given: the rest waits here, in order, and goes out on
 * `drain`. `Bun` is read from globalThis when a connection is made: this
 * module loads anywhere.
 */
import { joinPieces, type ByteSink, type ByteStream } from './byte-stream.js';

/** The part of Bun's socket API used here (bun-types: Socket, SocketHandler). */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): unknown;
  terminate?(): unknown;
  ref?(): void;
  unref?(): void;
  readonly remoteAddress?: string;
  readonly alpnProtocol?: string | false | null;
  data: BunBytes | undefined;
}
interface BunHandlers {
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  connectError(socket: BunSocket, error: Error): void;
  handshake?(socket: BunSocket, success: boolean, authorizationError: Error | null): void;
}
interface BunApi {
  connect(options: {
    hostname?: string;
    port?: number;
    unix?: string;
    tls?: {
      ALPNProtocols?: string | Uint8Array;
      serverName?: string;
      ca?: string | string[];
      rejectUnauthorized?: boolean;
    };
    socket: BunHandlers;
    data?: unknown;
  }): Promise<BunSocket>;
}

export interface BunConnectOptions {
  /** TLS with ALPN h2: `true` for the system's CAs, or these. */
  tls?: boolean | { ca?: string | string[]; servername?: string; rejectUnauthorized?: boolean };
}

/** Where to connect: one of a channel's addresses (src/http2/target.ts). */
export type SocketAddress = { host: string; port: number } | { path: string };

/** Unwritten bytes beyond which write() asks the caller to wait. */
const HIGH_WATER_MARK = 16 * 1024;

/** A `connect` option for a channel: each call opens one Bun socket. */
export function bunConnect(options: BunConnectOptions = {}): (address: SocketAddress) => ByteStream {
  const bun = (globalThis as { Bun?: BunApi }).Bun;
  if (bun === undefined) throw new Error('bunConnect() needs Bun (globalThis.Bun is not there)');
  return (address) => new BunBytes(bun, address, options);
}

/** One connection; the socket's `data` points back here, so one set of handlers serves every socket. */
class BunBytes implements ByteStream {
  private sink: ByteSink | undefined;
  private socket: BunSocket | undefined;
  /** Bytes Bun has not taken yet (before open, or what a short write left), in order. */
  private queue: Uint8Array[] = [];
  private queued = 0;
  private wantsDrain = false;
  private endAsked = false;
  private done = false;
  private readonly secure: boolean;

  constructor(
    private readonly bun: BunApi,
    private readonly address: SocketAddress,
    private readonly options: BunConnectOptions,
  ) {
    this.secure = options.tls !== undefined && options.tls !== false;
  }

  get remoteAddress(): string | undefined {
    return this.socket?.remoteAddress;
  }

  get remotePort(): number | undefined {
    return 'port' in this.address ? this.address.port : undefined;
  }

  start(sink: ByteSink): void {
    this.sink = sink;
    const t = this.options.tls;
    const tls =
      t === undefined || t === false
        ? undefined
        : {
            ALPNProtocols: new Uint8Array([2, 0x68, 0x32]), // ALPN wire format (RFC 7301 §3.1): length-prefixed "h2"
            ...(t !== true && t.servername !== undefined ? { serverName: t.servername } : {}),
            ...(t !== true && t.ca !== undefined ? { ca: t.ca } : {}),
            ...(t !== true && t.rejectUnauthorized !== undefined ? { rejectUnauthorized: t.rejectUnauthorized } : {}),
          };
    const where =
      'path' in this.address ? { unix: this.address.path } : { hostname: this.address.host, port: this.address.port };
    this.bun.connect({ ...where, ...(tls ? { tls } : {}), socket: HANDLERS, data: this }).catch((err: unknown) => {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    });
  }

  write(data: Uint8Array): boolean {
    if (this.done) return false;
    const socket = this.socket;
    if (socket === undefined || this.queue.length > 0) this.push(data);
    else {
      const n = socket.write(data);
      if (n < data.length) this.push(n <= 0 ? data : data.subarray(n));
    }
    if (this.queued < HIGH_WATER_MARK) return true;
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
    if (this.socket !== undefined && this.queue.length === 0) this.socket.end();
  }

  destroy(error?: Error): void {
    if (this.done) return;
    this.done = true;
    this.queue = [];
    this.queued = 0;
    const socket = this.socket;
    if (socket !== undefined) {
      if (socket.terminate !== undefined) socket.terminate();
      else socket.end();
    }
    void error;
    queueMicrotask(() => this.sink?.closed?.());
  }

  ref(): void {
    this.socket?.ref?.();
  }

  unref(): void {
    this.socket?.unref?.();
  }

  /** @internal Bun: the socket is open (for TLS: the handshake is done and picked h2). */
  opened(socket: BunSocket): void {
    if (this.done) {
      socket.end();
      return;
    }
    this.socket = socket;
    this.flush();
  }

  /** @internal Bun: the TLS handshake is over. */
  handshake(socket: BunSocket, success: boolean, authorizationError: Error | null): void {
    if (!success || authorizationError !== null) {
      this.fail(authorizationError ?? new Error('TLS handshake failed'));
      return;
    }
    if (socket.alpnProtocol !== 'h2') {
      const picked = typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : 'none';
      const where = 'path' in this.address ? this.address.path : `${this.address.host}:${this.address.port}`;
      this.fail(new Error(`${where} did not negotiate HTTP/2 over TLS (ALPN: ${picked}, expected h2)`));
      return;
    }
    this.opened(socket);
  }

  /** @internal */
  get waitsForHandshake(): boolean {
    return this.secure;
  }

  /** @internal Bun: bytes in. Bun's buffer is copied: the contract says the chunk is ours to keep. */
  data(chunk: Uint8Array): void {
    if (!this.done) this.sink?.data(chunk.slice());
  }

  /** @internal Bun: the socket takes bytes again. */
  drained(): void {
    if (this.done) return;
    this.flush();
    if (this.wantsDrain && this.queued < HIGH_WATER_MARK) {
      this.wantsDrain = false;
      this.sink?.drain();
    }
  }

  /** @internal Bun: EOF from the peer. */
  ended(): void {
    if (!this.done) this.sink?.end();
  }

  /** @internal Bun: the socket is closed, either way. */
  closed(error: Error | undefined): void {
    if (this.done) return;
    if (error !== undefined) {
      this.fail(error);
      return;
    }
    this.done = true;
    this.sink?.closed?.();
  }

  fail(error: Error): void {
    if (this.done) return;
    this.destroy(error);
    this.sink?.error(error);
  }

  private push(data: Uint8Array): void {
    this.queue.push(data);
    this.queued += data.length;
  }

  /** Hands Bun what waits, as far as it takes it. */
  private flush(): void {
    const socket = this.socket!;
    while (this.queue.length > 0) {
      const chunk = this.queue[0]!;
      const n = socket.write(chunk);
      if (n <= 0) return;
      this.queued -= n;
      if (n < chunk.length) {
        this.queue[0] = chunk.subarray(n);
        return;
      }
      this.queue.shift();
    }
    if (this.endAsked) socket.end();
  }
}

const HANDLERS: BunHandlers = {
  open(socket) {
    const bytes = socket.data!;
    if (!bytes.waitsForHandshake) bytes.opened(socket);
  },
  handshake(socket, success, authorizationError) {
    socket.data!.handshake(socket, success, authorizationError);
  },
  data(socket, chunk) {
    socket.data!.data(chunk);
  },
  drain(socket) {
    socket.data!.drained();
  },
  end(socket) {
    socket.data!.ended();
  },
  close(socket, error) {
    socket.data!.closed(error);
  },
  error(socket, error) {
    socket.data!.fail(error);
  },
  connectError(socket, error) {
    socket.data?.fail(error);
  },
};
