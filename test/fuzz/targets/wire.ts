/**
 * Fuzz targets for the parsers of src/wire, each with an oracle beyond "does
 * not crash":
 *   reader    — walking any bytes as tags and skipping fields throws only GrpcError.
 *   codec     — decoding mutated golden messages throws only GrpcError; whatever
 *               decodes re-encodes to a fixed point (encode∘decode is idempotent).
 *   deframer  — any bytes, any chunking: only GrpcError, and the same frames (or the
 *               same error) whatever the chunk boundaries; valid streams round-trip.
 *   timeout   — parseTimeout never throws; a number exactly for 1–8 digits + unit.
 *   percent   — decodeGrpcMessage never throws; encode→decode is the identity.
 *   metadata  — Metadata.fromHeaders throws only GrpcError; what it accepts round-trips.
 */
import { codecFor } from '../../../src/wire/proto/codec.js';
import { Deframer, type Frame } from '../../../src/wire/grpc/deframer.js';
import { GrpcError } from '../../../src/wire/grpc/error.js';
import { encodeFrame } from '../../../src/wire/grpc/frame.js';
import { Metadata, type HeaderRecord } from '../../../src/wire/grpc/metadata.js';
import { decodeGrpcMessage, encodeGrpcMessage } from '../../../src/wire/grpc/percent.js';
import { Reader } from '../../../src/wire/proto/reader.js';
import type { MessageSchema } from '../../../src/wire/proto/schema.js';
import { parseTimeout } from '../../../src/wire/grpc/timeout.js';
import { loadProtoSync } from '../../../src/service/load.js';
import path from 'node:path';
import { fromHex, mutate, toHex, type Rng } from '../rng.js';
import { check, goldenSeeds, grpcErrorOr, ROOT, type FuzzTarget, type Seed } from '../target.js';
import { metadataFromHeaders } from '../../../src/wire/grpc/received-metadata.js';

let seeds: Seed[] | undefined;
const allSeeds = () => (seeds ??= goldenSeeds());

function mutatedSeed(rng: Rng): { type: string; bytes: Uint8Array } {
  const all = allSeeds();
  const seed = rng.pick(all);
  if (rng.chance(0.05)) return { type: seed.type, bytes: rng.bytes(rng.size(256)) };
  if (rng.chance(0.05)) return seed;
  return { type: seed.type, bytes: mutate(rng, seed.bytes, rng.pick(all).bytes) };
}

// ─── Reader ──────────────────────────────────────────────────────────────────

export const reader: FuzzTarget<{ hex: string }> = {
  name: 'reader',
  generate: (rng) => ({ hex: toHex(mutatedSeed(rng).bytes) }),
  execute({ hex }) {
    const bytes = fromHex(hex);
    grpcErrorOr(() => {
      const r = new Reader(bytes);
      for (let fields = 0; r.pos < r.len; fields++) {
        check(fields <= bytes.length, 'the reader made no progress');
        const [no, wireType] = r.tag();
        r.skip(wireType, no);
      }
      check(r.pos === r.len, `the reader stopped at ${r.pos}, past the end ${r.len}`);
    });
  },
};

// ─── Codec ───────────────────────────────────────────────────────────────────

let schemas: Map<string, MessageSchema> | undefined;
function schemaFor(type: string): MessageSchema {
  if (schemas === undefined) {
    schemas = new Map();
    const golden = loadProtoSync(path.join(ROOT, 'test/protos/golden.proto'));
    const wkt = loadProtoSync(path.join(ROOT, 'test/protos/wkt.proto'));
    for (const name of ['Everything', 'Maps', 'Nested', 'Oneofs', 'Optionals', 'Repeated', 'Scalars', 'Sparse', 'Tree'])
      schemas.set(`golden.${name}`, golden.message(`golden.${name}`));
    schemas.set('golden.WellKnown', wkt.message('golden.WellKnown'));
  }
  const schema = schemas.get(type) ?? schemas.get('golden.Everything')!;
  return schema;
}
const TYPES = [
  'golden.Everything',
  'golden.Maps',
  'golden.Nested',
  'golden.Oneofs',
  'golden.Optionals',
  'golden.Repeated',
  'golden.Scalars',
  'golden.Sparse',
  'golden.Tree',
  'golden.WellKnown',
];

export const codec: FuzzTarget<{ type: string; hex: string }> = {
  name: 'codec',
  setup: () => void schemaFor('golden.Everything'),
  generate(rng) {
    const { type, bytes } = mutatedSeed(rng);
    return { type: rng.chance(0.1) ? rng.pick(TYPES) : type, hex: toHex(bytes) };
  },
  execute({ type, hex }) {
    const c = codecFor(schemaFor(type));
    const value = grpcErrorOr(() => c.decode(fromHex(hex)));
    if (value instanceof GrpcError) return;
    const once = c.encode(value);
    const twice = c.encode(c.decode(once));
    check(
      toHex(once) === toHex(twice),
      `${type}: encode(decode(x)) is not a fixed point: ${toHex(once)} then ${toHex(twice)}`,
    );
  },
};

// ─── Deframer ────────────────────────────────────────────────────────────────

interface DeframerInput {
  hex: string;
  cuts: number[];
  max: number;
  valid: string[] | undefined;
}

function deframe(bytes: Uint8Array, cuts: number[], max: number): { frames: string[]; error?: number } {
  const d = new Deframer({ maxMessageLength: max });
  const frames: Frame[] = [];
  let last = 0;
  const result = grpcErrorOr(() => {
    for (const cut of [...cuts, bytes.length]) {
      frames.push(...d.push(bytes.subarray(last, cut)));
      last = cut;
    }
    d.end();
  });
  const out = frames.map((f) => `${f.flags}:${toHex(f.data)}`);
  return result instanceof GrpcError ? { frames: out, error: result.code } : { frames: out };
}

export const deframer: FuzzTarget<DeframerInput> = {
  name: 'deframer',
  generate(rng) {
    const payloads = Array.from({ length: rng.int(5) }, () => rng.bytes(rng.size(300)));
    const flags = payloads.map(() => (rng.chance(0.3) ? 1 : 0));
    const parts = payloads.map((p, i) => encodeFrame(p, flags[i] === 1));
    let bytes: Uint8Array = Uint8Array.from(parts.flatMap((p) => Array.from(p)));
    const valid = rng.chance(0.3) ? payloads.map((p, i) => `${flags[i]}:${toHex(p)}`) : undefined;
    if (valid === undefined) bytes = mutate(rng, bytes);
    const cuts = Array.from({ length: rng.int(6) }, () => rng.int(bytes.length + 1)).sort((a, b) => a - b);
    return { hex: toHex(bytes), cuts, max: rng.chance(0.3) ? rng.int(400) : 4 * 1024 * 1024, valid };
  },
  execute({ hex, cuts, max, valid }) {
    const bytes = fromHex(hex);
    const chunked = deframe(bytes, cuts, max);
    const whole = deframe(bytes, [], max);
    // The same outcome whatever the chunking. A push that throws returns none of the
    // frames it completed before the bad one, so with an error the frame lists need
    // only agree as far as the shorter goes.
    check(chunked.error === whole.error, `chunking changed the error: ${chunked.error} vs ${whole.error}`);
    if (whole.error === undefined)
      check(JSON.stringify(chunked.frames) === JSON.stringify(whole.frames), 'chunking changed the frames');
    else
      check(
        whole.frames.every((f, i) => chunked.frames[i] === f),
        'chunking changed the frames before the error',
      );
    if (valid !== undefined && valid.every((f) => (f.length - 2) / 2 <= max)) {
      check(
        whole.error === undefined && JSON.stringify(whole.frames) === JSON.stringify(valid),
        'a valid stream did not round-trip',
      );
    }
  },
};

// ─── grpc-timeout ────────────────────────────────────────────────────────────

const TIMEOUT_CHARS = '0123456789HMSmun hsx.-+\t\u0660\u00b9';
export const timeout: FuzzTarget<{ value: string }> = {
  name: 'timeout',
  generate(rng) {
    if (rng.chance(0.5))
      return { value: `${rng.int(10 ** (1 + rng.int(10)))}${rng.pick(['H', 'M', 'S', 'm', 'u', 'n', 'x', ''])}` };
    return { value: Array.from({ length: rng.size(12) }, () => TIMEOUT_CHARS[rng.int(TIMEOUT_CHARS.length)]).join('') };
  },
  execute({ value }) {
    const parsed = parseTimeout(value);
    const valid = /^[0-9]{1,8}[HMSmun]$/.test(value);
    if (valid)
      check(
        typeof parsed === 'number' && parsed >= 0 && Number.isFinite(parsed),
        `${JSON.stringify(value)} should parse`,
      );
    else check(parsed instanceof GrpcError, `${JSON.stringify(value)} should be refused, got ${String(parsed)}`);
  },
};

// ─── Percent-encoding ────────────────────────────────────────────────────────

const PERCENT_PIECES = [
  '%',
  '%2',
  '%25',
  '%zz',
  '%E2%9C%93',
  '%e2%9c%93',
  '%C3',
  '%FF',
  '%00',
  'a',
  ' ',
  '✓',
  '\u{1F600}',
  '\ud800',
  '%%',
  '%0',
  '\n',
  '~',
];
export const percent: FuzzTarget<{ wire: string; text: string }> = {
  name: 'percent',
  generate(rng) {
    const wire = Array.from({ length: rng.size(20) }, () => rng.pick(PERCENT_PIECES)).join('');
    const text = Array.from({ length: rng.size(20) }, () =>
      String.fromCodePoint(rng.chance(0.7) ? 32 + rng.int(95) : rng.int(0x11000)),
    ).join('');
    return { wire, text };
  },
  execute({ wire, text }) {
    check(typeof decodeGrpcMessage(wire) === 'string', 'decode returned a non-string');
    const encoded = encodeGrpcMessage(text);
    check(/^[\x20-\x7e]*$/.test(encoded), `encoded text is not printable ASCII: ${JSON.stringify(encoded)}`);
    const wellFormed = !/\p{Cs}/u.test(text); // no lone surrogate
    if (wellFormed)
      check(
        decodeGrpcMessage(encoded) === text,
        `round trip changed ${JSON.stringify(text)} into ${JSON.stringify(decodeGrpcMessage(encoded))}`,
      );
  },
};

// ─── Metadata.fromHeaders ────────────────────────────────────────────────────

const KEYS = [
  'x-a',
  'X-Upper',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'x-data-bin',
  'x-BIN',
  'a!b',
  'x y',
  '',
  'grpc-timeout',
  'content-type',
  ':path',
  'te',
  'x.y_z-0',
  'é',
  'x-a-bin',
  '-bin',
];
const VALUES = [
  '',
  'v',
  ' spaced ',
  'AQID',
  'AQID, BAU=',
  'AQ==',
  'A',
  '!!!',
  '\u00e9',
  '\x7f',
  '\t',
  'a,b',
  '====',
  'AAAA=A',
];
export const metadata: FuzzTarget<{ headers: [string, string | string[]][] }> = {
  name: 'metadata',
  generate(rng) {
    const headers: [string, string | string[]][] = [];
    for (let i = rng.int(6); i > 0; i--) {
      const key = rng.chance(0.8)
        ? rng.pick(KEYS)
        : Array.from({ length: 1 + rng.int(6) }, () => String.fromCharCode(rng.int(128))).join('');
      const one = () =>
        rng.chance(0.8)
          ? rng.pick(VALUES)
          : Array.from({ length: rng.int(6) }, () => String.fromCharCode(rng.int(256))).join('');
      headers.push([key, rng.chance(0.2) ? [one(), one()] : one()]);
    }
    return { headers };
  },
  execute({ headers }) {
    const record: HeaderRecord = Object.create(null);
    for (const [k, v] of headers)
      Object.defineProperty(record, k, { value: v, enumerable: true, writable: true, configurable: true });
    const md = grpcErrorOr(() => metadataFromHeaders(record));
    if (md instanceof GrpcError) return;
    for (const key of md.keys()) check(/^[0-9a-z_.-]+$/.test(key), `accepted an invalid key ${JSON.stringify(key)}`);
    const again = metadataFromHeaders(md.toHeaders(Object.create(null)));
    check(
      JSON.stringify(again.toJSON()) === JSON.stringify(md.toJSON()),
      'toHeaders → fromHeaders changed the metadata',
    );
  },
};
