// `wiregrpc call`, run as a user would (the compiled CLI in a child process)
// against a wiregrpc Server in this process: the four call shapes, metadata,
// -v, deadlines, TLS, errors (one line naming the target; exit status = the
// gRPC status code), and types from server reflection instead of --proto.
import t from 'tap';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeCerts } from '../helpers/certs.js';
import { parseDuration } from '../../src/cli/connect.js';
import { metadataFromArgs, splitMethod } from '../../src/cli/call.js';
import { parseArgs } from '../../src/cli/args.js';
import { killChildren, wiregrpc } from './spawn-cli.js';
import { startServer } from './test-server.js';

t.teardown(killChildren);

const PROTO = ['--proto', 'proto/userinfo.proto', '--proto', 'test/protos/echo.proto'];
const FOO = { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] };

const { target, server } = await startServer();
t.teardown(() => server.forceShutdown());

const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

t.test('unary: JSON argument in, proto3 JSON line out, exit 0', async (t) => {
  const r = await wiregrpc(['call', target, 'proto.UserInfo/GetUserInfo', '{"name":"foo"}', ...PROTO]);
  t.equal(r.stderr, '');
  t.equal(r.code, 0);
  t.equal(r.stdout, JSON.stringify(FOO) + '\n');
  // pkg.Service.Method works too, and the request may come from stdin.
  const dotted = await wiregrpc(['call', target, 'proto.UserInfo.GetUserInfo', ...PROTO], {
    stdin: '{\n  "name": "foo"\n}\n',
  });
  t.same([dotted.code, jsonLines(dotted.stdout)], [0, [FOO]]);
});

t.test('without --proto: the types come from server reflection', async (t) => {
  const r = await wiregrpc(['call', target, 'proto.UserInfo/GetUserInfo', '{"name":"foo"}']);
  t.equal(r.stderr, '');
  t.same([r.code, jsonLines(r.stdout)], [0, [FOO]]);
  const stream = await wiregrpc(['call', target, 'wiregrpc.test.Echo/ServerStream', '{"text":"hi","count":2}']);
  t.same([stream.code, jsonLines(stream.stdout)], [0, [{ text: 'hi' }, { text: 'hi', index: 1 }]]);
});

t.test('reflection: falls back to v1alpha when v1 is UNIMPLEMENTED', async (t) => {
  const old = await startServer({ reflection: 'v1alpha' });
  t.teardown(() => old.server.forceShutdown());
  const r = await wiregrpc(['call', old.target, 'proto.UserInfo/GetUserInfo', '{"name":"foo"}']);
  t.equal(r.stderr, '');
  t.same([r.code, jsonLines(r.stdout)], [0, [FOO]]);
});

t.test('no reflection and no --proto: UNIMPLEMENTED (12), saying what to do', async (t) => {
  const bare = await startServer({ reflection: 'none' });
  t.teardown(() => bare.server.forceShutdown());
  const r = await wiregrpc(['call', bare.target, 'proto.UserInfo/GetUserInfo', '{"name":"foo"}']);
  t.equal(r.code, 12);
  t.equal(r.stdout, '');
  t.match(
    r.stderr,
    /^UNIMPLEMENTED: the server has no reflection service .*\(target 127\.0\.0\.1:\d+, method \/proto\.UserInfo\/GetUserInfo\)\n$/,
  );
});

t.test('server-streaming: one JSON line per response', async (t) => {
  const r = await wiregrpc(['call', target, 'wiregrpc.test.Echo/ServerStream', '{"text":"tick","count":3}', ...PROTO]);
  t.equal(r.code, 0);
  t.same(jsonLines(r.stdout), [{ text: 'tick' }, { text: 'tick', index: 1 }, { text: 'tick', index: 2 }]);
  const none = await wiregrpc(['call', target, 'wiregrpc.test.Echo/ServerStream', '{"count":0}', ...PROTO]);
  t.same([none.code, none.stdout], [0, ''], 'zero responses, OK');
});

t.test('client-streaming: one JSON request a line from stdin', async (t) => {
  const r = await wiregrpc(['call', target, 'wiregrpc.test.Echo/ClientStream', ...PROTO], {
    stdin: '{"text":"a"}\n\n{"text":"b"}\n{"text":"c"}\n',
  });
  t.equal(r.stderr, '');
  t.same([r.code, jsonLines(r.stdout)], [0, [{ text: 'a+b+c', index: 3 }]], 'blank lines skipped');
  const single = await wiregrpc(['call', target, 'wiregrpc.test.Echo/ClientStream', '{"text":"only"}', ...PROTO]);
  t.same(jsonLines(single.stdout), [{ text: 'only', index: 1 }], 'the JSON argument is the one message');
});

t.test('bidi: requests from stdin, responses as they come', async (t) => {
  const r = await wiregrpc(['call', target, 'wiregrpc.test.Echo/Bidi', ...PROTO], {
    stdin: '{"text":"x"}\n{"text":"y"}\n',
  });
  t.equal(r.stderr, '');
  t.same([r.code, jsonLines(r.stdout)], [0, [{ text: 'X' }, { text: 'Y', index: 1 }]]);
});

t.test("request JSON that does not parse or fit is the caller's mistake: exit 2, no target", async (t) => {
  const r = await wiregrpc(['call', target, 'wiregrpc.test.Echo/ClientStream', ...PROTO], {
    stdin: '{"text":"a"}\n{"text":\n',
  });
  t.equal(r.code, 2, 'a bad line stops the stream');
  t.match(r.stderr, /^wiregrpc call: stdin line 2: invalid JSON/);
  const typo = await wiregrpc(['call', target, 'proto.UserInfo/GetUserInfo', '{"name":"foo"', ...PROTO]);
  t.equal(typo.code, 2);
  t.match(typo.stderr, /^wiregrpc call: request: invalid JSON/);
  const field = await wiregrpc(['call', target, 'proto.UserInfo/GetUserInfo', '{"nmae":"foo"}', ...PROTO]);
  t.equal(field.code, 2);
  t.match(field.stderr, /^wiregrpc call: request: .*proto\.UserRequest.*nmae/);
  for (const { stderr } of [r, typo, field]) {
    t.notMatch(stderr, /target|INVALID_ARGUMENT|--help/, 'no server was involved; --help would not help');
    t.equal(stderr.split('\n').length, 2, 'one line');
  }
});

t.test('a .proto with a mistake: exit 2, file:line:column, no target', async (t) => {
  const dir = t.testdir({
    'bad.proto': 'syntax = "proto3";\npackage bad;\nmessage A {\n  string b = 2 int32 c = 3;\n}\n',
  });
  const r = await wiregrpc(['call', target, 'bad.S/M', '{}', '--proto', join(dir, 'bad.proto')]);
  t.equal(r.code, 2);
  t.match(r.stderr, /^wiregrpc call: \S*bad\.proto:4:16: illegal token 'int32', ';' expected\n$/);
  const missing = await wiregrpc(['call', target, 'bad.S/M', '{}', '--proto', join(dir, 'nope.proto')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /^wiregrpc call: \S*nope\.proto: cannot find the file/);
});

t.test('-H metadata (-bin values in base64) reaches the server', async (t) => {
  const r = await wiregrpc([
    'call',
    target,
    'wiregrpc.test.Echo/Unary',
    '{"text":"md"}',
    ...PROTO,
    '-H',
    'x-trace-id: abc 123',
    '-H',
    'X-Twice: 1',
    '-H',
    'x-twice: 2',
    '-H',
    'x-raw-bin: AAEC/w==',
  ]);
  t.equal(r.code, 0);
  const [reply] = jsonLines(r.stdout) as [{ text: string }];
  // A key given twice travels as two header fields, and the server's handler sees two values (it reads node's raw header list).
  t.same(JSON.parse(reply.text.slice('md '.length)), {
    'x-trace-id': ['abc 123'],
    'x-twice': ['1', '2'],
    'x-raw-bin': ['AAEC/w'],
  });
  const bad = await wiregrpc([
    'call',
    target,
    'wiregrpc.test.Echo/Unary',
    '{}',
    ...PROTO,
    '-H',
    'x-raw-bin: not base64!',
  ]);
  t.equal(bad.code, 2, 'a usage error');
  t.match(bad.stderr, /-bin value must be base64/);
});

t.test('-v: response headers, trailers and the status on stderr', async (t) => {
  const r = await wiregrpc(['call', target, 'proto.UserInfo/GetUserInfo', '{"name":"foo"}', ...PROTO, '-v']);
  t.equal(r.code, 0);
  t.same(jsonLines(r.stdout), [FOO]);
  t.equal(
    r.stderr,
    [
      'response headers:',
      '  x-user-lookup: foo',
      'response trailers:',
      '  x-served-by: test',
      'status: OK (sent 1 request, received 1 response)',
      '',
    ].join('\n'),
  );
});

t.test('a status from the server: CODE_NAME: message, exit = the code', async (t) => {
  const r = await wiregrpc(['call', target, 'proto.UserInfo/GetUserInfo', '{"name":"bar"}', ...PROTO]);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  t.equal(r.stderr, `UNKNOWN: unknown user: name = bar (target ${target}, method /proto.UserInfo/GetUserInfo)\n`);
  const withTrailers = await wiregrpc(['call', target, 'proto.UserInfo/GetUserInfo', '{"name":"bar"}', ...PROTO, '-v']);
  t.match(
    withTrailers.stderr,
    /response trailers:\n  x-served-by: test\n/,
    '-v shows the trailers of a failed call too',
  );
});

t.test('--timeout: DEADLINE_EXCEEDED, exit 4', async (t) => {
  const r = await wiregrpc([
    'call',
    target,
    'wiregrpc.test.Echo/Unary',
    '{"text":"slow","delayMs":5000}',
    ...PROTO,
    '--timeout',
    '300ms',
  ]);
  t.equal(r.code, 4);
  t.match(r.stderr, new RegExp(`^DEADLINE_EXCEEDED: deadline exceeded .*target ${target.replace(/\./g, '\\.')}`));
  const ok = await wiregrpc([
    'call',
    target,
    'wiregrpc.test.Echo/Unary',
    '{"text":"fast","delayMs":10}',
    ...PROTO,
    '--timeout',
    '10',
  ]);
  t.equal(ok.code, 0, 'plain seconds');
});

t.test('unreachable target: UNAVAILABLE, exit 14, naming the target and the cause', async (t) => {
  // A port nobody listens on: bind one, then close it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const r = await wiregrpc(['call', `127.0.0.1:${port}`, 'proto.UserInfo/GetUserInfo', '{"name":"foo"}', ...PROTO]);
  t.equal(r.code, 14);
  t.match(r.stderr, new RegExp(`^UNAVAILABLE: .*ECONNREFUSED.*127\\.0\\.0\\.1:${port}`));
  t.equal(r.stderr.split('\n').length, 2, 'one line');
});

t.test("unknown service or method: exit 2 listing what exists; the server's own NOT_FOUND is exit 5", async (t) => {
  const method = await wiregrpc(['call', target, 'proto.UserInfo/GetUser', '{}', ...PROTO]);
  t.equal(method.code, 2);
  t.match(method.stderr, /^wiregrpc call: service proto\.UserInfo has no method GetUser \(methods: GetUserInfo\)\n$/);
  const local = await wiregrpc(['call', target, 'proto.Nope/Get', '{}', ...PROTO]);
  t.equal(local.code, 2, 'not in the --proto files');
  t.match(local.stderr, /^wiregrpc call: --proto: unknown service 'proto\.Nope' \(known services: .*proto\.UserInfo/);
  const reflected = await wiregrpc(['call', target, 'proto.UserInfo/GetUser', '{}']);
  t.equal(reflected.code, 2, 'a method the reflected service lacks');
  const service = await wiregrpc(['call', target, 'proto.Nope/Get', '{}']);
  t.equal(service.code, 5, 'the server, through reflection, says it has no such service');
  t.match(service.stderr, /^NOT_FOUND: reflection: symbol proto\.Nope/);
});

t.test('command-line mistakes exit 2 with a usage hint', async (t) => {
  for (const args of [
    ['call', target],
    ['call', target, 'NoSlash', '{}'],
    ['call', target, 'a.B/C', '{}', '--timeout', 'soon'],
    ['call', target, 'a.B/C', '--plaintext', '--tls'],
  ]) {
    const r = await wiregrpc(args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, /Run 'wiregrpc call --help' for usage\./);
  }
});

t.test('TLS: --cacert verifies the server; --cert/--key for mutual TLS', async (t) => {
  const certs = makeCerts();
  t.teardown(certs.cleanup);
  const secure = await startServer({
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true },
  });
  t.teardown(() => secure.server.forceShutdown());
  const tlsArgs = [
    '--cacert',
    join(certs.dir, 'ca.pem'),
    '--cert',
    join(certs.dir, 'client.pem'),
    '--key',
    join(certs.dir, 'client.key'),
  ];
  const r = await wiregrpc(['call', secure.target, 'proto.UserInfo/GetUserInfo', '{"name":"foo"}', ...tlsArgs]);
  t.equal(r.stderr, '');
  t.same([r.code, jsonLines(r.stdout)], [0, [FOO]], 'mutual TLS, types through reflection over TLS');
  const plain = await wiregrpc(['call', secure.target, 'proto.UserInfo/GetUserInfo', '{"name":"foo"}', ...PROTO]);
  t.equal(plain.code, 14, 'plaintext to a TLS server: UNAVAILABLE');
  const untrusted = await wiregrpc([
    'call',
    secure.target,
    'proto.UserInfo/GetUserInfo',
    '{"name":"foo"}',
    ...PROTO,
    '--tls',
  ]);
  t.equal(untrusted.code, 14, 'a certificate the system CAs do not know: UNAVAILABLE');
  t.match(untrusted.stderr, /^UNAVAILABLE: .*certificate/i);
});

t.test('parseDuration: --timeout values', async (t) => {
  t.equal(parseDuration('5s'), 5000);
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('1.5m'), 90_000);
  t.equal(parseDuration('2h'), 7_200_000);
  t.equal(parseDuration('250us'), 0.25);
  t.equal(parseDuration('2.5'), 2500, 'plain seconds');
  for (const bad of ['', 's', '5 sec', '-1s', '0', '1e3'])
    t.throws(() => parseDuration(bad), { name: 'UsageError' }, bad);
});

t.test('splitMethod and -H parsing', async (t) => {
  t.same(splitMethod('proto.UserInfo/GetUserInfo'), ['proto.UserInfo', 'GetUserInfo']);
  t.same(splitMethod('/proto.UserInfo/GetUserInfo'), ['proto.UserInfo', 'GetUserInfo']);
  t.same(splitMethod('proto.UserInfo.GetUserInfo'), ['proto.UserInfo', 'GetUserInfo']);
  t.throws(() => splitMethod('GetUserInfo'), { name: 'UsageError' });
  t.throws(() => splitMethod('proto.UserInfo/'), { name: 'UsageError' });
  const md = metadataFromArgs(
    parseArgs(['-H', 'Key: a: b', '-H', 'k-bin: AQI'], { header: { short: 'H', value: 'H', repeat: true, help: '' } }),
  );
  t.same(md.toJSON(), { key: ['a: b'], 'k-bin': ['AQI'] });
  t.throws(
    () =>
      metadataFromArgs(parseArgs(['-H', 'novalue'], { header: { short: 'H', value: 'H', repeat: true, help: '' } })),
    { name: 'UsageError' },
  );
});
