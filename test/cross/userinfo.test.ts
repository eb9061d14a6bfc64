/**
 * The seed service, proto.UserInfo/GetUserInfo, across languages: wiregrpc
 * against grpcio (Python) and grpc-go, each side as client and as server.
 *
 * Every server knows one user, "foo" → {id 1, name foo, age 12, hobby
 * [eating, sleep]}, and answers any other name with status UNKNOWN and the
 * message "unknown user: name = <name>". Every client must see exactly that.
 */
import t, { type Test as T } from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { loadProtoSync } from '../../src/service/load.js';
import { createClient } from '../../src/service/client.js';
import {
  PEERS_DIR,
  PYTHON,
  REPO_ROOT,
  buildGo,
  generatePython,
  goToolchain,
  peerTest,
  pythonToolchain,
  runPeer,
  spawnPeer,
  type PeerResult,
} from '../helpers/peers.js';

const PROTO = 'proto/userinfo.proto';
const PY_SERVER = join(PEERS_DIR, 'python/userinfo_server.py');
const PY_CLIENT = join(PEERS_DIR, 'python/userinfo_client.py');
const GO_MAINS = [join(PEERS_DIR, 'go/userinfo_server'), join(PEERS_DIR, 'go/userinfo_client')];

const EXAMPLE_SERVER = join(REPO_ROOT, 'dist/examples/userinfo/server.js');
const EXAMPLE_CLIENT = join(REPO_ROOT, 'dist/examples/userinfo/client.js');
const UserInfo = loadProtoSync(join(REPO_ROOT, PROTO)).service('proto.UserInfo');
const FOO = { id: 1, name: 'foo', age: 12, hobby: ['eating', 'sleep'] };

const python = pythonToolchain();
const go = goToolchain();

/** The response for "foo" as both peer clients print it (protobuf text format). */
const FOO_TEXT = 'id: 1\nname: "foo"\nage: 12\nhobby: "eating"\nhobby: "sleep"';

async function pythonEnv() {
  return { PYTHONPATH: await generatePython([PROTO]) };
}
const goBinaries = () => buildGo({ protos: [PROTO], mains: GO_MAINS });

/** A peer client's run: "foo" succeeds with the expected text, "bar" fails with UNKNOWN and the shared message. */
function checkPeerClient(t: T, foo: PeerResult, bar: PeerResult) {
  t.equal(foo.code, 0, `foo: exit 0 (stderr: ${foo.stderr})`);
  t.equal(foo.stdout.trim(), FOO_TEXT, 'foo: the full response');
  t.equal(bar.code, 1, `bar: exit 1 (stderr: ${bar.stderr})`);
  t.equal(bar.stdout.trim(), 'UNKNOWN: unknown user: name = bar', 'bar: UNKNOWN with the server message, verbatim');
}

/** Our client (src, in-process) against a peer server: the decoded response, then the peer's status. */
async function checkOurClient(t: T, target: string) {
  const client = createClient(UserInfo, target);
  t.teardown(() => client.close());
  t.same(await client.getUserInfo({ name: 'foo' }, { timeout: 10_000 }), FOO, 'foo: the full response');
  const error = await client.getUserInfo({ name: 'bar' }, { timeout: 10_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(error, GrpcError, 'bar: rejects with a GrpcError');
  t.equal((error as GrpcError).code, Code.UNKNOWN, 'bar: UNKNOWN');
  t.equal((error as GrpcError).rawMessage, 'unknown user: name = bar', 'bar: the message the peer sent, verbatim');
}

async function pythonClient(port: number, host = '127.0.0.1') {
  const env = await pythonEnv();
  const call = (name: string) => runPeer(PYTHON, [PY_CLIENT, '--target', `${host}:${port}`, '--name', name], { env });
  return [await call('foo'), await call('bar')] as const;
}

async function goClient(port: number, host = '127.0.0.1') {
  const { userinfo_client: bin } = await goBinaries();
  const call = (name: string) => runPeer(bin!, ['-target', `${host}:${port}`, '-name', name]);
  return [await call('foo'), await call('bar')] as const;
}

async function startPythonServer(t: T) {
  return spawnPeer(t, PYTHON, [PY_SERVER, '--port', '0'], { env: await pythonEnv() });
}

async function startGoServer(t: T) {
  const { userinfo_server: bin } = await goBinaries();
  return spawnPeer(t, bin!, ['-port', '0']);
}

peerTest(t, 'sanity: python client → go server', [python, go], async (t) => {
  const server = await startGoServer(t);
  const [foo, bar] = await pythonClient(server.port);
  checkPeerClient(t, foo, bar);
});

peerTest(t, 'sanity: go client → python server', [python, go], async (t) => {
  const server = await startPythonServer(t);
  const [foo, bar] = await goClient(server.port);
  checkPeerClient(t, foo, bar);
});

// ---------------------------------------------------------------------------
// wiregrpc's side: the example programs (compiled, as `npm start` runs them) and the client API from src.

/** The example server (dist/examples/userinfo/server.js) on an ephemeral port, listening on [::] (dual-stack). */
async function startOurServer(t: T) {
  if (!existsSync(EXAMPLE_SERVER)) throw new Error(`${EXAMPLE_SERVER} is missing: run \`npm run build\` first`);
  const server = await spawnPeer(t, process.execPath, [EXAMPLE_SERVER], { env: { PORT: '0' } });
  t.match(server.address, /^\[::\]:\d+$/, 'the example server listens on [::]');
  return server;
}

peerTest(t, 'python client → wiregrpc server, over IPv4 and IPv6', [python], async (t) => {
  const server = await startOurServer(t);
  const [foo, bar] = await pythonClient(server.port);
  checkPeerClient(t, foo, bar);
  const [foo6, bar6] = await pythonClient(server.port, '[::1]');
  checkPeerClient(t, foo6, bar6);
});

peerTest(t, 'go client → wiregrpc server, over IPv4 and IPv6', [go], async (t) => {
  const server = await startOurServer(t);
  const [foo, bar] = await goClient(server.port);
  checkPeerClient(t, foo, bar);
  const [foo6, bar6] = await goClient(server.port, '[::1]');
  checkPeerClient(t, foo6, bar6);
});

peerTest(t, 'wiregrpc client → python server', [python], async (t) => {
  const server = await startPythonServer(t);
  await checkOurClient(t, `127.0.0.1:${server.port}`);
});

peerTest(t, 'wiregrpc client → go server', [go], async (t) => {
  const server = await startGoServer(t);
  await checkOurClient(t, `127.0.0.1:${server.port}`);
});

peerTest(t, 'example client (dist) → go server: output and exit code', [go], async (t) => {
  if (!existsSync(EXAMPLE_CLIENT)) throw new Error(`${EXAMPLE_CLIENT} is missing: run \`npm run build\` first`);
  const server = await startGoServer(t);
  const target = `127.0.0.1:${server.port}`;
  const foo = await runPeer(process.execPath, [EXAMPLE_CLIENT, target, 'foo']);
  t.equal(foo.code, 0, `foo: exit 0 (stderr: ${foo.stderr})`);
  t.same(JSON.parse(foo.stdout), FOO, 'foo: prints the response as JSON');
  const bar = await runPeer(process.execPath, [EXAMPLE_CLIENT, target, 'bar']);
  t.equal(bar.code, Code.UNKNOWN, 'bar: exits with the status code (UNKNOWN = 2)');
  t.equal(bar.stderr.trim(), 'UNKNOWN: unknown user: name = bar', 'bar: CODE_NAME: message on stderr');
  t.equal(bar.stdout, '', 'bar: nothing on stdout');
});

t.test('example client → example server: names that are Object.prototype members are unknown users too', async (t) => {
  if (!existsSync(EXAMPLE_CLIENT)) throw new Error(`${EXAMPLE_CLIENT} is missing: run \`npm run build\` first`);
  const server = await startOurServer(t);
  for (const name of ['constructor', '__proto__', 'toString']) {
    const run = await runPeer(process.execPath, [EXAMPLE_CLIENT, `127.0.0.1:${server.port}`, name]);
    t.equal(run.code, Code.UNKNOWN, `${name}: UNKNOWN`);
    t.equal(run.stderr.trim(), `UNKNOWN: unknown user: name = ${name}`, `${name}: the unknown-user message`);
  }
});
