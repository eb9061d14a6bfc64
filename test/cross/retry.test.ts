/**
 * Retries (gRFC A6) across languages, with proto.UserInfo/GetUserInfo:
 *
 * - grpc-go 1.33's client, given a retry service config, against our server
 *   that fails the first two attempts with UNAVAILABLE: three attempts reach
 *   us, numbered by grpc-previous-rpc-attempts as the spec says, and the call
 *   succeeds.
 * - our client, given the same config, against a grpc-go server that fails
 *   twice: the same three attempts, seen (and printed) by grpc-go.
 */
import { join } from 'node:path';
import t from 'tap';
import '../helpers/own-h2-client.js'; // transport 'wiregrpc' (WIREGRPC_TRANSPORT) available to the channels made here
import { createClient } from '../../src/service/client.js';
import type { ServerContext } from '../../src/service/context.js';
import { loadProtoSync } from '../../src/service/load.js';
import { Server } from '../../src/service/server.js';
import { Code } from '../../src/wire/grpc/code.js';
import { GrpcError } from '../../src/wire/grpc/error.js';
import { PEERS_DIR, REPO_ROOT, buildGo, goToolchain, peerTest, runPeer, spawnPeer } from '../helpers/peers.js';

const PROTO = 'proto/userinfo.proto';
const UserInfo = loadProtoSync(join(REPO_ROOT, PROTO)).service('proto.UserInfo');
const go = goToolchain();
const binaries = () => buildGo({ protos: [PROTO], mains: [join(PEERS_DIR, 'go/retry_peer')] });

const SERVICE_CONFIG = {
  methodConfig: [
    {
      name: [{ service: 'proto.UserInfo' }],
      retryPolicy: {
        maxAttempts: 4,
        initialBackoff: '0.05s',
        maxBackoff: '0.2s',
        backoffMultiplier: 2,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    },
  ],
};

void peerTest(t, 'grpc-go client with a retry policy → wiregrpc server failing twice', [go], async (t) => {
  t.setTimeout(120_000);
  const { retry_peer: bin } = await binaries();
  const seen: Array<string | undefined> = [];
  const server = new Server();
  server.add(UserInfo, {
    getUserInfo: async (request: { name: string }, ctx: ServerContext) => {
      const previous = ctx.metadata.get('grpc-previous-rpc-attempts');
      seen.push(typeof previous === 'string' ? previous : undefined);
      if (seen.length <= 2) throw new GrpcError(Code.UNAVAILABLE, `failing attempt ${seen.length - 1} on purpose`);
      return { id: 1, name: request.name };
    },
  });
  const { port } = (await server.listen('127.0.0.1:0')) as { port: number };
  t.teardown(() => server.shutdown());
  const out = await runPeer(
    bin!,
    ['-mode', 'client', '-target', `127.0.0.1:${port}`, '-config', JSON.stringify(SERVICE_CONFIG)],
    { env: { GRPC_GO_RETRY: 'on' } },
  );
  t.equal(out.code, 0, `the call succeeded (stdout: ${out.stdout}, stderr: ${out.stderr})`);
  t.equal(out.stdout.trim(), 'foo');
  t.same(seen, [undefined, '1', '2'], 'three attempts; grpc-previous-rpc-attempts absent, then 1, then 2');
});

void peerTest(t, 'wiregrpc client with a retry policy → grpc-go server failing twice', [go], async (t) => {
  t.setTimeout(120_000);
  const { retry_peer: bin } = await binaries();
  const server = await spawnPeer(t, bin!, ['-mode', 'server', '-port', '0', '-fail', '2']);
  const client = createClient(UserInfo, `127.0.0.1:${server.port}`, { serviceConfig: SERVICE_CONFIG });
  t.teardown(() => client.close());
  const reply = (await client.getUserInfo({ name: 'foo' }, { timeout: 10_000 })) as { id: number; name: string };
  t.same(reply, { id: 1, name: 'foo', age: 0, hobby: [] });
  // The peer prints each attempt as it handles it; its last line may reach us just after the reply does.
  const attemptLines = () =>
    server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('attempt '));
  for (let i = 0; i < 100 && attemptLines().length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  const attempts = attemptLines();
  t.same(
    attempts,
    ['attempt 0 previous=none', 'attempt 1 previous=1', 'attempt 2 previous=2'],
    'grpc-go saw three attempts, numbered as the spec says',
  );

  // And the policy's limit holds against it: a server failing more often than maxAttempts allows.
  const stubborn = await spawnPeer(t, bin!, ['-mode', 'server', '-port', '0', '-fail', '9']);
  const again = createClient(UserInfo, `127.0.0.1:${stubborn.port}`, { serviceConfig: SERVICE_CONFIG });
  t.teardown(() => again.close());
  const err = await again.getUserInfo({ name: 'foo' }).then(
    () => undefined,
    (e: unknown) => e as GrpcError,
  );
  t.equal(err?.code, Code.UNAVAILABLE);
  t.equal(err?.rawMessage, 'failing attempt 3 on purpose', "the last attempt's status");
});
