/**
 * Who takes part in the interop matrix: every client and server program, how
 * to start it, and what each peer library cannot do (with the reason).
 * Our own client and server appear in no gap list: they implement everything.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PYTHON, REPO_ROOT } from '../../helpers/peers.js';
import type { CaseName } from '../harness.js';
import { HOST_OVERRIDE, type InteropCertFiles } from '../certs.js';
import { PEERS, goBinaries, pythonGenDir } from './build.js';

export type PeerName = 'wiregrpc' | 'grpc-js' | 'python' | 'go';
export const PEER_NAMES: readonly PeerName[] = ['wiregrpc', 'grpc-js', 'python', 'go'];

const GO_NO_RESPONSE_CONTROL =
  'grpc-go 1.33 server: response compression is set per server (RPCCompressor) or mirrors the request grpc-encoding, never per call or per message (CompressedResponse)';

/** Cases a peer's server cannot serve as the spec asks: the matrix does not run them against it. */
export const SERVER_GAPS: Record<PeerName, Partial<Record<CaseName, string>>> = {
  wiregrpc: {},
  'grpc-js': {
    client_compressed_unary:
      'grpc-js server: a handler cannot tell whether a request message arrived compressed (CompressedRequest)',
    client_compressed_streaming:
      'grpc-js server: a handler cannot tell whether a request message arrived compressed (CompressedRequest)',
    server_compressed_unary:
      'grpc-js server never compresses responses: its serializer always writes flag 0 (CompressedResponse)',
    server_compressed_streaming:
      'grpc-js server never compresses responses: its serializer always writes flag 0 (CompressedResponse)',
  },
  python: {
    client_compressed_unary:
      'grpcio server: the servicer context does not tell whether a request message arrived compressed (CompressedRequest)',
    client_compressed_streaming:
      'grpcio server: the servicer context does not tell whether a request message arrived compressed (CompressedRequest)',
  },
  go: {
    server_compressed_unary: GO_NO_RESPONSE_CONTROL,
    server_compressed_streaming: GO_NO_RESPONSE_CONTROL,
  },
};

/** Cases a peer's client reports as `skip` (it says why); any other skip fails the matrix. */
export const CLIENT_GAPS: Record<PeerName, readonly CaseName[]> = {
  wiregrpc: [],
  'grpc-js': [],
  python: ['client_compressed_streaming'],
  go: ['client_compressed_streaming'],
};

export interface Program {
  cmd: string;
  args: string[];
}

export interface Roster {
  server(peer: PeerName, tls: boolean): Program;
  client(peer: PeerName, port: number, tls: boolean, cases: readonly string[]): Program;
}

/**
 * Where the compiled interop programs are: dist/ (npm run build), or another
 * build of the same tree named by INTEROP_DIST (e.g. `tsc -p tsconfig.build.json
 * --outDir test/.gen/dist`, a snapshot no concurrent build can change mid-run).
 */
export const DIST = process.env.INTEROP_DIST ? resolve(REPO_ROOT, process.env.INTEROP_DIST) : join(REPO_ROOT, 'dist');
const dist = (file: string) => join(DIST, 'test/interop', file);

/** Builds (generates, compiles) every peer and returns how to start each. Throws if something is missing. */
export async function makeRoster(certs: InteropCertFiles): Promise<Roster> {
  for (const file of ['server.js', 'client.js', 'peers/grpcjs-server.js', 'peers/grpcjs-client.js']) {
    if (!existsSync(dist(file)))
      throw new Error(`${dist(file)} is missing: run \`npm run build\` first (npm run test:interop does)`);
  }
  const [pyGen, go] = await Promise.all([pythonGenDir(), goBinaries()]);
  const serverTls = (tls: boolean) =>
    tls ? ['--use_tls=true', `--tls_cert_file=${certs.certFile}`, `--tls_key_file=${certs.keyFile}`] : [];
  const servers: Record<PeerName, Program> = {
    wiregrpc: { cmd: process.execPath, args: [dist('server.js')] },
    'grpc-js': { cmd: process.execPath, args: [dist('peers/grpcjs-server.js')] },
    python: { cmd: PYTHON, args: [join(PEERS, 'python/interop_server.py'), `--gen_dir=${pyGen}`] },
    go: { cmd: go.server, args: [] },
  };
  const clients: Record<PeerName, Program> = {
    wiregrpc: { cmd: process.execPath, args: [dist('client.js')] },
    'grpc-js': { cmd: process.execPath, args: [dist('peers/grpcjs-client.js')] },
    python: { cmd: PYTHON, args: [join(PEERS, 'python/interop_client.py'), `--gen_dir=${pyGen}`] },
    go: { cmd: go.client, args: [] },
  };
  return {
    server: (peer, tls) => ({ cmd: servers[peer].cmd, args: [...servers[peer].args, '--port=0', ...serverTls(tls)] }),
    client: (peer, port, tls, cases) => ({
      cmd: clients[peer].cmd,
      args: [
        ...clients[peer].args,
        '--server_host=127.0.0.1',
        `--server_port=${port}`,
        `--test_case=${cases.join(',')}`,
        ...(tls
          ? [
              '--use_tls=true',
              '--use_test_ca=true',
              `--ca_file=${certs.caFile}`,
              `--server_host_override=${HOST_OVERRIDE}`,
            ]
          : []),
      ],
    }),
  };
}
