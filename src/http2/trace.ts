/**
 * The wire tracer: `WIREGRPC_TRACE=1` in the environment of any wiregrpc
 * process (server or client), or `wiregrpc call --trace`, prints to stderr
 * every HTTP/2 header block and every gRPC message of every call, in both
 * directions — the wire, made visible:
 *
 *   [wiregrpc] client stream 1 → HEADERS
 *     :method: POST
 *     :path: /proto.UserInfo/GetUserInfo
 *     content-type: application/grpc
 *     te: trailers
 *   [wiregrpc] client stream 1 → DATA message 1: prefix 00 00 00 00 05 (not compressed, length 5)
 *     proto.UserRequest {"name":"foo"}
 *     payload 0a 03 66 6f 6f
 *   [wiregrpc] client stream 1 → END_STREAM
 *   [wiregrpc] client stream 1 ← HEADERS
 *   ...
 *
 * How it hooks in: the client and server stream code call
 * `traceClientStream` / `traceServerStream` once per stream, behind
 * `if (tracing)`: with tracing off that one test is the whole cost. When on,
 * the tracer listens to the stream's events (headers, trailers, data) and
 * wraps that one stream's `write`/`end`/`respond`/`sendTrailers`/`close` to see
 * what goes out. Messages are re-framed here with a Deframer of their own, so
 * tracing never changes what the call itself sees.
 *
 * Both HTTP/2 transports are traced the same way, through the shapes the calls
 * already use: a client stream is a ClientSessionStream (node:http2's, or
 * h2-client-stream.ts over src/h2), a server stream a StreamLike
 * (node:http2's ServerHttp2Stream, or h2-server-stream.ts) with its id. The
 * hooks: client-stream.ts `attach` for both client transports; on the server,
 * server-transport.ts once per transport — node:http2's 'stream' event, and the
 * callback h2-accept.ts calls for each request on the own HTTP/2.
 *
 * A client stream of the own HTTP/2 opens at the end of the tick it was asked
 * for in (or later, past the server's MAX_CONCURRENT_STREAMS): until its
 * 'ready' it has no id and nothing of it is on the wire, so its blocks are
 * kept and printed, with its id, when it opens — or, if it closes first, with
 * a note that none of it was sent.
 *
 * Messages are shown as proto3 JSON when the method's codecs are known (every
 * ServiceDefinition made while tracing is on registers them: `traceMethod` in
 * trace-switch.ts, called by defineService),
 * else as the annotated raw dump of src/wire/proto/dump.ts. Compressed messages are
 * inflated (gzip, deflate) for display.
 */
import type { ServerStreamResponseOptions } from 'node:http2';
import type zlib from 'node:zlib';
import { Deframer } from '../wire/grpc/deframer.js';
import { formatDump } from '../wire/proto/dump.js';
import { dumpPayload } from '../wire/grpc/frame-dump.js';
import { FLAG_COMPRESSED } from '../wire/grpc/frame.js';
import { toJson } from '../wire/proto/json.js';
import type { HeaderRecord } from '../wire/grpc/metadata.js';
import type { ClientSessionStream } from './h2-client-session.js';
import type { StreamLike } from './stream-like.js';
import { setTracing, tracedMethods } from './trace-switch.js';

export { tracing, traceMethod } from './trace-switch.js';

type Sink = (text: string) => void;
const stderr: Sink = (text) => process.stderr.write(text);
let sink: Sink = stderr;

/** Turns tracing on for streams opened (and methods defined) from now on; output goes to `write` (default: stderr). */
export function enableTracing(write?: Sink): void {
  setTracing(true);
  sink = write ?? stderr;
}

/** Turns tracing off again (tests), restoring the stderr sink. */
export function disableTracing(): void {
  setTracing(false);
  sink = stderr;
}

type Side = 'client' | 'server';
type Direction = '→' | '←';
/** Largest message (after inflating) the tracer will decode and show. */
const MAX_SHOWN = 4 * 1024 * 1024;
/** Payload bytes shown as hex under a decoded message. */
const HEX_SHOWN = 64;

/** What the tracer needs of any stream: either side, either transport. */
interface TracedStream {
  readonly id?: number | undefined;
  readonly closed: boolean;
  readonly rstCode?: number | undefined;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/** A server stream on either transport: node:http2's ServerHttp2Stream, or h2-server-stream.ts's. */
export type TracedServerStream = StreamLike & { readonly id?: number | undefined };

/** One block of the trace: its label's direction and what, then its indented lines. */
type Block = readonly [direction: Direction, what: string, body: string];

class StreamTrace {
  private readonly out = {
    '→': new Deframer({ maxMessageLength: 0xffffffff }),
    '←': new Deframer({ maxMessageLength: 0xffffffff }),
  };
  private readonly count = { '→': 0, '←': 0 };
  private readonly encoding: Record<Direction, string | undefined> = { '→': undefined, '←': undefined };
  private resetSent = false;
  /** Blocks of a client stream that has not opened yet (no id, nothing sent): printed when it opens. */
  private held: Block[] | undefined;

  constructor(
    readonly side: Side,
    private readonly stream: TracedStream,
    private readonly path: string,
  ) {}

  private label(direction: Direction, what: string): string {
    return `[wiregrpc] ${this.side} stream ${this.stream.id ?? '(never opened)'} ${direction} ${what}\n`;
  }

  private emit(direction: Direction, what: string, body = ''): void {
    if (this.held !== undefined) this.held.push([direction, what, body]);
    else sink(this.label(direction, what) + body);
  }

  /** Keeps the blocks from now until `release` (a client stream waiting to open). */
  hold(): void {
    this.held ??= [];
  }

  /** Prints the blocks kept, labelled with the stream's id now that it has one (or as never opened). */
  release(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    let text = '';
    for (const [direction, what, body] of held) text += this.label(direction, what) + body;
    if (text !== '') sink(text);
  }

  headers(direction: Direction, what: string, headers: Readonly<HeaderRecord>): void {
    const encoding = headers['grpc-encoding'];
    if (typeof encoding === 'string') this.encoding[direction] = encoding;
    let body = '';
    for (const [key, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) body += `  ${key}: ${v}\n`;
    }
    this.emit(direction, what, body);
  }

  /** A header block as a flat list (`[name0, value0, …]`), as it was received: order and repeats kept. */
  fields(direction: Direction, what: string, list: readonly string[]): void {
    let body = '';
    for (let i = 0; i + 1 < list.length; i += 2) {
      if (list[i] === 'grpc-encoding') this.encoding[direction] = list[i + 1];
      body += `  ${list[i]}: ${list[i + 1]}\n`;
    }
    this.emit(direction, what, body);
  }

  note(direction: Direction, what: string): void {
    this.emit(direction, what);
  }

  data(direction: Direction, chunk: Uint8Array): void {
    let frames;
    try {
      frames = this.out[direction].push(chunk);
    } catch (err) {
      this.note(direction, `DATA (${chunk.length} bytes) that is not gRPC framing: ${(err as Error).message}`);
      return;
    }
    for (const frame of frames) this.message(direction, frame.flags, frame.data);
  }

  private message(direction: Direction, flags: number, payload: Uint8Array): void {
    const n = ++this.count[direction];
    const prefix = [
      flags,
      payload.length >>> 24,
      (payload.length >>> 16) & 255,
      (payload.length >>> 8) & 255,
      payload.length & 255,
    ]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(' ');
    const compressed = (flags & FLAG_COMPRESSED) !== 0;
    const what = `DATA message ${n}: prefix ${prefix} (${compressed ? 'compressed' : 'not compressed'}, length ${payload.length})`;
    let text = '';
    let bytes = payload;
    if (compressed) {
      const encoding = this.encoding[direction];
      try {
        bytes = inflate(encoding, payload);
        text += `  inflated (${encoding}) to ${bytes.length} bytes\n`;
      } catch (err) {
        this.emit(
          direction,
          what,
          text + `  cannot inflate (grpc-encoding ${encoding ?? 'missing'}): ${(err as Error).message}\n`,
        );
        return;
      }
    }
    // The client sends requests and receives responses; the server the other way round.
    const codecs = tracedMethods.get(this.path);
    const codec =
      codecs === undefined
        ? undefined
        : (direction === '→') === (this.side === 'client')
          ? codecs.request
          : codecs.response;
    let shown = false;
    if (codec !== undefined) {
      try {
        text += `  ${codec.schema.typeName} ${JSON.stringify(toJson(codec.schema, codec.decode(bytes)))}\n`;
        const hex = [...bytes.subarray(0, HEX_SHOWN)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
        text += `  payload ${hex}${bytes.length > HEX_SHOWN ? ` … (${bytes.length - HEX_SHOWN} more bytes)` : ''}\n`;
        shown = true;
      } catch (err) {
        text += `  does not decode as ${codec.schema.typeName}: ${(err as Error).message}\n`;
      }
    }
    if (!shown) {
      for (const line of formatDump(dumpPayload(bytes, 0, bytes.length, 0, 0))) text += `  ${line}\n`;
    }
    this.emit(direction, what, text);
  }

  /** Wraps this one stream's outgoing calls, and listens to what comes in. */
  observe(): void {
    const stream = this.stream;
    const patched = stream as unknown as Record<'write' | 'end' | 'close', (...args: unknown[]) => unknown>;
    const trace = this;
    const { write, end, close } = patched;
    patched.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      if (chunk instanceof Uint8Array) trace.data('→', chunk);
      return write.call(this, chunk, ...rest);
    };
    patched.end = function (this: unknown, chunk?: unknown, ...rest: unknown[]) {
      if (chunk instanceof Uint8Array) trace.data('→', chunk);
      // The client half-closes here; the server's END_STREAM goes out with its trailers.
      if (trace.side === 'client') trace.note('→', 'END_STREAM (half-close: no more requests)');
      return end.call(this, chunk, ...rest);
    };
    patched.close = function (this: unknown, code?: unknown, ...rest: unknown[]) {
      if (!trace.resetSent && !stream.closed) {
        trace.resetSent = true;
        trace.note(
          '→',
          trace.held !== undefined
            ? `cancelled (code ${code ?? 0}) before the stream opened: none of it is sent`
            : `RST_STREAM (code ${code ?? 0})`,
        );
      }
      return close.call(this, code, ...rest);
    };
    stream.on('data', (chunk: Uint8Array) => this.data('←', chunk));
    stream.on('close', () => {
      if (!this.resetSent && stream.rstCode !== undefined && stream.rstCode !== 0)
        this.note(
          '←',
          this.held !== undefined
            ? `never opened: the connection went or refused it (code ${stream.rstCode}); none of it was sent`
            : `stream closed: RST_STREAM or connection lost (code ${stream.rstCode})`,
        );
      this.release();
    });
  }
}

/** node:zlib, loaded (synchronously) the first time a traced message is compressed: every stream imports this file. */
let zlibModule: typeof zlib | undefined;

function inflate(encoding: string | undefined, bytes: Uint8Array): Uint8Array {
  const { gunzipSync, inflateSync } = (zlibModule ??= process.getBuiltinModule('node:zlib'));
  if (encoding === 'gzip') return gunzipSync(bytes, { maxOutputLength: MAX_SHOWN });
  if (encoding === 'deflate') return inflateSync(bytes, { maxOutputLength: MAX_SHOWN });
  throw new Error(`unknown encoding`);
}

/** A client stream just opened with these request headers (call right after `session.request`). */
export function traceClientStream(stream: ClientSessionStream, headers: Readonly<HeaderRecord>): void {
  const trace = new StreamTrace('client', stream, String(headers[':path']));
  // Waiting for its id (the own HTTP/2 opens streams at the end of the tick; node:http2 has 'ready' too).
  if (stream.pending) {
    trace.hold();
    stream.on('ready', () => trace.release());
  }
  trace.headers('→', 'HEADERS', headers);
  trace.observe();
  stream.on('response', (h: HeaderRecord) => {
    trace.headers(
      '←',
      h['grpc-status'] !== undefined ? 'HEADERS (Trailers-Only: the status, END_STREAM)' : 'HEADERS',
      h,
    );
  });
  stream.on('trailers', (h: HeaderRecord) => trace.headers('←', 'TRAILERS (END_STREAM)', h));
}

/**
 * A retrying or hedging call's decision between its attempts (retrying-call.ts):
 * `[wiregrpc] client call /proto.UserInfo/GetUserInfo: attempt 1 UNAVAILABLE, retry in 37 ms`.
 */
export function traceAttempts(path: string, text: string): void {
  sink(`[wiregrpc] client call ${path}: ${text}\n`);
}

/**
 * A server stream just arrived with this request header block, as received (a flat list: node:http2's
 * `rawHeaders`, or src/h2's own); call first thing, before the call listens to the stream.
 */
export function traceServerStream(stream: TracedServerStream, received: readonly string[]): void {
  let path = '';
  for (let i = 0; i + 1 < received.length; i += 2) if (received[i] === ':path') path = received[i + 1]!;
  const trace = new StreamTrace('server', stream, path);
  trace.fields('←', 'HEADERS', received);
  trace.observe();
  stream.on('end', () => trace.note('←', 'END_STREAM'));
  const { respond, sendTrailers } = stream;
  stream.respond = function (this: StreamLike, h: Readonly<HeaderRecord>, options?: ServerStreamResponseOptions) {
    const endStream = options?.endStream === true;
    trace.headers(
      '→',
      endStream
        ? h['grpc-status'] !== undefined
          ? 'HEADERS (Trailers-Only: the status, END_STREAM)'
          : 'HEADERS (END_STREAM)'
        : 'HEADERS',
      h ?? {},
    );
    return respond.call(this, h, options);
  };
  stream.sendTrailers = function (this: StreamLike, h: Readonly<HeaderRecord>) {
    trace.headers('→', 'TRAILERS (END_STREAM)', h);
    return sendTrailers.call(this, h);
  };
}
