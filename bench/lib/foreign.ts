/**
 * Reference peers in other languages: Python grpcio (a server, for the server unary suite) and grpc-go (a server
 * for the server unary, streaming and memory suites, bench/peers/go/bench_server; a client for the client unary
 * suite, bench/peers/go/bench_client), built with the toolchain helpers the cross-language tests use (protoc
 * codegen, offline GOPATH build). Optional rows: a missing toolchain skips them with the reason, except under CI,
 * where it is a failure.
 */
import { join } from 'node:path';
import {
  buildGo,
  generatePython,
  goToolchain,
  missingReason,
  PYTHON,
  pythonToolchain,
} from '../../test/helpers/peers.js';
import { ROOT } from './paths.js';
import { startProcess } from './proc.js';
import type { Started } from './servers.js';
import { errorText, type Ctx } from './suite.js';

export const FOREIGN_SERVERS = ['grpc-go', 'grpcio'] as const;

export class MissingToolchain extends Error {}

/** Both grpc-go programs, built once per bench run (buildGo caches by its options). */
function buildGoPeers(): Promise<Record<string, string>> {
  return buildGo({
    protos: ['proto/userinfo.proto', 'bench/proto/bench.proto'],
    mains: ['bench/peers/go/bench_server', 'bench/peers/go/bench_client'],
  });
}

/** Why `impl`'s row cannot run here (its toolchain is missing), or undefined; under CI a missing one throws. */
export function foreignMissing(ctx: Ctx, impl: string): string | undefined {
  try {
    requireToolchain(ctx, impl);
    return undefined;
  } catch (err) {
    if (err instanceof MissingToolchain) return err.message;
    throw err;
  }
}

function requireToolchain(ctx: Ctx, impl: string): void {
  const reason = missingReason(impl === 'grpcio' ? [pythonToolchain()] : [goToolchain()]);
  if (reason) {
    if (ctx.ci) throw new Error(reason);
    throw new MissingToolchain(reason);
  }
}

/** The grpc-go client load generator's binary (flags: -target -concurrency -duration -warmup). */
export async function goClient(ctx: Ctx): Promise<string> {
  requireToolchain(ctx, 'grpc-go');
  return (await buildGoPeers()).bench_client!;
}

export async function startForeign(ctx: Ctx, impl: string, probe: (url: string) => Promise<void>): Promise<Started> {
  requireToolchain(ctx, impl);
  const peer =
    impl === 'grpcio'
      ? await startProcess(PYTHON, [join(ROOT, 'bench', 'peers', 'python', 'userinfo_server.py')], {
          cpu: ctx.cpu.server,
          env: { ...process.env, PYTHONPATH: await generatePython(['proto/userinfo.proto']) },
        })
      : await startProcess((await buildGoPeers()).bench_server!, [], { cpu: ctx.cpu.server, timeoutMs: 30_000 });
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

/**
 * Adds the grpc-go server to `servers` as a reference row of a suite whose Node servers are already up: a missing
 * toolchain (outside CI) is a note, any other failure is reported through onFail.
 */
export async function addGoServer(
  ctx: Ctx,
  servers: Map<string, Started>,
  probe: (url: string) => Promise<void>,
  notes: string[],
  onFail: (impl: string, error: string) => void,
): Promise<void> {
  try {
    ctx.log('  grpc-go: building and starting (reference row)…');
    servers.set('grpc-go', await startForeign(ctx, 'grpc-go', probe));
    ctx.log(`  grpc-go server up on ${servers.get('grpc-go')!.target} (probe checked)`);
  } catch (err) {
    if (!(err instanceof MissingToolchain)) return onFail('grpc-go', errorText(err));
    notes.push(`grpc-go row skipped: ${err.message}`);
    ctx.log(`  grpc-go skipped: ${err.message}`);
  }
}
