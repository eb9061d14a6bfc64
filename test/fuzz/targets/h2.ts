/**
 * Fuzz target for src/h2's parsers of untrusted bytes, each case one of:
 *   frames — a conversation of valid frames (after the client preface or not),
 *            mutated or not, fed to FrameReader in random chunks. Only H2Error is
 *            thrown; the frames, stream errors and error are the same whatever the
 *            chunking; no frame exceeds SETTINGS_MAX_FRAME_SIZE; an unmutated
 *            conversation reads back exactly the frames written.
 *   hpack  — a series of header blocks from HpackEncoder (random lists, options and
 *            table size changes), one of them perhaps mutated, through one
 *            HpackDecoder. Only H2Error is thrown; after a stream error the next
 *            blocks still decode (the table stayed in step); the table never
 *            outgrows its maximum nor the maximum its SETTINGS limit; no list
 *            returned exceeds the header-list limit; unmutated blocks decode to the
 *            lists encoded.
 *   connection — a whole Connection, either role, fed a random conversation
 *            (h2-connection.ts, which states its properties).
 */
import { H2Error } from '../../../src/h2/errors.js';
import { CLIENT_PREFACE, FrameType, type Frame } from '../../../src/h2/frame.js';
import { FrameReader } from '../../../src/h2/frame-reader.js';
import { encodeFrame } from '../../../src/h2/frame-write.js';
import { HpackDecoder } from '../../../src/h2/hpack-decoder.js';
import { HpackEncoder } from '../../../src/h2/hpack-encoder.js';
import { entrySize } from '../../../src/h2/hpack-table.js';
import { fromHex, mutate, toHex, type Rng } from '../rng.js';
import { check, type FuzzTarget } from '../target.js';
import { executeConnection, generateConnection, type ConnectionInput } from './h2-connection.js';

interface FramesInput {
  kind: 'frames';
  hex: string;
  preface: boolean;
  cuts: number[];
  maxFrameSize: number;
  /** The frames written, each as hex, when the bytes were not mutated. */
  valid: string[] | undefined;
}

interface HpackInput {
  kind: 'hpack';
  blocks: string[];
  /** The decoder's SETTINGS_HEADER_TABLE_SIZE at each block (the encoder was told the same). */
  limits: number[];
  maxHeaderListSize: number;
  lists: string[][] | undefined;
}

type H2Input = FramesInput | HpackInput | ConnectionInput;

// ─── Frames ──────────────────────────────────────────────────────────────────

function randomFrame(rng: Rng, inBlock: number, server: boolean): Frame {
  const stream = () => 1 + rng.int(rng.chance(0.5) ? 7 : 0x7fff_ffff);
  const bytes = (n: number) => rng.bytes(rng.size(n));
  if (inBlock !== 0)
    return { type: FrameType.CONTINUATION, streamId: inBlock, endHeaders: rng.chance(0.6), fragment: bytes(64) };
  switch (rng.int(9)) {
    case 0:
      return {
        type: FrameType.DATA,
        streamId: stream(),
        endStream: rng.chance(0.3),
        data: bytes(20_000).subarray(0, 16_384),
        flowControlled: 0,
      };
    case 1: {
      const streamId = stream();
      return {
        type: FrameType.HEADERS,
        streamId,
        endStream: rng.chance(0.5),
        endHeaders: rng.chance(0.6),
        priority: rng.chance(0.3)
          ? { exclusive: rng.chance(0.5), dependency: rng.int(streamId), weight: 1 + rng.int(256) }
          : undefined,
        fragment: bytes(64),
      };
    }
    case 2:
      return { type: FrameType.PRIORITY, streamId: 1, priority: { exclusive: false, dependency: 0, weight: 16 } };
    case 3:
      return { type: FrameType.RST_STREAM, streamId: stream(), errorCode: rng.int(16) };
    case 4:
      return {
        type: FrameType.SETTINGS,
        ack: false,
        settings: Array.from({ length: rng.int(4) }, () => ({
          id: rng.pick([1, 2, 3, 4, 6, 0x99]),
          value: rng.int(2),
        })),
      };
    case 5:
      return { type: FrameType.PING, ack: rng.chance(0.5), data: rng.bytes(8) };
    case 6:
      return { type: FrameType.GOAWAY, lastStreamId: rng.int(100), errorCode: rng.int(14), debugData: bytes(20) };
    case 7:
      return { type: FrameType.WINDOW_UPDATE, streamId: rng.int(5), increment: 1 + rng.int(0x7fff_fffe) };
    default:
      // A server reader refuses PUSH_PROMISE (clients cannot push); the client reader here enabled push.
      if (server) return { type: FrameType.PING, ack: false, data: rng.bytes(8) };
      return {
        type: FrameType.PUSH_PROMISE,
        streamId: stream(),
        promisedStreamId: 2,
        endHeaders: true,
        fragment: bytes(32),
      };
  }
}

function generateFrames(rng: Rng): FramesInput {
  const preface = rng.chance(0.5);
  const frames: Frame[] = [{ type: FrameType.SETTINGS, ack: false, settings: [] }];
  let inBlock = 0;
  for (let i = rng.int(12); i > 0 || inBlock !== 0; i--) {
    const f = randomFrame(rng, inBlock, preface);
    if (f.type === FrameType.DATA) f.flowControlled = f.data.length;
    if (f.type === FrameType.HEADERS && !f.endHeaders) inBlock = f.streamId;
    if (f.type === FrameType.CONTINUATION && f.endHeaders) inBlock = 0;
    frames.push(f);
  }
  const encoded = frames.map((f) => encodeFrame(f));
  let bytes: Uint8Array = new Uint8Array(encoded.reduce((n, e) => n + e.length, preface ? CLIENT_PREFACE.length : 0));
  let at = 0;
  if (preface) at = (bytes.set(CLIENT_PREFACE), CLIENT_PREFACE.length);
  for (const e of encoded) at = (bytes.set(e, at), at + e.length);
  const mutated = rng.chance(0.7);
  if (mutated) bytes = mutate(rng, bytes, undefined, 40_000);
  const cuts = Array.from({ length: rng.int(8) }, () => rng.int(bytes.length + 1)).sort((a, b) => a - b);
  return {
    kind: 'frames',
    hex: toHex(bytes),
    preface,
    cuts,
    maxFrameSize: rng.chance(0.8) ? 16_384 : 16_384 + rng.int(100_000),
    valid: mutated ? undefined : encoded.map(toHex),
  };
}

interface ReadOutcome {
  frames: string[];
  streamErrors: string[];
  error?: string;
}

function readFrames(input: FramesInput, bytes: Uint8Array, cuts: number[]): ReadOutcome {
  const out: ReadOutcome = { frames: [], streamErrors: [] };
  const reader = new FrameReader({
    preface: input.preface,
    pushEnabled: true,
    maxFrameSize: input.maxFrameSize,
    onFrame(f) {
      const payload =
        f.type === FrameType.DATA
          ? f.flowControlled
          : 'fragment' in f
            ? f.fragment.length
            : f.type === FrameType.GOAWAY
              ? f.debugData.length
              : 0;
      check(payload <= input.maxFrameSize, `a ${f.type} frame of ${payload} bytes passed max ${input.maxFrameSize}`);
      out.frames.push(toHex(encodeFrame(f)));
    },
    onStreamError: (e) => out.streamErrors.push(`${e.code}@${e.streamId}`),
  });
  try {
    let last = 0;
    for (const cut of [...cuts, bytes.length]) {
      reader.push(bytes.subarray(last, cut));
      last = cut;
    }
    reader.end();
  } catch (err) {
    if (!(err instanceof H2Error)) throw err;
    check(err.scope === 'connection', 'a thrown error must be a connection error');
    out.error = `${err.code}`;
  }
  return out;
}

function executeFrames(input: FramesInput): void {
  const bytes = fromHex(input.hex);
  const whole = readFrames(input, bytes, []);
  const chunked = readFrames(input, bytes, input.cuts);
  check(JSON.stringify(whole) === JSON.stringify(chunked), 'chunking changed what was read');
  if (input.valid !== undefined)
    check(
      whole.error === undefined && JSON.stringify(whole.frames) === JSON.stringify(input.valid),
      `valid frames did not read back: ${JSON.stringify(whole).slice(0, 300)}`,
    );
}

// ─── HPACK ───────────────────────────────────────────────────────────────────

const NAMES = [':method', ':path', ':status', 'content-type', 'grpc-timeout', 'authorization', 'x-a', 'x-b', 'te'];

function randomList(rng: Rng): string[] {
  const list: string[] = [];
  const n = rng.int(10);
  for (let i = 0; i < n; i++) {
    const name = rng.chance(0.6)
      ? rng.pick(NAMES)
      : `x-${Array.from({ length: 1 + rng.int(10) }, () => String.fromCharCode(97 + rng.int(26))).join('')}`;
    const value = Array.from({ length: rng.size(300) }, () =>
      String.fromCharCode(rng.chance(0.9) ? 0x21 + rng.int(94) : 0x80 + rng.int(128)),
    ).join('');
    if (name.startsWith(':') && list.some((x, j) => j % 2 === 0 && !x.startsWith(':'))) continue;
    list.push(name, name === 'te' ? 'trailers' : value);
  }
  return list;
}

function generateHpack(rng: Rng): HpackInput {
  const encoder = new HpackEncoder({
    huffman: rng.pick(['auto', 'always', 'never'] as const),
    maxTableSizeCap: rng.pick([0, 100, 4096, 65_536]),
  });
  const lists: string[][] = [];
  const blocks: string[] = [];
  const limits: number[] = [];
  let limit = 4096;
  for (let i = 1 + rng.int(8); i > 0; i--) {
    if (rng.chance(0.2)) {
      limit = rng.pick([0, 64, 256, 4096, 10_000]);
      encoder.setPeerMaxTableSize(limit);
    }
    const list = randomList(rng);
    lists.push(list);
    blocks.push(toHex(encoder.encode(list)));
    limits.push(limit);
  }
  const mutated = rng.chance(0.6);
  if (mutated) {
    const i = rng.int(blocks.length);
    blocks[i] = toHex(rng.chance(0.1) ? rng.bytes(rng.size(200)) : mutate(rng, fromHex(blocks[i]!)));
  }
  return {
    kind: 'hpack',
    blocks,
    limits,
    maxHeaderListSize: rng.chance(0.3) ? rng.int(2000) : 1 << 20,
    lists: mutated ? undefined : lists,
  };
}

function executeHpack(input: HpackInput): void {
  const decoder = new HpackDecoder({ maxTableSize: 4096, maxHeaderListSize: input.maxHeaderListSize });
  let limit = 4096;
  for (let i = 0; i < input.blocks.length; i++) {
    if (input.limits[i] !== limit) decoder.setMaxTableSize((limit = input.limits[i]!));
    let list: string[];
    try {
      list = decoder.decode(fromHex(input.blocks[i]!), 1 + 2 * i);
    } catch (err) {
      if (!(err instanceof H2Error)) throw err;
      if (input.lists !== undefined) {
        const size = input.lists[i]!.reduce(
          (n, x, j) => (j % 2 === 0 ? n + entrySize(x, input.lists![i]![j + 1]!) : n),
          0,
        );
        check(err.scope === 'stream' && size > input.maxHeaderListSize, `an encoded block was refused: ${err.message}`);
      }
      if (err.scope === 'connection') return; // the connection would end here
      continue;
    }
    check(decoder.table.size <= decoder.table.maxSize, 'the table outgrew its maximum');
    check(decoder.table.maxSize <= limit, 'the table maximum passed SETTINGS_HEADER_TABLE_SIZE');
    const size = list.reduce((n, x, j) => (j % 2 === 0 ? n + entrySize(x, list[j + 1]!) : n), 0);
    check(size <= input.maxHeaderListSize, `a list of ${size} octets passed the limit ${input.maxHeaderListSize}`);
    if (input.lists !== undefined)
      check(JSON.stringify(list) === JSON.stringify(input.lists[i]), `block ${i} decoded to another list`);
  }
}

export const h2Target: FuzzTarget<H2Input> = {
  name: 'h2',
  generate: (rng) => {
    const pick = rng.int(3);
    return pick === 0 ? generateFrames(rng) : pick === 1 ? generateHpack(rng) : generateConnection(rng);
  },
  execute: (input) => {
    switch (input.kind) {
      case 'frames':
        return executeFrames(input);
      case 'hpack':
        return executeHpack(input);
      case 'connection':
        return executeConnection(input);
    }
  },
};
