/**
 * proto2 and what protobuf keeps that a schema does not describe: groups,
 * `[default = …]`, `required`, closed enums, unknown fields — the rules as
 * protobuf's own implementations follow them, on hand-written schemas.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadProtoSync } from '../../../src/service/load.js';
import { codecFor } from '../../../src/wire/proto/codec.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import type { EnumSchema, FieldSchema, MessageSchema } from '../../../src/wire/proto/schema.js';
import { setUnknownFields, UNKNOWN_FIELDS, unknownFields } from '../../../src/wire/proto/unknown.js';
import { fromHex, thrown, toHex } from '../../golden/values.js';

const f = (no: number, name: string, more: object): FieldSchema =>
  ({ no, name, localName: name, jsonName: name, ...more }) as FieldSchema;

const Closed: EnumSchema = {
  typeName: 'p2.Closed',
  values: [
    { name: 'A', no: 1 },
    { name: 'B', no: 2 },
  ],
  closed: true,
};

const Inner: MessageSchema = {
  typeName: 'p2.Inner',
  fields: [f(1, 'q', { kind: 'scalar', scalar: 'int32', optional: true })],
};
const Req: MessageSchema = {
  typeName: 'p2.Req',
  fields: [f(1, 'id', { kind: 'scalar', scalar: 'int32', required: true })],
};

const Msg: MessageSchema = {
  typeName: 'p2.Msg',
  fields: [
    f(1, 'grp', { kind: 'message', message: Inner, delimited: true }),
    f(2, 'grps', { kind: 'message', message: Inner, delimited: true, repeated: true }),
    f(3, 'count', { kind: 'scalar', scalar: 'int32', optional: true, default: 42 }),
    f(4, 'word', { kind: 'scalar', scalar: 'string', optional: true, default: 'hello' }),
    f(5, 'big', { kind: 'scalar', scalar: 'int64', optional: true, default: -9123456789123456789n }),
    f(6, 'e', { kind: 'enum', enum: Closed, optional: true }),
    f(7, 'es', { kind: 'enum', enum: Closed, repeated: true, packed: true }),
    f(8, 'byE', { kind: 'map', key: 'int32', value: { kind: 'enum', enum: Closed } }),
    f(9, 'req', { kind: 'message', message: Req }),
    f(10, 'name', { kind: 'scalar', scalar: 'string', optional: true }),
  ],
};
const codec = codecFor(Msg);
const enc = (v: object): string => toHex(codec.encode(v as never));
const dec = (hex: string): Record<string, unknown> => codec.decode(fromHex(hex));

t.test('groups: start-group tag, the fields, end-group tag; repeated ones one group each', async (t) => {
  t.equal(enc({ grp: { q: 1 } }), '0b' + '0801' + '0c');
  t.equal(enc({ grps: [{ q: 1 }, {}] }), '13' + '0801' + '14' + '1314');
  t.same(dec('0b08010c').grp, { q: 1 });
  t.same((dec('130801141314').grps as object[]).length, 2);
  // A group seen twice merges, like a message field.
  t.same(dec('0b08010c' + '0b0c').grp, { q: 1 });
});

t.test('groups: a missing or mismatched end-group tag is refused', async (t) => {
  for (const hex of ['0b0801', '0b08011c', '0c']) {
    const err = thrown(() => dec(hex));
    t.ok(err instanceof ProtoError && err.kind === 'decode', `${hex}: ${String(err)}`);
  }
});

t.test('[default = …]: what an unset field reads as; only set fields are written', async (t) => {
  const v = dec('');
  t.equal(v['count'], 42);
  t.equal(v['word'], 'hello');
  t.equal(v['big'], -9123456789123456789n);
  t.notOk(Object.prototype.hasOwnProperty.call(v, 'count'), 'not an own property: unset');
  t.same(Object.keys(v).includes('count'), false);
  t.equal(toHex(codec.encode(v)), '', 'an unset field with a default is not written');
  t.equal(enc({ count: 42 }), '182a', 'a set field is written, even when it equals its default');
  const set = dec('182a');
  t.ok(Object.prototype.hasOwnProperty.call(set, 'count'));
  t.equal(toHex(codec.encode(set)), '182a');
});

t.test('required: missing on encode or decode is an error naming the field; the check can be skipped', async (t) => {
  const err = thrown(() => enc({ req: {} }));
  t.ok(err instanceof ProtoError && err.kind === 'encode' && /p2\.Req\.id/.test(err.message), String(err));
  const err2 = thrown(() => dec('4a00'));
  t.ok(err2 instanceof ProtoError && err2.kind === 'decode' && /req\.id/.test(err2.message), String(err2));
  t.same(dec('4a020801').req, { id: 1 });
  // Merged pieces: the field may come in the second piece.
  t.same(dec('4a00' + '4a020801').req, { id: 1 });
  const lax = codecFor(Msg, { checkRequired: false });
  t.equal(toHex(lax.encode({ req: {} } as never)), '4a00');
  t.same(lax.decode(fromHex('4a00')).req, {});
});

t.test('closed enums: an unknown number goes to the unknown fields, not into the field', async (t) => {
  const v = dec('3005');
  t.equal(v['e'], undefined);
  t.same(unknownFields(v).map(toHex), ['3005']);
  t.equal(toHex(codec.encode(v)), '3005', 'and is written back');
  const packed = dec('3a03010502');
  t.same(packed['es'], [1, 2]);
  t.same(unknownFields(packed).map(toHex), ['3805'], 'one varint field per unknown value of a packed run');
  const map = dec('4204' + '0801' + '1009' + '4204' + '0802' + '1002');
  t.same({ ...(map['byE'] as object) }, { 2: 2 });
  t.same(unknownFields(map).map(toHex), ['420408011009'], 'the whole entry');
});

t.test('unknown fields: kept raw and in order, written back after the known ones', async (t) => {
  // field 500 varint, field 501 fixed32, a group 502, a known field with the wrong wire type
  const unknown = ['a01f05', 'ad1f01000000', 'b31f0801b41f', '5501000000'];
  const v = dec(unknown[0]! + '520161' + unknown[1]! + unknown[2]! + unknown[3]!);
  t.equal(v['name'], 'a');
  t.same(unknownFields(v).map(toHex), unknown);
  t.equal(toHex(codec.encode(v)), '520161' + unknown.join(''));
  t.same(Object.keys(v).includes(String(UNKNOWN_FIELDS)), false, 'not among the keys');
  t.notMatch(
    JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)),
    /a01f/,
  );
  t.same(unknownFields({ ...v }).length, 4, 'a spread copy keeps them');
  const discard = codecFor(Msg, { discardUnknownFields: true });
  t.same(unknownFields(discard.decode(fromHex(unknown[0]!))), [], 'discardUnknownFields drops them');
});

t.test('unknown fields: nested messages keep their own', async (t) => {
  const v = dec('0b' + 'a01f05' + '0c');
  t.same(unknownFields(v['grp'] as object).map(toHex), ['a01f05']);
  t.equal(toHex(codec.encode(v)), '0ba01f050c');
});

t.test('unknown fields given with setUnknownFields are written after the known ones', async (t) => {
  const v: Record<string, unknown> = { name: 'a' };
  setUnknownFields(v, [fromHex('a01f05')]);
  t.equal(enc(v), '520161a01f05');
  setUnknownFields(v, []);
  t.equal(enc(v), '520161', 'an empty list removes them');
});

t.test('[default = …] from a .proto: every kind, exactly', async (t) => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../../../../test/wire/proto') : here;
  const v = loadProtoSync(path.join(dir, 'defaults.proto')).codec('defaults.AllDefaults').decode(new Uint8Array(0));
  t.equal(v['i32'], -7);
  t.equal(v['i64'], -9123456789123456789n, 'beyond 2^53: exact (protobufjs parses it as a double)');
  t.equal(v['u64'], 18446744073709551615n);
  t.equal(v['d'], Infinity);
  t.equal(v['f'], -1.5);
  t.equal(v['b'], true);
  t.equal(v['s'], 'Rosebud');
  t.same([...(v['raw'] as Uint8Array)], [97, 98, 99, 100], 'text that looks like base64 is still its bytes');
  t.same([...(v['escaped'] as Uint8Array)], [0xc3, 0xa9, 1], 'C escapes are bytes');
  t.equal(v['level'], 2);
  t.ok(Number.isNaN(v['nan']));
});
