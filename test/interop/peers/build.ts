/**
 * Builds the interop peers on top of test/helpers/peers.ts (toolchains,
 * protoc, offline Go builds): Python modules and Go binaries generated at test
 * time from the interop protos. The peers use the official protos
 * (/usr/share/grpc-proto) when present, so they never share a mistake with
 * ours; proto-compat.test.ts checks ours against the same files.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, buildGo, generatePython } from '../../helpers/peers.js';
import { defaultProtoDir } from './grpcjs-proto.js';

export const INTEROP_PROTOS = ['grpc/testing/test.proto', 'grpc/testing/messages.proto', 'grpc/testing/empty.proto'];
export const PEERS = join(REPO_ROOT, 'test/interop/peers');

/** The folder the peers' protos come from: the official ones when installed, else ours. */
export function peerProtoDir(): string {
  return defaultProtoDir();
}

/**
 * Python modules for the interop protos, importable as `wgi.grpc.testing.*`.
 * Generated from a copy of the protos under a `wgi/` prefix: at their own path
 * they would become the Python package `grpc.testing`, which shadows grpcio's
 * `grpc`. Only import paths change; proto packages and names stay as they are.
 */
export async function pythonGenDir(): Promise<string> {
  const src = join(REPO_ROOT, 'test/.gen/interop-python-protos');
  const dir = join(src, 'wgi/grpc/testing');
  mkdirSync(dir, { recursive: true });
  for (const file of INTEROP_PROTOS) {
    const text = readFileSync(join(peerProtoDir(), file), 'utf8').replaceAll(
      'import "grpc/testing/',
      'import "wgi/grpc/testing/',
    );
    writeFileSync(join(src, 'wgi', file), text);
  }
  return generatePython(
    INTEROP_PROTOS.map((f) => join(src, 'wgi', f)),
    { includeDirs: [src] },
  );
}

/** The Go interop server and client binaries (grpc-go 1.33, GOPATH mode, offline). */
export async function goBinaries(): Promise<{ server: string; client: string }> {
  const dir = peerProtoDir();
  const built = await buildGo({
    protos: INTEROP_PROTOS.map((f) => join(dir, f)),
    includeDirs: [dir],
    mains: [join(PEERS, 'go/server'), join(PEERS, 'go/client')],
  });
  return { server: built['server']!, client: built['client']! };
}
