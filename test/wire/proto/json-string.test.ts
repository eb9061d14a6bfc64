/**
 * JSON text in and out: fromJsonString reads JSON with its own parser and
 * refuses or keeps what JSON.parse would lose; toJsonString writes it back.
 * Also the proto3 JSON rules that need care: null for NullValue, unknown
 * fields ignored on request, FieldMask and Timestamp forms. Every refusal is a
 * ProtoError of kind 'json' naming the field's place.
 */
import t, { type Test } from 'tap';
import * as path from 'node:path';
import { loadProtoSync } from '../../../src/service/load.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import { fromJson, fromJsonString, toJson, toJsonString } from '../../../src/wire/proto/json.js';
import type { MessageSchema } from '../../../src/wire/proto/schema.js';
import { ROOT, thrown } from '../../golden/values.js';

const protos = loadProtoSync(['golden.proto', 'wkt.proto', 'json/json-text.proto'], {
  includeDirs: [path.join(ROOT, 'test/protos')],
});
const Scalars = protos.message('golden.Scalars');
const Maps = protos.message('golden.Maps');
const Everything = protos.message('golden.Everything');
const WellKnown = protos.message('golden.WellKnown');
const Holder = protos.message('jsontext.Holder');

function refused(t: Test, schema: MessageSchema, text: string, mentions: RegExp | string): void {
  const err = thrown(() => fromJsonString(schema, text));
  t.ok(err instanceof ProtoError && err.kind === 'json', `${text} → ProtoError json (${String(err)})`);
  t.match((err as Error | undefined)?.message ?? '', mentions, 'says what and where');
}

t.test('numbers: what JSON.parse rounds or overflows', async (t) => {
  refused(t, Scalars, '{"fDouble": -1.89769e+308}', 'out of the range of a double');
  refused(t, Scalars, '{"fDouble": 1e400}', 'out of the range of a double');
  refused(t, Scalars, '{"fDouble": "1e400"}', /f_double.*out of range/);
  t.equal(fromJsonString(Scalars, '{"fDouble": 1.7976931348623157e308}')['fDouble'], Number.MAX_VALUE);
  t.equal(fromJsonString(Scalars, '{"fInt64": 9007199254740993}')['fInt64'], 9007199254740993n, 'int64 kept exact');
  t.equal(JSON.parse('9007199254740993'), 9007199254740992, '(JSON.parse would have rounded it)');
  t.equal(fromJsonString(Scalars, '{"fUint64": 18446744073709551615}')['fUint64'], 2n ** 64n - 1n);
  t.equal(fromJsonString(Scalars, '{"fSfixed64": -9223372036854775808}')['fSfixed64'], -(2n ** 63n));
  refused(t, Scalars, '{"fUint64": 18446744073709551616}', /f_uint64.*out of range/);
  refused(t, Scalars, '{"fInt32": 9007199254740993}', /f_int32.*out of range/);
  t.equal(fromJsonString(Scalars, '{"fDouble": 9007199254740993}')['fDouble'], 9007199254740992, 'a double rounds');
  t.equal(fromJsonString(Scalars, '{"fInt32": -0}')['fInt32'], 0);
});

t.test('strings: escapes decoded, lone surrogates refused', async (t) => {
  t.equal(
    fromJsonString(Scalars, String.raw`{"fString": "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}`)['fString'],
    'a"\\/\b\f\n\r\té😀',
  );
  t.equal(fromJsonString(Scalars, '{"fString": "😀"}')['fString'], '😀', 'a raw pair is fine');
  refused(t, Scalars, String.raw`{"fString": "\ud800"}`, 'unpaired surrogate');
  refused(t, Scalars, String.raw`{"fString": "\udc00\ud800"}`, 'unpaired surrogate');
  refused(t, Scalars, String.raw`{"fString": "\ud800x"}`, 'unpaired surrogate');
  refused(t, Scalars, '{"fString": "\ud800"}', 'unpaired surrogate');
  refused(t, Scalars, '{"fString": "a\nb"}', 'control character');
  refused(t, Scalars, String.raw`{"fString": "\x41"}`, 'bad escape');
  refused(t, Scalars, String.raw`{"fString": "\u12"}`, 'bad \\u escape');
});

t.test('the JSON grammar: what is not JSON is refused, with line and column', async (t) => {
  for (const text of [
    '',
    '{',
    '{"fInt32": 1,}',
    '{"fInt32": 01}',
    '{"fInt32": +1}',
    '{"fInt32": .5}',
    "{'fInt32': 1}",
  ]) {
    refused(t, Scalars, text, 'invalid JSON text at line 1');
  }
  refused(t, Scalars, '{"fInt32": NaN}', 'expected a value');
  refused(t, Scalars, '{"fInt32": 1} x', 'after the value');
  refused(t, Scalars, '{\n  "fInt32": 1 // no\n}', 'line 2, column 15');
  refused(t, Scalars, '[1 2]', "expected ',' or ']'");
  t.same(fromJsonString(Scalars, ' \t\r\n{ "fInt32" : 1 } \n')['fInt32'], 1, 'whitespace around anything');
});

t.test('a key given twice is refused, also as both names of one field', async (t) => {
  refused(t, Scalars, '{"fInt32": 1, "fInt32": 2}', 'appears twice');
  refused(t, Scalars, '{"fInt32": 1, "f_int32": 2}', /golden\.Scalars\.f_int32.*given twice/);
  refused(t, Maps, '{"strStr": {"a": "1", "a": "2"}}', 'appears twice');
  const err = thrown(() => fromJson(Scalars, { fInt32: 1, f_int32: 2 }));
  t.match(String(err), 'given twice', 'fromJson too');
});

t.test('nesting is bounded', async (t) => {
  const deep = (n: number): string => `{"val": ${'['.repeat(n)}${']'.repeat(n)}}`;
  t.ok(fromJsonString(WellKnown, deep(99))['val'], '100 levels are fine');
  refused(t, WellKnown, deep(100), 'nested deeper than 100');
  refused(t, WellKnown, deep(100000), 'nested deeper than 100');
});

t.test('"__proto__" is a key like any other', async (t) => {
  const v = fromJsonString(WellKnown, '{"st": {"__proto__": 1, "a": {"__proto__": {"x": 2}}}}');
  t.same(toJson(WellKnown, v), { st: { ['__proto__']: 1, a: { ['__proto__']: { x: 2 } } } });
  t.equal(({} as Record<string, unknown>)['x'], undefined, 'no prototype was touched');
  refused(t, Scalars, '{"__proto__": 1}', 'unknown field "__proto__"');
});

t.test('errors name the field and its path', async (t) => {
  refused(t, Everything, '{"many": [{}, {"fInt32": "x"}]}', /golden\.Scalars\.f_int32 at many\[1\]\.fInt32/);
  refused(t, Maps, '{"strNested": {"k k": {"a": true}}}', /golden\.Nested\.a at strNested\["k k"\]\.a/);
  refused(t, WellKnown, '{"stamps": ["2020-01-01T00:00:00Z", 5]}', /Timestamp at stamps\[1\]/);
});

t.test('toJsonString: JSON text; -0 stays -0; indent on request', async (t) => {
  t.equal(
    toJsonString(Scalars, { fDouble: -0, fInt64: 2n ** 63n - 1n }),
    '{"fDouble":-0,"fInt64":"9223372036854775807"}',
  );
  t.equal(
    toJsonString(Everything, { scalars: { fInt32: 1 }, many: [{}, { fBool: true }] }, { indent: 2 }),
    '{\n  "scalars": {\n    "fInt32": 1\n  },\n  "many": [\n    {},\n    {\n      "fBool": true\n    }\n  ]\n}',
  );
  const text = '{"fDouble":1e+300,"fFloat":"NaN","fString":"\\u0000\\"😀","fBytes":"AAE="}';
  t.equal(toJsonString(Scalars, fromJsonString(Scalars, text)), text, 'round trip');
  t.ok(Object.is(fromJsonString(Scalars, '{"fDouble": -0}')['fDouble'], -0));
});

t.test('ignoreUnknownFields: unknown keys and unknown enum names are skipped', async (t) => {
  const text = '{"fInt32": 1, "nope": {"deep": [1]}, "fEnum": "PURPLE"}';
  refused(t, Scalars, text, 'unknown field "nope"');
  const v = fromJsonString(Scalars, text, { ignoreUnknownFields: true });
  t.equal(v['fInt32'], 1);
  t.equal(v['fEnum'], 0, 'the unknown enum name leaves the field unset');
  const h = fromJsonString(Holder, '{"colors": ["RED", "PURPLE", "BLUE"], "colorMap": {"a": "PURPLE", "b": "RED"}}', {
    ignoreUnknownFields: true,
  });
  t.same(h['colors'], [1, 3], 'skipped in a list');
  t.same({ ...(h['colorMap'] as object) }, { b: 1 }, 'skipped in a map');
  refused(t, Scalars, '{"fEnum": 1.5}', 'expected an enum name');
});

t.test('null for NullValue is its value, also as a oneof member', async (t) => {
  const v = fromJsonString(Holder, '{"choiceNull": null, "null": null, "nulls": [null, null]}');
  t.equal(v['choiceNull'], 0, 'the oneof member is set');
  t.equal(v['choiceText'], undefined);
  t.same(v['nulls'], [0, 0]);
  t.same(toJson(Holder, v), { choiceNull: null, nulls: [null, null] });
  refused(t, Holder, '{"choiceNull": null, "choiceText": "x"}', 'two members set');
  t.equal(fromJsonString(Holder, '{"choiceText": null}')['choiceText'], undefined, 'null for other members: unset');
});

t.test('Timestamp: upper-case T and Z only; Duration and Timestamp ranges', async (t) => {
  refused(t, WellKnown, '{"ts": "2020-01-01t00:00:00Z"}', 'RFC 3339');
  refused(t, WellKnown, '{"ts": "2020-01-01T00:00:00z"}', 'RFC 3339');
  t.same(fromJsonString(WellKnown, '{"ts": "0001-01-01T00:00:00Z"}')['ts'], { seconds: -62135596800n, nanos: 0 });
  refused(t, WellKnown, '{"ts": "0001-01-01T00:00:00+00:01"}', 'outside years 0001..9999');
  refused(t, WellKnown, '{"ts": "9999-12-31T23:59:59-00:01"}', 'outside years 0001..9999');
  t.same(fromJsonString(WellKnown, '{"dur": "-315576000000.999999999s"}')['dur'], {
    seconds: -315576000000n,
    nanos: -999999999,
  });
  refused(t, WellKnown, '{"dur": "-315576000001s"}', 'out of range');
  const print = (v: Record<string, unknown>): unknown => thrown(() => toJson(WellKnown, v));
  t.match(String(print({ dur: { seconds: 315576000001n, nanos: 0 } })), /Duration.*beyond/);
  t.match(String(print({ dur: { seconds: 1n, nanos: -1 } })), /Duration.*sign/);
  t.match(String(print({ ts: { seconds: -62135596801n, nanos: 0 } })), /Timestamp.*outside years/);
  t.match(String(print({ ts: { seconds: 0n, nanos: 1e9 } })), /Timestamp.*nanos/);
});

t.test('FieldMask: paths that would not read back the same are not printed', async (t) => {
  t.same(toJson(WellKnown, { mask: { paths: ['foo_bar', 'a.b_c', 'x1'] } }), { mask: 'fooBar,a.bC,x1' });
  for (const p of ['fooBar', 'foo__bar', 'foo_3_bar', 'foo_']) {
    const err = thrown(() => toJson(WellKnown, { mask: { paths: [p] } }));
    t.ok(err instanceof ProtoError && err.kind === 'json', `${p}: ${String(err)}`);
  }
  refused(t, WellKnown, '{"mask": "foo,bar_bar"}', 'not lowerCamelCase');
});

t.test('a value that contains itself is refused, not a stack overflow', async (t) => {
  const Tree = protos.message('golden.Tree');
  const loop: Record<string, unknown> = { name: 'x' };
  loop['parent'] = loop;
  const err = thrown(() => toJson(Tree, loop));
  t.ok(err instanceof ProtoError && err.kind === 'json', String(err));
  t.match(String(err), 'nested deeper than 100');
  const list: Record<string, unknown> = { values: [] };
  (list['values'] as unknown[]).push({ listValue: list });
  t.match(String(thrown(() => toJson(WellKnown, { list }))), 'nested deeper than 100', 'a ListValue inside itself');
  t.same(toJson(Tree, { name: 'after' }), { name: 'after' }, 'and the next call works');
});
