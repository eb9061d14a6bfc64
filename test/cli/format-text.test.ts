// `--format text`: the CLI's messages in protobuf text format (one message a
// line) instead of proto3 JSON — decode prints it, encode reads it, call does
// both — and an unknown --format is a usage error (exit 2). The compiled CLI
// (dist/, so `npm run build` first) in a child process, as a user runs it.
import t from 'tap';
import { killChildren, wiregrpc } from './spawn-cli.js';
import { startServer } from './test-server.js';

t.teardown(killChildren);

const USERINFO = ['--proto', 'proto/userinfo.proto', '--type', 'proto.UserResponse'];
const FOO_HEX = '08011203666f6f180c2206656174696e672205736c656570';
const FOO_TEXT = 'id: 1 name: "foo" age: 12 hobby: "eating" hobby: "sleep"';

t.test('decode --format text: one message a line in text format', async (t) => {
  const r = await wiregrpc(['decode', ...USERINFO, '--format', 'text'], { stdin: `${FOO_HEX}\n\n0801\n` });
  t.equal(r.stderr, '');
  t.equal(r.code, 0);
  t.equal(r.stdout, `${FOO_TEXT}\n\nid: 1\n`, 'an empty line is the empty message, which prints as nothing');
  const json = await wiregrpc(['decode', ...USERINFO, '--format', 'json', FOO_HEX]);
  t.equal(json.stdout, '{"id":1,"name":"foo","age":12,"hobby":["eating","sleep"]}\n', 'json is the default form');
});

t.test('encode --format text reads text format (as protoc --encode does)', async (t) => {
  const r = await wiregrpc(['encode', ...USERINFO, '--format', 'text'], {
    stdin: `${FOO_TEXT}\nid: 1 # a comment\nid: 1 id: 2\n`,
  });
  t.equal(r.stdout, `${FOO_HEX}\n0801\n`);
  t.match(r.stderr, /^line 3: .*proto\.UserResponse\.id: given twice/, 'a bad line is named, the others still run');
  t.equal(r.code, 1);
});

t.test('an unknown --format is a usage error', async (t) => {
  const r = await wiregrpc(['decode', ...USERINFO, '--format', 'yaml', FOO_HEX]);
  t.equal(r.code, 2);
  t.match(r.stderr, '--format "yaml": expected json or text');
});

t.test('call --format text: the request and the responses in text format', async (t) => {
  const { target, server } = await startServer();
  t.teardown(() => server.forceShutdown());
  const protos = ['--proto', 'proto/userinfo.proto', '--proto', 'test/protos/echo.proto'];
  const r = await wiregrpc([
    'call',
    target,
    'proto.UserInfo/GetUserInfo',
    'name: "foo"',
    '--format',
    'text',
    ...protos,
  ]);
  t.equal(r.stderr, '');
  t.equal(r.code, 0);
  t.equal(r.stdout, `${FOO_TEXT}\n`);
  const stream = await wiregrpc(['call', target, 'wiregrpc.test.Echo/ServerStream', '--format', 'text'], {
    stdin: 'text: "hi" count: 2',
  });
  t.equal(stream.stderr, '', 'types from reflection work the same');
  t.equal(stream.stdout, 'text: "hi"\ntext: "hi" index: 1\n');
  const bad = await wiregrpc([
    'call',
    target,
    'proto.UserInfo/GetUserInfo',
    'nmae: "foo"',
    '--format',
    'text',
    ...protos,
  ]);
  t.equal(bad.code, 2, "a request that does not parse is the caller's mistake: a usage error");
  t.match(bad.stderr, /^wiregrpc call: request: .*no field is named "nmae"/);
});
