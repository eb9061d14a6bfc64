/**
 * encodeFramed(codec, value): the message already framed for the wire —
 * [flag 0][length, big-endian uint32][the exact bytes encode() gives] — in
 * one buffer, from the allocator the caller passes.
 */
import t from 'tap';
import { codecFor } from '../../../src/wire/proto/codec.js';
import { Deframer } from '../../../src/wire/grpc/deframer.js';
import { encodeFramed } from '../../../src/wire/grpc/frame.js';
import type { FieldSchema, MessageSchema } from '../../../src/wire/proto/schema.js';

const Item: MessageSchema = { typeName: 't.Item', fields: [] };
(Item.fields as FieldSchema[]).push(
  { no: 1, name: 'name', localName: 'name', jsonName: 'name', kind: 'scalar', scalar: 'string' },
  { no: 2, name: 'data', localName: 'data', jsonName: 'data', kind: 'scalar', scalar: 'bytes' },
  { no: 3, name: 'kids', localName: 'kids', jsonName: 'kids', kind: 'message', message: Item, repeated: true },
);
const codec = codecFor<{ name?: string; data?: Uint8Array; kids?: unknown[] }>(Item);

const values = [
  {},
  { name: 'a' },
  { name: 'x'.repeat(200), data: new Uint8Array(70_000).fill(7) },
  { kids: [{ name: 'k', kids: [{ data: new Uint8Array(300).fill(1) }] }] },
];

t.test('a frame around exactly the bytes encode() gives', async (t) => {
  for (const value of values) {
    const plain = codec.encode(value);
    const framed = encodeFramed(codec, value);
    t.equal(framed.length, 5 + plain.length);
    t.equal(framed[0], 0, 'flag: not compressed');
    t.equal(new DataView(framed.buffer, framed.byteOffset).getUint32(1), plain.length, 'length prefix');
    t.same(framed.subarray(5), plain);
    const frames = new Deframer().push(framed);
    t.equal(frames.length, 1, 'the deframer reads it back as one frame');
    t.same(codec.decode(frames[0]!.data), codec.decode(plain));
  }
});

t.test('the buffer comes from the given allocator', async (t) => {
  const asked: number[] = [];
  const pool = new Uint8Array(200_000).fill(0xee);
  const framed = encodeFramed(codec, { name: 'hello' }, (n) => {
    asked.push(n);
    return pool.subarray(100, 100 + n);
  });
  t.same(asked, [12]);
  t.equal(framed.buffer, pool.buffer, "the allocator's memory is used");
  t.same([...framed], [0, 0, 0, 0, 7, 10, 5, ...new TextEncoder().encode('hello')]);
});

t.test('encoding again from inside a value (a getter) still frames both', async (t) => {
  let inner: Uint8Array | undefined;
  const value = {
    get name() {
      inner = encodeFramed(codec, { name: 'in' });
      return 'out';
    },
  };
  const outer = encodeFramed(codec, value);
  t.same(outer.subarray(5), codec.encode({ name: 'out' }));
  t.same(inner!.subarray(5), codec.encode({ name: 'in' }));
});
