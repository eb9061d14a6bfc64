/**
 * protobuf text format, as protoc writes and reads it: what toText prints,
 * what fromText accepts (every literal form, lists, maps, Any, comments), and
 * how both refuse — a ProtoError of kind 'text' with line, column and field.
 * (text-format-protoc.test.ts checks the same against protoc itself.)
 */
import t, { type Test } from 'tap';
import * as path from 'node:path';
import { loadProtoSync } from '../../../src/service/load.js';
import { codecFor } from '../../../src/wire/proto/codec.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import type { MessageSchema } from '../../../src/wire/proto/schema.js';
import { fromText, toText } from '../../../src/wire/proto/text-format.js';
import { canon, ROOT, thrown } from '../../golden/values.js';

const protos = loadProtoSync(['golden.proto', 'wkt.proto', 'json/json-text.proto'], {
  includeDirs: [path.join(ROOT, 'test/protos')],
});
const Scalars = protos.message('golden.Scalars');
const Repeated = protos.message('golden.Repeated');
const Maps = protos.message('golden.Maps');
const Oneofs = protos.message('golden.Oneofs');
const Optionals = protos.message('golden.Optionals');
const Tree = protos.message('golden.Tree');
const Person = protos.message('jsontext.Person');
const Holder = protos.message('jsontext.Holder');

function refused(t: Test, schema: MessageSchema, text: string, mentions: RegExp | string): void {
  const err = thrown(() => fromText(schema, text, { registry: protos }));
  t.ok(err instanceof ProtoError && err.kind === 'text', `${JSON.stringify(text)} → ProtoError text (${String(err)})`);
  t.match((err as Error | undefined)?.message ?? '', mentions, 'says what and where');
}

t.test('toText: one field a line, nested messages indented, in field-number order', async (t) => {
  const v = {
    name: 'ada',
    id: 7,
    emails: ['a@b', 'c@d'],
    manager: { name: 'grace', scores: { z: 1, a: 2 } },
    color: 3,
  };
  t.equal(
    toText(Person, v),
    [
      'name: "ada"',
      'id: 7',
      'emails: "a@b"',
      'emails: "c@d"',
      'manager {',
      '  name: "grace"',
      '  scores {',
      '    key: "a"',
      '    value: 2',
      '  }',
      '  scores {',
      '    key: "z"',
      '    value: 1',
      '  }',
      '}',
      'color: BLUE',
      '',
    ].join('\n'),
  );
  t.equal(
    toText(Person, v, { singleLine: true }).split(' manager')[0],
    'name: "ada" id: 7 emails: "a@b" emails: "c@d"',
  );
  t.equal(toText(Person, {}), '', 'an empty message is no text');
  t.equal(
    toText(Person, { name: '', id: 0, color: 0, photo: new Uint8Array() }),
    '',
    'proto3 defaults are not printed',
  );
  t.equal(toText(Optionals, { oInt32: 0, oString: '' }), 'o_int32: 0\no_string: ""\n', 'set optionals are');
  t.equal(toText(Oneofs, { num: 0 }), 'num: 0\n', 'so is a set oneof member');
  t.equal(toText(Person, { color: 42 }), 'color: 42\n', 'an enum number without a name');
});

t.test('toText: scalars as protoc prints them', async (t) => {
  const line = (v: Record<string, unknown>): string => toText(Scalars, v).trimEnd();
  t.equal(line({ fDouble: 0.1 }), 'f_double: 0.1');
  t.equal(line({ fDouble: 1 / 3 }), 'f_double: 0.33333333333333331', '%.17g when %.15g does not read back');
  t.equal(line({ fDouble: 1e100 }), 'f_double: 1e+100');
  t.equal(line({ fDouble: 123456789012 }), 'f_double: 123456789012');
  t.equal(line({ fDouble: -0 }), 'f_double: -0');
  t.equal(line({ fDouble: -Infinity }), 'f_double: -inf');
  t.equal(line({ fFloat: NaN }), 'f_float: nan');
  t.equal(line({ fFloat: Math.fround(0.1) }), 'f_float: 0.1', 'floats at float precision');
  t.equal(line({ fFloat: Math.fround(3.4028235e38) }), 'f_float: 3.40282347e+38');
  t.equal(line({ fFloat: Math.fround(1e-5) }), 'f_float: 1e-05', 'exponents as printf writes them');
  t.equal(line({ fFloat: Math.fround(1 / 3) }), 'f_float: 0.333333343', '%.9g when %.6g does not read back');
  t.equal(line({ fUint64: 2n ** 64n - 1n }), 'f_uint64: 18446744073709551615');
  t.equal(line({ fInt64: 5 }), 'f_int64: 5', 'an int64 given as a safe number');
  t.equal(line({ fBool: true }), 'f_bool: true');
  t.equal(
    line({ fString: 'é\n"\'\\\t\u0001' }),
    String.raw`f_string: "\303\251\n\"\'\\\t\001"`,
    'C escapes, UTF-8 as octal',
  );
  t.equal(line({ fBytes: new Uint8Array([0, 0x7f, 0x80, 0xff, 0x41]) }), String.raw`f_bytes: "\000\177\200\377A"`);
});

t.test('toText refuses a value its field cannot hold, naming the field', async (t) => {
  const cases: [MessageSchema, Record<string, unknown>, string][] = [
    [Scalars, { fInt32: 2 ** 31 }, 'golden.Scalars.f_int32'],
    [Scalars, { fInt32: 1.5 }, 'not an integer'],
    [Scalars, { fUint64: -1n }, 'out of range for uint64'],
    [Scalars, { fString: 5 }, 'not a string'],
    [Scalars, { fString: 'a\ud800' }, 'unpaired surrogate'],
    [Scalars, { fBytes: 'AA==' }, 'Uint8Array'],
    [Repeated, { rInt32: 5 }, 'must be an array'],
    [Person, { manager: 'x' }, 'not a message'],
  ];
  for (const [schema, value, mentions] of cases) {
    const err = thrown(() => toText(schema, value));
    t.ok(err instanceof ProtoError && err.kind === 'text', String(err));
    t.match(String(err), mentions);
  }
  const loop: Record<string, unknown> = { name: 'x' };
  loop['parent'] = loop;
  t.match(String(thrown(() => toText(Tree, loop))), 'nested deeper than 100', 'a value that contains itself');
});

t.test('fromText: every way of writing a field', async (t) => {
  const text = `
    # a comment, and another after a field
    name: 'ada' # here
    id: 0x1F;                      # hex, then a ';'
    emails: ["a", 'b'], emails: "c" # a list, then one more; ',' between fields
    manager < name: "g" "race" >   # <> braces, adjacent strings concatenate
    manager_unused_check_skipped_below: 1
  `;
  refused(t, Person, text, 'no field is named "manager_unused_check_skipped_below"');
  const v = fromText(Person, text.replace(/manager_unused.*\n/, ''));
  t.match(v, { name: 'ada', id: 31, emails: ['a', 'b', 'c'], manager: { name: 'grace' } });
  t.match(fromText(Person, 'manager: { id: 010 } color: 2 scores [{key: "a" value: 1}, {key: "b"}]'), {
    manager: { id: 8 },
    color: 2,
    scores: { a: 1, b: 0 },
  });
  t.same(fromText(Person, 'emails: []')['emails'], [], 'an empty list');
  t.match(fromText(Maps, 'str_nested { key: "k" } bool_bool { value: true } int64_str { key: -5 value: "x" }'), {
    strNested: { k: { a: 0 } },
    boolBool: { false: true },
    int64Str: { '-5': 'x' },
  });
  t.match(fromText(Repeated, 'r_nested [{a: 1}, <a: 2>] r_nested {a: 3}'), { rNested: [{ a: 1 }, { a: 2 }, { a: 3 }] });
});

t.test('fromText: literals', async (t) => {
  /** The value `field: literal` gives its field. */
  const one = (text: string): unknown => {
    const field = Scalars.fields.find((f) => f.name === text.slice(0, text.indexOf(':')))!;
    return fromText(Scalars, text)[field.localName];
  };
  t.equal(one('f_int32: -2147483648'), -2147483648);
  t.equal(one('f_int32: - 0x7fffffff'), -2147483647, 'a sign may stand apart');
  t.equal(one('f_int64: -9223372036854775808'), -(2n ** 63n));
  t.equal(one('f_uint64: 0xFFFFFFFFFFFFFFFF'), 2n ** 64n - 1n);
  t.equal(one('f_fixed32: 037777777777'), 2 ** 32 - 1, 'octal');
  for (const [text, n] of [
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1.', 1],
    ['1e3', 1000],
    ['1.5E-2', 0.015],
    ['2f', 2],
    ['2.5F', 2.5],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['-INF', -Infinity],
    ['18446744073709551616', 18446744073709551616],
  ] as const) {
    t.equal(one(`f_double: ${text}`), n, `double ${text}`);
  }
  t.ok(Number.isNaN(one('f_double: nan')));
  t.ok(Object.is(one('f_double: -0'), -0), '-0');
  t.equal(one('f_float: 0.1'), Math.fround(0.1), 'floats round to float');
  t.equal(one('f_float: 3.4028235e+39'), Infinity, 'beyond float range: inf, as protobuf reads it');
  for (const [text, b] of [
    ['true', true],
    ['True', true],
    ['t', true],
    ['1', true],
    ['false', false],
    ['False', false],
    ['f', false],
    ['0', false],
  ] as const) {
    t.equal(one(`f_bool: ${text}`), b, `bool ${text}`);
  }
  t.equal(one(String.raw`f_string: '\a\b\f\n\r\t\v\?\\\'\"'`), '\x07\b\f\n\r\t\v?\\\'"');
  t.equal(one(String.raw`f_string: '\341\210\264' "\xe1\x88\xb4" '\u1234' "\U00010437" 'é😀'`), 'ሴሴሴ𐐷é😀');
  t.same([...(one(String.raw`f_bytes: '\0\1\377\xff\x0A\u00e9'`) as Uint8Array)], [0, 1, 255, 255, 10, 0xc3, 0xa9]);
  t.same([...(one(String.raw`f_bytes: '\300'`) as Uint8Array)], [0xc0], 'bytes need not be UTF-8');
  t.equal(one('f_enum: BLUE'), 3);
  t.equal(one('f_enum: -1'), -1, 'an enum by number');
  t.equal(one('f_enum: 77'), 77, 'an open enum keeps any number');
});

t.test('fromText refuses, with line and column', async (t) => {
  refused(t, Scalars, 'f_int32: 2147483648', /line 1, column 10.*f_int32.*out of range for int32/);
  refused(t, Scalars, 'f_int32: -2147483649', 'out of range');
  refused(t, Scalars, 'f_uint32: -1', 'no negative values');
  refused(t, Scalars, 'f_uint64: 0x10000000000000000', 'out of range');
  refused(t, Scalars, 'f_int32: 1.0', 'expected an integer');
  refused(t, Scalars, 'f_int32: 1e5', 'expected an integer');
  refused(t, Scalars, 'f_int32: 09', 'leading zero is octal');
  refused(t, Scalars, 'f_int32: 1x', 'must not run into');
  refused(t, Scalars, 'f_int32 1', 'expected ":"');
  refused(t, Scalars, 'f_bool: 2', 'expected true or false');
  refused(t, Scalars, 'f_bool: yes', 'expected true or false');
  refused(t, Scalars, 'f_double: "1"', 'expected a number');
  refused(t, Scalars, 'f_enum: PURPLE', '"PURPLE" is not a value of enum golden.Color');
  refused(t, Scalars, 'f_string: 5', 'expected a string');
  refused(t, Scalars, String.raw`f_string: '\300'`, 'not valid UTF-8');
  refused(t, Scalars, String.raw`f_string: '\xc0'`, 'not valid UTF-8');
  refused(t, Scalars, "f_string: 'first line\nsecond line'", 'must not span lines');
  refused(t, Scalars, "f_string: 'open", 'unterminated string');
  refused(t, Scalars, String.raw`f_string: '\U00110000'`, 'beyond U+10FFFF');
  for (const esc of [String.raw`\ud801\udc37`, String.raw`\ud800`, String.raw`\udc00`, String.raw`\U0000d800`]) {
    refused(t, Scalars, `f_bytes: '${esc}'`, 'surrogate');
  }
  refused(t, Scalars, String.raw`f_string: '\q'`, 'unknown escape');
  refused(t, Scalars, String.raw`f_string: '\x'`, 'hex digits');
  refused(t, Scalars, 'f_string: "\ud800"', 'unpaired surrogate');
  refused(t, Scalars, 'f_int32: 1 f_int32: 2', /line 1, column 12.*given twice/);
  refused(t, Oneofs, 'num: 1\ntext: "x"', /line 2, column 1.*"num" of the same oneof "kind"/);
  refused(t, Scalars, 'nope: 1', 'no field is named "nope"');
  refused(t, Scalars, 'f_int32: [1, 2]', 'not repeated');
  refused(t, Repeated, 'r_int32: [1 2]', 'expected ","');
  refused(t, Repeated, 'r_nested { a: 1 ', 'expected "}" to close');
  refused(t, Repeated, 'r_nested { a: 1 >', 'expected a field name');
  refused(t, Repeated, 'r_nested: 5', 'expected "{" or "<"');
  refused(t, Maps, 'str_str { key: "a" key: "b" }', "entry's key is given twice");
  refused(t, Maps, 'str_str { k: "a" }', 'expected key, value');
  refused(t, Scalars, '[pkg.ext]: 1', 'no extension of that name');
  refused(t, Scalars, 'f_int32: 1 @', 'unexpected character "@"');
  refused(t, Tree, `${'parent { '.repeat(101)}${'} '.repeat(101)}`, 'nested deeper than 100');
});

t.test('Any: expanded with the registry, both ways', async (t) => {
  const text = 'any {\n  [type.googleapis.com/jsontext.Person] {\n    name: "ada"\n  }\n}\n';
  const v = fromText(Holder, text, { registry: protos });
  const any = v['any'] as Record<string, unknown>;
  t.equal(any['typeUrl'], 'type.googleapis.com/jsontext.Person');
  t.match(codecFor(Person).decode(any['value'] as Uint8Array), { name: 'ada' });
  t.equal(toText(Holder, v, { registry: protos }), text, 'expanded when the registry knows the type');
  t.equal(
    toText(Holder, v),
    'any {\n  type_url: "type.googleapis.com/jsontext.Person"\n  value: "\\n\\003ada"\n}\n',
    'raw without a registry (as protoc --decode prints it)',
  );
  t.strictSame(canon(fromText(Holder, toText(Holder, v))), canon(v), 'the raw form reads back too');
  refused(
    t,
    Holder,
    'any { [type.googleapis.com/no.Such] {} }',
    'type.googleapis.com/no.Such is not in the type registry',
  );
  refused(t, Holder, 'any { type_url: "x/y" [type.googleapis.com/jsontext.Person] {} }', 'given with type_url');
  refused(t, Holder, 'any { [type.googleapis.com/jsontext.Person] {} value: "" }', 'given twice');
  refused(t, Holder, 'd: 1 [type.googleapis.com/jsontext.Person] {}', 'the form of an Any only');
  const noRegistry = thrown(() => fromText(Holder, text));
  t.match(String(noRegistry), 'no type registry', 'without a registry the expanded form cannot be read');
});

t.test('round trip: fromText(toText(v)) is v', async (t) => {
  const v = {
    big: -(2n ** 63n),
    ubig: 2n ** 64n - 1n,
    d: -1.7976931348623157e308,
    s: 'tab\there 😀 \u0000',
    colors: [0, 1, 99],
    colorMap: { x: 2 },
    nulls: [0],
    choiceText: '',
    dur: { seconds: -5n, nanos: -1 },
  };
  const parsed = fromText(Holder, toText(Holder, v, { registry: protos }), { registry: protos });
  t.match(parsed, v);
  t.strictSame(canon(fromText(Holder, toText(Holder, v, { singleLine: true }))), canon(parsed), 'single line too');
});

t.test('floats are decimal: hex and octal integers are refused for float and double', async (t) => {
  for (const text of ['0x1', '-0x1', '012', '-012']) refused(t, Scalars, `f_float: ${text}`, 'is decimal');
  t.equal(fromText(Scalars, 'f_double: 0')['fDouble'], 0);
  t.ok(Object.is(fromText(Scalars, 'f_float: -0f')['fFloat'], -0), '-0 stays -0 (and prints, unlike 0)');
  t.equal(toText(Scalars, { fFloat: -0 }), 'f_float: -0\n');
  t.equal(fromText(Scalars, 'f_double: 1e18446744073709551616')['fDouble'], Infinity, 'overflow is inf');
  t.ok(Object.is(fromText(Scalars, 'f_double: -1e-18446744073709551616')['fDouble'], -0), 'underflow is ±0');
  t.equal(fromText(Scalars, 'f_float: -1e50')['fFloat'], -Infinity);
});

t.test('separators: one "," or ";" after a field, "," between list elements', async (t) => {
  t.match(fromText(Person, 'name: "a", id: 1; emails: ["x", "y"],'), { name: 'a', id: 1, emails: ['x', 'y'] });
  t.match(fromText(Person, 'manager { id: 1; }'), { manager: { id: 1 } });
  refused(t, Person, 'id: 1,,', 'expected a field name');
  refused(t, Person, 'id: 1;;', 'expected a field name');
  refused(t, Person, 'manager { id: 1,, }', 'expected a field name');
  refused(t, Repeated, 'r_int32: [1;2]', 'expected ","');
  refused(t, Repeated, 'r_int32: [1,]', 'expected an integer');
  refused(t, Repeated, 'r_int32: [1,,2]', 'expected an integer');
  t.same(fromText(Repeated, 'r_string: ["a" "b"]')['rString'], ['ab'], 'adjacent strings in a list are one value');
});

t.test('groups by their type name (and their field name); reserved names skipped', async (t) => {
  // Schemas as the proto2 loader makes them: a group is a delimited message field, `reserved "old";`.
  const Data = {
    typeName: 'p.M.Data',
    fields: [{ no: 1, name: 'a', localName: 'a', jsonName: 'a', kind: 'scalar', scalar: 'int32', optional: true }],
  };
  const M = {
    typeName: 'p.M',
    reservedNames: ['old'],
    fields: [
      { no: 2, name: 'data', localName: 'data', jsonName: 'data', kind: 'message', message: Data, delimited: true },
      { no: 3, name: 'other', localName: 'other', jsonName: 'other', kind: 'message', message: Data, delimited: true },
    ],
  } as unknown as MessageSchema;
  t.equal(
    toText(M, { data: { a: 1 }, other: {} }),
    'Data {\n  a: 1\n}\nother {\n}\n',
    'a group-like field by its type name',
  );
  t.match(fromText(M, 'Data { a: 1 }'), { data: { a: 1 } });
  t.match(fromText(M, 'data: { a: 2 }'), { data: { a: 2 } }, 'the lower-case field name is accepted too');
  t.match(fromText(M, 'other {}'), { other: {} }, 'a delimited field that is not group-like: by its field name');
  const Multi = { typeName: 'p.M.MultiWordGroup', fields: Data.fields };
  const N = {
    typeName: 'p.N',
    fields: [
      {
        no: 1,
        name: 'multiWordGroup',
        localName: 'multiWordGroup',
        jsonName: 'multiWordGroup',
        kind: 'message',
        message: Multi,
        delimited: true,
      },
    ],
  } as unknown as MessageSchema;
  t.equal(
    toText(N, { multiWordGroup: { a: 1 } }),
    'MultiWordGroup {\n  a: 1\n}\n',
    'a multi-word group by its type name',
  );
  for (const name of ['MultiWordGroup', 'multiwordgroup', 'multiWordGroup']) {
    t.match(fromText(N, `${name} { a: 2 }`), { multiWordGroup: { a: 2 } }, `read as ${name}`);
  }
  refused(t, M, 'Other {}', 'no field is named "Other"');
  for (const value of [
    'true',
    '-123',
    '0.123',
    'ENUM_VALUE',
    '"hello" "x"',
    '{ a: 123 }',
    'a < b: { } >',
    '[-123, 456]',
    '[0.123, 1e-10]',
    '["a", "b"]',
    '[{ x: 1 }, <>]',
  ]) {
    const text = `old${value.startsWith('{') || value.startsWith('a <') ? ' ' : ': '}${value.replace(/^a /, '')} Data { a: 3 }`;
    t.match(fromText(M, text), { data: { a: 3 } }, `reserved: ${text}`);
  }
  refused(t, M, 'old: { a: 1 ', 'ends inside a message');
  refused(t, M, 'old: }', 'expected a value');
  refused(t, M, 'newer: 1', 'no field is named "newer"');
  t.same(Person.reservedNames, ['nickname', 'age'], 'the loader keeps reserved names');
  t.match(fromText(Person, 'nickname: "ada" age: [1, 2] name: "ada"'), { name: 'ada' }, 'skipped in a loaded message');
});
