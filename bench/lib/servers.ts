/** Starting the bench servers (each its own process on the server core) and checking them before any load. */
import { peerScript } from './paths.js';
import { startPeer, type Peer } from './proc.js';
import type { Ctx } from './suite.js';
import { errorText, profileFlags } from './suite.js';

/** wiregrpc's server on its own HTTP/2 (src/h2): the same program, `WIREGRPC_TRANSPORT=wiregrpc`. */
export const OWN_H2 = 'wiregrpc (own h2)';

/** What an implementation's process gets in its environment beyond ours. */
const SERVER_ENV: Readonly<Record<string, NodeJS.ProcessEnv>> = {
  wiregrpc: { WIREGRPC_TRANSPORT: 'node:http2' },
  [OWN_H2]: { WIREGRPC_TRANSPORT: 'wiregrpc' },
};

/** Implementation name → compiled peer program under dist/bench/peers. */
export const SERVER_PEERS: Readonly<Record<string, string>> = {
  wiregrpc: 'wiregrpc-server',
  [OWN_H2]: 'wiregrpc-server',
  'grpc-js': 'grpcjs-server',
  raw: 'raw-server',
};

export interface Started {
  peer: Peer;
  url: string;
  target: string;
}

/** Start one server and probe it; throws with the reason if it does not start or answers wrongly. */
export async function startServer(
  ctx: Ctx,
  impl: string,
  probe: (url: string) => Promise<void>,
  label = 'server',
): Promise<Started> {
  const script = SERVER_PEERS[impl];
  if (!script) throw new Error(`no server peer for ${impl}`);
  const nodeFlags = profileFlags(ctx, `${label}-${script}-${Date.now()}`);
  const env = SERVER_ENV[impl] === undefined ? undefined : { ...process.env, ...SERVER_ENV[impl] };
  const peer = await startPeer(peerScript(script), [], { cpu: ctx.cpu.server, nodeFlags, env });
  const target = `127.0.0.1:${peer.info.port}`;
  const url = `http://${target}`;
  try {
    await probe(url);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return { peer, url, target };
}

/** Start every server; those that fail are reported through onFail and left out of the returned map. */
export async function startServers(
  ctx: Ctx,
  impls: readonly string[],
  probe: (url: string) => Promise<void>,
  onFail: (impl: string, error: string) => void,
  label = 'server',
): Promise<Map<string, Started>> {
  const out = new Map<string, Started>();
  for (const impl of impls) {
    try {
      out.set(impl, await startServer(ctx, impl, probe, label));
      ctx.log(`  ${impl} server up on ${out.get(impl)!.target} (probe: grpc-status 0, response checked)`);
    } catch (err) {
      onFail(impl, errorText(err));
    }
  }
  return out;
}

export async function stopServers(servers: Map<string, Started>): Promise<void> {
  await Promise.all([...servers.values()].map((s) => s.peer.stop()));
  servers.clear();
}
