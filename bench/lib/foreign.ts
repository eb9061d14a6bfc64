/**
 * Reference servers in other languages for the server unary suite: Python grpcio and grpc-go, built with the
 * toolchain helpers the cross-language tests use (protoc codegen, offline GOPATH build). Optional rows: a missing
 * toolchain skips them with the reason, except under CI, where it is a failure.
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
import type { Ctx } from './suite.js';

export const FOREIGN_SERVERS = ['grpc-go', 'grpcio'] as const;

export class MissingToolchain extends Error {}

export async function startForeign(ctx: Ctx, impl: string, probe: (url: string) => Promise<void>): Promise<Started> {
  const needs = impl === 'grpcio' ? [pythonToolchain()] : [goToolchain()];
  const reason = missingReason(needs);
  if (reason) {
    if (ctx.ci) throw new Error(reason);
    throw new MissingToolchain(reason);
  }
  const peer =
    impl === 'grpcio'
      ? await startProcess(PYTHON, [join(ROOT, 'bench', 'peers', 'python', 'userinfo_server.py')], {
          cpu: ctx.cpu.server,
          env: { ...process.env, PYTHONPATH: await generatePython(['proto/userinfo.proto']) },
        })
      : await startProcess(
          (
            await buildGo({
              protos: ['proto/userinfo.proto'],
              mains: ['bench/peers/go/bench_userinfo_server'],
            })
          ).bench_userinfo_server!,
          [],
          { cpu: ctx.cpu.server, timeoutMs: 30_000 },
        );
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
