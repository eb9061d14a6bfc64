// `wiregrpc list` and `wiregrpc describe`: what a server serves, through its
// reflection service, printed in .proto syntax — and the same from --proto files.
import t from 'tap';
import { killChildren, wiregrpc } from './spawn-cli.js';
import { protos, startServer } from './test-server.js';

t.teardown(killChildren);

const { target, server } = await startServer();
t.teardown(() => server.forceShutdown());

t.test('list TARGET: the services, one a line', async (t) => {
  const r = await wiregrpc(['list', target]);
  t.equal(r.stderr, '');
  t.equal(r.code, 0);
  t.equal(
    r.stdout,
    [
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'proto.UserInfo',
      'wiregrpc.test.Echo',
      '',
    ].join('\n'),
  );
});

t.test('list TARGET SERVICE: each method with its shape and types', async (t) => {
  const r = await wiregrpc(['list', target, 'wiregrpc.test.Echo']);
  t.equal(r.code, 0);
  t.equal(
    r.stdout,
    [
      'rpc Unary (wiregrpc.test.EchoRequest) returns (wiregrpc.test.EchoReply);  // unary',
      'rpc ServerStream (wiregrpc.test.EchoRequest) returns (stream wiregrpc.test.EchoReply);  // server_streaming',
      'rpc ClientStream (stream wiregrpc.test.EchoRequest) returns (wiregrpc.test.EchoReply);  // client_streaming',
      'rpc Bidi (stream wiregrpc.test.EchoRequest) returns (stream wiregrpc.test.EchoReply);  // bidi_streaming',
      '',
    ].join('\n'),
  );
});

t.test('describe: a message, a service, a method', async (t) => {
  const message = await wiregrpc(['describe', target, 'proto.UserResponse']);
  t.equal(message.code, 0);
  t.equal(
    message.stdout,
    [
      '// proto.UserResponse is a message:',
      'message UserResponse {',
      '  int32 id = 1;',
      '  string name = 2;',
      '  int32 age = 3;',
      '  repeated string hobby = 4;',
      '}',
      '',
    ].join('\n'),
  );
  const service = await wiregrpc(['describe', target, 'proto.UserInfo']);
  t.equal(
    service.stdout,
    [
      '// proto.UserInfo is a service:',
      'service UserInfo {',
      '  rpc GetUserInfo (proto.UserRequest) returns (proto.UserResponse);',
      '}',
      '',
    ].join('\n'),
  );
  const method = await wiregrpc(['describe', target, 'wiregrpc.test.Echo/Bidi']);
  t.equal(
    method.stdout,
    '// wiregrpc.test.Echo.Bidi is a method:\nrpc Bidi (stream wiregrpc.test.EchoRequest) returns (stream wiregrpc.test.EchoReply);\n',
  );
});

t.test('describe through reflection = describe from the .proto files', async (t) => {
  for (const symbol of [...protos.names('message'), ...protos.names('service')]) {
    const viaServer = await wiregrpc(['describe', target, symbol]);
    const viaFiles = await wiregrpc([
      'describe',
      '--proto',
      'proto/userinfo.proto',
      '--proto',
      'test/protos/echo.proto',
      symbol,
    ]);
    t.equal(viaServer.code, 0, symbol);
    t.equal(viaServer.stdout, viaFiles.stdout, symbol);
  }
});

t.test('describe --proto: oneofs, maps, proto3 optional, proto2 labels', async (t) => {
  const oneofs = await wiregrpc(['describe', '--proto', 'test/protos/golden.proto', 'golden.Oneofs']);
  t.match(oneofs.stdout, /\n  oneof kind \{\n    int32 num = 1;\n    string text = 2;\n    golden\.Nested msg = 3;\n/);
  t.match(oneofs.stdout, /\n  string after = 7;\n  oneof other \{\n    bool flag = 8;\n/);
  const maps = await wiregrpc(['describe', '--proto', 'test/protos/golden.proto', 'golden.Maps']);
  t.match(maps.stdout, /\n  map<string, golden\.Nested> str_nested = 7;\n/);
  const optionals = await wiregrpc(['describe', '--proto', 'test/protos/golden.proto', 'golden.Optionals']);
  t.match(optionals.stdout, /\n  optional int32 o_int32 = 1;\n[^]*\n  int32 plain = 9;\n/);
  const legacy = await wiregrpc([
    'describe',
    '--proto',
    'legacy.proto',
    '-I',
    'test/protos/loader',
    '-I',
    'test/protos/loader/inc',
    'loader.legacy.Old',
  ]);
  t.match(
    legacy.stdout,
    /\n  optional int32 a = 1;\n  required string b = 2;\n  repeated int32 unpacked = 3;\n  repeated int32 packed = 4 \[packed = true\];\n/,
  );
});

t.test(
  'errors: unknown symbol NOT_FOUND (5); no reflection UNIMPLEMENTED (12); unreachable UNAVAILABLE (14)',
  async (t) => {
    const unknown = await wiregrpc(['describe', target, 'proto.Nope']);
    t.equal(unknown.code, 5);
    t.equal(
      unknown.stderr,
      `NOT_FOUND: reflection: symbol proto.Nope: symbol not found: proto.Nope (target ${target})\n`,
    );
    const notService = await wiregrpc(['list', target, 'proto.UserResponse']);
    t.equal(notService.code, 5);
    t.match(notService.stderr, /^NOT_FOUND: proto\.UserResponse is not a service/);
    const bare = await startServer({ reflection: 'none' });
    t.teardown(() => bare.server.forceShutdown());
    const none = await wiregrpc(['list', bare.target]);
    t.equal(none.code, 12);
    t.match(none.stderr, /^UNIMPLEMENTED: the server has no reflection service/);
    const gone = await wiregrpc(['list', '127.0.0.1:1']);
    t.equal(gone.code, 14);
    t.match(gone.stderr, /^UNAVAILABLE: .*127\.0\.0\.1:1/);
    const usage = await wiregrpc(['describe', target]);
    t.equal(usage.code, 2);
  },
);
