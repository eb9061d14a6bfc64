/**
 * Extensions (binary): an extension whose declaration is loaded is a field of
 * the extended message, keyed by its full name (`{ 'ext.note': 'x' }`, JSON
 * name `[ext.note]`); one that is not loaded stays an unknown field, kept and
 * written back (codec-proto2.test.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadProtoSync } from '../../../src/service/load.js';
import { fromHex, toHex } from '../../golden/values.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIR = HERE.includes(`${path.sep}dist${path.sep}`) ? path.resolve(HERE, '../../../../test/wire/proto') : HERE;
const set = loadProtoSync(path.join(DIR, 'extensions.proto'));
const codec = set.codec('ext.Base');

t.test('an extension is a field of the extended message, named by its full name', async (t) => {
  const note = set.message('ext.Base').fields.find((f) => f.no === 100);
  t.match(note, {
    name: 'ext.note',
    localName: 'ext.note',
    jsonName: '[ext.note]',
    extension: 'ext.note',
    optional: true,
  });
  const nested = set.message('ext.Base').fields.find((f) => f.no === 102);
  t.match(nested, { localName: 'ext.Holder.nested', kind: 'message' });
});

t.test('extensions on the wire: their numbers, in field-number order with the rest', async (t) => {
  const hex = toHex(codec.encode({ a: 1, 'ext.note': 'x', 'ext.nums': [1, 2], 'ext.Holder.nested': { a: 2 } }));
  t.equal(hex, '0801' + 'a20601' + '78' + 'a80601' + 'a80602' + 'b2060208' + '02');
  const back = codec.decode(fromHex(hex));
  t.equal(back['ext.note'], 'x');
  t.same(back['ext.nums'], [1, 2]);
  t.same(back['ext.Holder.nested'], { a: 2, 'ext.nums': [] }, 'a Base too: its repeated extension starts empty');
  t.equal(toHex(codec.encode(back)), hex);
});

t.test('ProtoSet.codec passes the codec options on', async (t) => {
  const discarding = set.codec('ext.Base', { discardUnknownFields: true });
  t.not(discarding, codec);
  t.equal(set.codec('ext.Base', { discardUnknownFields: true }), discarding, 'built once per options too');
  t.same(Object.getOwnPropertySymbols(discarding.decode(fromHex('0801f80c01'))), [], 'field 201: dropped');
  t.same(Object.getOwnPropertySymbols(codec.decode(fromHex('0801f80c01'))).length, 1, 'field 201: kept');
});
