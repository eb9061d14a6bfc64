/**
 * Fuzz cases of the h2 target that drive a whole Connection (src/h2/connection.ts),
 * server or client, with a random conversation from a peer: a preface, SETTINGS of
 * random values (window and frame size changes mid-connection), HEADERS with real
 * HPACK blocks (split into CONTINUATIONs or not), DATA of every size, RST_STREAM,
 * WINDOW_UPDATE (zero, huge), PING, GOAWAY, PRIORITY, unknown types — mutated or
 * not, fed in random chunks. The server's streams answer by a rule drawn from the
 * input (respond, data, trailers, reset, pause), the client opens a few streams.
 *
 * Properties:
 *   - nothing is thrown out of the byte stream's callbacks; onError gets only H2Error;
 *   - what the Connection writes is well-formed HTTP/2 for its peer: a FrameReader
 *     of the other role reads it without a connection error, and every header block
 *     in it decodes (the HPACK encoder stayed in step with what it sent);
 *   - memory is bounded: open streams never pass our MAX_CONCURRENT_STREAMS, and the
 *     bytes written stay within a fixed multiple of the bytes received;
 *   - the connection ends: after EOF, onClose has been called.
 */
import { Connection } from '../../../src/h2/connection.js';
import type { ByteSink, ByteStream } from '../../../src/h2/byte-stream.js';
import { H2Error } from '../../../src/h2/errors.js';
import { CLIENT_PREFACE, FrameType, type Frame } from '../../../src/h2/frame.js';
import { FrameReader } from '../../../src/h2/frame-reader.js';
import { encodeFrame } from '../../../src/h2/frame-write.js';
import { HpackDecoder } from '../../../src/h2/hpack-decoder.js';
import { HpackEncoder } from '../../../src/h2/hpack-encoder.js';
import { SettingId } from '../../../src/h2/settings.js';
import { fromHex, mutate, toHex, type Rng } from '../rng.js';
import { check } from '../target.js';

export interface ConnectionInput {
  kind: 'connection';
  role: 'server' | 'client';
  hex: string;
  cuts: number[];
  /** How the server's streams answer (index into ANSWERS), by stream order. */
  answers: number[];
  initialWindowSize: number;
}

const MAX_STREAMS = 8;
const REQUEST = [':method', 'POST', ':scheme', 'http', ':path', '/fuzz', ':authority', 'f', 'te', 'trailers'];

const SETTING_IDS = [
  SettingId.INITIAL_WINDOW_SIZE,
  SettingId.MAX_FRAME_SIZE,
  SettingId.HEADER_TABLE_SIZE,
  SettingId.MAX_CONCURRENT_STREAMS,
  SettingId.ENABLE_PUSH,
];
const SETTING_VALUES = [0, 1, 2, 100, 16_384, 65_535, 1 << 20, 0x7fff_ffff, 0x8000_0000];

function randomFrame(rng: Rng, hpack: HpackEncoder, role: 'server' | 'client'): (Frame | Uint8Array)[] {
  const peerStream = () => (role === 'server' ? 1 + 2 * rng.int(12) : 1 + 2 * rng.int(4)) + (rng.chance(0.05) ? 1 : 0);
  switch (rng.int(11)) {
    case 0:
    case 1: {
      const streamId = peerStream();
      const list =
        role === 'server'
          ? rng.chance(0.1)
            ? [...REQUEST, 'x-big', 'v'.repeat(rng.int(5000))]
            : REQUEST
          : rng.chance(0.5)
            ? [':status', '200', 'content-type', 'application/grpc']
            : ['grpc-status', String(rng.int(17))];
      const block = hpack.encode(list);
      const endStream = rng.chance(0.4);
      if (!rng.chance(0.2) || block.length < 2)
        return [
          { type: FrameType.HEADERS, streamId, endStream, endHeaders: true, priority: undefined, fragment: block },
        ];
      const cut = 1 + rng.int(block.length - 1);
      return [
        {
          type: FrameType.HEADERS,
          streamId,
          endStream,
          endHeaders: false,
          priority: undefined,
          fragment: block.subarray(0, cut),
        },
        { type: FrameType.CONTINUATION, streamId, endHeaders: true, fragment: block.subarray(cut) },
      ];
    }
    case 2:
    case 3: {
      const data = rng.bytes(rng.size(16_384));
      return [
        { type: FrameType.DATA, streamId: peerStream(), endStream: rng.chance(0.3), data, flowControlled: data.length },
      ];
    }
    case 4:
      return [{ type: FrameType.RST_STREAM, streamId: peerStream(), errorCode: rng.int(14) }];
    case 5: {
      // Written by hand: values §6.5.2 forbids must reach the connection too (encodeSettings refuses them).
      const ack = rng.chance(0.2);
      const settings = ack || rng.chance(0.2) ? [] : [{ id: rng.pick(SETTING_IDS), value: rng.pick(SETTING_VALUES) }];
      const frame = new Uint8Array(9 + 6 * settings.length);
      frame[2] = 6 * settings.length;
      frame[3] = FrameType.SETTINGS;
      frame[4] = ack ? 1 : 0;
      settings.forEach(({ id, value }, i) => {
        frame[9 + 6 * i + 1] = id;
        new DataView(frame.buffer).setUint32(9 + 6 * i + 2, value);
      });
      return [frame];
    }
    case 6:
      return [{ type: FrameType.PING, ack: rng.chance(0.3), data: rng.bytes(8) }];
    case 7:
      return [
        {
          type: FrameType.GOAWAY,
          lastStreamId: rng.int(20),
          errorCode: rng.int(14),
          debugData: rng.bytes(rng.size(20)),
        },
      ];
    case 8:
      return [
        {
          type: FrameType.WINDOW_UPDATE,
          streamId: rng.chance(0.5) ? 0 : peerStream(),
          increment: rng.pick([1, 1000, 65_535, 0x7fff_ffff, 1 + rng.int(0x7fff_fffe)]),
        },
      ];
    case 9:
      return [
        { type: FrameType.PRIORITY, streamId: peerStream(), priority: { exclusive: false, dependency: 0, weight: 16 } },
      ];
    default:
      return [{ type: FrameType.PING, ack: false, data: rng.bytes(8) }];
  }
}

export function generateConnection(rng: Rng): ConnectionInput {
  const role = rng.chance(0.7) ? 'server' : 'client';
  const hpack = new HpackEncoder();
  const frames: (Frame | Uint8Array)[] = [{ type: FrameType.SETTINGS, ack: false, settings: [] }];
  if (rng.chance(0.8)) frames.push({ type: FrameType.SETTINGS, ack: true, settings: [] });
  for (let i = rng.int(30); i > 0; i--) frames.push(...randomFrame(rng, hpack, role));
  const parts = frames.map((f) => (f instanceof Uint8Array ? f : encodeFrame(f)));
  if (role === 'server') parts.unshift(CLIENT_PREFACE);
  let bytes: Uint8Array = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) at = (bytes.set(p, at), at + p.length);
  if (rng.chance(0.4)) bytes = mutate(rng, bytes, undefined, 200_000);
  const cuts = Array.from({ length: rng.int(6) }, () => rng.int(bytes.length + 1)).sort((a, b) => a - b);
  return {
    kind: 'connection',
    role,
    hex: toHex(bytes),
    cuts,
    answers: Array.from({ length: 16 }, () => rng.int(ANSWERS.length)),
    initialWindowSize: rng.pick([65_535, 1000, 1 << 20]),
  };
}

type Answer = (stream: import('../../../src/h2/stream.js').H2Stream) => void;

/** What a server stream does with its request; each leaves the connection to enforce the protocol. */
const ANSWERS: Answer[] = [
  (s) => s.respond([':status', '200'], true),
  (s) => {
    s.respond([':status', '200', 'content-type', 'application/grpc'], false);
    s.write(new Uint8Array(100_000));
    s.trailers(['grpc-status', '0']);
  },
  (s) => s.reset(8),
  (s) => s.pause(),
  (s) => {
    s.onData = (_c, end) => {
      if (end) s.respond([':status', '200'], true);
    };
  },
  () => {},
];

/** A ByteStream that records what is written and closes when either side ends. */
class Recorder implements ByteStream {
  sink: ByteSink | undefined;
  written: Uint8Array[] = [];
  bytes = 0;
  closed = false;
  start(sink: ByteSink): void {
    this.sink = sink;
  }
  write(data: Uint8Array): boolean {
    if (this.closed) return false;
    this.written.push(data.slice());
    this.bytes += data.length;
    return true;
  }
  end(): void {
    this.close();
  }
  destroy(): void {
    this.close();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.sink?.closed?.());
  }
}

export async function executeConnection(input: ConnectionInput): Promise<void> {
  const bytes = fromHex(input.hex);
  const out = new Recorder();
  let closed = false;
  let streams = 0;
  const conn = new Connection(out, {
    role: input.role,
    settings: { maxConcurrentStreams: MAX_STREAMS, initialWindowSize: input.initialWindowSize },
    handshakeTimeoutMs: 0,
    onStream(stream) {
      ANSWERS[input.answers[streams++ % input.answers.length]!]!(stream);
    },
    onError: (e) => check(e instanceof H2Error, `onError got ${String(e)}`),
    onClose: () => (closed = true),
  });
  const opened = input.role === 'client' ? [0, 1, 2].map(() => tryRequest(conn)) : [];
  const feed = (chunk: Uint8Array): void => {
    if (!out.closed) out.sink!.data(chunk);
    check(conn.openStreams <= MAX_STREAMS + opened.length, `${conn.openStreams} streams open`);
  };
  let last = 0;
  for (const cut of [...input.cuts, bytes.length]) {
    feed(bytes.subarray(last, cut));
    last = cut;
    await Promise.resolve();
  }
  for (let i = 0; i < 5; i++) await Promise.resolve();
  if (!out.closed) out.sink!.end();
  for (let i = 0; i < 5; i++) await Promise.resolve();
  check(closed, 'onClose after EOF');
  check(out.bytes <= 1_000_000 + 60 * bytes.length, `${out.bytes} bytes written for ${bytes.length} received`);
  checkWellFormed(input.role, out.written);
}

function tryRequest(conn: Connection): boolean {
  try {
    const s = conn.request(REQUEST, false);
    s.write(new Uint8Array(70_000), true);
    return true;
  } catch (err) {
    if (!(err instanceof H2Error)) throw err;
    return false;
  }
}

/** Our output, read as our peer would: a reader of the other role, an HPACK decoder in step. */
function checkWellFormed(role: 'server' | 'client', written: Uint8Array[]): void {
  const decoder = new HpackDecoder({ maxTableSize: 0x7fff_ffff, maxHeaderListSize: 1 << 24 });
  let block: Uint8Array[] = [];
  const reader = new FrameReader({
    preface: role === 'client', // a client's output begins with the preface; the server reads it
    maxFrameSize: 16_777_215,
    onFrame(f) {
      if (f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION) {
        block.push(f.fragment);
        if (f.endHeaders) {
          const joined = new Uint8Array(block.reduce((n, b) => n + b.length, 0));
          let at = 0;
          for (const b of block) at = (joined.set(b, at), at + b.length);
          block = [];
          decoder.decode(joined); // throws on a block out of step
        }
      }
    },
    onStreamError(e) {
      throw new Error(`our output has a stream error: ${e.message}`);
    },
  });
  try {
    for (const chunk of written) reader.push(chunk);
  } catch (err) {
    throw new Error(`our output is not well-formed HTTP/2: ${err instanceof Error ? err.message : String(err)}`);
  }
}
