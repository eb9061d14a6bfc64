/**
 * Properties of the codec over random input (fast-check):
 * - any value of the test schemas round-trips: decode(encode(v)) is v, and
 *   re-encoding the decoded value gives the same bytes;
 * - on random or corrupted bytes, decode and the Reader either succeed or throw
 *   ProtoError(decode) — never another error (RangeError, TypeError, …).
 */
import t, { type Test } from 'tap';
import fc from 'fast-check';
import * as path from 'node:path';
import { loadProtoSync } from '../../../src/service/load.js';
import { codecFor } from '../../../src/wire/proto/codec.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import { Reader } from '../../../src/wire/proto/reader.js';
import type { FieldSchema, MapValue, MessageSchema, ScalarType } from '../../../src/wire/proto/schema.js';
import { canon, ROOT, toHex } from '../../golden/values.js';

const protos = loadProtoSync(['golden.proto', 'wkt.proto'], { includeDirs: [path.join(ROOT, 'test/protos')] });
const TYPES = [
  'golden.Everything',
  'golden.Maps',
  'golden.Oneofs',
  'golden.Optionals',
  'golden.Tree',
  'golden.Sparse',
  'golden.WellKnown',
];
const RUNS = 150;

const I32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

function scalarArb(s: ScalarType): fc.Arbitrary<unknown> {
  switch (s) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return fc.integer(I32);
    case 'uint32':
    case 'fixed32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
    case 'uint64':
    case 'fixed64':
      return fc.bigInt(0n, 2n ** 64n - 1n);
    case 'double':
      return fc.double();
    case 'float':
      return fc.float();
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 40 });
    case 'bytes':
      return fc.uint8Array({ maxLength: 40 });
  }
}

function keyArb(s: ScalarType): fc.Arbitrary<string> {
  if (s === 'bool') return fc.constantFrom('true', 'false');
  if (s === 'string') return fc.string({ unit: 'binary', maxLength: 8 });
  return scalarArb(s).map(String);
}

function valueArb(kind: FieldSchema | MapValue, depth: number): fc.Arbitrary<unknown> {
  if (kind.kind === 'message') return messageArb(kind.message, depth + 1);
  if (kind.kind === 'enum') return fc.oneof(fc.constantFrom(...kind.enum.values.map((v) => v.no)), fc.integer(I32));
  if (kind.kind === 'scalar') return scalarArb(kind.scalar);
  throw new Error('map in map');
}

const MAX_DEPTH = 3;
const cache = new Map<string, fc.Arbitrary<Record<string, unknown>>>();

/** Values in the decoded convention: implicit fields and containers present; explicit ones present or not. */
function messageArb(schema: MessageSchema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const key = `${schema.typeName}@${depth}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const required: Record<string, fc.Arbitrary<unknown>> = {};
  const optional: Record<string, fc.Arbitrary<unknown>> = {};
  const oneofs = new Map<string, FieldSchema[]>();
  for (const f of schema.fields) {
    const deep = depth >= MAX_DEPTH;
    if (f.kind === 'map') {
      const v =
        f.value.kind === 'message' && deep
          ? null
          : fc
              .dictionary(keyArb(f.key), valueArb(f.value, depth), { maxKeys: deep ? 0 : 4 })
              .map((d) => Object.assign(Object.create(null) as object, d));
      required[f.localName] = v ?? fc.constant(Object.create(null));
    } else if (f.repeated === true) {
      required[f.localName] =
        f.kind === 'message' && deep ? fc.constant([]) : fc.array(valueArb(f, depth), { maxLength: 4 });
    } else if (f.oneof !== undefined) {
      oneofs.set(f.oneof, [...(oneofs.get(f.oneof) ?? []), f]);
    } else if (f.kind === 'message' || f.optional === true) {
      if (!(f.kind === 'message' && deep)) optional[f.localName] = valueArb(f, depth);
    } else {
      required[f.localName] = valueArb(f, depth);
    }
  }
  const members = [...oneofs.values()].map((fields) =>
    fc.oneof(
      fc.constant({}),
      ...fields
        .filter((f) => !(f.kind === 'message' && depth >= MAX_DEPTH))
        .map((f) => valueArb(f, depth).map((v) => ({ [f.localName]: v }))),
    ),
  );
  const arb = fc
    .tuple(fc.record(required), fc.record(optional, { requiredKeys: [] }), fc.tuple(...members))
    .map(([r, o, m]) => Object.assign({}, r, o, ...m) as Record<string, unknown>);
  cache.set(key, arb);
  return arb;
}

for (const type of TYPES) {
  t.test(`${type}: random values round-trip`, async (t) => {
    const schema = protos.message(type);
    const codec = codecFor(schema);
    fc.assert(
      fc.property(messageArb(schema), (v) => {
        const bytes = codec.encode(v);
        const back = codec.decode(bytes);
        // a boolean, so that fast-check shrinks a failure to a small counterexample
        return JSON.stringify(canon(back)) === JSON.stringify(canon(v)) && toHex(codec.encode(back)) === toHex(bytes);
      }),
      { numRuns: RUNS },
    );
    t.pass(`${RUNS} values`);
  });
}

function onlyProtoErrors(t: Test, fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (err instanceof ProtoError && err.kind === 'decode') return true;
    t.fail(`threw something else: ${String(err)}`);
    return false;
  }
}

t.test('decode of random bytes: a value or ProtoError(decode), nothing else', async (t) => {
  const codecs = TYPES.map((name) => codecFor(protos.message(name)));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) =>
      codecs.every((c) => onlyProtoErrors(t, () => c.decode(bytes))),
    ),
    { numRuns: RUNS * 4 },
  );
  t.pass('done');
});

t.test('decode of corrupted valid messages: a value or ProtoError(decode)', async (t) => {
  const schema = protos.message('golden.Everything');
  const codec = codecFor(schema);
  const corrupt = fc
    .tuple(messageArb(schema), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.nat())
    .map(([v, edits, cut]) => {
      const bytes = codec.encode(v);
      for (const [at, b] of edits) if (bytes.length > 0) bytes[at % bytes.length] = b;
      return bytes.subarray(0, bytes.length === 0 ? 0 : cut % (bytes.length + 1));
    });
  fc.assert(
    fc.property(corrupt, (bytes) => onlyProtoErrors(t, () => codec.decode(bytes))),
    { numRuns: RUNS * 2 },
  );
  t.pass('done');
});

t.test('Reader: any sequence of reads on random bytes is a value or ProtoError(decode)', async (t) => {
  const ops: ((r: Reader) => unknown)[] = [
    (r) => r.uint32(),
    (r) => r.int32(),
    (r) => r.sint32(),
    (r) => r.int64(),
    (r) => r.uint64(),
    (r) => r.sint64(),
    (r) => r.fixed32(),
    (r) => r.sfixed32(),
    (r) => r.fixed64(),
    (r) => r.sfixed64(),
    (r) => r.float(),
    (r) => r.double(),
    (r) => r.bool(),
    (r) => r.bytes(),
    (r) => r.string(),
    (r) => r.tag(),
    (r) => {
      const [no, wt] = r.tag();
      r.skip(wt, no);
    },
  ];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(ops.length - 1), { maxLength: 20 }), (bytes, seq) => {
      const r = new Reader(bytes);
      return (
        onlyProtoErrors(t, () => {
          for (const i of seq) ops[i]!(r);
        }) && r.pos <= bytes.length
      );
    }),
    { numRuns: RUNS * 4 },
  );
  t.pass('done');
});
