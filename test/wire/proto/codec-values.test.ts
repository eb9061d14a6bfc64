/**
 * No value is changed silently on encode: what a field's type cannot hold
 * exactly is a ProtoError naming the field and the value; what a user plainly
 * means (an enum value's name, an int64 as a safe-integer number, a decimal
 * string or a bigint) is accepted.
 */
import t from 'tap';
import { codecFor } from '../../../src/wire/proto/codec.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import type { EnumSchema, FieldSchema, MessageSchema, ScalarType } from '../../../src/wire/proto/schema.js';
import { thrown, toHex } from '../../golden/values.js';

const Color: EnumSchema = {
  typeName: 'v.Color',
  values: [
    { name: 'NONE', no: 0 },
    { name: 'RED', no: 1 },
  ],
};
const s = (no: number, name: string, scalar: ScalarType, more: object = {}): FieldSchema =>
  ({ no, name, localName: name, jsonName: name, kind: 'scalar', scalar, ...more }) as FieldSchema;
const Msg: MessageSchema = {
  typeName: 'v.Msg',
  fields: [
    s(1, 'i32', 'int32'),
    s(2, 'u32', 'uint32'),
    s(3, 'i64', 'int64'),
    s(4, 'u64', 'uint64'),
    s(5, 'f', 'float'),
    s(6, 'sf32', 'sfixed32', { optional: true }),
    { no: 7, name: 'color', localName: 'color', jsonName: 'color', kind: 'enum', enum: Color },
    s(8, 'a', 'string', { oneof: 'pick' }),
    s(9, 'b', 'int32', { oneof: 'pick' }),
    s(10, 'many', 'int32', { repeated: true }),
    s(11, 'd', 'double'),
  ],
};
const codec = codecFor(Msg);
const enc = (v: object): string => toHex(codec.encode(v as never));

t.test('refused, naming the field and the value', async (t) => {
  const cases: [object, string, RegExp][] = [
    [{ i32: 2 ** 31 }, 'v.Msg.i32', /2147483648/],
    [{ i32: -(2 ** 31) - 1 }, 'v.Msg.i32', /-2147483649/],
    [{ i32: 1.5 }, 'v.Msg.i32', /1\.5/],
    [{ i32: NaN }, 'v.Msg.i32', /NaN/],
    [{ i32: '7' }, 'v.Msg.i32', /"7"/],
    [{ u32: -1 }, 'v.Msg.u32', /-1/],
    [{ u32: 2 ** 32 }, 'v.Msg.u32', /4294967296/],
    [{ i64: 1.5 }, 'v.Msg.i64', /1\.5/],
    [{ i64: 2 ** 60 }, 'v.Msg.i64', /not a valid int64/],
    [{ i64: 2n ** 70n }, 'v.Msg.i64', /1180591620717411303424n/],
    [{ i64: 2n ** 63n }, 'v.Msg.i64', /9223372036854775808n/],
    [{ i64: NaN }, 'v.Msg.i64', /NaN/],
    [{ i64: '12abc' }, 'v.Msg.i64', /"12abc"/],
    [{ u64: -1n }, 'v.Msg.u64', /-1n/],
    [{ u64: 2n ** 64n }, 'v.Msg.u64', /18446744073709551616n/],
    [{ f: 1e39 }, 'v.Msg.f', /1e\+39/],
    [{ sf32: 2 ** 31 }, 'v.Msg.sf32', /2147483648/],
    [{ color: 'BLUE' }, 'v.Msg.color', /"BLUE"/],
    [{ color: 0.5 }, 'v.Msg.color', /0\.5/],
    [{ a: 'x', b: 1 }, 'v.Msg.a', /oneof/],
    [{ many: [1, 2 ** 40] }, 'v.Msg.many', /1099511627776/],
    [{ d: '1' }, 'v.Msg.d', /"1"/],
  ];
  for (const [value, field, shows] of cases) {
    const err = thrown(() => enc(value));
    t.ok(
      err instanceof ProtoError && err.kind === 'encode' && err.message.includes(field) && shows.test(err.message),
      `${String(Object.keys(value))}: ${String(err)}`,
    );
  }
});

t.test('accepted: what a user plainly means', async (t) => {
  t.equal(enc({ color: 'RED' }), '3801', 'an enum value by name');
  t.equal(enc({ i64: 5 }), enc({ i64: 5n }), 'int64 as a safe-integer number');
  t.equal(enc({ i64: '-5' }), enc({ i64: -5n }), 'int64 as a decimal string');
  t.equal(enc({ i64: '0' }), '', 'the default, as a string, is not written');
  t.equal(enc({ u64: 2n ** 64n - 1n }), '20ffffffffffffffffff01');
  t.equal(enc({ i32: -(2 ** 31) }), '0880808080f8ffffffff01');
  t.equal(enc({ f: Infinity }), '2d0000807f', 'infinities and NaN are floats');
  t.equal(enc({ f: 0.1 }), '2dcdcccc3d', 'a double is rounded to float32: that is what float means');
  t.equal(enc({ a: 'x', b: undefined }), '420178', 'one member of a oneof set, the other undefined');
});
