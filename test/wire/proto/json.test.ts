/**
 * The proto3 JSON mapping beyond the golden fixtures: what fromJson accepts
 * (both names, numbers as strings, URL-safe base64, enum numbers, null) and
 * how it refuses (ProtoError of kind 'json' naming the field).
 */
import t, { type Test } from 'tap';
import * as path from 'node:path';
import { loadProtoSync } from '../../../src/service/load.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import { fromJson, toJson, type JsonValue } from '../../../src/wire/proto/json.js';
import { canon, ROOT, thrown } from '../../golden/values.js';

const protos = loadProtoSync(['golden.proto', 'wkt.proto'], { includeDirs: [path.join(ROOT, 'test/protos')] });
const Scalars = protos.message('golden.Scalars');
const Everything = protos.message('golden.Everything');
const Maps = protos.message('golden.Maps');
const Oneofs = protos.message('golden.Oneofs');
const WellKnown = protos.message('golden.WellKnown');

function invalid(t: Test, schema: typeof Scalars, json: unknown, mentions: string): void {
  const err = thrown(() => fromJson(schema, json as JsonValue));
  t.ok(err instanceof ProtoError && err.kind === 'json', `${JSON.stringify(json)} → ProtoError json (${String(err)})`);
  t.match((err as Error | undefined)?.message ?? '', mentions, 'names the problem');
}

t.test('fromJson accepts the json name and the .proto name', async (t) => {
  const a = fromJson(Everything, { customName: 'x', snakeCaseField2: 3 });
  const b = fromJson(Everything, { user_name: 'x', snake_case_field_2: 3 });
  t.strictSame(canon(a), canon(b));
  t.equal(a['userName'], 'x');
  t.same(toJson(Everything, a), { customName: 'x', snakeCaseField2: 3 });
  t.same(toJson(Everything, a, { useProtoNames: true }), { user_name: 'x', snake_case_field_2: 3 });
});

t.test('numbers: strings or numbers in; int64 as strings out', async (t) => {
  const v = fromJson(Scalars, {
    fInt32: '-5',
    fInt64: 9007199254740993,
    fUint64: '18446744073709551615',
    fDouble: '1.5',
    fFloat: 'NaN',
    fSint32: 1e3,
    fFixed64: '1e2',
  });
  t.equal(v['fInt32'], -5);
  t.equal(v['fUint64'], 2n ** 64n - 1n);
  t.equal(v['fDouble'], 1.5);
  t.ok(Number.isNaN(v['fFloat']));
  t.equal(v['fSint32'], 1000);
  t.equal(v['fFixed64'], 100n);
  t.same(toJson(Scalars, { fInt64: -1n, fUint64: 5n }), { fInt64: '-1', fUint64: '5' });
  t.same(
    toJson(Scalars, { fFloat: Math.fround(0.1), fDouble: Infinity }),
    { fFloat: 0.1, fDouble: 'Infinity' },
    'floats print at float precision',
  );
  invalid(t, Scalars, { fInt32: 2147483648 }, 'out of range');
  invalid(t, Scalars, { fUint32: -1 }, 'f_uint32');
  invalid(t, Scalars, { fInt32: 1.5 }, 'expected an integer');
  invalid(t, Scalars, { fInt64: '12x' }, 'f_int64');
  invalid(t, Scalars, { fFloat: 1e39 }, 'out of range for float');
  invalid(t, Scalars, { fDouble: 'fast' }, 'f_double');
});

t.test('bytes: standard or URL-safe base64, padded or not', async (t) => {
  for (const text of ['+/8=', '+/8', '-_8=', '-_8']) {
    t.same([...(fromJson(Scalars, { fBytes: text })['fBytes'] as Uint8Array)], [0xfb, 0xff], text);
  }
  t.same(toJson(Scalars, { fBytes: new Uint8Array([0xfb, 0xff]) }), { fBytes: '+/8=' });
  invalid(t, Scalars, { fBytes: 'a*b' }, 'base64');
});

t.test('enums: names or numbers in; names (or unknown numbers) out', async (t) => {
  t.equal(fromJson(Scalars, { fEnum: 'NEGATIVE' })['fEnum'], -1);
  t.equal(fromJson(Scalars, { fEnum: 2 })['fEnum'], 2);
  t.equal(fromJson(Scalars, { fEnum: 77 })['fEnum'], 77);
  t.same(toJson(Scalars, { fEnum: 77 }), { fEnum: 77 });
  invalid(t, Scalars, { fEnum: 'PURPLE' }, 'PURPLE');
});

t.test('null is the default; unknown fields and wrong shapes are refused', async (t) => {
  const v = fromJson(Everything, { scalars: null, customName: null, many: null, maps: { strStr: null } });
  t.equal(v['scalars'], undefined);
  t.equal(v['userName'], '');
  t.same(v['many'], []);
  invalid(t, Everything, { nope: 1 }, 'unknown field "nope"');
  invalid(t, Everything, { many: {} }, 'expected an array');
  invalid(t, Everything, { many: [null] }, 'null in a list');
  invalid(t, Everything, [], 'expected an object');
  invalid(t, Scalars, { fBool: 'true' }, 'f_bool');
  invalid(t, Scalars, { fString: 5 }, 'f_string');
  invalid(t, Oneofs, { num: 1, text: 'x' }, 'two members set');
});

t.test('maps: keys in their string form; bool and integer keys checked', async (t) => {
  const v = fromJson(Maps, { boolBool: { true: false }, int64Str: { '-1': 'a', '007': 'b' } });
  t.same({ ...(v['boolBool'] as object) }, { true: false });
  t.same({ ...(v['int64Str'] as object) }, { '-1': 'a', '7': 'b' }, 'integer keys canonicalised');
  invalid(t, Maps, { boolBool: { yes: true } }, 'bool map key');
  invalid(t, Maps, { int32Int32: { x: 1 } }, 'int32_int32');
});

t.test('well-known types', async (t) => {
  const v = fromJson(WellKnown, {
    ts: '2023-11-14T23:13:20.5+01:00',
    dur: '-0.25s',
    wInt64: '7',
    wBool: true,
    st: { a: [1, null, { b: 'c' }] },
    val: null,
    mask: 'userName,a.bC',
    wBytes: 'AQ',
  });
  t.same(v['ts'], { seconds: 1700000000n, nanos: 500000000 }, 'offsets are applied');
  t.same(v['dur'], { seconds: 0n, nanos: -250000000 });
  t.same(v['wInt64'], { value: 7n });
  t.same(v['val'], { nullValue: 0 }, 'null for a Value field is NullValue, not absence');
  t.same(v['mask'], { paths: ['user_name', 'a.b_c'] });
  t.same(toJson(WellKnown, v), {
    ts: '2023-11-14T22:13:20.500Z',
    dur: '-0.250s',
    wInt64: '7',
    wBool: true,
    st: { a: [1, null, { b: 'c' }] },
    val: null,
    mask: 'userName,a.bC',
    wBytes: 'AQ==',
  });
  for (const bad of ['2023-02-30T00:00:00Z', '2023-11-14 10:00:00Z', '10000-01-01T00:00:00Z', '2023-11-14T25:00:00Z']) {
    invalid(t, WellKnown, { ts: bad }, 'Timestamp');
  }
  invalid(t, WellKnown, { dur: '1.5' }, 'Duration');
  invalid(t, WellKnown, { dur: '315576000001s' }, 'out of range');
  invalid(t, WellKnown, { st: [1] }, 'Struct');
  const err = thrown(() => toJson(WellKnown, { ts: { seconds: 253402300800n, nanos: 0 } }));
  t.ok(
    err instanceof ProtoError && err.kind === 'json',
    `a Timestamp after 9999 cannot be written as JSON (${String(err)})`,
  );
});
