/**
 * codecFor(schema) with hand-written schemas: what proto3 writes and what a
 * decoded value looks like (src/wire/proto/schema.ts), beyond the golden fixtures.
 */
import t from 'tap';
import { codecFor } from '../../../src/wire/proto/codec.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import type { EnumSchema, FieldSchema, MessageSchema, ScalarType } from '../../../src/wire/proto/schema.js';
import { canon, fromHex, thrown, toHex } from '../../golden/values.js';

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const common = (no: number, name: string) => ({ no, name, localName: camel(name), jsonName: camel(name) });
const scalar = (no: number, name: string, s: ScalarType, more: object = {}): FieldSchema =>
  ({ ...common(no, name), kind: 'scalar', scalar: s, ...more }) as FieldSchema;
const msgField = (no: number, name: string, message: MessageSchema, more: object = {}): FieldSchema =>
  ({ ...common(no, name), kind: 'message', message, ...more }) as FieldSchema;

const Color: EnumSchema = {
  typeName: 't.Color',
  values: [
    { name: 'NONE', no: 0 },
    { name: 'RED', no: 1 },
    { name: 'NEG', no: -1 },
  ],
};

const Node: MessageSchema = { typeName: 't.Node', fields: [] };
(Node.fields as FieldSchema[]).push(
  scalar(1, 'value', 'int32'),
  msgField(2, 'next', Node),
  msgField(3, 'kids', Node, { repeated: true }),
);

const Msg: MessageSchema = {
  typeName: 't.Msg',
  fields: [
    // declared out of order: written in field-number order
    scalar(5, 'name', 'string'),
    scalar(1, 'id', 'int64'),
    scalar(2, 'opt', 'int32', { optional: true }),
    { ...common(3, 'color'), kind: 'enum', enum: Color },
    scalar(4, 'nums', 'sint32', { repeated: true, packed: true }),
    scalar(6, 'loose', 'int32', { repeated: true, packed: false }),
    scalar(7, 'a', 'string', { oneof: 'choice' }),
    msgField(8, 'b', Node, { oneof: 'choice' }),
    { ...common(9, 'by_name'), kind: 'map', key: 'string', value: { kind: 'scalar', scalar: 'int32' } },
    { ...common(10, 'by_id'), kind: 'map', key: 'int64', value: { kind: 'message', message: Node } },
    { ...common(11, 'flags'), kind: 'map', key: 'bool', value: { kind: 'enum', enum: Color } },
    msgField(12, 'node', Node),
    scalar(13, 'd', 'double'),
    scalar(14, 'raw', 'bytes'),
  ],
};

const codec = codecFor(Msg);
const enc = (v: object): string => toHex(codec.encode(v as never));

t.test('codecs are built once per schema', async (t) => {
  t.equal(codecFor(Msg), codec);
  t.equal(codec.schema, Msg);
});

t.test('proto3 defaults are not written; explicit presence is', async (t) => {
  t.equal(enc({}), '');
  t.equal(enc({ id: 0n, name: '', color: 0, nums: [], d: 0, raw: new Uint8Array(0), byName: {} }), '');
  t.equal(enc({ opt: 0 }), '1000', 'optional set to its default is written');
  t.equal(enc({ a: '' }), '3a00', 'oneof member set to its default is written');
  t.equal(enc({ node: {} }), '6200', 'an empty submessage is written');
  t.equal(enc({ d: -0 }), '690000000000000080', '-0.0 is not the default (its bits are not zero)');
  t.equal(enc({ opt: undefined, node: null }), '', 'undefined and null are absent');
});

t.test('fields are written in field-number order', async (t) => {
  t.equal(enc({ name: 'x', id: 1n, color: 1 }), '08011801' + '2a0178');
});

t.test('negative enums and int32 are 10-byte varints; numbers are accepted for int64', async (t) => {
  t.equal(enc({ color: -1 }), '18ffffffffffffffffff01');
  t.equal(enc({ id: -1 }), '08ffffffffffffffffff01');
  t.equal(enc({ id: '5' }), '0805', 'a decimal string for int64, too');
});

t.test('packed by default, packed:false honoured, both accepted on decode', async (t) => {
  t.equal(enc({ nums: [1, -1, 2] }), '2203020104');
  t.equal(enc({ loose: [1, 2] }), '30013002');
  const v = codec.decode(fromHex('2203020104' + '2001' + '30013002' + '32020304')) as Record<string, unknown>;
  t.same(v['nums'], [1, -1, 2, -1]);
  t.same(v['loose'], [1, 2, 3, 4]);
});

t.test('maps: entries {1: key, 2: value}, in sorted key order', async (t) => {
  t.equal(enc({ byName: { b: 2, a: 1 } }), '4a050a01611001' + '4a050a01621002', 'string keys sorted');
  // code point order: U+FFFF sorts before U+1F600 (UTF-16 order would say otherwise)
  const keys = codec.decode(codec.encode({ byName: { '😀': 1, '\uffff': 2, z: 3 } } as never)) as { byName: object };
  t.same(Object.keys(keys.byName), ['z', '\uffff', '😀']);
  const e = enc({ byName: { '😀': 1, '\uffff': 2 } });
  t.ok(e.indexOf('efbfbf') < e.indexOf('f09f9880'), 'U+FFFF written before U+1F600');
  t.equal(
    enc({ byId: { '10': {}, '-1': { value: 1 }, '2': {} } }),
    '520f08ffffffffffffffffff0112020801' + '520408021200' + '5204080a1200',
    'int64 keys sorted numerically, signed',
  );
  t.equal(
    enc({ flags: { true: 1, false: 0 } }),
    '5a0408001000' + '5a0408011001',
    'false before true; values always written',
  );
  const m = codec.decode(fromHex('4a050a016110014a050a01611002')) as { byName: Record<string, number> };
  t.equal(Object.getPrototypeOf(m.byName), null, 'maps are null-prototype objects');
  t.same({ ...m.byName }, { a: 2 }, 'a repeated key: the last one wins');
  const proto = codec.decode(codec.encode({ byName: JSON.parse('{"__proto__": 7}') } as never)) as {
    byName: Record<string, number>;
  };
  t.equal(Object.getOwnPropertyDescriptor(proto.byName, '__proto__')?.value, 7, '__proto__ is just a key');
});

t.test('decoded values follow the schema conventions', async (t) => {
  const v = codec.decode(new Uint8Array(0)) as Record<string, unknown>;
  t.strictSame(
    canon(v),
    canon({
      name: '',
      id: 0n,
      color: 0,
      nums: [],
      loose: [],
      byName: Object.create(null),
      byId: Object.create(null),
      flags: Object.create(null),
      d: 0,
      raw: new Uint8Array(0),
    }),
    'scalars at their defaults, containers empty; optional, oneof and message fields absent',
  );
  t.equal(v['opt'], undefined);
  t.equal(v['node'], undefined);
  t.equal(v['a'], undefined);
});

t.test('oneof: the last member decoded wins', async (t) => {
  const v = codec.decode(fromHex('3a0178' + '42020801')) as Record<string, unknown>;
  t.equal(v['a'], undefined);
  t.same(v['b'], { value: 1, kids: [] });
  const w = codec.decode(fromHex('42020801' + '3a0178')) as Record<string, unknown>;
  t.equal(w['b'], undefined);
  t.equal(w['a'], 'x');
});

t.test('a message field seen twice is merged', async (t) => {
  const v = codec.decode(fromHex('6204' + '08011a00' + '6204' + '12020802')) as { node: Record<string, unknown> };
  t.strictSame(canon(v.node), canon({ value: 1, kids: [{ value: 0, kids: [] }], next: { value: 2, kids: [] } }));
});

t.test('recursion: deep values encode and decode; cycles and over-deep input are errors', async (t) => {
  const nodeCodec = codecFor(Node);
  let deep: Record<string, unknown> = { value: 1 };
  for (let i = 0; i < 90; i++) deep = { value: i, next: deep };
  const back = nodeCodec.decode(nodeCodec.encode(deep as never));
  t.equal(nodeCodec.encode(back as never).length, nodeCodec.encode(deep as never).length);
  const cyclic: Record<string, unknown> = { value: 1 };
  cyclic['next'] = cyclic;
  const err = thrown(() => nodeCodec.encode(cyclic as never));
  t.ok(err instanceof ProtoError && err.kind === 'encode', `cycle: ${String(err)}`);
  // 200 nested `next` submessages
  let bytes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const n = bytes.length;
    bytes = [0x12, ...(n < 128 ? [n] : [(n & 127) | 128, n >> 7]), ...bytes];
  }
  const deepErr = thrown(() => nodeCodec.decode(new Uint8Array(bytes)));
  t.ok(deepErr instanceof ProtoError && deepErr.kind === 'decode', `too deep: ${String(deepErr)}`);
});

t.test('unknown fields are skipped; a known field with the wrong wire type too', async (t) => {
  const v = codec.decode(fromHex('f80601' + '0d01000000' + '2a0178' + 'fb060801fc06' + '0802')) as Record<
    string,
    unknown
  >;
  t.equal(v['name'], 'x');
  t.equal(v['id'], 2n);
});

t.test('bad values are ProtoError(encode) naming the field', async (t) => {
  for (const [value, field] of [
    [{ name: 5 }, 't.Msg.name'],
    [{ id: {} }, 't.Msg.id'],
    [{ nums: 'x' }, 't.Msg.nums'],
    [{ node: 5 }, 't.Msg.node'],
    [{ raw: 'abc' }, 't.Msg.raw'],
    [{ byId: { x: {} } }, 't.Msg.by_id'],
    [{ color: 'PURPLE' }, 't.Msg.color'],
    [{ color: 1.5 }, 't.Msg.color'],
    [{ id: 1.5 }, 't.Msg.id'],
    [{ opt: 2 ** 31 }, 't.Msg.opt'],
  ] as const) {
    const err = thrown(() => codec.encode(value as never));
    t.ok(
      err instanceof ProtoError && err.kind === 'encode' && err.message.includes(field),
      `${JSON.stringify(value)}: ${String(err)}`,
    );
  }
});

t.test('encode is re-entrant (a getter that encodes)', async (t) => {
  const value = {
    get name(): string {
      return toHex(codec.encode({ id: 7n } as never));
    },
  };
  t.equal(enc(value), '2a04' + '30383037', 'name is "0807"');
});

t.test('the bytes do not depend on how a value holds its fields (property order, extras, getters)', async (t) => {
  const full: Record<string, unknown> = {
    id: 3n,
    opt: 4,
    color: 1,
    nums: [1, -2],
    name: 'n',
    loose: [5],
    a: 'x',
    b: undefined,
    byName: { k: 1 },
    byId: {},
    flags: { true: 1 },
    node: { value: 2, kids: [] },
    d: 1.5,
    raw: new Uint8Array([9]),
  };
  const expected = enc(full);
  const keys = Object.keys(full);
  const decoded = codec.decode(codec.encode(full as never)) as Record<string, unknown>;
  t.equal(enc(decoded), expected, "a decoded value (the plan's own property order)");
  const rebuild = (order: string[], extra?: [string, number]): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (const k of order) {
      if (extra !== undefined && k === extra[0]) o['notAField'] = extra[1];
      o[k] = full[k];
    }
    return o;
  };
  const planOrder = Object.keys(decoded);
  t.equal(enc(rebuild([...planOrder].reverse())), expected, 'reversed');
  t.equal(enc(rebuild(keys)), expected, 'declaration order');
  for (let cut = 0; cut < planOrder.length; cut++) {
    // in plan order up to `cut`, then an extra property, then the rest
    t.equal(enc(rebuild(planOrder, [planOrder[cut]!, 1])), expected, `an extra property before ${planOrder[cut]}`);
    // in plan order with one field missing: that field is then not written
    const without = planOrder.filter((_, i) => i !== cut);
    t.equal(enc(rebuild(without)), enc({ ...full, [planOrder[cut]!]: undefined }), `without ${planOrder[cut]}`);
  }
  // fields from the prototype: getters (not enumerable) and enumerable inherited properties
  class WithGetters {
    id = 3n;
    get name(): string {
      return 'n';
    }
  }
  t.equal(enc(new WithGetters()), enc({ id: 3n, name: 'n' }), 'a getter on the prototype');
  const inherited = Object.create({ name: 'n' }) as Record<string, unknown>;
  inherited['id'] = 3n;
  t.equal(enc(inherited), enc({ id: 3n, name: 'n' }), 'an enumerable property of the prototype');
});

t.test('a decode that fails leaves nothing behind for the next one', async (t) => {
  const good = codec.encode({ id: 5n, name: 'after' } as never);
  for (const bad of [fromHex('2a05616263'), fromHex('12'), fromHex('0880')]) {
    t.ok(thrown(() => codec.decode(bad)) instanceof ProtoError, `bad: ${toHex(bad)}`);
    const v = codec.decode(good) as Record<string, unknown>;
    t.equal(v['id'], 5n);
    t.equal(v['name'], 'after');
  }
});
