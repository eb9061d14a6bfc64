/**
 * The Writer writes the protobuf wire format: varints (7 bits a byte, low
 * bits first), ZigZag for sint*, little-endian fixed-width numbers, and
 * length-prefixed bytes, strings and submessages (fork/join).
 */
import t from 'tap';
import { Writer, varintSize } from '../../../src/wire/proto/writer.js';

const hex = (w: Writer): string => Array.from(w.finish(), (b) => b.toString(16).padStart(2, '0')).join('');
const write = (f: (w: Writer) => void, size = 1024): string => {
  const w = new Writer(size);
  f(w);
  return hex(w);
};

t.test('varints', async (t) => {
  t.equal(
    write((w) => w.uint32(0)),
    '00',
  );
  t.equal(
    write((w) => w.uint32(1)),
    '01',
  );
  t.equal(
    write((w) => w.uint32(127)),
    '7f',
  );
  t.equal(
    write((w) => w.uint32(128)),
    '8001',
  );
  t.equal(
    write((w) => w.uint32(300)),
    'ac02',
  );
  t.equal(
    write((w) => w.uint32(0xffffffff)),
    'ffffffff0f',
  );
  t.equal(
    write((w) => w.int32(-1)),
    'ffffffffffffffffff01',
    'negative int32: sign-extended, 10 bytes',
  );
  t.equal(
    write((w) => w.int32(-2147483648)),
    '80808080f8ffffffff01',
  );
  t.equal(
    write((w) => w.bool(true).bool(false)),
    '0100',
  );
  t.equal(
    write((w) => w.tag(1, 0)),
    '08',
  );
  t.equal(
    write((w) => w.tag(16, 2)),
    '8201',
  );
  t.equal(
    write((w) => w.tag(536870911, 5)),
    'fdffffff0f',
    'largest field number',
  );
});

t.test('zigzag', async (t) => {
  t.equal(
    write((w) => w.sint32(0).sint32(-1).sint32(1).sint32(-2).sint32(2147483647).sint32(-2147483648)),
    '00010203feffffff0fffffffff0f',
  );
  t.equal(
    write((w) => w.sint64(-1n).sint64(1n)),
    '0102',
  );
  t.equal(
    write((w) => w.sint64(-(2n ** 63n))),
    'ffffffffffffffffff01',
  );
  t.equal(
    write((w) => w.sint64(2n ** 63n - 1n)),
    'feffffffffffffffff01',
  );
  t.equal(
    write((w) => w.sint64(-3)),
    '05',
    'numbers too',
  );
});

t.test('64-bit varints: bigint and number agree', async (t) => {
  const cases: [bigint, string][] = [
    [0n, '00'],
    [1n, '01'],
    [300n, 'ac02'],
    [2n ** 32n, '8080808010'],
    [2n ** 53n - 1n, 'ffffffffffffff0f'],
    [2n ** 53n + 1n, '8180808080808010'],
    [-1n, 'ffffffffffffffffff01'],
    [-(2n ** 63n), '80808080808080808001'],
    [2n ** 63n - 1n, 'ffffffffffffffff7f'],
  ];
  for (const [v, want] of cases) {
    t.equal(
      write((w) => w.int64(v)),
      want,
      `int64 ${v}`,
    );
    if (Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v)
      t.equal(
        write((w) => w.int64(Number(v))),
        want,
        `int64 number ${v}`,
      );
  }
  t.equal(
    write((w) => w.uint64(2n ** 64n - 1n)),
    'ffffffffffffffffff01',
  );
});

t.test('fixed-width numbers are little-endian', async (t) => {
  t.equal(
    write((w) => w.fixed32(1)),
    '01000000',
  );
  t.equal(
    write((w) => w.fixed32(0xfffffffe)),
    'feffffff',
  );
  t.equal(
    write((w) => w.sfixed32(-2)),
    'feffffff',
  );
  t.equal(
    write((w) => w.fixed64(2n ** 64n - 1n)),
    'ffffffffffffffff',
  );
  t.equal(
    write((w) => w.sfixed64(-2n)),
    'feffffffffffffff',
  );
  t.equal(
    write((w) => w.fixed64(0x0102030405060708n)),
    '0807060504030201',
  );
  t.equal(
    write((w) => w.double(1)),
    '000000000000f03f',
  );
  t.equal(
    write((w) => w.double(-0)),
    '0000000000000080',
  );
  t.equal(
    write((w) => w.float(1.5)),
    '0000c03f',
  );
  t.equal(
    write((w) => w.float(NaN)),
    '0000c07f',
  );
});

t.test('strings are UTF-8 with a length prefix', async (t) => {
  const enc = new TextEncoder();
  const expect = (s: string): string => {
    const b = enc.encode(s);
    const w = new Writer();
    w.uint32(b.length);
    return hex(w) + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  };
  for (const s of [
    '',
    'foo',
    '蒟蒻',
    'é😀x',
    'x'.repeat(42),
    'x'.repeat(43),
    'ü'.repeat(64),
    '€'.repeat(100),
    'a'.repeat(20000),
    '😀'.repeat(5000),
  ]) {
    t.equal(
      write((w) => w.string(s), 16),
      expect(s),
      `${s.slice(0, 12)}… (${s.length})`,
    );
  }
  // The length varint is reserved for the string's UTF-16 length and widened when the UTF-8 length needs more bytes.
  const boundaries = [
    'x'.repeat(127),
    'x'.repeat(128),
    'ü'.repeat(63),
    'ü'.repeat(64),
    'x'.repeat(126) + 'é',
    '€'.repeat(42),
    '€'.repeat(43),
    '€'.repeat(5461),
    '€'.repeat(5462),
    'x'.repeat(16383),
    'x'.repeat(16384),
    '😀'.repeat(4096),
  ];
  for (const s of boundaries) {
    // after a prefix and followed by more bytes: the body moves within the buffer, never over its neighbours
    t.equal(
      write((w) => w.uint32(300).string(s).uint32(7), 16),
      'ac02' + expect(s) + '07',
      `${s.slice(0, 4)}… (${s.length} units)`,
    );
  }
  t.equal(
    write((w) => w.string('\ud800')),
    '03efbfbd',
    'a lone surrogate becomes U+FFFD, as TextEncoder does',
  );
  t.equal(
    write((w) => w.string('a\udc00b')),
    '0561efbfbd62',
  );
});

t.test('bytes', async (t) => {
  t.equal(
    write((w) => w.bytes(new Uint8Array([1, 2, 3]))),
    '03010203',
  );
  t.equal(
    write((w) => w.bytes(new Uint8Array(0))),
    '00',
  );
  const big = new Uint8Array(300).fill(7);
  t.equal(
    write((w) => w.bytes(big), 8),
    `ac02${'07'.repeat(300)}`,
  );
});

t.test('fork/join: the length goes before the body, whatever its size', async (t) => {
  for (const n of [0, 1, 127, 128, 16383, 16384, 70000]) {
    const w = new Writer(4);
    w.uint32(0x0a);
    const mark = w.fork();
    for (let i = 0; i < n; i++) w.uint32(1);
    w.join(mark);
    w.uint32(0x10);
    const out = w.finish();
    const lenBytes = varintSize(n);
    t.equal(out.length, 1 + lenBytes + n + 1, `body of ${n}`);
    let len = 0;
    for (let i = 0; i < lenBytes; i++) len |= (out[1 + i]! & 127) << (7 * i);
    t.equal(len, n);
    t.equal(out[out.length - 1], 0x10);
  }
  // nested: inner body of 200 bytes inside an outer one
  const w = new Writer(8);
  const outer = w.fork();
  w.tag(1, 2);
  const inner = w.fork();
  for (let i = 0; i < 200; i++) w.uint32(5);
  w.join(inner);
  w.join(outer);
  const out = w.finish();
  t.equal(out.length, 2 + 1 + 2 + 200);
  t.same([...out.subarray(0, 5)], [203, 1, 0x0a, 0xc8, 0x01]);
});

t.test('the buffer grows, is reused, and finish() returns a copy', async (t) => {
  const w = new Writer(2);
  w.string('hello world, this is longer than two bytes');
  const a = w.finish();
  w.reset().uint32(1);
  const b = w.finish();
  t.equal(a.length, 43);
  t.equal(a[1], 'h'.charCodeAt(0), 'the first result is not overwritten');
  t.same([...b], [1]);
  t.equal(varintSize(0), 1);
  t.equal(varintSize(0xffffffff), 5);
});
