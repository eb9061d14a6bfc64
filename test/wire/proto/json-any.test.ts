/**
 * google.protobuf.Any in proto3 JSON: the packed message's fields beside
 * "@type", or a well-known type's own form under "value"; the type comes from
 * a registry (a ProtoSet, or typeRegistry(...schemas)), and a type URL the
 * registry does not know is an error naming it.
 */
import t from 'tap';
import * as path from 'node:path';
import { loadProtoSync } from '../../../src/service/load.js';
import { codecFor } from '../../../src/wire/proto/codec.js';
import { ProtoError } from '../../../src/wire/proto/error.js';
import { fromJsonString, toJson, toJsonString } from '../../../src/wire/proto/json.js';
import { typeRegistry } from '../../../src/wire/proto/json-registry.js';
import { ROOT, thrown } from '../../golden/values.js';

const protos = loadProtoSync(['json/json-text.proto', 'wkt.proto'], { includeDirs: [path.join(ROOT, 'test/protos')] });
const Holder = protos.message('jsontext.Holder');
const Person = protos.message('jsontext.Person');
const Duration = protos.message('google.protobuf.Duration');
const Any = protos.message('google.protobuf.Any');
const options = { registry: protos };

const packed = (typeName: string, value: Record<string, unknown>): Record<string, unknown> => ({
  typeUrl: `type.googleapis.com/${typeName}`,
  value: protos.codec(typeName).encode(value),
});

t.test('a message in an Any: its fields beside "@type", both ways', async (t) => {
  const text = '{"any":{"@type":"type.googleapis.com/jsontext.Person","name":"ada","id":7,"emails":["a@b"]}}';
  const v = fromJsonString(Holder, text, options);
  const any = v['any'] as Record<string, unknown>;
  t.equal(any['typeUrl'], 'type.googleapis.com/jsontext.Person');
  t.match(codecFor(Person).decode(any['value'] as Uint8Array), { name: 'ada', id: 7, emails: ['a@b'] });
  t.equal(toJsonString(Holder, v, options), text, 'and back');
  t.same(toJson(Holder, { any: packed('jsontext.Person', { name: 'x' }) }, options), {
    any: { '@type': 'type.googleapis.com/jsontext.Person', name: 'x' },
  });
  const anyUrl = fromJsonString(Holder, '{"any": {"name": "x", "@type": "example.com/a/b/jsontext.Person"}}', options);
  t.equal((anyUrl['any'] as Record<string, unknown>)['typeUrl'], 'example.com/a/b/jsontext.Person', 'any URL prefix');
});

t.test('a well-known type in an Any: its own JSON form under "value"', async (t) => {
  const dur = { any: packed('google.protobuf.Duration', { seconds: 1n, nanos: 500000000 }) };
  const json = { any: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1.500s' } };
  t.same(toJson(Holder, dur, options), json);
  const back = fromJsonString(Holder, JSON.stringify(json), options)['any'] as Record<string, unknown>;
  t.same(codecFor(Duration).decode(back['value'] as Uint8Array), { seconds: 1n, nanos: 500000000 });
  const nested = {
    '@type': 'type.googleapis.com/google.protobuf.Any',
    value: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { a: [1, 'b'] } },
  };
  const v = fromJsonString(Holder, JSON.stringify({ anys: [nested, {}] }), options);
  t.same(toJson(Holder, v, options), { anys: [nested, {}] }, 'an Any in an Any, a Struct in that; {} is the empty Any');
  const empty = { '@type': 'type.googleapis.com/google.protobuf.Empty' };
  t.same(toJson(Any, fromJsonString(Any, JSON.stringify(empty), options), options), empty, 'Empty is a plain message');
});

t.test('what an Any refuses, naming the type URL', async (t) => {
  const refused = (text: string, mentions: string | RegExp, opts: object = options): void => {
    const err = thrown(() => fromJsonString(Holder, text, opts));
    t.ok(err instanceof ProtoError && err.kind === 'json', `${text}: ${String(err)}`);
    t.match(String(err), mentions);
  };
  refused('{"any": {"@type": "type.googleapis.com/no.Such"}}', 'type.googleapis.com/no.Such');
  refused('{"any": {"@type": "type.googleapis.com/jsontext.Person"}}', 'no type registry', {});
  refused('{"any": {"name": "x"}}', 'needs "@type"');
  refused('{"any": {"@type": 5}}', 'expected a string');
  refused('{"any": {"@type": "jsontext.Person"}}', 'not a type URL');
  refused('{"any": {"@type": "type.googleapis.com/jsontext.Person", "nope": 1}}', 'unknown field "nope"');
  refused('{"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "seconds": 1}}', 'unknown key "seconds"');
  refused('{"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": 1}}', /Duration at any\.value/);
  const print = thrown(() =>
    toJson(Holder, { any: packed('jsontext.Person', {}) }, { registry: typeRegistry(Duration) }),
  );
  t.ok(print instanceof ProtoError && print.kind === 'json', String(print));
  t.match(String(print), 'type.googleapis.com/jsontext.Person', 'printing an Any of an unknown type names its URL');
  const garbage = { any: { typeUrl: 'type.googleapis.com/jsontext.Person', value: new Uint8Array([0xff]) } };
  t.match(String(thrown(() => toJson(Holder, garbage, options))), 'is not a valid jsontext.Person');
});

t.test('typeRegistry: the given schemas and every message they reach', async (t) => {
  const registry = typeRegistry(Holder);
  t.equal(registry.findMessage('jsontext.Holder'), Holder);
  t.equal(registry.findMessage('google.protobuf.Duration')?.typeName, 'google.protobuf.Duration');
  t.equal(registry.findMessage('jsontext.Person'), undefined, 'Person is only reachable through an Any');
  t.equal(protos.findMessage('jsontext.Person'), Person, 'a ProtoSet finds every message it loaded');
  t.equal(protos.findMessage('golden.Color'), undefined, 'an enum is no message');
});
