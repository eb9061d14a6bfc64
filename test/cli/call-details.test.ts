// `wiregrpc call -v` and the rich error model: the status's details, one proto3 JSON line
// each under "status details:" on stderr, before the usual `CODE_NAME: message` line.
// The google.rpc types are built in; other types come from --proto or server reflection;
// a type neither knows is printed as its type URL and bytes. Without -v, no details.
import t from 'tap';
import { Code, GrpcError, Server, loadProtoSync } from '../../src/service/index.js';
import { addReflection } from '../../src/service/reflection.js';
import { BadRequest, RetryInfo, detail } from '../../src/service/rpc/error-details.js';
import { anyPack } from '../../src/wire/grpc/any.js';
import { killChildren, wiregrpc } from './spawn-cli.js';

t.teardown(killChildren);

const protos = loadProtoSync(['proto/userinfo.proto', 'test/protos/echo.proto']);
const EchoReply = protos.codec('wiregrpc.test.EchoReply');

const server = new Server();
server.add(protos.service('proto.UserInfo'), {
  GetUserInfo({ name }: { name: string }) {
    throw new GrpcError(Code.INVALID_ARGUMENT, `bad request: name = ${name}`, {
      details: [
        detail(BadRequest, { fieldViolations: [{ field: 'name', description: 'must not be bad' }] }),
        detail(RetryInfo, { retryDelay: { seconds: 2, nanos: 500_000_000 } }),
        anyPack(EchoReply, { text: 'custom', index: 7, payload: new Uint8Array() }),
        { typeUrl: 'type.googleapis.com/nobody.Knows', value: new Uint8Array([8, 1]) },
      ],
    });
  },
});
addReflection(server, [protos]);
const address = await server.listen('127.0.0.1:0');
t.teardown(() => server.forceShutdown());
if (!('port' in address)) throw new Error('expected a TCP address');
const target = `127.0.0.1:${address.port}`;
const CALL = ['call', target, 'proto.UserInfo/GetUserInfo', '{"name":"bad"}'];

const BUILT_IN = [
  '  {"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"name","description":"must not be bad"}]}',
  '  {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2.500s"}',
];
const CUSTOM = '  {"@type":"type.googleapis.com/wiregrpc.test.EchoReply","text":"custom","index":7}';
const CUSTOM_UNKNOWN = '  {"@type":"type.googleapis.com/wiregrpc.test.EchoReply","@bytes":"CgZjdXN0b20QBw=="}';
const NOBODY = '  {"@type":"type.googleapis.com/nobody.Knows","@bytes":"CAE="}';
const STATUS = `INVALID_ARGUMENT: bad request: name = bad (target ${target}, method /proto.UserInfo/GetUserInfo)`;

/** The "status details:" block of a -v run, and the last line. */
function detailsOf(stderr: string): { details: string[]; last: string } {
  const lines = stderr.trimEnd().split('\n');
  const start = lines.indexOf('status details:');
  const details = start < 0 ? [] : lines.slice(start + 1).filter((l) => l.startsWith('  {'));
  return { details, last: lines[lines.length - 1]! };
}

t.test('-v with --proto: built-in google.rpc types and the --proto ones as JSON', async (t) => {
  const r = await wiregrpc([...CALL, '--proto', 'proto/userinfo.proto', '--proto', 'test/protos/echo.proto', '-v']);
  t.equal(r.code, Code.INVALID_ARGUMENT);
  t.same(detailsOf(r.stderr), { details: [...BUILT_IN, CUSTOM, NOBODY], last: STATUS });
});

t.test('-v with reflection: the server tells the custom type', async (t) => {
  const r = await wiregrpc([...CALL, '-v']);
  t.equal(r.code, Code.INVALID_ARGUMENT);
  t.same(detailsOf(r.stderr), { details: [...BUILT_IN, CUSTOM, NOBODY], last: STATUS });
});

t.test('-v with a --proto that lacks the custom type: its bytes, the rest as JSON', async (t) => {
  const r = await wiregrpc([...CALL, '--proto', 'proto/userinfo.proto', '-v']);
  t.same(detailsOf(r.stderr), { details: [...BUILT_IN, CUSTOM_UNKNOWN, NOBODY], last: STATUS });
});

t.test('without -v: the one status line, no details', async (t) => {
  const r = await wiregrpc([...CALL, '--proto', 'proto/userinfo.proto']);
  t.equal(r.code, Code.INVALID_ARGUMENT);
  t.equal(r.stderr, `${STATUS}\n`);
});
