/**
 * The decoder's short paths (codec-decode.ts): one-byte tags, ints and string
 * lengths read in the loop, and string → string map entries read in one go.
 * Each has a general path behind it; these check that both agree, and that
 * malformed input still ends in ProtoError.
 */
import t from 'tap';
import { codecFor } from '../../../src/wire/proto/codec.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import type { FieldSchema, MessageSchema, ScalarType } from '../../../src/wire/proto/schema.js';
import { fromHex, thrown } from '../../golden/values.js';

const common = (no: number, name: string) => ({ no, name, localName: name, jsonName: name });
const scalar = (no: number, name: string, s: ScalarType, more: object = {}): FieldSchema =>
  ({ ...common(no, name), kind: 'scalar', scalar: s, ...more }) as FieldSchema;

const Msg: MessageSchema = {
  typeName: 't.Short',
  fields: [
    scalar(1, 'id', 'int32'),
    scalar(2, 'name', 'string'),
    scalar(3, 'tags', 'string', { repeated: true }),
    { ...common(4, 'labels'), kind: 'map', key: 'string', value: { kind: 'scalar', scalar: 'string' } },
    scalar(200, 'far', 'int32'),
  ],
};
const codec = codecFor(Msg);
const dec = (hex: string) => codec.decode(fromHex(hex)) as Record<string, any>;
const isWireError = (f: () => unknown): boolean => {
  const e = thrown(f);
  return e instanceof ProtoError && e.kind === 'decode';
};

t.test('ints: one byte in place, longer and negative through the Reader', async (t) => {
  t.equal(dec('087f').id, 127);
  t.equal(dec('088001').id, 128);
  t.equal(dec('08ffffffffffffffffff01').id, -1);
  t.equal(dec('c00c05').far, 5, 'a two-byte tag');
  t.ok(
    isWireError(() => dec('08')),
    'a tag with no value',
  );
  t.ok(
    isWireError(() => dec('0880')),
    'a truncated varint',
  );
});

t.test('strings: one- and two-byte lengths, checked against the bytes left', async (t) => {
  t.equal(dec('1203616263').name, 'abc');
  const long = 'x'.repeat(200);
  t.equal(dec('12c801' + '78'.repeat(200)).name, long);
  t.same(dec('1a01611a00' + '1a0162').tags, ['a', '', 'b']);
  t.equal(dec('1202c3a9').name, 'é');
  for (const bad of ['12', '12036162', '12c801' + '78'.repeat(199), '1a05616263', '1202c328', '12ff']) {
    t.ok(
      isWireError(() => dec(bad)),
      `bad: ${bad}`,
    );
  }
});

t.test('string → string map entries: the usual form and every other form', async (t) => {
  const labels = (hex: string) => ({ ...dec(hex).labels });
  t.same(labels('22080a016b1203763176'), { k: 'v1v' }, 'key then value');
  t.same(labels('22070a016b120276312208' + '0a016a120376327a'), { k: 'v1', j: 'v2z' }, 'two entries');
  t.same(labels('22051203763176'), { '': 'v1v' }, 'no key: the empty string');
  t.same(labels('22030a016b'), { k: '' }, 'no value: the empty string');
  t.same(labels('22081203763176' + '0a016b'), { k: 'v1v' }, 'value before key');
  t.same(labels('220a0a016b18071203763176'), { k: 'v1v' }, 'an unknown field inside the entry');
  t.same(labels('220b0a016b1203763176120177'), { k: 'w' }, 'a second value wins');
  t.same(labels('228801' + '0a016b128201' + '79'.repeat(130)), { k: 'y'.repeat(130) }, 'a long value');
  t.same(labels('22080a016b1203c3a978'), { k: 'éx' }, 'non-ASCII');
  for (const bad of [
    '2208',
    '22080a016b12037631',
    '22080a046b1203763176',
    '22080a016b1205763176',
    '22080a01ff1203763176',
    '22080a016b1203ff3176',
    '22080a016b1203763176'.slice(0, 8),
  ]) {
    t.ok(
      isWireError(() => dec(bad)),
      `bad: ${bad}`,
    );
  }
  const proto = dec('22100a095f5f70726f746f5f5f1203763176').labels;
  t.equal(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, 'v1v', '__proto__ is just a key');
});
