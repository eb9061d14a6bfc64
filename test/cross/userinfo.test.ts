/**
 * The seed service, proto.UserInfo/GetUserInfo, across languages: wiregrpc
 * against grpcio (Python) and grpc-go, each side as client and as server.
 *
 * Every server knows one user, "foo" → {id 1, name foo, age 12, hobby
 * [eating, sleep]}, and answers any other name with status UNKNOWN and the
 * message "unknown user: name = <name>". Every client must see exactly that.
 */
import t from 'tap';
import { join } from 'node:path';
import {
  PEERS_DIR, PYTHON, buildGo, generatePython, goToolchain, peerTest, pythonToolchain, runPeer, spawnPeer,
  type PeerResult,
} from '../helpers/peers.js';

const PROTO = 'proto/userinfo.proto';
const PY_SERVER = join(PEERS_DIR, 'python/userinfo_server.py');
const PY_CLIENT = join(PEERS_DIR, 'python/userinfo_client.py');
const GO_MAINS = [join(PEERS_DIR, 'go/userinfo_server'), join(PEERS_DIR, 'go/userinfo_client')];

const python = pythonToolchain();
const go = goToolchain();

/** The response for "foo" as both peer clients print it (protobuf text format). */
const FOO_TEXT = 'id: 1\nname: "foo"\nage: 12\nhobby: "eating"\nhobby: "sleep"';

async function pythonEnv() {
  return { PYTHONPATH: await generatePython([PROTO]) };
}
const goBinaries = () => buildGo({ protos: [PROTO], mains: GO_MAINS });

/** A peer client's run: "foo" succeeds with the expected text, "bar" fails with UNKNOWN and the shared message. */
function checkPeerClient(t: Parameters<Parameters<typeof t.test>[1]>[0], foo: PeerResult, bar: PeerResult) {
  t.equal(foo.code, 0, `foo: exit 0 (stderr: ${foo.stderr})`);
  t.equal(foo.stdout.trim(), FOO_TEXT, 'foo: the full response');
  t.equal(bar.code, 1, `bar: exit 1 (stderr: ${bar.stderr})`);
  t.equal(bar.stdout.trim(), 'UNKNOWN: unknown user: name = bar', 'bar: UNKNOWN with the server message, verbatim');
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

async function startPythonServer(t: Parameters<Parameters<typeof t.test>[1]>[0]) {
  return spawnPeer(t, PYTHON, [PY_SERVER, '--port', '0'], { env: await pythonEnv() });
}

async function startGoServer(t: Parameters<Parameters<typeof t.test>[1]>[0]) {
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
