/**
 * Server reflection (src/service/reflection.ts, src/service/descriptor.ts):
 * what a client learns over grpc.reflection.v1 / v1alpha ServerReflectionInfo,
 * with our own client, and with grpcio, which rebuilds the descriptors in a
 * fresh pool, checks them against protoc's, and calls UserInfo with message
 * classes built only from what the server sent.
 */
import t, { type Test as T } from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { Server } from '../../src/service/server.js';
import { createClient } from '../../src/service/client.js';
import { defineService } from '../../src/service/define.js';
import { loadProtoSync } from '../../src/service/load.js';
import { fileDescriptorCodec, mapEntryName } from '../../src/service/descriptor.js';
import { addHealth, Health } from '../../src/service/health.js';
import {
  addReflection,
  ServerReflection,
  ServerReflectionV1Alpha,
  type ReflectionRequest,
  type ReflectionResponse,
} from '../../src/service/reflection.js';
import {
  PEERS_DIR,
  PYTHON,
  REPO_ROOT,
  buildGo,
  generatePython,
  goToolchain,
  peerTest,
  protocToolchain,
  pythonToolchain,
  runPeer,
} from '../helpers/peers.js';

// A proto3 file importing a proto2 one: every descriptor feature in two files.
const KITCHEN = `syntax = "proto3";
package demo.kitchen;
import "google/protobuf/timestamp.proto";
import public "other.proto";
message Sink {
  string user_name = 1 [json_name = "UN"];
  optional int32 maybe = 2;
  oneof pick { string a = 3; Sink b = 4; }
  map<string, Color> colors = 5;
  map<int64, Sink> kids = 6;
  repeated int32 nums = 7 [packed = false];
  repeated double ds = 8;
  google.protobuf.Timestamp at = 9;
  demo.other.Thing thing = 10;
  enum Color { option allow_alias = true; RED = 0; CRIMSON = 0; BLUE = 1; reserved 5 to 7; reserved "GREEN"; }
  message Inner { bytes raw = 1 [deprecated = true]; }
  Inner inner = 11;
  reserved 100 to 110, 120;
  reserved "old";
  optional string later = 12;
}
service Kitchen {
  rpc Wash (Sink) returns (Sink);
  rpc Stream (stream Sink) returns (stream Sink.Inner);
}
`;
const OTHER = `syntax = "proto2";
package demo.other;
message Thing {
  required int32 id = 1;
  optional string label = 2 [default = "hi"];
  optional float f = 3 [default = inf];
  extensions 100 to max;
  optional group Grp = 4 { optional int32 g = 1; }
}
extend Thing { optional int32 ext_num = 100; repeated string ext_tags = 200; }
enum Level { LOW = 1; HIGH = 2; }
`;

const fixtures = mkdtempSync(join(tmpdir(), 'wiregrpc-reflection-'));
writeFileSync(join(fixtures, 'kitchen.proto'), KITCHEN);
writeFileSync(join(fixtures, 'other.proto'), OTHER);
t.teardown(() => rmSync(fixtures, { recursive: true, force: true }));

const USERINFO_PROTO = join(REPO_ROOT, 'proto/userinfo.proto');
const userinfo = loadProtoSync(USERINFO_PROTO);
const UserInfo = userinfo.service('proto.UserInfo');
const kitchen = loadProtoSync(join(fixtures, 'kitchen.proto'));
const golden = loadProtoSync(join(REPO_ROOT, 'test/protos/golden.proto'));
const wkt = loadProtoSync(join(REPO_ROOT, 'test/protos/wkt.proto'));
const messages = loadProtoSync(join(REPO_ROOT, 'proto/grpc/testing/messages.proto'));

const FOO = { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] };

async function start(t: T) {
  const server = new Server();
  server.add(UserInfo, {
    async getUserInfo(request: { name: string }) {
      if (request.name !== 'foo') throw new GrpcError(Code.UNKNOWN, `unknown user: name = ${request.name}`);
      return FOO;
    },
  });
  addHealth(server);
  addReflection(server, [UserInfo, Health, kitchen, golden, wkt, messages]);
  const address = await server.listen('127.0.0.1:0');
  const target = `127.0.0.1:${'port' in address ? address.port : 0}`;
  t.teardown(() => server.forceShutdown());
  return { server, target };
}

/** One reflection stream with our client: `ask` sends a request and waits for its response. */
function stream(t: T, target: string, definition = ServerReflection) {
  const client = createClient(definition, target);
  const queue: ReflectionRequest[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  async function* requests() {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (ended) return;
      await new Promise<void>((r) => (wake = r));
    }
  }
  const responses = (client.serverReflectionInfo(requests(), { timeout: 20_000 }) as AsyncIterable<ReflectionResponse>)[
    Symbol.asyncIterator
  ]();
  t.teardown(() => {
    ended = true;
    wake?.();
    void client.close();
  });
  return async (request: Partial<ReflectionRequest>): Promise<ReflectionResponse> => {
    queue.push({ host: '', ...request });
    wake?.();
    const next = await responses.next();
    if (next.done) throw new Error('the reflection stream ended');
    return next.value;
  };
}

const decode = (bytes: Uint8Array) => fileDescriptorCodec().decode(bytes) as Record<string, any>;
const fileNames = (response: ReflectionResponse) =>
  (response.fileDescriptorResponse?.fileDescriptorProto ?? []).map((b) => decode(b).name as string);

t.test('list_services: the given services, and reflection itself, sorted', async (t) => {
  const { target } = await start(t);
  const ask = stream(t, target);
  const response = await ask({ listServices: '' });
  t.same(
    response.listServicesResponse?.service.map((s) => s.name),
    [
      'demo.kitchen.Kitchen',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'proto.UserInfo',
    ],
  );
  t.same(response.originalRequest, { host: '', listServices: '' }, 'the request is echoed');
  t.equal(response.validHost, '');
});

t.test('list_services: the health service the server serves is listed without being named', async (t) => {
  const server = new Server();
  addHealth(server);
  addReflection(server, UserInfo);
  const address = await server.listen('127.0.0.1:0');
  t.teardown(() => server.forceShutdown());
  const ask = stream(t, `127.0.0.1:${address.port}`);
  t.same(
    (await ask({ listServices: '' })).listServicesResponse?.service.map((s) => s.name),
    [
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'proto.UserInfo',
    ],
  );
  const file = await ask({ fileContainingSymbol: 'grpc.health.v1.Health' });
  t.same(fileNames(file), ['grpc/health/v1/health.proto'], 'and described');
});

t.test(
  'file_containing_symbol: services, methods, messages, fields, nested types, enums and their values',
  async (t) => {
    const { target } = await start(t);
    const ask = stream(t, target);
    const first = await ask({ fileContainingSymbol: 'proto.UserInfo' });
    const [file] = (first.fileDescriptorResponse?.fileDescriptorProto ?? []).map(decode);
    t.equal(file?.name, 'proto/userinfo.proto', 'named by the path tail matching its package');
    t.equal(file?.package, 'proto');
    t.equal(file?.syntax, 'proto3');
    t.same(
      file?.service[0].method.map((m: any) => [m.name, m.inputType, m.outputType]),
      [['GetUserInfo', '.proto.UserRequest', '.proto.UserResponse']],
    );
    t.same(
      file?.messageType[1].field.map((f: any) => [f.name, f.number, f.label, f.type, f.jsonName]),
      [
        ['id', 1, 1, 5, 'id'],
        ['name', 2, 1, 9, 'name'],
        ['age', 3, 1, 5, 'age'],
        ['hobby', 4, 3, 9, 'hobby'],
      ],
    );
    for (const symbol of [
      'proto.UserInfo.GetUserInfo',
      'proto.UserRequest',
      '.proto.UserResponse',
      'proto.UserResponse.hobby',
    ]) {
      t.same(fileNames(await ask({ fileContainingSymbol: symbol })), ['proto/userinfo.proto'], symbol);
    }
    for (const symbol of [
      'demo.kitchen.Sink.Inner',
      'demo.kitchen.Sink.Color',
      'demo.kitchen.Sink.BLUE',
      'demo.kitchen.Kitchen.Stream',
      'demo.kitchen.Sink.pick',
    ]) {
      t.equal(fileNames(await ask({ fileContainingSymbol: symbol }))[0], 'kitchen.proto', symbol);
    }
    for (const symbol of ['demo.other.Level', 'demo.other.HIGH', 'demo.other.ext_num', 'demo.other.Thing.Grp']) {
      t.equal(fileNames(await ask({ fileContainingSymbol: symbol }))[0], 'other.proto', symbol);
    }
    t.same(
      fileNames(await ask({ fileContainingSymbol: 'grpc.reflection.v1alpha.ServerReflection' })),
      ['grpc/reflection/v1alpha/reflection.proto'],
      'reflection describes itself',
    );
  },
);

t.test('each file is sent once per stream: the requested one always, its imports only the first time', async (t) => {
  const { target } = await start(t);
  const ask = stream(t, target);
  t.same(
    fileNames(await ask({ fileContainingSymbol: 'demo.kitchen.Sink' })),
    ['kitchen.proto', 'google/protobuf/timestamp.proto', 'other.proto'],
    'the file, then its imports',
  );
  t.same(
    fileNames(await ask({ fileContainingSymbol: 'demo.kitchen.Kitchen' })),
    ['kitchen.proto'],
    'imports not repeated',
  );
  t.same(
    fileNames(await ask({ fileByFilename: 'other.proto' })),
    ['other.proto'],
    'a file asked for by name is sent again',
  );
  t.same(fileNames(await ask({ fileByFilename: 'golden.proto' })), ['golden.proto'], 'golden imports nothing');
  t.same(
    fileNames(await ask({ fileByFilename: 'wkt.proto' })),
    [
      'wkt.proto',
      'google/protobuf/duration.proto',
      'google/protobuf/wrappers.proto',
      'google/protobuf/struct.proto',
      'google/protobuf/empty.proto',
      'google/protobuf/field_mask.proto',
    ],
    'timestamp.proto was already sent on this stream',
  );
  const fresh = stream(t, target);
  t.same(
    fileNames(await fresh({ fileContainingSymbol: 'demo.kitchen.Kitchen' })),
    ['kitchen.proto', 'google/protobuf/timestamp.proto', 'other.proto'],
    'a new stream starts afresh',
  );
});

t.test('the descriptor of a kitchen-sink file', async (t) => {
  const { target } = await start(t);
  const ask = stream(t, target);
  const [k, , o] = (
    (await ask({ fileByFilename: 'kitchen.proto' })).fileDescriptorResponse?.fileDescriptorProto ?? []
  ).map(decode);
  t.same(k?.dependency, ['google/protobuf/timestamp.proto', 'other.proto']);
  t.same(k?.publicDependency, [1], 'import public');
  const sink = k?.messageType[0];
  const field = (name: string) => sink.field.find((f: any) => f.name === name);
  t.equal(field('user_name').jsonName, 'UN', 'json_name option');
  t.match(
    field('maybe'),
    { proto3Optional: true, oneofIndex: 1, label: 1 },
    'proto3 optional → synthetic oneof after the real one',
  );
  t.same(
    sink.oneofDecl.map((o: any) => o.name),
    ['pick', '_maybe', '_later'],
  );
  t.match(field('b'), { oneofIndex: 0, type: 11, typeName: '.demo.kitchen.Sink' });
  t.match(field('colors'), { label: 3, type: 11, typeName: '.demo.kitchen.Sink.ColorsEntry' });
  const entry = sink.nestedType.find((n: any) => n.name === 'ColorsEntry');
  t.match(entry, {
    options: { mapEntry: true },
    field: [
      { name: 'key', number: 1, type: 9 },
      { name: 'value', number: 2, type: 14, typeName: '.demo.kitchen.Sink.Color' },
    ],
  });
  t.match(field('nums'), { options: { packed: false } });
  t.equal(field('ds').options, undefined, 'no options written when none were set');
  t.match(field('at'), { typeName: '.google.protobuf.Timestamp' });
  t.same(
    sink.reservedRange,
    [
      { start: 100, end: 111 },
      { start: 120, end: 121 },
    ],
    'reserved ranges: end exclusive',
  );
  t.same(sink.enumType[0].reservedRange, [{ start: 5, end: 7 }], 'enum reserved ranges: end inclusive');
  t.match(sink.enumType[0], {
    options: { allowAlias: true },
    value: [
      { name: 'RED', number: 0 },
      { name: 'CRIMSON', number: 0 },
      { name: 'BLUE', number: 1 },
    ],
  });
  t.match(k?.service[0].method[1], {
    name: 'Stream',
    clientStreaming: true,
    serverStreaming: true,
    outputType: '.demo.kitchen.Sink.Inner',
  });
  t.equal(k?.service[0].method[0].clientStreaming, undefined, 'unary: stream flags unset, as protoc writes them');
  t.equal(o?.syntax, undefined, 'proto2: syntax unset, as protoc writes it');
  const thing = o?.messageType[0];
  t.match(
    thing.field.find((f: any) => f.name === 'id'),
    { label: 2 },
    'required',
  );
  t.match(
    thing.field.find((f: any) => f.name === 'label'),
    { defaultValue: 'hi' },
  );
  t.match(
    thing.field.find((f: any) => f.name === 'f'),
    { defaultValue: 'inf' },
  );
  t.match(
    thing.field.find((f: any) => f.name === 'grp'),
    { type: 10, typeName: '.demo.other.Thing.Grp' },
    'group',
  );
  t.same(thing.extensionRange, [{ start: 100, end: 0x20000000 }], '`to max`');
  t.same(
    o?.extension.map((e: any) => [e.name, e.number, e.extendee, e.label]),
    [
      ['ext_num', 100, '.demo.other.Thing', 1],
      ['ext_tags', 200, '.demo.other.Thing', 3],
    ],
  );
  t.equal(mapEntryName('user_tags_2'), 'UserTags2Entry');
});

t.test('extensions, and what is not there', async (t) => {
  const { target } = await start(t);
  const ask = stream(t, target);
  t.same((await ask({ allExtensionNumbersOfType: 'demo.other.Thing' })).allExtensionNumbersResponse, {
    baseTypeName: 'demo.other.Thing',
    extensionNumber: [100, 200],
  });
  t.same(
    (await ask({ allExtensionNumbersOfType: 'proto.UserRequest' })).allExtensionNumbersResponse,
    { baseTypeName: 'proto.UserRequest', extensionNumber: [] },
    'a message without extensions: none',
  );
  t.same(
    fileNames(await ask({ fileContainingExtension: { containingType: 'demo.other.Thing', extensionNumber: 200 } })),
    ['other.proto'],
  );
  const notFound = async (request: Partial<ReflectionRequest>, why: string) => {
    const response = await ask(request);
    t.equal(
      response.errorResponse?.errorCode,
      Code.NOT_FOUND,
      `${why}: NOT_FOUND (${response.errorResponse?.errorMessage})`,
    );
  };
  await notFound(
    { fileContainingExtension: { containingType: 'demo.other.Thing', extensionNumber: 101 } },
    'an unused extension number',
  );
  await notFound(
    { fileContainingExtension: { containingType: 'no.Such', extensionNumber: 1 } },
    'extension of an unknown type',
  );
  await notFound({ allExtensionNumbersOfType: 'no.Such' }, 'extension numbers of an unknown type');
  await notFound({ allExtensionNumbersOfType: 'demo.kitchen.Kitchen' }, 'extension numbers of a service');
  await notFound({ fileContainingSymbol: 'no.Such' }, 'an unknown symbol');
  await notFound({ fileContainingSymbol: 'demo' }, 'a package is not a symbol');
  await notFound({ fileContainingSymbol: '' }, 'the empty symbol');
  await notFound({ fileByFilename: 'nope.proto' }, 'an unknown file');
  const empty = await ask({});
  t.equal(empty.errorResponse?.errorCode, Code.INVALID_ARGUMENT, 'a request with no question: INVALID_ARGUMENT');
  t.same(
    fileNames(await ask({ fileContainingSymbol: 'proto.UserInfo' })),
    ['proto/userinfo.proto'],
    'the stream goes on after errors',
  );
});

t.test('v1alpha answers the same', async (t) => {
  const { target } = await start(t);
  const ask = stream(t, target, ServerReflectionV1Alpha);
  t.ok((await ask({ listServices: '' })).listServicesResponse?.service.some((s) => s.name === 'proto.UserInfo'));
  t.same(fileNames(await ask({ fileContainingSymbol: 'grpc.health.v1.Health' })), ['grpc/health/v1/health.proto']);
});

t.test('definitions that did not come from a .proto file cannot be described', async (t) => {
  const bare = defineService('bare.Svc', []);
  t.throws(() => addReflection(new Server(), [bare]), TypeError);
});

// ─── grpcio ──────────────────────────────────────────────────────────────

const PY_CLIENT = join(PEERS_DIR, 'python/reflection_client.py');
const python = pythonToolchain();
const OFFICIAL = (v: string) => `/usr/share/grpc-proto/grpc/reflection/${v}/reflection.proto`;

for (const version of ['v1', 'v1alpha']) {
  void peerTest(
    t,
    `grpcio reflection client (${version}): list, then call UserInfo with messages built from the descriptors`,
    [python],
    async (t) => {
      const { target } = await start(t);
      const env = { PYTHONPATH: await generatePython([OFFICIAL(version)]) };
      const list = await runPeer(PYTHON, [PY_CLIENT, '--target', target, 'list'], { env });
      t.equal(list.code, 0, `list: exit 0 (stderr: ${list.stderr})`);
      t.ok(list.stdout.split('\n').includes('proto.UserInfo'), 'proto.UserInfo is listed');
      t.ok(list.stdout.split('\n').includes(`grpc.reflection.${version}.ServerReflection`));
      const foo = await runPeer(
        PYTHON,
        [PY_CLIENT, '--target', target, 'call', 'proto.UserInfo', 'GetUserInfo', '{"name": "foo"}'],
        { env },
      );
      t.equal(foo.code, 0, `call: exit 0 (stderr: ${foo.stderr})`);
      t.equal(
        foo.stdout.trim(),
        [
          'files: proto/userinfo.proto',
          'rpc proto.UserInfo.GetUserInfo(proto.UserRequest) returns (proto.UserResponse)',
          'id: 1',
          'name: "foo"',
          'age: 12',
          'hobby: "eating"',
          'hobby: "sleep"',
        ].join('\n'),
      );
      const bar = await runPeer(
        PYTHON,
        [PY_CLIENT, '--target', target, 'call', 'proto.UserInfo', 'GetUserInfo', '{"name": "bar"}'],
        { env },
      );
      t.match(bar.stdout, /^UNKNOWN: unknown user: name = bar$/m);
      const kitchenCall = await runPeer(
        PYTHON,
        [PY_CLIENT, '--target', target, 'call', 'demo.kitchen.Kitchen', 'Wash', '{"UN": "x", "colors": {"a": "BLUE"}}'],
        { env },
      );
      t.match(
        kitchenCall.stdout,
        /files: kitchen\.proto, google\/protobuf\/timestamp\.proto, other\.proto\nrpc demo\.kitchen\.Kitchen\.Wash\(demo\.kitchen\.Sink\) returns \(demo\.kitchen\.Sink\)\nUNIMPLEMENTED/,
        `a file with imports rebuilds too (the call itself is UNIMPLEMENTED: no handler) (stderr: ${kitchenCall.stderr})`,
      );
      t.comment(
        `python printed (list):\n${list.stdout.trim()}\npython printed (call foo):\n${foo.stdout.trim()}\npython printed (call bar): ${bar.stdout.trim()}`,
      );
    },
  );
}

void peerTest(
  t,
  "grpcio reflection client: descriptors are equal to protoc's",
  [python, protocToolchain()],
  async (t) => {
    const { target } = await start(t);
    const env = { PYTHONPATH: await generatePython([OFFICIAL('v1')]) };
    const set = join(fixtures, 'protoc.pb');
    const names = [
      'kitchen.proto',
      'other.proto',
      'google/protobuf/timestamp.proto',
      'golden.proto',
      'wkt.proto',
      'google/protobuf/struct.proto',
      'google/protobuf/wrappers.proto',
      'grpc/testing/messages.proto',
      'grpc/health/v1/health.proto',
      'grpc/reflection/v1/reflection.proto',
    ];
    execFileSync('protoc', [
      `-I${fixtures}`,
      `-I${join(REPO_ROOT, 'test/protos')}`,
      `-I${join(REPO_ROOT, 'proto')}`,
      '--include_imports',
      `--descriptor_set_out=${set}`,
      'kitchen.proto',
      'golden.proto',
      'wkt.proto',
      'grpc/testing/messages.proto',
      'grpc/health/v1/health.proto',
      'grpc/reflection/v1/reflection.proto',
    ]);
    const result = await runPeer(PYTHON, [PY_CLIENT, '--target', target, 'compare', set, ...names], { env });
    t.equal(result.code, 0, `exit 0 (stderr: ${result.stderr})`);
    t.equal(result.stdout.trim(), names.map((n) => `EQUAL ${n}`).join('\n'));
    t.comment(`python printed:\n${result.stdout.trim()}`);
  },
);

void peerTest(t, 'grpcio reflection client: NOT_FOUND answers', [python], async (t) => {
  const { target } = await start(t);
  const env = { PYTHONPATH: await generatePython([OFFICIAL('v1')]) };
  const result = await runPeer(PYTHON, [PY_CLIENT, '--target', target, 'errors'], { env });
  t.equal(result.code, 0, `exit 0 (stderr: ${result.stderr})`);
  t.equal(
    result.stdout.trim(),
    [
      'symbol no.Such: NOT_FOUND: symbol not found: no.Such',
      'file nope.proto: NOT_FOUND: file not found: nope.proto',
      'extension proto.UserRequest 99: NOT_FOUND: extension 99 of proto.UserRequest not found',
      'extensions of no.Such: NOT_FOUND: type not found: no.Such',
      'extensions of proto.UserRequest: proto.UserRequest []',
      "symbol proto.UserInfo.GetUserInfo: files ['proto/userinfo.proto']",
    ].join('\n'),
  );
  t.comment(`python printed:\n${result.stdout.trim()}`);
});

// ─── grpc-go (its own grpc_reflection_v1alpha stubs) ────────────────────

void peerTest(
  t,
  'grpc-go reflection client (v1alpha): list, fetch, call UserInfo by walking the descriptor',
  [goToolchain()],
  async (t) => {
    const { target } = await start(t);
    const { reflection_client: bin } = await buildGo({ protos: [], mains: [join(PEERS_DIR, 'go/reflection_client')] });
    const foo = await runPeer(bin!, [
      '-target',
      target,
      '-service',
      'proto.UserInfo',
      '-method',
      'GetUserInfo',
      '-set',
      'name=foo',
    ]);
    t.equal(foo.code, 0, `exit 0 (stderr: ${foo.stderr})`);
    t.equal(
      foo.stdout.trim(),
      [
        'services: demo.kitchen.Kitchen, grpc.health.v1.Health, grpc.reflection.v1.ServerReflection, grpc.reflection.v1alpha.ServerReflection, proto.UserInfo',
        'files: proto/userinfo.proto',
        'rpc proto.UserInfo.GetUserInfo(.proto.UserRequest) returns (.proto.UserResponse)',
        'id: 1',
        'name: "foo"',
        'age: 12',
        'hobby: "eating"',
        'hobby: "sleep"',
      ].join('\n'),
    );
    const bar = await runPeer(bin!, ['-target', target, '-set', 'name=bar']);
    t.match(bar.stdout, /^Unknown: unknown user: name = bar$/m);
    t.comment(`go printed:\n${foo.stdout.trim()}\n${bar.stdout.trim().split('\n').pop()}`);
  },
);
