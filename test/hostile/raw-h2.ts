/**
 * HTTP/2 spoken by hand over a plain TCP socket (node:net), for the requests
 * node:http2's own client refuses to send: upper-case header names, more
 * streams than the peer allows, floods of PING or SETTINGS, a preface and
 * then silence.
 *
 * Frames (RFC 9113 §4.1): length (24 bits), type, flags, stream id (31 bits), payload.
 * Header blocks use HPACK's "literal without indexing, new name" form only
 * (RFC 7541 §6.2.2), no Huffman: byte-exact and table-free, which is all a
 * test client needs.
 */
import net from 'node:net';

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
} as const;
export const Flag = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 } as const;

export function h2frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, 5);
  out.set(payload, 9);
  return out;
}

/** An HPACK integer with an `n`-bit prefix (RFC 7541 §5.1); `first` carries the bits above the prefix. */
function hpackInt(value: number, n: number, first: number): number[] {
  const max = (1 << n) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from(hpackInt(bytes.length, 7, 0)), bytes]);
}

/** A header block: every field a literal without indexing, name sent as is (upper case included). */
export function headerBlock(fields: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) parts.push(Buffer.from([0]), hpackString(name), hpackString(value));
  return Buffer.concat(parts);
}

/** The request headers of a gRPC call, plus `extra` fields (sent as given). */
export function grpcRequestFields(path: string, extra: [string, string][] = []): [string, string][] {
  return [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', 'localhost'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
    ...extra,
  ];
}

export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** A raw HTTP/2 connection: send bytes, see every frame that comes back. */
export class RawH2 {
  readonly socket: net.Socket;
  readonly frames: ReceivedFrame[] = [];
  closed = false;
  private buffer = Buffer.alloc(0);
  private readonly closedPromise: Promise<void>;
  /** Bytes that did not parse as frames (e.g. an HTTP/1.1 answer). */
  raw = Buffer.alloc(0);

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.raw = Buffer.concat([this.raw, chunk]).subarray(-4096);
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 9) {
        const length = this.buffer.readUIntBE(0, 3);
        if (this.buffer.length < 9 + length) break;
        this.frames.push({
          type: this.buffer[3]!,
          flags: this.buffer[4]!,
          streamId: this.buffer.readUInt32BE(5) & 0x7fffffff,
          payload: Buffer.from(this.buffer.subarray(9, 9 + length)),
        });
        this.buffer = this.buffer.subarray(9 + length);
      }
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawH2> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new RawH2(socket)));
      socket.once('error', reject);
    });
  }

  /** Client preface and an empty SETTINGS frame; with `ack`, also acknowledges the server's SETTINGS. */
  handshake(ack = true): void {
    this.socket.write(Buffer.concat([PREFACE, h2frame(FrameType.SETTINGS, 0, 0)]));
    if (ack) this.socket.write(h2frame(FrameType.SETTINGS, Flag.ACK, 0));
  }

  write(...chunks: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(chunks));
  }

  headers(streamId: number, fields: [string, string][], endStream = false): void {
    this.write(
      h2frame(FrameType.HEADERS, Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0), streamId, headerBlock(fields)),
    );
  }

  data(streamId: number, payload: Uint8Array, endStream = false): void {
    this.write(h2frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, payload));
  }

  /** Frames of `type` received so far (on `streamId` if given). */
  received(type: number, streamId?: number): ReceivedFrame[] {
    return this.frames.filter((f) => f.type === type && (streamId === undefined || f.streamId === streamId));
  }

  /** The error code of the RST_STREAM received on `streamId`, if any. */
  rstCode(streamId: number): number | undefined {
    const rst = this.received(FrameType.RST_STREAM, streamId)[0];
    return rst === undefined ? undefined : rst.payload.readUInt32BE(0);
  }

  /** The error code of the GOAWAY received, if any. */
  goawayCode(): number | undefined {
    const goaway = this.received(FrameType.GOAWAY)[0];
    return goaway === undefined ? undefined : goaway.payload.readUInt32BE(4);
  }

  /** Resolves true once `predicate` holds, false after `ms`. */
  async until(predicate: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  /** Resolves true if the server closed the connection within `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const result = await Promise.race([this.closedPromise.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
