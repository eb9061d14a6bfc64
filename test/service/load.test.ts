// Loading .proto files: protobufjs parses, we turn its reflection into plain
// schemas (src/wire/proto/schema.ts) and service definitions (src/service/definition.ts).
import t from 'tap';
import protobuf from 'protobufjs';
import { loadProto, loadProtoSync } from '../../src/service/load.js';
import { defineService } from '../../src/service/define.js';
import { codecFor } from '../../src/wire/proto/codec.js';
import type { FieldSchema, MessageSchema } from '../../src/wire/proto/schema.js';

const DIR = 'test/protos/loader';
const INC = `${DIR}/inc`;

function field(schema: MessageSchema, name: string): FieldSchema {
  const found = schema.fields.find((f) => f.name === name);
  if (found === undefined) throw new Error(`${schema.typeName} has no field ${name}`);
  return found;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

t.test('userinfo.proto: the service definition a client and server share', async (t) => {
  const set = loadProtoSync('proto/userinfo.proto');
  const def = set.service('proto.UserInfo');
  t.equal(def.typeName, 'proto.UserInfo');
  t.same(Object.keys(def.methods), ['GetUserInfo']);
  const m = def.methods.GetUserInfo!;
  t.equal(m.name, 'GetUserInfo');
  t.equal(m.localName, 'getUserInfo');
  t.equal(m.path, '/proto.UserInfo/GetUserInfo');
  t.equal(m.shape, 'unary');
  t.equal(m.input.schema.typeName, 'proto.UserRequest');
  t.equal(m.output.schema.typeName, 'proto.UserResponse');
  t.equal(m.output.schema, set.message('proto.UserResponse'), 'one schema object per type');
  t.equal(set.service('.proto.UserInfo'), def, 'definitions are built once; a leading dot is accepted');
  t.same(
    set.services().map((s) => s.typeName),
    ['proto.UserInfo'],
  );

  t.same(set.message('proto.UserResponse').fields, [
    { no: 1, name: 'id', localName: 'id', jsonName: 'id', kind: 'scalar', scalar: 'int32' },
    { no: 2, name: 'name', localName: 'name', jsonName: 'name', kind: 'scalar', scalar: 'string' },
    { no: 3, name: 'age', localName: 'age', jsonName: 'age', kind: 'scalar', scalar: 'int32' },
    { no: 4, name: 'hobby', localName: 'hobby', jsonName: 'hobby', kind: 'scalar', scalar: 'string', repeated: true },
  ]);

  // The codec comes from src/wire/proto/codec.ts, built from the loaded schema.
  const bytes = m.output.encode({ id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] });
  t.equal(hex(bytes), '08011203666f6f180c2206656174696e672205736c656570');
  t.same(m.output.decode(bytes), { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] });
  t.equal(set.codec('proto.UserResponse'), m.output);
});

t.test('call shapes come from the stream keywords', async (t) => {
  const def = loadProtoSync(`${DIR}/kitchen.proto`, { includeDirs: [INC] }).service('loader.test.Kitchens');
  const shapes = Object.fromEntries(Object.values(def.methods).map((m) => [m.name, m.shape]));
  t.same(shapes, { Get: 'unary', Watch: 'server_streaming', Upload: 'client_streaming', Chat: 'bidi_streaming' });
  t.equal(def.methods.Watch!.path, '/loader.test.Kitchens/Watch');
  t.equal(def.methods.Watch!.output.schema.typeName, 'loader.test.Pong');
});

t.test('files and imports are found like protoc -I', async (t) => {
  // An import next to the importing file (sub/sibling.proto), one through an
  // include dir (shared/common.proto, also imported by sibling.proto itself).
  const set = loadProtoSync(`${DIR}/kitchen.proto`, { includeDirs: [INC] });
  t.equal(set.message('loader.sub.Sibling').fields[0]!.kind, 'message');
  t.equal(
    (field(set.message('loader.sub.Sibling'), 'common') as { message: MessageSchema }).message,
    set.message('loader.shared.Common'),
  );
  const files = set.root.files.filter((f) => f.endsWith('common.proto'));
  t.equal(files.length, 1, 'a file imported twice is loaded once');

  // A top-level file named relative to an include dir.
  const viaInclude = loadProtoSync('kitchen.proto', { includeDirs: [DIR, INC] });
  t.ok(viaInclude.message('loader.test.Kitchen'));

  // Without the include dir, the import can't be found; the error says which, from where, and where we looked.
  t.throws(() => loadProtoSync(`${DIR}/kitchen.proto`), {
    name: 'ProtoFileError',
    file: 'test/protos/loader/kitchen.proto',
    line: 9,
    column: 8,
    message:
      /^test\/protos\/loader\/kitchen\.proto:9:8: cannot find import "shared\/common\.proto" \(looked in: \S*test\/protos\/loader\/shared\/common\.proto\)$/,
  });
  t.throws(() => loadProtoSync(`${DIR}/broken-import.proto`), /cannot find import "does\/not\/exist\.proto"/);
  t.throws(
    () => loadProtoSync(`${DIR}/nope.proto`, { includeDirs: [INC] }),
    /^test\/protos\/loader\/nope\.proto: cannot find the file \(looked in: .*inc/,
  );
  t.throws(() => loadProtoSync([]), /no \.proto files/);
  // A syntax error names file, line and column, as compilers do.
  t.throws(() => loadProtoSync(`${DIR}/syntax-error.proto`), {
    name: 'ProtoFileError',
    message: "test/protos/loader/syntax-error.proto:3:23: illegal id ';'",
    line: 3,
    column: 23,
  });
  await t.rejects(loadProto(`${DIR}/syntax-error.proto`), { message: /syntax-error\.proto:3:23: illegal id/ });

  await t.rejects(loadProto(`${DIR}/kitchen.proto`), /cannot find import "shared\/common\.proto"/);
  const async = await loadProto(`${DIR}/kitchen.proto`, { includeDirs: [INC] });
  t.same(async.message('loader.test.Kitchen'), set.message('loader.test.Kitchen'), 'async load gives the same schemas');
});

t.test('a mistake in a .proto is a ProtoFileError naming file, line and column, sync and async alike', async (t) => {
  const dir = t.testdir({
    'unresolved.proto': 'syntax = "proto3";\npackage bad;\nmessage C {\n  string a = 1;\n  Missing m = 2;\n}\n',
    'imports-unresolved.proto': 'syntax = "proto3";\nimport "unresolved.proto";\nmessage D { bad.C c = 1; }\n',
    'bad-token.proto': 'syntax = "proto3";\nmessage A {\n  string b = 2 int32 c = 3;\n}\n',
  });
  const unresolved = {
    name: 'ProtoFileError',
    problem: "no such type 'Missing' (in message bad.C)",
    line: 5,
    column: 3,
    file: /unresolved\.proto$/,
  };
  t.throws(() => loadProtoSync(`${dir}/unresolved.proto`), unresolved);
  // protobufjs's own async load throws this from a file-read callback, out of reach of any catch: the process
  // died. Ours rejects.
  await t.rejects(loadProto(`${dir}/unresolved.proto`), unresolved);
  t.throws(() => loadProtoSync(`${dir}/imports-unresolved.proto`), unresolved, 'found in the imported file');
  t.throws(() => loadProtoSync(`${dir}/bad-token.proto`), {
    name: 'ProtoFileError',
    message: /bad-token\.proto:3:16: illegal token 'int32', ';' expected$/,
  });
  await t.rejects(loadProto(`${dir}/missing.proto`), { name: 'ProtoFileError', message: /cannot find the file/ });
});

t.test('well-known types are importable and become ordinary schemas', async (t) => {
  const set = loadProtoSync(`${DIR}/kitchen.proto`, { includeDirs: [INC] });
  t.same(
    set.message('google.protobuf.Timestamp').fields.map((f) => [f.name, f.kind === 'scalar' && f.scalar]),
    [
      ['seconds', 'int64'],
      ['nanos', 'int32'],
    ],
  );
  const value = set.message('google.protobuf.Value');
  t.same(
    value.fields.map((f) => [f.localName, f.oneof]),
    [
      ['nullValue', 'kind'],
      ['numberValue', 'kind'],
      ['stringValue', 'kind'],
      ['boolValue', 'kind'],
      ['structValue', 'kind'],
      ['listValue', 'kind'],
    ],
  );
  const struct = field(set.message('google.protobuf.Struct'), 'fields');
  t.match(struct, { kind: 'map', key: 'string', value: { kind: 'message' } });
  t.equal(struct.kind === 'map' && struct.value.kind === 'message' && struct.value.message, value);
  // descriptor.proto is not bundled in protobufjs's JS, only as a file beside it.
  t.match(set.enum('google.protobuf.FieldDescriptorProto.Type').values, [{ name: 'TYPE_DOUBLE', no: 1 }]);
});

t.test('field shapes: presence, oneofs, packing, maps, names', async (t) => {
  const k = loadProtoSync(`${DIR}/kitchen.proto`, { includeDirs: [INC] }).message('loader.test.Kitchen');
  t.same(field(k, 'plain'), {
    no: 1,
    name: 'plain',
    localName: 'plain',
    jsonName: 'plain',
    kind: 'scalar',
    scalar: 'int32',
  });

  // proto3 `optional` is explicit presence, not a oneof (protobufjs models it as a synthetic oneof `_maybe`).
  t.match(field(k, 'maybe'), { optional: true, oneof: undefined });
  t.match(field(k, 'maybe_mood'), { kind: 'enum', optional: true, oneof: undefined });
  t.notOk(k.fields.some((f) => f.oneof === '_maybe' || f.oneof === '_maybe_mood'));
  // A real oneof: members name it, and have no separate `optional`.
  t.match(field(k, 'text'), { oneof: 'choice', optional: undefined, kind: 'scalar' });
  t.match(field(k, 'nested_kitchen'), { oneof: 'choice', kind: 'message', localName: 'nestedKitchen' });
  t.notOk('optional' in field(k, 'plain'));

  t.match(field(k, 'packed_nums'), { repeated: true, packed: true });
  t.match(field(k, 'loose_nums'), { repeated: true, packed: false });
  t.match(field(k, 'moods'), { kind: 'enum', repeated: true, packed: true });
  t.notOk('packed' in field(k, 'names'), 'strings are never packed');

  t.match(field(k, 'by_name'), { kind: 'map', key: 'string', value: { kind: 'message', message: k } });
  t.match(field(k, 'mood_by_id'), { kind: 'map', key: 'int64', value: { kind: 'enum' } });
  t.match(field(k, 'blobs'), { kind: 'map', key: 'bool', value: { kind: 'scalar', scalar: 'bytes' } });

  t.match(field(k, 'user_name'), { localName: 'userName', jsonName: 'userName' });
  t.match(field(k, 'renamed'), { localName: 'renamed', jsonName: 'otherName' }, 'json_name is honoured');
  t.match(
    field(k, 'constructor'),
    { localName: 'constructor$', jsonName: 'constructor' },
    'Object.prototype names get a $ in JS',
  );
  t.match(field(k, 'big'), { scalar: 'uint64' });

  const mood = field(k, 'mood');
  t.equal(mood.kind === 'enum' && mood.enum.typeName, 'loader.test.Kitchen.Mood');
  t.same(mood.kind === 'enum' && mood.enum.values, [
    { name: 'MOOD_UNSPECIFIED', no: 0 },
    { name: 'HAPPY', no: 1 },
    { name: 'GRUMPY', no: 2 },
  ]);
  t.equal(
    mood.kind === 'enum' && mood.enum,
    field(k, 'maybe_mood').kind === 'enum' && (field(k, 'maybe_mood') as { enum: unknown }).enum,
    'one enum schema object per enum',
  );
});

t.test('recursive and mutually recursive messages are tied, not copied', async (t) => {
  const set = loadProtoSync(`${DIR}/kitchen.proto`, { includeDirs: [INC] });
  const ping = set.message('loader.test.Ping');
  const pong = set.message('loader.test.Pong');
  t.equal((field(ping, 'pong') as { message: MessageSchema }).message, pong);
  t.equal((field(pong, 'ping') as { message: MessageSchema }).message, ping);
  t.equal((field(pong, 'pings') as { message: MessageSchema }).message, ping);
  const tree = set.message('loader.test.Tree');
  t.equal((field(tree, 'children') as { message: MessageSchema }).message, tree);
  t.equal(ping.fields.length, 2, 'filled in, even when reached first through a cycle');

  // And the codec can walk the cycle.
  const codec = set.codec('loader.test.Tree');
  const value = { label: 'a', children: [{ label: 'b', children: [{ label: 'c', children: [] }] }] };
  t.same(codec.decode(codec.encode(value)), value);
});

t.test('proto2: explicit presence, required, unpacked by default; groups are delimited message fields', async (t) => {
  const set = loadProtoSync(`${DIR}/legacy.proto`);
  const m = set.message('loader.legacy.NoGroups');
  t.match(field(m, 'x'), { optional: true });
  t.match(field(m, 'y'), { repeated: true, packed: false, scalar: 'sint64' });
  const old = set.message('loader.legacy.Old');
  t.match(field(old, 'b'), { required: true });
  t.match(field(old, 'packed'), { packed: true });
  t.match(field(old, 'grp'), { kind: 'message', delimited: true, message: { typeName: 'loader.legacy.Old.Grp' } });
  const codec = set.codec('loader.legacy.Old');
  const bytes = codec.encode({ b: 'x', grp: { q: 1 } });
  t.same([...bytes], [0x12, 0x01, 0x78, 0x2b, 0x08, 0x01, 0x2c], 'the group between its start and end tags');
  t.match(codec.decode(bytes), { b: 'x', grp: { q: 1 } });
});

t.test('unknown symbols: the error names the symbol and what exists', async (t) => {
  const set = loadProtoSync('proto/userinfo.proto');
  t.throws(() => set.message('proto.UserReply'), {
    message: "unknown message 'proto.UserReply' (known messages: proto.UserRequest, proto.UserResponse)",
  });
  t.throws(() => set.service('UserInfo'), /unknown service 'UserInfo' \(known services: proto\.UserInfo\)/);
  t.throws(() => set.enum('proto.Color'), /unknown enum 'proto\.Color' \(no enums are defined\)/);
  t.throws(() => set.message('proto.UserInfo'), { message: "'proto.UserInfo' is a service, not a message" });
  t.throws(() => set.service('proto.UserRequest'), { message: "'proto.UserRequest' is a message, not a service" });
  t.throws(() => set.message('proto'), /unknown message 'proto'/, 'a package is not a message');
  t.throws(() => set.message(''), /unknown message ''/);
});

t.test('loading and conversion never make protobufjs generate code', async (t) => {
  // protobufjs builds encoders, decoders and constructors with `new Function`
  // through util.codegen; make any such call fail loudly while we work.
  const util = protobuf.util as unknown as { codegen: unknown };
  const original = util.codegen;
  util.codegen = () => {
    throw new Error('protobufjs codegen was called');
  };
  t.teardown(() => {
    util.codegen = original;
  });
  const set = loadProtoSync(`${DIR}/kitchen.proto`, { includeDirs: [INC] });
  for (const name of set.names('message')) set.message(name);
  for (const name of set.names('enum')) set.enum(name);
  const defs = set.services();
  t.equal(defs.length, 1);
  t.ok(set.names('message').includes('google.protobuf.DescriptorProto'));
  t.ok(set.names('enum').includes('loader.test.Kitchen.Mood'), 'nested enums are listed');
});

t.test('defineService: the same definitions from plain schemas, without protobufjs', async (t) => {
  const set = loadProtoSync('proto/userinfo.proto');
  const request: MessageSchema = {
    typeName: 'proto.UserRequest',
    fields: [{ no: 1, name: 'name', localName: 'name', jsonName: 'name', kind: 'scalar', scalar: 'string' }],
  };
  const response = set.message('proto.UserResponse');
  const def = defineService('proto.UserInfo', [
    { name: 'GetUserInfo', shape: 'unary', input: request, output: response },
  ]);
  const loaded = set.service('proto.UserInfo').methods.GetUserInfo!;
  const m = def.methods.GetUserInfo!;
  t.same([m.name, m.localName, m.path, m.shape], [loaded.name, loaded.localName, loaded.path, loaded.shape]);
  t.equal(m.output, codecFor(response), 'codecs are shared per schema object');
  t.equal(hex(m.input.encode({ name: 'foo' })), hex(loaded.input.encode({ name: 'foo' })));
  t.throws(
    () =>
      defineService('x.S', [
        { name: 'A', shape: 'unary', input: request, output: request },
        { name: 'A', shape: 'unary', input: request, output: request },
      ]),
    /method A is defined twice/,
  );
});

t.test('defineService and its imports stay free of protobufjs (generated code relies on that)', async (t) => {
  const { readFile } = await import('node:fs/promises');
  for (const file of ['src/service/define.ts', 'src/service/names.ts', 'src/service/definition.ts']) {
    const source = await readFile(file, 'utf8');
    t.notMatch(source, /from ['"]protobufjs/, `${file} does not import protobufjs`);
    for (const [, spec] of source.matchAll(/from '(\.[^']+)'/g)) {
      t.notMatch(spec!, /load|reflection/, `${file} imports ${spec}, not the loader`);
    }
  }
});
