/**
 * The Reader reads what the Writer writes, and on anything malformed throws
 * ProtoError('decode') saying what was wrong — never another error type.
 */
import t, { type Test } from 'tap';
import { ProtoError } from '../../../src/wire/proto/error.js';
import { Reader } from '../../../src/wire/proto/reader.js';
import { Writer } from '../../../src/wire/proto/writer.js';
import { fromHex, thrown } from '../../golden/values.js';

const bytesOf = (f: (w: Writer) => void): Uint8Array => {
  const w = new Writer(8);
  f(w);
  return w.finish();
};

function rejects(t: Test, fn: () => unknown, pattern: RegExp, name: string): void {
  const err = thrown(fn);
  t.ok(err instanceof ProtoError && err.kind === 'decode', `${name}: ProtoError decode (${String(err)})`);
  t.match((err as Error | undefined)?.message ?? '', pattern, `${name}: says why`);
}

t.test('reads what the Writer wrote', async (t) => {
  const b = bytesOf((w) => {
    w.uint32(0).uint32(300).uint32(0xffffffff).int32(-1).int32(2147483647).sint32(-5).sint32(2147483647);
    w.int64(-1n)
      .int64(2n ** 63n - 1n)
      .uint64(2n ** 64n - 1n)
      .sint64(-(2n ** 63n))
      .sint64(12345678901234n);
    w.fixed32(0xfffffffe)
      .sfixed32(-3)
      .fixed64(2n ** 64n - 2n)
      .sfixed64(-(2n ** 62n));
    w.float(1.5).double(-0).double(NaN).bool(true).bool(false);
    w.string('蒟蒻 and 😀')
      .bytes(new Uint8Array([9, 8, 7]))
      .string('x'.repeat(100));
  });
  const r = new Reader(b);
  t.equal(r.uint32(), 0);
  t.equal(r.uint32(), 300);
  t.equal(r.uint32(), 0xffffffff);
  t.equal(r.int32(), -1);
  t.equal(r.int32(), 2147483647);
  t.equal(r.sint32(), -5);
  t.equal(r.sint32(), 2147483647);
  t.equal(r.int64(), -1n);
  t.equal(r.int64(), 2n ** 63n - 1n);
  t.equal(r.uint64(), 2n ** 64n - 1n);
  t.equal(r.sint64(), -(2n ** 63n));
  t.equal(r.sint64(), 12345678901234n);
  t.equal(r.fixed32(), 0xfffffffe);
  t.equal(r.sfixed32(), -3);
  t.equal(r.fixed64(), 2n ** 64n - 2n);
  t.equal(r.sfixed64(), -(2n ** 62n));
  t.equal(r.float(), 1.5);
  t.ok(Object.is(r.double(), -0));
  t.ok(Number.isNaN(r.double()));
  t.equal(r.bool(), true);
  t.equal(r.bool(), false);
  t.equal(r.string(), '蒟蒻 and 😀');
  t.same([...r.bytes()], [9, 8, 7]);
  t.equal(r.string(), 'x'.repeat(100));
  t.equal(r.pos, b.length);
});

t.test('int64 values around 2^53 and negatives are exact', async (t) => {
  for (const v of [2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, -(2n ** 32n), 2n ** 32n + 5n, -2n]) {
    t.equal(new Reader(bytesOf((w) => w.int64(v))).int64(), v, `varint ${v}`);
    t.equal(new Reader(bytesOf((w) => w.sfixed64(v))).sfixed64(), v, `sfixed64 ${v}`);
    t.equal(new Reader(bytesOf((w) => w.sint64(v))).sint64(), v, `sint64 ${v}`);
  }
});

t.test('int32 takes the low 32 bits of a 64-bit varint; bool is any non-zero varint', async (t) => {
  t.equal(new Reader(bytesOf((w) => w.int64(2n ** 32n + 7n))).int32(), 7);
  t.equal(new Reader(bytesOf((w) => w.int64(2n ** 40n))).bool(), true);
  t.equal(new Reader(fromHex('80808080808080808000')).bool(), false, '10-byte zero');
});

t.test('bytes() copies: the result does not alias the input', async (t) => {
  const input = fromHex('03010203');
  const out = new Reader(input).bytes();
  input[1] = 99;
  t.same([...out], [1, 2, 3]);
});

t.test('tags', async (t) => {
  t.same(new Reader(fromHex('08')).tag(), [1, 0]);
  t.same(new Reader(fromHex('fdffffff0f')).tag(), [536870911, 5]);
  rejects(t, () => new Reader(fromHex('00')).tag(), /field number 0/, 'field number 0');
  rejects(t, () => new Reader(fromHex('0e')).tag(), /wire type 6/, 'wire type 6');
  rejects(t, () => new Reader(fromHex('0f')).tag(), /wire type 7/, 'wire type 7');
});

t.test('truncated input', async (t) => {
  rejects(t, () => new Reader(fromHex('80')).uint32(), /truncated varint/, 'varint');
  rejects(t, () => new Reader(fromHex('ffffffff')).int64(), /truncated varint/, 'varint64');
  rejects(t, () => new Reader(fromHex('010203')).fixed32(), /truncated fixed32/, 'fixed32');
  rejects(t, () => new Reader(fromHex('01020304050607')).fixed64(), /truncated fixed64/, 'fixed64');
  rejects(t, () => new Reader(fromHex('0000')).float(), /truncated float/, 'float');
  rejects(t, () => new Reader(fromHex('00')).double(), /truncated double/, 'double');
  rejects(t, () => new Reader(fromHex('05616263')).string(), /length 5/, 'string');
  rejects(
    t,
    () => new Reader(fromHex('ffffffff0f00')).bytes(),
    /length 4294967295/,
    'bytes with a 4 GiB length: no allocation',
  );
  rejects(t, () => new Reader(fromHex('')).bool(), /truncated varint/, 'bool');
  const limited = new Reader(fromHex('0801ffff'), 0, 2);
  t.equal(limited.uint32(), 8);
  t.equal(limited.uint32(), 1);
  rejects(t, () => limited.uint32(), /truncated/, 'reads stop at len, not at the end of the buffer');
});

t.test('varints longer than 10 bytes', async (t) => {
  rejects(t, () => new Reader(fromHex('ffffffffffffffffffff01')).int64(), /longer than 10 bytes/, 'int64');
  rejects(t, () => new Reader(fromHex('ffffffffffffffffffff01')).uint32(), /longer than 10 bytes/, 'uint32');
  t.equal(new Reader(fromHex('ffffffffffffffffff01')).int32(), -1, '10 bytes is fine');
});

t.test('invalid UTF-8 in strings', async (t) => {
  for (const h of ['c328', 'c0af', 'eda080', 'f4908080', 'ff', 'e282', '80', 'f09f98']) {
    rejects(t, () => new Reader(fromHex(`0${h.length / 2}${h}`)).string(), /invalid UTF-8/, h);
  }
  const long = `${'61'.repeat(60)}c328`;
  rejects(t, () => new Reader(fromHex(`3e${long}`)).string(), /invalid UTF-8/, 'long string (native decoder)');
  t.equal(new Reader(fromHex('04f09f9880')).string(), '😀');
  t.equal(new Reader(fromHex('03efbfbf')).string(), '\uffff');
});

t.test('skip: every wire type, groups up to their matching end', async (t) => {
  const b = bytesOf((w) => {
    w.tag(1, 0).int64(-1n);
    w.tag(2, 1).fixed64(5n);
    w.tag(3, 2).string('skip me');
    w.tag(4, 5).fixed32(1);
    w.tag(5, 3).tag(1, 0).uint32(1).tag(6, 3).tag(2, 2).string('x').tag(6, 4).tag(5, 4);
    w.tag(9, 0).uint32(42);
  });
  const r = new Reader(b);
  for (let i = 0; i < 5; i++) {
    const [no, wt] = r.tag();
    r.skip(wt, no);
  }
  t.same(r.tag(), [9, 0]);
  t.equal(r.uint32(), 42);
  rejects(
    t,
    () => new Reader(fromHex('0b14')).skip(3, 1),
    /end-group 2 does not match start-group 1/,
    'mismatched end-group',
  );
  rejects(t, () => new Reader(fromHex('0b')).skip(3, 1), /no end-group/, 'group without end');
  rejects(t, () => new Reader(fromHex('')).skip(4, 1), /unexpected end-group/, 'end-group alone');
  rejects(t, () => new Reader(fromHex('')).skip(6, 1), /invalid wire type 6/, 'wire type 6');
  const deep = fromHex(`${'0b'.repeat(200)}${'0c'.repeat(200)}`);
  const r2 = new Reader(deep);
  r2.tag();
  rejects(t, () => r2.skip(3, 1), /nested deeper than 100/, 'groups nested 200 deep: a limit, not a stack overflow');
});

t.test('floats are read relative to the view given, also after reset() to other bytes', async (t) => {
  // 1.5 as a double and as a float, at an odd offset inside a larger buffer
  const backing = new Uint8Array(32).fill(0xee);
  backing.set([0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0, 0, 0xc0, 0x3f], 5);
  const r = new Reader(backing.subarray(3, 20), 2);
  t.equal(r.double(), 1.5);
  t.equal(r.float(), 1.5);
  r.reset(new Uint8Array([0, 0, 0, 0, 0, 0, 0x04, 0xc0]));
  t.equal(r.pos, 0);
  t.equal(r.len, 8);
  t.equal(r.double(), -2.5, 'the new bytes, not the old view');
});
