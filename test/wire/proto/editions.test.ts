/**
 * Edition 2023 (editions.proto): the resolved features decide the wire
 * behaviour — presence EXPLICIT / IMPLICIT / LEGACY_REQUIRED, OPEN and CLOSED
 * enums, PACKED and EXPANDED repeated fields, DELIMITED messages, defaults.
 *
 * Checked differentially against @bufbuild/protobuf (which passes the whole
 * conformance suite): the same values give the same bytes, and both decode
 * the same bytes to the same values. bufbuild gets the file as a descriptor
 * written out below (its features as protoc would resolve them), wiregrpc
 * parses the .proto.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { create, createFileRegistry, fromBinary, isFieldSet, toBinary, type DescMessage } from '@bufbuild/protobuf';
import {
  Edition,
  FeatureSet_EnumType,
  FeatureSet_FieldPresence,
  FeatureSet_MessageEncoding,
  FeatureSet_RepeatedFieldEncoding,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import { loadProtoSync } from '../../../src/service/load.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import { unknownFields } from '../../../src/wire/proto/unknown.js';
import { fromHex, thrown, toHex } from '../../golden/values.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIR = HERE.includes(`${path.sep}dist${path.sep}`) ? path.resolve(HERE, '../../../../test/wire/proto') : HERE;
const ours = loadProtoSync(path.join(DIR, 'editions.proto')).codec('ed.M');

const field = (name: string, number: number, type: Type, more: object = {}) => ({
  name,
  number,
  type,
  label: Label.OPTIONAL,
  jsonName: name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
  ...more,
});
const file = create(FileDescriptorProtoSchema, {
  name: 'editions.proto',
  package: 'ed',
  syntax: 'editions',
  edition: Edition.EDITION_2023,
  messageType: [
    { name: 'Leaf', field: [field('a', 1, Type.INT32)] },
    {
      name: 'M',
      field: [
        field('explicit_int', 1, Type.INT32),
        field('implicit_int', 2, Type.INT32, {
          options: { features: { fieldPresence: FeatureSet_FieldPresence.IMPLICIT } },
        }),
        field('req', 3, Type.INT32, {
          options: { features: { fieldPresence: FeatureSet_FieldPresence.LEGACY_REQUIRED } },
        }),
        field('packed', 4, Type.INT32, { label: Label.REPEATED }),
        field('expanded', 5, Type.INT32, {
          label: Label.REPEATED,
          options: { features: { repeatedFieldEncoding: FeatureSet_RepeatedFieldEncoding.EXPANDED } },
        }),
        field('delimited', 6, Type.GROUP, {
          typeName: '.ed.Leaf',
          options: { features: { messageEncoding: FeatureSet_MessageEncoding.DELIMITED } },
        }),
        field('open_enum', 7, Type.ENUM, { typeName: '.ed.Open' }),
        field('closed_enum', 8, Type.ENUM, { typeName: '.ed.Closed' }),
        field('s', 9, Type.STRING),
        field('with_default', 10, Type.INT32, { defaultValue: '7' }),
        field('leaves', 11, Type.GROUP, {
          label: Label.REPEATED,
          typeName: '.ed.Leaf',
          options: { features: { messageEncoding: FeatureSet_MessageEncoding.DELIMITED } },
        }),
      ],
    },
  ],
  enumType: [
    {
      name: 'Open',
      value: [
        { name: 'OPEN_ZERO', number: 0 },
        { name: 'OPEN_ONE', number: 1 },
      ],
    },
    {
      name: 'Closed',
      options: { features: { enumType: FeatureSet_EnumType.CLOSED } },
      value: [
        { name: 'CLOSED_ONE', number: 1 },
        { name: 'CLOSED_TWO', number: 2 },
      ],
    },
  ],
});
const desc = createFileRegistry(file, () => undefined).getMessage('ed.M') as DescMessage;

const FIELDS = ['explicitInt', 'implicitInt', 'req', 'packed', 'expanded', 'openEnum', 'closedEnum', 's', 'leaves'];
/** The fields both sides represent alike (bufbuild messages carry $typeName; a set default is own). */
function plain(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of FIELDS) out[k] = m[k];
  const d = m['delimited'] as Record<string, unknown> | undefined;
  out['delimited'] = d === undefined ? undefined : { a: d['a'] };
  out['leaves'] = (m['leaves'] as Record<string, unknown>[]).map((l) => ({ a: l['a'] }));
  out['withDefault'] = m['withDefault'];
  return out;
}

const VALUES: Record<string, unknown>[] = [
  { req: 0 },
  { req: 1, explicitInt: 0, implicitInt: 0 },
  { req: -5, explicitInt: 3, implicitInt: 4, s: '' },
  { req: 2, packed: [1, 2, 300], expanded: [1, 2, 300] },
  { req: 2, delimited: { a: 9 }, leaves: [{ a: 1 }, { a: 0 }] },
  { req: 2, openEnum: 0, closedEnum: 2 },
  { req: 2, openEnum: 5, closedEnum: 1, withDefault: 7 },
  { req: 2, s: 'héllo', withDefault: 0 },
];

t.test('the same values give the same bytes as @bufbuild/protobuf', async (t) => {
  for (const v of VALUES) {
    const theirs = toHex(toBinary(desc, create(desc, v as never)));
    t.equal(toHex(ours.encode(v)), theirs, JSON.stringify(v));
  }
});

t.test('both decode the same bytes to the same values', async (t) => {
  for (const v of VALUES) {
    const bytes = toBinary(desc, create(desc, v as never));
    const a = plain(ours.decode(bytes));
    const theirs = fromBinary(desc, bytes);
    // bufbuild shows an unset field with presence as its default; wiregrpc as undefined (schema.ts).
    const b = plain(theirs as unknown as Record<string, unknown>);
    for (const f of desc.fields)
      if (f.presence !== 2 /* IMPLICIT */ && f.fieldKind !== 'list' && !isFieldSet(theirs, f) && f.localName in b)
        b[f.localName] = f.localName === 'withDefault' ? 7 : undefined;
    t.same(a, b, JSON.stringify(v));
  }
});

t.test('the features, one by one', async (t) => {
  t.equal(toHex(ours.encode({ req: 0, explicitInt: 0 })), '0800' + '1800', 'EXPLICIT: a set zero is written');
  t.equal(toHex(ours.encode({ req: 0, implicitInt: 0 })), '1800', 'IMPLICIT: zero is not');
  t.equal(toHex(ours.encode({ req: 0, packed: [1, 2] })), '1800' + '22020102', 'PACKED by default');
  t.equal(toHex(ours.encode({ req: 0, expanded: [1, 2] })), '1800' + '28012802', 'EXPANDED');
  t.equal(toHex(ours.encode({ req: 0, delimited: { a: 1 } })), '1800' + '33' + '0801' + '34', 'DELIMITED');
  const err = thrown(() => ours.encode({}));
  t.ok(err instanceof ProtoError && /ed\.M\.req/.test(err.message), `LEGACY_REQUIRED: ${String(err)}`);
  const closed = ours.decode(fromHex('1800' + '4005'));
  t.equal(closed['closedEnum'], undefined, 'CLOSED: an unknown number is not stored');
  t.same(unknownFields(closed).map(toHex), ['4005'], 'but kept as an unknown field');
  t.equal(ours.decode(fromHex('1800' + '3805'))['openEnum'], 5, 'OPEN: any number is kept');
  t.equal(ours.decode(fromHex('1800'))['withDefault'], 7, 'an unset field reads as its default');
});
